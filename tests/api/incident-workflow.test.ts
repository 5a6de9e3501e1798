import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRANSITIONS, transitionError } from '../../api/incidents/workflow.ts'
import { INCIDENT_STATUSES } from '../../geo-data/generate/types.ts'
import { testApi, type Client } from '../helpers/api.ts'

// Incidents made here are real rows in the run's shared database; each test makes its own.
let t: Awaited<ReturnType<typeof testApi>>
let leader: Client
/** A point inside the leader's grid, one inside a sibling grid of the same street, and one outside the district. */
let inside: { lon: number; lat: number }
let sibling: { lon: number; lat: number }
const outside = { lon: 104.9, lat: 30.9 }
let G1: number
let worker: number

beforeAll(async () => {
  t = await testApi()
  leader = await t.as('leader')
  const q = async (sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows
  G1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  const pt = async (where: string, params: unknown[]) => {
    const r = (await q(`select ST_X(p) lon, ST_Y(p) lat from (select ST_PointOnSurface(geom) p from areas where ${where} order by id limit 1) s`, params))[0]
    return { lon: Number(r.lon), lat: Number(r.lat) }
  }
  inside = await pt(`parent_id = $1 and level = 'micro_grid'`, [G1])
  sibling = await pt(`level = 'micro_grid' and parent_id in (select id from areas where level = 'grid' and parent_id = (select parent_id from areas where id = $1) and id <> $1)`, [G1])
  worker = (await q(`select p.id from people p join person_areas pa on pa.person_id = p.id where pa.area_id = $1 and p.role = 'grid_member' order by p.id limit 1`, [G1]))[0].id
})
afterAll(() => t.close())

const report = (c: Client, body: object) => c.send('/api/incidents', { type: 'noise', description: 'loud music after 23:00', ...body })

describe('workflow rules', () => {
  it('allow only the listed transitions and explain a refusal', () => {
    expect(transitionError('reported', 'accepted')).toBeNull()
    expect(transitionError('reported', 'closed')).toMatch(/reported can go to accepted or returned, not closed/)
    expect(transitionError('closed', 'accepted')).toMatch(/cannot change status/)
    for (const s of INCIDENT_STATUSES) for (const to of TRANSITIONS[s]) expect(INCIDENT_STATUSES).toContain(to)
  })
})

describe('POST /api/incidents', () => {
  it('creates an incident whose areas come from its location, with its deadline and history', async () => {
    const res = await report(leader, { ...inside, reporter_name: '张女士', reporter_phone: '13800001111', source: 'hotline_12345' })
    expect(res.status).toBe(201)
    const body = await res.json()
    expect(body).toMatchObject({ type: 'noise', status: 'reported', source: 'hotline_12345', grid_id: G1, overdue: false, assignee: null })
    const { rows } = await t.db.pool.query(`select id from areas where level = 'micro_grid' and ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, [inside.lon, inside.lat])
    expect(body.micro_grid_id).toBe(rows[0].id)
    // Noise has a 48-hour deadline (incident_types).
    expect(Date.parse(body.deadline_at) - Date.parse(body.reported_at)).toBe(48 * 3600_000)
    expect(body.history).toEqual([expect.objectContaining({ from: null, to: 'reported', username: 'leader' })])
    const again = await leader.json(`/api/incidents/${body.id}`)
    expect(again.status).toBe(200)
    expect(again.body.reporter_phone).toBe('13800001111')
  })

  it('refuses bad input with a reason and writes nothing', async () => {
    // Other test files report incidents at the same time on PostgreSQL: these carry a marker instead
    // of being counted against the whole table.
    const mark = `bad input ${process.pid} ${Date.now()}`
    const written = async () => (await t.db.pool.query('select count(*)::int n from incidents where description = $1', [mark])).rows[0].n
    const cases: [object, number, RegExp][] = [
      [{ ...inside, type: 'alien_landing' }, 400, /unknown incident type/],
      [{ lon: 200, lat: 30 }, 400, /lon/],
      [{ lon: 0, lat: 0 }, 400, /\(0, 0\)/],
      [{ lat: inside.lat }, 400, /lon/],
      [{ ...inside, reported_at: '2999-01-01T00:00:00Z' }, 400, /future/],
      [{ ...inside, reporter_phone: 'call me' }, 400, /phone/],
      [outside, 422, /outside every micro-grid/],
      [sibling, 403, /outside your areas/],
    ]
    for (const [body, status, reason] of cases) {
      const res = await report(leader, { description: mark, ...body })
      const json = await res.json()
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(json.message, JSON.stringify(body)).toMatch(reason)
    }
    expect((await report(await t.as('planner'), { ...inside, description: mark })).status).toBe(403)
    expect(await written()).toBe(0)
    // The marker is what the check counts: a good report with it is counted.
    expect((await report(leader, { ...inside, description: mark })).status).toBe(201)
    expect(await written()).toBe(1)
    await t.db.pool.query('delete from incidents where description = $1', [mark])
  })
})

describe('the workflow through the API', () => {
  it('runs reported → accepted → dispatched → handled → verified → closed, recording who did what', async () => {
    const id = (await (await report(leader, inside)).json()).id
    const go = (to: string, extra: object = {}) => leader.send(`/api/incidents/${id}/transitions`, { to, comment: `to ${to}`, ...extra })
    expect((await go('accepted')).status).toBe(200)
    const noTarget = await go('dispatched')
    expect(noTarget.status).toBe(400)
    expect((await go('dispatched', { assignee_id: 1_999_999_999 })).status).toBe(400)
    const dispatched = await (await go('dispatched', { assignee_id: worker })).json()
    expect(dispatched.assignee.id).toBe(worker)
    expect((await go('handled')).status).toBe(200)
    expect((await go('verified')).status).toBe(200)
    const closed = await (await go('closed')).json()
    expect(closed.status).toBe('closed')
    expect(closed.closed_at).not.toBeNull()
    expect(closed.overdue).toBe(false)
    expect(closed.history.map((h: any) => `${h.from}>${h.to}`)).toEqual([
      'null>reported', 'reported>accepted', 'accepted>dispatched', 'dispatched>handled', 'handled>verified', 'verified>closed',
    ])
    expect(closed.history[2].detail).toEqual({ assignee_id: worker, partner_unit: null })
    expect(closed.history.every((h: any) => h.username === 'leader')).toBe(true)
    // Closed is final; editing it is refused.
    const late = await go('accepted')
    expect(late.status).toBe(409)
    expect((await late.json()).error).toBe('illegal_transition')
    expect((await leader.send(`/api/incidents/${id}`, { description: 'x' }, 'PATCH')).status).toBe(409)
  })

  it('refuses an illegal jump, sends back and re-accepts, dispatches to a partner unit', async () => {
    const id = (await (await report(leader, inside)).json()).id
    const go = (to: string, extra: object = {}) => leader.send(`/api/incidents/${id}/transitions`, { to, ...extra })
    const jump = await go('closed')
    expect(jump.status).toBe(409)
    expect((await jump.json()).message).toMatch(/accepted or returned/)
    expect((await go('returned', { comment: 'duplicate?' })).status).toBe(200)
    expect((await go('accepted')).status).toBe(200)
    expect((await go('dispatched', { assignee_id: worker, partner_unit: 'police_post' })).status).toBe(400)
    const d = await (await go('dispatched', { partner_unit: 'property_company' })).json()
    expect(d).toMatchObject({ status: 'dispatched', partner_unit: 'property_company', assignee: null })
    expect((await go('bogus')).status).toBe(400)
  })

  it('moves an incident and re-assigns its areas; a move out of the user’s areas or the district is refused', async () => {
    const made = await (await report(leader, inside)).json()
    const nudged = { lon: inside.lon + 0.00001, lat: inside.lat + 0.00001 }
    const moved = await leader.send(`/api/incidents/${made.id}`, { ...nudged, description: 'moved a little', type: 'sanitation' }, 'PATCH')
    expect(moved.status).toBe(200)
    const body = await moved.json()
    expect(body).toMatchObject({ type: 'sanitation', description: 'moved a little', grid_id: G1 })
    expect(body.geometry.coordinates[0]).toBeCloseTo(nudged.lon, 6)
    expect(body.history.at(-1).detail.edited.sort()).toEqual(['description', 'location', 'type'])
    const away = await leader.send(`/api/incidents/${made.id}`, sibling, 'PATCH')
    expect(away.status).toBe(403)
    expect((await leader.send(`/api/incidents/${made.id}`, outside, 'PATCH')).status).toBe(422)
    expect((await leader.send(`/api/incidents/${made.id}`, { lon: 104.3 }, 'PATCH')).status).toBe(400)
    expect((await leader.json(`/api/incidents/${made.id}`)).body.grid_id).toBe(G1)
    // The admin moves it into the sibling grid: the areas follow the point.
    const adminMove = await t.send(`/api/incidents/${made.id}`, sibling, 'PATCH')
    expect(adminMove.status).toBe(200)
    expect((await adminMove.json()).grid_id).not.toBe(G1)
    expect((await leader.get(`/api/incidents/${made.id}`)).status).toBe(404) // now out of the leader's scope
  })

  it('answers 404 for unknown and out-of-scope incidents, 403 for planners; reads are audited', async () => {
    const foreign = (await t.db.pool.query(`select id from incidents where grid_id <> $1 order by id limit 1`, [G1])).rows[0].id
    for (const path of [`/api/incidents/${foreign}`, '/api/incidents/999999999999']) {
      const res = await leader.get(path)
      expect(res.status, path).toBe(404)
    }
    expect((await leader.send(`/api/incidents/${foreign}/transitions`, { to: 'accepted' })).status).toBe(404)
    expect((await leader.send(`/api/incidents/${foreign}`, { description: 'x' }, 'PATCH')).status).toBe(404)
    expect((await (await t.as('planner')).get(`/api/incidents/${foreign}`)).status).toBe(403)
    const own = (await t.db.pool.query(`select id from incidents where grid_id = $1 order by id limit 1`, [G1])).rows[0].id
    expect((await leader.get(`/api/incidents/${own}`)).status).toBe(200)
    const audit = await t.db.pool.query(`select 1 from audit_log where username = 'leader' and action = 'read' and ids @> array[$1]::bigint[] and detail->>'kind' = 'detail'`, [own])
    expect(audit.rowCount).toBeGreaterThan(0)
  })
})
