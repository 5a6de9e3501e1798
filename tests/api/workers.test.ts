import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { testApi, type Client } from '../helpers/api.ts'

// Workers (docs/workers.md). The grid used is the demo grid leader's (the commander's street's
// first grid); a second grid of that street lends its leader; a grid of another street is out of
// the commander's scope. Every test that changes links puts them back through the API, and
// afterEach restores the snapshot of the touched areas' links through the owner connection in case
// an assertion failed midway: other test files count people and links per area.

let t: Awaited<ReturnType<typeof testApi>>
let admin: Client
let commander: Client
let grid: number
let otherGrid: number
let foreignGrid: number
let microGrids: number[]
let street: number
let snapshot: Array<{ person_id: number; area_id: number }>
let touched: number[]

const q = async <T = any>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]

/** Person ids of `role` linked to `area`, sorted. */
const linked = async (area: number, role: string) =>
  (await q<{ id: number }>(`select pa.person_id as id from person_areas pa join people p on p.id = pa.person_id where pa.area_id = $1 and p.role = $2 order by 1`, [area, role])).map((r) => r.id)

const put = async (client: Client, id: number, body: unknown) => {
  const res = await client.send(`/api/areas/${id}/workers`, body, 'PUT')
  return { status: res.status, body: await res.json() }
}

const linksOf = (areas: number[]) => q<{ person_id: number; area_id: number }>(`select person_id, area_id from person_areas where area_id = any($1::int[]) order by 1, 2`, [areas])

beforeAll(async () => {
  t = await testApi()
  admin = await t.as('admin')
  commander = await t.as('commander')
  street = (await q(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`))[0].area_id
  grid = (await q(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  otherGrid = (await q(`select id from areas where level = 'grid' and street_id = $1 and id <> $2 order by id limit 1`, [street, grid]))[0].id
  foreignGrid = (await q(`select id from areas where level = 'grid' and street_id <> $1 order by id limit 1`, [street]))[0].id
  microGrids = (await q(`select id from areas where parent_id = $1 and level = 'micro_grid' order by code`, [grid])).map((r) => r.id)
  touched = [grid, otherGrid, foreignGrid, ...microGrids]
  snapshot = await linksOf(touched)
})
afterEach(async () => {
  if (JSON.stringify(await linksOf(touched)) === JSON.stringify(snapshot)) return
  await t.db.pool.query(`delete from person_areas where area_id = any($1::int[])`, [touched])
  await t.db.pool.query(`insert into person_areas (person_id, area_id) select * from json_to_recordset($1::json) as r(person_id int, area_id int)`, [JSON.stringify(snapshot)])
})
afterAll(() => t.close())

describe('GET /api/areas/:id/workers', () => {
  it('lists a micro-grid’s leader, its grid’s leader and members above it, and the street’s commander', async () => {
    const micro = microGrids[0]
    const { status, body } = await commander.json(`/api/areas/${micro}/workers`)
    expect(status).toBe(200)
    const w: Array<{ id: number; role: string; relation: string; area: { id: number; level: string } }> = body.workers
    const ids = (pred: (x: (typeof w)[number]) => boolean) => w.filter(pred).map((x) => x.id).sort((a, b) => a - b)
    expect(ids((x) => x.relation === 'above' && x.area.id === grid && x.role === 'grid_leader')).toEqual(await linked(grid, 'grid_leader'))
    expect(ids((x) => x.relation === 'above' && x.area.id === grid && x.role === 'grid_member')).toEqual(await linked(grid, 'grid_member'))
    expect(ids((x) => x.relation === 'self')).toEqual(await linked(micro, 'micro_grid_leader'))
    expect(ids((x) => x.relation === 'above' && x.area.level === 'street')).toEqual(await linked(street, 'commander'))
    expect(await linked(grid, 'grid_member')).toHaveLength(2)
    expect(w.some((x) => x.relation === 'below')).toBe(false)
    // By level from the top, then role: street, grid (leader before members), micro-grid.
    expect(w.map((x) => `${x.area.level}:${x.role}`)).toEqual([
      'street:commander',
      'grid:grid_leader',
      'grid:grid_member',
      'grid:grid_member',
      ...w.filter((x) => x.relation === 'self').map(() => 'micro_grid:micro_grid_leader'),
    ])
    expect(JSON.stringify(body)).not.toContain('phone')
  })

  it('lists a grid’s micro-grid leaders below it, and stays within the caller’s scope', async () => {
    const leader = await t.as('leader')
    const { status, body } = await leader.json(`/api/areas/${grid}/workers`)
    expect(status).toBe(200)
    const below = body.workers.filter((x: any) => x.relation === 'below').map((x: any) => x.area.id).sort((a: number, b: number) => a - b)
    expect(below).toEqual([...microGrids].sort((a, b) => a - b))
    // The street lies outside a grid leader's scope: its commander is not listed.
    expect(body.workers.some((x: any) => x.area.level === 'street')).toBe(false)
    expect((await leader.json(`/api/areas/${otherGrid}/workers`)).status).toBe(404)
    expect(body.below_counts).toEqual({ micro_grid_leader: below.length })

    // A street's people below it as counts per role only (below=count); the same counts the links give.
    const commanderView = await commander.json(`/api/areas/${street}/workers?below=count`)
    expect(commanderView.status).toBe(200)
    expect(commanderView.body.workers.some((x: any) => x.relation === 'below')).toBe(false)
    expect(commanderView.body.workers.map((x: any) => `${x.relation}:${x.role}`)).toEqual((await linked(street, 'commander')).map(() => 'self:commander'))
    const counts = await q(
      `select p.role, count(*)::int as n from person_areas pa join people p on p.id = pa.person_id join areas a on a.id = pa.area_id
       where a.path @> array[$1::int] and a.id <> $1 group by p.role`,
      [street],
    )
    expect(commanderView.body.below_counts).toEqual(Object.fromEntries(counts.map((r) => [r.role, r.n])))
    expect((await commander.json(`/api/areas/${street}/workers?below=all`)).status).toBe(400)

    // Planners read no people.
    const planner = await t.as('planner')
    const p = await planner.json(`/api/areas/${grid}/workers`)
    expect(p.status).toBe(200)
    expect(p.body).toEqual({ workers: [], below_counts: {} })
  })
})

describe('PUT /api/areas/:id/workers', () => {
  it('lets a commander replace a grid’s leader (the old link removed, audited) and put the old one back', async () => {
    const [oldLeader] = await linked(grid, 'grid_leader')
    const [newLeader] = await linked(otherGrid, 'grid_leader')
    const [{ max }] = await q(`select coalesce(max(id), 0) as max from audit_log`)

    const res = await put(commander, grid, { leader: newLeader })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(await linked(grid, 'grid_leader')).toEqual([newLeader])
    expect(await linked(otherGrid, 'grid_leader')).toEqual([newLeader]) // still leads their own grid
    expect(res.body.workers.filter((x: any) => x.area.id === grid && x.role === 'grid_leader').map((x: any) => x.id)).toEqual([newLeader])

    const audit = await q(`select action, ids::int[] as ids, username from audit_log where id > $1 and target = 'person_areas' order by id`, [max])
    expect(audit).toEqual([
      { action: 'delete', ids: [oldLeader], username: 'commander' },
      { action: 'insert', ids: [newLeader], username: 'commander' },
    ])

    const back = await put(commander, grid, { leader: oldLeader })
    expect(back.status).toBe(200)
    expect(await linksOf(touched)).toEqual(snapshot)
  })

  it('replaces the members and a micro-grid’s leader, and puts them back', async () => {
    const members = await linked(grid, 'grid_member')
    const [m1, m2] = microGrids
    const [leader1] = await linked(m1, 'micro_grid_leader')
    const [leader2] = await linked(m2, 'micro_grid_leader')
    const res = await put(admin, grid, { members: [members[0]], micro_grid_leaders: { [m2]: leader1 } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(await linked(grid, 'grid_member')).toEqual([members[0]])
    expect(await linked(m2, 'micro_grid_leader')).toEqual([leader1])
    expect(await linked(m1, 'micro_grid_leader')).toEqual([leader1])

    const back = await put(commander, grid, { members, micro_grid_leaders: { [m2]: leader2 } })
    expect(back.status, JSON.stringify(back.body)).toBe(200)
    expect(await linksOf(touched)).toEqual(snapshot)
  })

  // PostgreSQL only: the embedded engine runs every connection on one session, so an open
  // transaction on the owner connection would hold the requests' connections too.
  it.skipIf(inject('dbKind') === 'embedded')('keeps one leader when two assignments of the grid race', async () => {
    const [oldLeader] = await linked(grid, 'grid_leader')
    const [a] = await linked(otherGrid, 'grid_leader')
    const b = (await q(`select pa.person_id as id from person_areas pa join people p on p.id = pa.person_id join areas g on g.id = pa.area_id
      where p.role = 'grid_leader' and g.street_id = $1 and g.id not in ($2, $3) order by 1 limit 1`, [street, grid, otherGrid]))[0].id
    // Hold the old leader's link so both requests reach their DELETE before either goes on: without
    // the per-grid lock, each then keeps its own leader (its statements never saw the other's).
    const holder = await t.db.pool.connect()
    try {
      await holder.query('begin')
      await holder.query(`select 1 from person_areas where area_id = $1 and person_id = $2 for update`, [grid, oldLeader])
      const racing = Promise.all([put(commander, grid, { leader: a }), put(admin, grid, { leader: b })])
      await new Promise((r) => setTimeout(r, 500))
      await holder.query('commit')
      expect((await racing).map((r) => r.status)).toEqual([200, 200])
    } finally {
      await holder.query('rollback').catch(() => {})
      holder.release()
    }
    expect((await linked(grid, 'grid_leader')).length).toBe(1)
    expect((await put(commander, grid, { leader: oldLeader })).status).toBe(200)
    expect(await linksOf(touched)).toEqual(snapshot)
  })

  it('refuses a person of the wrong role (400 with the reason) and changes nothing', async () => {
    const [member] = await linked(grid, 'grid_member')
    const [gridLeader] = await linked(grid, 'grid_leader')
    const a = await put(commander, grid, { leader: member })
    expect(a.status).toBe(400)
    expect(a.body.error).toBe('wrong_role')
    expect(a.body.message).toContain('grid_member, not a grid_leader')
    const b = await put(commander, grid, { members: [gridLeader] })
    expect(b.status).toBe(400)
    expect(b.body.message).toContain('grid_leader, not a grid_member')
    const c = await put(commander, grid, { micro_grid_leaders: { [microGrids[0]]: member } })
    expect(c.status).toBe(400)
    // A micro-grid of another grid, and a micro-grid where a grid is needed.
    const strayMicro = (await q(`select id from areas where parent_id = $1 and level = 'micro_grid' limit 1`, [otherGrid]))[0].id
    const [microLeader] = await linked(strayMicro, 'micro_grid_leader')
    const d = await put(commander, grid, { micro_grid_leaders: { [strayMicro]: microLeader } })
    expect(d.status).toBe(400)
    expect(d.body.error).toBe('not_a_micro_grid')
    expect((await put(commander, microGrids[0], { leader: null })).body.error).toBe('not_a_grid')
    expect((await put(commander, grid, { leader: 'x' })).status).toBe(400)
    expect(await linksOf(touched)).toEqual(snapshot)
  })

  it('is refused to grid leaders, members and planners (403)', async () => {
    const [gridLeader] = await linked(grid, 'grid_leader')
    for (const name of ['leader', 'member', 'planner']) {
      const res = await put(await t.as(name), grid, { leader: gridLeader })
      expect(res.status, name).toBe(403)
    }
    expect(await linksOf(touched)).toEqual(snapshot)
  })

  it('answers 404 for another street’s grid and for people outside the commander’s street', async () => {
    const [foreignLeader] = await linked(foreignGrid, 'grid_leader')
    const [localLeader] = await linked(otherGrid, 'grid_leader')
    const [gridLeader] = await linked(grid, 'grid_leader')
    const a = await put(commander, foreignGrid, { leader: localLeader })
    expect(a.status).toBe(404)
    const b = await put(commander, grid, { leader: foreignLeader })
    expect(b.status).toBe(404)
    expect(b.body.error).toBe('person_not_found')
    // Commanders cannot attach people to their street itself (0028_workers.sql): it is not a grid either.
    expect((await put(commander, street, { leader: null })).status).toBe(404)
    // An admin may move that person in (and back).
    const c = await put(admin, grid, { leader: foreignLeader })
    expect(c.status).toBe(200)
    expect(await linked(grid, 'grid_leader')).toEqual([foreignLeader])
    expect((await put(admin, grid, { leader: gridLeader })).status).toBe(200)
    expect(await linksOf(touched)).toEqual(snapshot)
  })
})

describe('GET /api/people', () => {
  it('finds people of the scope by role and name, with phones on request for commanders (audited), none for planners', async () => {
    const [leaderId] = await linked(otherGrid, 'grid_leader')
    const [{ name, phone }] = await q(`select name, phone from people where id = $1`, [leaderId])
    const [{ max }] = await q(`select coalesce(max(id), 0) as max from audit_log`)
    const { status, body } = await commander.json(`/api/people?role=grid_leader&phone=true&q=${encodeURIComponent(name)}`)
    expect(status).toBe(200)
    const found = body.people.find((p: any) => p.id === leaderId)
    expect(found).toMatchObject({ name, role: 'grid_leader', phone })
    expect(found.areas.map((a: any) => a.id)).toContain(otherGrid)
    expect(body.people.every((p: any) => p.role === 'grid_leader' && p.name.includes(name))).toBe(true)
    const audit = await q(`select ids::int[] as ids from audit_log where id > $1 and action = 'read' and target = 'people'`, [max])
    expect(audit.length).toBe(1)
    expect(audit[0].ids).toContain(leaderId)

    // Without phone=true (the pickers): no phones, and nothing to audit.
    const picker = await commander.json(`/api/people?role=grid_leader&q=${encodeURIComponent(name)}`)
    expect(picker.body.people.map((p: any) => p.id)).toContain(leaderId)
    expect(JSON.stringify(picker.body)).not.toContain('phone')
    expect((await q(`select count(*)::int as n from audit_log where id > $1 and action = 'read' and target = 'people'`, [max]))[0].n).toBe(1)

    // Another street's people are not found.
    const [foreignLeader] = await linked(foreignGrid, 'grid_leader')
    const [{ name: foreignName }] = await q(`select name from people where id = $1`, [foreignLeader])
    const other = await commander.json(`/api/people?role=grid_leader&q=${encodeURIComponent(foreignName)}`)
    expect(other.body.people.map((p: any) => p.id)).not.toContain(foreignLeader)
    // A LIKE wildcard is taken literally.
    expect((await commander.json(`/api/people?q=%25`)).body.people).toEqual([])

    const planner = await t.as('planner')
    const p = await planner.json(`/api/people?role=grid_leader&phone=true`)
    expect(p.status).toBe(200)
    expect(JSON.stringify(p.body)).not.toContain('phone')
  })
})
