import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, testApi, type Client } from '../helpers/api.ts'
import { haversineM, type LonLat } from '../../api/patrols/route.ts'

// Every track point, task and incident these tests write lies in April 2003 (no seed or other
// test file uses that month; tracks.test.ts uses March 2003) and is deleted in afterAll. The walk
// for compliance is on DAY; the task edits use DAY2, so the aggregates over DAY see only the
// compliance tasks.
const DAY = '2003-04-08'
const DAY2 = '2003-04-15'
/** Local (Asia/Shanghai) time on DAY: hour `h` plus `s` seconds, as epoch ms. */
const at = (h: number, s = 0, day = DAY) => Date.parse(`${day}T00:00:00+08:00`) + h * 3_600_000 + s * 1000
const iso = (ms: number) => new Date(ms).toISOString()

let t: Awaited<ReturnType<typeof testApi>>
let leader: Client
let otherLeader: Client
let commander: Client
let planner: Client
let member: Client
let G1: number
let otherGrid: number
let street: number
/** A micro-grid of G1. */
let microGrid: number
/** Two grid members of G1 and a grid member of another grid. */
let P: number
let P2: number
let foreign: number
/** Checkpoints A, B, C: points inside three micro-grids of G1; C far from the walk. */
let A: LonLat
let B: LonLat
let C: LonLat
/** A point inside the other grid. */
let outside: LonLat
let walkPath: { t: number; p: LonLat }[] = []
const madeUsers: string[] = []

const q = async (text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows

/** `from` moved `m` metres along the unit direction (dx, dy) (east, north). */
function move(from: LonLat, dir: [number, number], m: number): LonLat {
  return [from[0] + (dir[0] * m) / (111_320 * Math.cos((from[1] * Math.PI) / 180)), from[1] + (dir[1] * m) / 110_574]
}

const post = async (c: Client, points: unknown[]) => {
  const res = await c.send('/api/tracks/points', { points })
  expect(res.status).toBe(200)
  return res.json()
}

const fix = (person: number, ms: number, p: LonLat) => ({ person, t: iso(ms), lon: p[0], lat: p[1], accuracy: 5 })

async function newUser(role: string, areas: number[], person?: number) {
  const username = `pat_${role}_${process.pid}_${Date.now() % 100000}_${madeUsers.length}`
  const res = await t.send('/api/admin/users', { username, password: 'long enough pw', role, areas, ...(person ? { person_id: person } : {}) })
  expect(res.status).toBe(201)
  madeUsers.push(username)
  return signIn(t.api, username, 'long enough pw')
}

const task = (over: Record<string, unknown> = {}) => ({
  grid: G1,
  day: DAY2,
  shift: 'day',
  members: [P],
  checkpoints: [{ lon: A[0], lat: A[1], kind: 'manual', reason: 'gate' }],
  ...over,
})

beforeAll(async () => {
  t = await testApi()
  leader = await t.as('leader')
  commander = await t.as('commander')
  planner = await t.as('planner')
  member = await t.as('member')
  G1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  street = (await q(`select street_id from areas where id = $1`, [G1]))[0].street_id
  const members = await q(`select p.id from people p join person_areas pa on pa.person_id = p.id where pa.area_id = $1 and p.role = 'grid_member' order by p.id`, [G1])
  P = members[0].id
  P2 = members[1].id
  otherGrid = (await q(`select id from areas where level = 'grid' and street_id = $1 and id <> $2 order by id limit 1`, [street, G1]))[0].id
  foreign = (await q(`select p.id from people p join person_areas pa on pa.person_id = p.id where pa.area_id = $1 and p.role = 'grid_member' order by p.id limit 1`, [otherGrid]))[0].id
  const pts = await q(
    `select id, ST_X(p) x, ST_Y(p) y from (select id, ST_PointOnSurface(geom) p from areas where parent_id = $1 and level = 'micro_grid') s order by id`,
    [G1],
  )
  microGrid = pts[0].id
  const o = (await q(`select ST_X(p) x, ST_Y(p) y from (select ST_PointOnSurface(geom) p from areas where id = $1) s`, [otherGrid]))[0]
  outside = [Number(o.x), Number(o.y)]
  const ll = pts.map((r: any) => [Number(r.x), Number(r.y)] as LonLat)
  // A and B: the first two micro-grids' points at least 100 m apart; the walk goes A → B and 62.5 m on.
  A = ll[0]
  B = ll.find((p: LonLat) => haversineM(A, p) >= 100)!
  expect(B, 'G1 needs two micro-grid points 100 m apart').toBeDefined()
  const L = haversineM(A, B)
  const dir: [number, number] = [((B[0] - A[0]) * 111_320 * Math.cos((A[1] * Math.PI) / 180)) / L, ((B[1] - A[1]) * 110_574) / L]
  // Dwell at A for 120 s (13 fixes), then 25 m every 10 s, so that B lies halfway between two fixes.
  walkPath = Array.from({ length: 13 }, (_, i) => ({ t: at(9, i * 10), p: A }))
  const K = Math.floor((L - 12.5) / 25)
  for (let k = 0; k <= K + 3; k++) walkPath.push({ t: at(9, 120 + (k + 1) * 10), p: move(A, dir, L - 12.5 - 25 * (K - k)) })
  // C: the micro-grid point farthest from the walk's line; it must be well out of reach.
  const end = walkPath[walkPath.length - 1].p
  const far = await q(
    `select x, y, ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 32648), ST_Transform(ST_MakeLine(ST_SetSRID(ST_MakePoint($1, $2), 4326), ST_SetSRID(ST_MakePoint($3, $4), 4326)), 32648)) d
     from unnest($5::float8[], $6::float8[]) as u(x, y) order by d desc limit 1`,
    [A[0], A[1], end[0], end[1], ll.map((p: LonLat) => p[0]), ll.map((p: LonLat) => p[1])],
  )
  expect(far[0].d, 'G1 needs a micro-grid point 100 m from the walk').toBeGreaterThan(100)
  C = [Number(far[0].x), Number(far[0].y)]
  otherLeader = await newUser('grid_leader', [otherGrid])
  // The walk, P2 dwelling at C before the shift (07:30), and someone not on the task at C during it.
  const r1 = await post(leader, walkPath.map((w) => fix(P, w.t, w.p)))
  expect(r1.accepted).toBe(walkPath.length)
  const r2 = await post(leader, Array.from({ length: 19 }, (_, i) => fix(P2, at(7.5, i * 10), C)))
  expect(r2.accepted).toBe(19)
  const r3 = await post(await t.as('admin'), Array.from({ length: 19 }, (_, i) => fix(foreign, at(10, i * 10), C)))
  expect(r3.accepted).toBe(19)
})

afterAll(async () => {
  await t.db.pool.query(`delete from track_points where t >= '2003-04-01T00:00:00Z' and t < '2003-05-01T00:00:00Z'`)
  await t.db.pool.query(`delete from patrol_tasks where day >= '2003-04-01' and day < '2003-05-01'`)
  await t.db.pool.query(`delete from incident_events where incident_id in (select id from incidents where reported_at >= '2003-04-01' and reported_at < '2003-05-01')`).catch(() => {})
  await t.db.pool.query(`delete from incidents where reported_at >= '2003-04-01' and reported_at < '2003-05-01'`)
  for (const u of madeUsers) {
    await t.db.pool.query(`delete from sessions where user_id in (select id from users where username = $1)`, [u]).catch(() => {})
    await t.db.pool.query(`delete from user_areas where user_id in (select id from users where username = $1)`, [u]).catch(() => {})
    await t.db.pool.query(`delete from users where username = $1`, [u]).catch(() => {})
  }
  await t.close()
})

describe('patrol tasks', () => {
  it('plans a task with members and reasoned checkpoints in order; reads it back; the writes are audited', async () => {
    const res = await leader.send('/api/patrols/tasks', task({
      members: [P, P2],
      lead: P2,
      notes: '夜间巡查',
      checkpoints: [
        { lon: B[0], lat: B[1], kind: 'hotspot', reason: 'busy corner', ref_id: 12 },
        { lon: A[0], lat: A[1] },
      ],
    }))
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(201)
    expect(body).toMatchObject({ grid: G1, street, day: DAY2, shift: 'day', status: 'planned', lead: P2, notes: '夜间巡查', micro_grids: [] })
    expect(body.members.map((m: any) => m.id)).toEqual([P2, P])
    expect(body.checkpoints).toEqual([
      { seq: 0, kind: 'hotspot', reason: 'busy corner', ref_id: 12, lon: expect.closeTo(B[0], 6), lat: expect.closeTo(B[1], 6) },
      { seq: 1, kind: 'manual', reason: '', ref_id: null, lon: expect.closeTo(A[0], 6), lat: expect.closeTo(A[1], 6) },
    ])
    expect(body.window).toEqual({ start: '2003-04-15T00:00:00.000Z', end: '2003-04-15T10:00:00.000Z' })
    const again = await leader.json(`/api/patrols/tasks/${body.id}`)
    expect(again).toEqual({ status: 200, body })
    const list = await leader.json(`/api/patrols/tasks?grid=${G1}&day=${DAY2}`)
    expect(list.body.tasks.map((x: any) => x.id)).toContain(body.id)
    expect((await leader.json(`/api/patrols/tasks?area=${G1}&from=${DAY2}&to=${DAY2}&person=${P2}`)).body.tasks.map((x: any) => x.id)).toContain(body.id)
    expect((await leader.json(`/api/patrols/tasks?grid=${G1}&day=${DAY2}&person=${foreign}`)).body.tasks).toEqual([])
    const audit = await q(`select target from audit_log where action = 'insert' and ids @> array[$1::bigint] and target like 'patrol%' order by target`, [body.id])
    expect(audit.map((r: any) => r.target)).toEqual(['patrol_checkpoints', 'patrol_task_members', 'patrol_tasks'])
  })

  it('edits members, lead, checkpoints and notes while planned, then walks the status forward only', async () => {
    const { id } = await (await leader.send('/api/patrols/tasks', task())).json()
    const patched = await leader.send(`/api/patrols/tasks/${id}`, {
      members: [P2, P],
      checkpoints: [{ lon: A[0], lat: A[1] }, { lon: B[0], lat: B[1], kind: 'station', reason: 'station', ref_id: 3 }],
      notes: 'moved',
    }, 'PATCH')
    expect(patched.status).toBe(200)
    const body = await patched.json()
    expect(body.lead).toBe(P2)
    expect(body.checkpoints.map((c: any) => [c.seq, c.kind])).toEqual([[0, 'manual'], [1, 'station']])
    expect(body.notes).toBe('moved')
    expect((await (await leader.send(`/api/patrols/tasks/${id}`, { lead: P }, 'PATCH')).json()).lead).toBe(P)
    // The lead must be a member.
    const badLead = await leader.send(`/api/patrols/tasks/${id}`, { members: [P2], lead: P }, 'PATCH')
    expect(badLead.status).toBe(422)
    expect((await badLead.json()).error).toBe('lead_not_member')
    expect((await leader.send(`/api/patrols/tasks/${id}`, { status: 'in_progress' }, 'PATCH')).status).toBe(200)
    const frozen = await leader.send(`/api/patrols/tasks/${id}`, { checkpoints: [{ lon: A[0], lat: A[1] }] }, 'PATCH')
    expect(frozen.status).toBe(409)
    expect(await frozen.json()).toEqual({ error: 'not_editable', message: expect.stringContaining('in_progress') })
    const del = await leader.request(`/api/patrols/tasks/${id}`, { method: 'DELETE' })
    expect(del.status).toBe(409)
    expect((await leader.send(`/api/patrols/tasks/${id}`, { status: 'in_progress', notes: 'same status is no change' }, 'PATCH')).status).toBe(200)
    expect((await leader.send(`/api/patrols/tasks/${id}`, { status: 'done' }, 'PATCH')).status).toBe(200)
    const back = await leader.send(`/api/patrols/tasks/${id}`, { status: 'planned' }, 'PATCH')
    expect(back.status).toBe(409)
    expect(await back.json()).toEqual({ error: 'illegal_transition', message: 'a done task cannot become planned (it is final)' })
    const skip = await (await leader.send('/api/patrols/tasks', task())).json()
    expect((await leader.send(`/api/patrols/tasks/${skip.id}`, { status: 'missed' }, 'PATCH')).status).toBe(200)
    expect((await leader.send(`/api/patrols/tasks/${skip.id}`, { status: 'in_progress' }, 'PATCH')).status).toBe(409)
    expect((await leader.json(`/api/patrols/tasks/${id}`)).body.status).toBe('done')
  })

  it('deletes a planned task (its members and checkpoints go with it); then it is gone', async () => {
    const { id } = await (await leader.send('/api/patrols/tasks', task())).json()
    expect((await leader.request(`/api/patrols/tasks/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await leader.json(`/api/patrols/tasks/${id}`)).status).toBe(404)
    expect((await q(`select (select count(*) from patrol_checkpoints where task_id = $1)::int + (select count(*) from patrol_task_members where task_id = $1)::int n`, [id]))[0].n).toBe(0)
    expect((await leader.request(`/api/patrols/tasks/${id}`, { method: 'DELETE' })).status).toBe(404)
  })

  it('answers bad input with 4xx and the reason, and writes nothing', async () => {
    const before = (await q(`select count(*)::int n from patrol_tasks where day = $1`, [DAY2]))[0].n
    const cases: [unknown, number, string, RegExp][] = [
      [task({ grid: 1_999_999 }), 404, 'not_found', /area 1999999 does not exist/],
      [task({ day: '2003-02-30' }), 400, 'invalid_request', /day: not a calendar date/],
      [task({ day: '08/04/2003' }), 400, 'invalid_request', /day: must be a date/],
      [task({ shift: 'night' }), 400, 'invalid_request', /shift/],
      [task({ members: [] }), 400, 'invalid_request', /members/],
      [task({ checkpoints: [] }), 400, 'invalid_request', /checkpoints/],
      [task({ checkpoints: [{ lon: A[0], lat: 95 }] }), 400, 'invalid_request', /checkpoints\.0\.lat/],
      [task({ checkpoints: [{ lon: A[0], lat: A[1], kind: 'bakery' }] }), 400, 'invalid_request', /checkpoints\.0\.kind/],
      [task({ checkpoints: [{ lon: A[0], lat: A[1] }, { lon: outside[0], lat: outside[1] }] }), 422, 'outside_grid', /checkpoint 1 \(from 0\) lies outside grid/],
      [task({ members: [P, foreign] }), 422, 'not_a_member', new RegExp(`person ${foreign} is not a worker of grid ${G1}`)],
      [task({ micro_grids: [otherGrid] }), 422, 'not_in_grid', new RegExp(`micro-grid ${otherGrid} is not a micro-grid of grid ${G1}`)],
      [task({ grid: microGrid }), 422, 'not_a_grid', /is a micro_grid, not a grid/],
      [task({ grid: street }), 404, 'not_found', new RegExp(`area ${street} does not exist`)],
      [task({ surprise: 1 }), 400, 'invalid_request', /surprise|Unrecognized/i],
      ['{"grid": ', 400, 'http_error', /JSON/i],
    ]
    for (const [body, status, error, message] of cases) {
      const res = await leader.send('/api/patrols/tasks', body)
      const json = await res.json()
      expect([JSON.stringify(body).slice(0, 60), res.status, json.error]).toEqual([JSON.stringify(body).slice(0, 60), status, error])
      expect(json.message).toMatch(message)
    }
    expect((await q(`select count(*)::int n from patrol_tasks where day = $1`, [DAY2]))[0].n).toBe(before)
    expect((await leader.json('/api/patrols/tasks?day=2003-13-01')).status).toBe(400)
    expect((await leader.json(`/api/patrols/tasks?from=2003-01-01&to=2003-12-31`)).body.error).toBe('invalid_request')
    expect((await leader.json(`/api/patrols/tasks/abc`)).status).toBe(400)
    expect((await leader.send(`/api/patrols/tasks/1`, {}, 'PATCH')).status).toBe(400)
  })
})

describe('patrol scope', () => {
  let id: number
  beforeAll(async () => {
    id = (await (await leader.send('/api/patrols/tasks', task())).json()).id
  })

  it('a leader of another grid gets 404 for the task, its compliance, edits and deletion, and cannot plan in G1', async () => {
    expect((await otherLeader.json(`/api/patrols/tasks/${id}`)).status).toBe(404)
    expect((await otherLeader.json(`/api/patrols/tasks/${id}/compliance`)).status).toBe(404)
    expect((await otherLeader.send(`/api/patrols/tasks/${id}`, { notes: 'x' }, 'PATCH')).status).toBe(404)
    expect((await otherLeader.request(`/api/patrols/tasks/${id}`, { method: 'DELETE' })).status).toBe(404)
    expect((await otherLeader.send('/api/patrols/route', { task: id })).status).toBe(404)
    expect((await otherLeader.json(`/api/patrols/tasks?grid=${G1}&day=${DAY2}`)).status).toBe(404)
    expect((await otherLeader.json(`/api/patrols/suggest?grid=${G1}&day=${DAY}`)).status).toBe(404)
    expect((await otherLeader.json(`/api/patrols/coverage?area=${G1}&from=${DAY}&to=${DAY}`)).status).toBe(404)
    expect((await otherLeader.send('/api/patrols/tasks', task())).status).toBe(404)
    // Their own street-wide list does not show it either.
    expect((await otherLeader.json(`/api/patrols/tasks?day=${DAY2}`)).body.tasks).toEqual([])
    expect((await leader.json(`/api/patrols/tasks/${id}`)).body.notes).toBe('')
  })

  it('the street commander sees and edits it; a grid member reads but may not change it', async () => {
    expect((await commander.json(`/api/patrols/tasks/${id}`)).status).toBe(200)
    expect((await commander.send(`/api/patrols/tasks/${id}`, { notes: 'checked' }, 'PATCH')).status).toBe(200)
    expect((await member.json(`/api/patrols/tasks/${id}`)).body.notes).toBe('checked')
    const res = await member.send(`/api/patrols/tasks/${id}`, { notes: 'mine' }, 'PATCH')
    expect(res.status).toBe(403)
    expect((await member.send('/api/patrols/tasks', task())).status).toBe(403)
  })

  it('a planner gets no individual task, compliance or suggestion, but reads coverage', async () => {
    for (const path of [`/api/patrols/tasks/${id}`, `/api/patrols/tasks?day=${DAY2}`, `/api/patrols/tasks/${id}/compliance`,
      `/api/patrols/suggest?grid=${G1}&day=${DAY}`, `/api/patrols/compliance?area=${G1}&from=${DAY}&to=${DAY}`]) {
      const res = await planner.json(path)
      expect([path, res.status, res.body.error]).toEqual([path, 403, 'aggregates_only'])
    }
    const cov = await planner.json(`/api/patrols/coverage?area=${G1}&from=${DAY}&to=${DAY}&level=grid`)
    expect(cov.status).toBe(200)
    expect(cov.body.features).toHaveLength(1)
    expect(cov.body.features[0].properties.visited).toBeGreaterThan(0)
  })

  it('is in the OpenAPI document', async () => {
    const { body } = await t.json('/api/openapi.json')
    for (const p of ['/patrols/tasks', '/patrols/tasks/{id}', '/patrols/tasks/{id}/compliance', '/patrols/suggest', '/patrols/route', '/patrols/compliance', '/patrols/coverage']) {
      expect(Object.keys(body.paths)).toContain(p)
    }
    expect(Object.keys(body.paths['/patrols/tasks/{id}']).sort()).toEqual(['delete', 'get', 'patch'])
  })

  it('401 without a session', async () => {
    expect((await t.anonymous.json(`/api/patrols/tasks/${id}`)).status).toBe(401)
  })
})

describe('patrol compliance', () => {
  let id: number
  let idle: number
  beforeAll(async () => {
    const res = await leader.send('/api/patrols/tasks', task({
      day: DAY,
      members: [P, P2],
      checkpoints: [{ lon: A[0], lat: A[1] }, { lon: B[0], lat: B[1] }, { lon: C[0], lat: C[1] }],
    }))
    expect(res.status).toBe(201)
    id = (await res.json()).id
    idle = (await (await leader.send('/api/patrols/tasks', task({ day: DAY, shift: 'evening', members: [P2] }))).json()).id
  })

  it('counts a checkpoint dwelt at for 2 min, not one passed in 10 s nor one never reached (1 of 3), with distance, time and score', async () => {
    const res = await leader.json(`/api/patrols/tasks/${id}/compliance`)
    expect(res.status).toBe(200)
    const c = res.body
    expect(c.checkpoints_visited).toBe(1)
    expect(c.checkpoints_total).toBe(3)
    const [a, b, cc] = c.checkpoints
    expect(a.visited).toBe(true)
    expect(a.dwell_s).toBeGreaterThanOrEqual(120)
    expect(a.dwell_s).toBeLessThanOrEqual(140)
    expect(a.arrived).toMatch(/^2003-04-08T01:00:00/)
    expect(b).toMatchObject({ visited: false, dwell_s: 10, arrived: null })
    expect(b.nearest_m).toBeCloseTo(12.5, 0)
    // C was dwelt at by P2 before the shift and by a non-member during it: neither counts.
    expect(cc.visited).toBe(false)
    expect(cc.nearest_m).toBeGreaterThan(100)
    // The walk: P's fixes only, every step ≤ 10 min apart.
    let walked = 0
    for (let i = 1; i < walkPath.length; i++) walked += haversineM(walkPath[i - 1].p, walkPath[i].p)
    expect(c.distance_m).toBeGreaterThan(walked * 0.997)
    expect(c.distance_m).toBeLessThan(walked * 1.003)
    expect(c.duration_s).toBe((walkPath[walkPath.length - 1].t - walkPath[0].t) / 1000)
    expect(c.member_stats).toEqual([
      { person: Math.min(P, P2), fixes: P < P2 ? walkPath.length : 0, distance_m: expect.any(Number), duration_s: P < P2 ? c.duration_s : 0 },
      { person: Math.max(P, P2), fixes: P < P2 ? 0 : walkPath.length, distance_m: expect.any(Number), duration_s: P < P2 ? 0 : c.duration_s },
    ])
    const entered = await q(
      `select count(distinct a.id)::int n from areas a join track_points tp on ST_Intersects(a.geom, tp.geom)
       where a.parent_id = $1 and a.level = 'micro_grid' and tp.person_id = $2 and tp.t >= $3 and tp.t < $4`,
      [G1, P, iso(at(8)), iso(at(18))],
    )
    const total = (await q(`select count(*)::int n from areas where parent_id = $1 and level = 'micro_grid'`, [G1]))[0].n
    expect(c.micro_grids_entered).toBe(entered[0].n)
    expect(c.micro_grids_entered).toBeGreaterThanOrEqual(2)
    expect(c.micro_grids_total).toBe(total)
    const expected = 100 * (0.5 * (1 / 3) + 0.3 * (entered[0].n / total) + 0.2 * Math.min(1, c.duration_s / 7200))
    expect(c.score).toBeCloseTo(expected, 1)
    expect(c.window).toEqual({ start: '2003-04-08T00:00:00Z', end: '2003-04-08T10:00:00Z' })
    // The read of the members' tracks is audited.
    expect((await q(`select count(*)::int n from audit_log where action = 'read' and target = 'track_points' and detail->>'task' = $1`, [String(id)]))[0].n).toBe(1)
  })

  it('follows the rule parameters: a 5 s dwell counts the pass at B; a 150-minute target lowers the time part', async () => {
    const c = (await leader.json(`/api/patrols/tasks/${id}/compliance?dwell=5`)).body
    expect(c.checkpoints_visited).toBe(2)
    expect(c.checkpoints.map((x: any) => x.visited)).toEqual([true, true, false])
    const slow = (await leader.json(`/api/patrols/tasks/${id}/compliance?target_day=150`)).body
    expect(slow.score_parts.time).toBeCloseTo(slow.duration_s / 9000, 3)
    expect((await leader.json(`/api/patrols/tasks/${id}/compliance?radius=0`)).status).toBe(400)
  })

  it('a task limited to some micro-grids counts only those', async () => {
    const made = await (await leader.send('/api/patrols/tasks', task({ day: DAY, members: [P], micro_grids: [microGrid] }))).json()
    try {
      const c = (await leader.json(`/api/patrols/tasks/${made.id}/compliance`)).body
      expect(c).toMatchObject({ checkpoints_visited: 1, checkpoints_total: 1, micro_grids_entered: 1, micro_grids_total: 1 })
      expect(c.score).toBeCloseTo(100 * (0.5 + 0.3 + 0.2 * Math.min(1, c.duration_s / 7200)), 1)
    } finally {
      // Deleted again: the aggregates below count the tasks of DAY.
      expect((await leader.request(`/api/patrols/tasks/${made.id}`, { method: 'DELETE' })).status).toBe(204)
    }
  })

  it('a task nobody walked scores 0', async () => {
    const c = (await leader.json(`/api/patrols/tasks/${idle}/compliance`)).body
    expect(c).toMatchObject({ checkpoints_visited: 0, checkpoints_total: 1, micro_grids_entered: 0, distance_m: 0, duration_s: 0, score: 0, target_s: 3600 })
  })

  it('aggregates by member, grid, day and week', async () => {
    const one = (await leader.json(`/api/patrols/tasks/${id}/compliance`)).body
    const byMember = await leader.json(`/api/patrols/compliance?area=${G1}&from=${DAY}&to=${DAY}&by=member`)
    expect(byMember.status).toBe(200)
    const groups = Object.fromEntries(byMember.body.groups.map((g: any) => [g.key, g]))
    expect(groups[P]).toMatchObject({ tasks: 1, open: 1, checkpoints_visited: 1, checkpoints_total: 3, distance_m: one.distance_m, duration_s: one.duration_s, score_mean: one.score })
    // P2 is on both tasks; walked nothing inside either window.
    expect(groups[P2]).toMatchObject({ tasks: 2, checkpoints_visited: 1, checkpoints_total: 4, distance_m: 0, duration_s: 0 })
    expect(typeof groups[P].label).toBe('string')
    const byDay = (await commander.json(`/api/patrols/compliance?area=${street}&from=${DAY}&to=${DAY}&by=day`)).body
    expect(byDay.groups).toEqual([expect.objectContaining({ key: DAY, tasks: 2, checkpoints_visited: 1, checkpoints_total: 4, distance_m: one.distance_m })])
    const byWeek = (await leader.json(`/api/patrols/compliance?area=${G1}&from=2003-04-01&to=2003-04-30&by=week`)).body
    expect(byWeek.groups.find((g: any) => g.key === '2003-04-07')).toMatchObject({ tasks: 2, checkpoints_visited: 1 })
    const byGrid = (await leader.json(`/api/patrols/compliance?area=${G1}&from=${DAY}&to=${DAY}`)).body
    expect(byGrid.by).toBe('grid')
    expect(byGrid.groups).toEqual([expect.objectContaining({ key: G1, tasks: 2, micro_grids_entered: one.micro_grids_entered })])
    expect((await leader.json(`/api/patrols/compliance?area=${G1}&from=${DAY}&to=2003-04-01`)).status).toBe(400)
    expect((await leader.json(`/api/patrols/compliance?area=${G1}&from=${DAY}&to=${DAY}&by=hour`)).status).toBe(400)
    expect((await leader.json(`/api/patrols/compliance?area=${otherGrid}&from=${DAY}&to=${DAY}`)).status).toBe(404)
  })

  it('coverage: the share of micro-grids with any fix that day, per area, for the choropleth', async () => {
    const res = await commander.json(`/api/patrols/coverage?area=${G1}&from=${DAY}&to=${DAY}&level=micro_grid`)
    expect(res.status).toBe(200)
    const visited = await q(
      `select a.id from areas a where a.parent_id = $1 and a.level = 'micro_grid'
         and exists (select 1 from track_points tp where ST_Intersects(a.geom, tp.geom) and tp.t >= $2 and tp.t < $3) order by a.id`,
      [G1, iso(at(0)), iso(at(24))],
    )
    const feats = res.body.features
    expect(feats.every((f: any) => f.properties.level === 'micro_grid' && f.geometry.type === 'MultiPolygon')).toBe(true)
    expect(feats.filter((f: any) => f.properties.visited === 1).map((f: any) => f.id)).toEqual(visited.map((r: any) => r.id))
    // C's micro-grid counts (walked by someone, before the shift or not on the task).
    expect(visited.length).toBeGreaterThanOrEqual(3)
    const grid = (await commander.json(`/api/patrols/coverage?area=${street}&from=${DAY}&to=${DAY}`)).body.features.find((f: any) => f.id === G1)
    expect(grid.properties).toMatchObject({ level: 'grid', micro_grids: feats.length, visited: visited.length })
    expect(grid.properties.share).toBeCloseTo(visited.length / feats.length, 4)
    // The day before: nothing walked.
    const before = (await commander.json(`/api/patrols/coverage?area=${G1}&from=2003-04-07&to=2003-04-07&level=grid`)).body
    expect(before.features[0].properties).toMatchObject({ visited: 0, share: 0 })
    expect((await commander.json(`/api/patrols/coverage?area=${G1}&from=${DAY}&to=${DAY}&level=street`)).status).toBe(400)
  })
})

describe('suggested checkpoints and walking order', () => {
  it('suggests the hot spot of recent incidents, the open incidents, micro-grids not walked and stations, each with a reason', async () => {
    // Four incidents within ~15 m of B in the week before DAY (open), one far older (not recent).
    const spots: [LonLat, string][] = [[B, '2003-04-03'], [move(B, [1, 0], 10), '2003-04-05'], [move(B, [0, 1], 12), '2003-04-06'], [move(B, [-1, 0], 8), '2003-04-07']]
    for (const [p, d] of spots) {
      await q(`insert into incidents (street_id, community_id, grid_id, micro_grid_id, type, status, source, geom, reported_at)
               values (0, 0, 0, 0, 'noise', 'reported', 'patrol', ST_SetSRID(ST_MakePoint($1, $2), 4326), $3)`, [p[0], p[1], `${d}T10:00:00+08:00`])
    }
    const res = await leader.json(`/api/patrols/suggest?grid=${G1}&day=${DAY}`)
    expect(res.status).toBe(200)
    const s = res.body.suggestions
    const hot = s.filter((x: any) => x.kind === 'hotspot')
    // The seeded incidents of the small district are of 2026: the only recent cluster is ours.
    expect(hot).toHaveLength(1)
    expect(hot[0].reason).toBe(`cluster of 4 incidents in the 30 days to ${DAY} (DBSCAN, 50 m; mostly noise)`)
    expect(haversineM([hot[0].lon, hot[0].lat], B)).toBeLessThan(15)
    // A stable code and the figures a client needs to word the reason in its own language.
    expect(hot[0].reason_code).toBe('hotspot')
    expect(hot[0].detail).toEqual({ incidents: 4, top_type: 'noise', days: 30, day: DAY, eps_m: 50 })
    const codeOf: Record<string, string[]> = { hotspot: ['hotspot'], open_incident: ['open_incidents', 'open_incident'], unvisited_micro_grid: ['not_visited'], station: ['station'] }
    expect(s.every((x: any) => codeOf[x.kind].includes(x.reason_code))).toBe(true)
    for (const x of s.filter((x: any) => x.kind === 'open_incident')) {
      expect(x.detail.since).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(x.reason).toContain(x.detail.since)
      if (x.reason_code === 'open_incidents') expect(x.reason).toContain(`in ${x.detail.building_name}, ${x.detail.compound}`)
      else expect(x.reason).toBe(`open ${x.detail.types[0]} incident since ${x.detail.since}`)
    }
    const open = await q(`select count(*)::int n from incidents where grid_id = $1 and status <> 'closed' and reported_at < $2`, [G1, `${DAY}T16:00:00Z`])
    const openSum = s.filter((x: any) => x.kind === 'open_incident').reduce((n: number, x: any) => n + x.detail.incidents, 0)
    expect(openSum).toBeLessThanOrEqual(open[0].n)
    expect(s.filter((x: any) => x.kind === 'open_incident').every((x: any) => /^(open \w+ incident since|\d+ open incidents? in )/.test(x.reason) && x.ref_id > 0)).toBe(true)
    const quiet = await q(
      `select a.id from areas a where a.parent_id = $1 and a.level = 'micro_grid'
         and not exists (select 1 from track_points tp where ST_Intersects(a.geom, tp.geom) and tp.t >= $2 and tp.t < $3) order by a.id limit 8`,
      [G1, iso(at(0, 0, '2003-04-02')), iso(at(24))],
    )
    const unvisited = s.filter((x: any) => x.kind === 'unvisited_micro_grid')
    expect(unvisited.map((x: any) => x.ref_id)).toEqual(quiet.map((r: any) => r.id))
    expect(unvisited.every((x: any) => x.reason.endsWith(`for the 7 days before ${DAY}`))).toBe(true)
    expect(unvisited.every((x: any) => x.reason === `no patrol fix in ${x.detail.micro_grid_name} for the ${x.detail.days} days before ${x.detail.day}`)).toBe(true)
    // Stations open on the day: none of the seeded ones had opened in 2003; on a recent day they all show.
    const openOn = (day: string) =>
      q(`select id from stations where grid_id = $1 and (opened_on is null or opened_on <= $2) and (closed_on is null or closed_on > $2) order by id limit 8`, [G1, day])
    expect(s.filter((x: any) => x.kind === 'station').map((x: any) => x.ref_id)).toEqual((await openOn(DAY)).map((r: any) => r.id))
    const recent = (await leader.json(`/api/patrols/suggest?grid=${G1}&day=2026-10-30`)).body.suggestions.filter((x: any) => x.kind === 'station')
    const stations = await openOn('2026-10-30')
    expect(stations.length).toBeGreaterThan(0)
    expect(recent.map((x: any) => x.ref_id)).toEqual(stations.map((r: any) => r.id))
    expect(recent[0].reason).toMatch(/^station .+ \(.+, .+\)$/)
    expect(recent[0].reason).toBe(`station ${recent[0].detail.station_name} (${recent[0].detail.type_en}, ${recent[0].detail.type_zh})`)
    expect(recent[0].detail.type).toEqual(expect.any(String))
    // Each suggestion lies inside the grid, so it can be taken as a checkpoint as it is.
    const made = await leader.send('/api/patrols/tasks', task({ checkpoints: s.slice(0, 50).map((x: any) => ({ lon: x.lon, lat: x.lat, kind: x.kind, reason: x.reason, ref_id: x.ref_id })) }))
    expect(made.status).toBe(201)
    expect((await leader.json(`/api/patrols/suggest?grid=${G1}&day=2003-04-31`)).status).toBe(400)
    expect((await leader.json(`/api/patrols/suggest?grid=1999999&day=${DAY}`)).status).toBe(404)
    expect((await leader.json(`/api/patrols/suggest?grid=${G1}&day=${DAY}&unvisited_days=0`)).status).toBe(400)
  })

  it('orders points along the road network where there is one: never shorter than the straight walk', async () => {
    const pts: LonLat[] = [A, C, B]
    const road = await (await leader.send('/api/patrols/route', { points: pts, start: A })).json()
    expect(road.distance).toBe('road')
    expect(road.order).toHaveLength(3)
    const straight = await (await leader.send('/api/patrols/route', { points: pts, start: A, distance: 'straight' })).json()
    expect(straight.distance).toBe('straight_line')
    // The best road walk is at least the best straight walk (every road leg is at least its straight line).
    expect(road.length_m).toBeGreaterThanOrEqual(straight.length_m - 0.5)
    expect(road.walking_s).toBe(Math.round(road.length_m / 1.2))
    expect((await leader.send('/api/patrols/route', { points: pts, distance: 'bus' })).status).toBe(400)
  })

  it('returns the road path of every leg: from stop to stop along roads, adding up to the length', async () => {
    const pts: LonLat[] = [A, C, B]
    const loop = await (await leader.send('/api/patrols/route', { points: pts, loop: true })).json()
    expect(loop.distance).toBe('road')
    const walk = loop.points as LonLat[]
    expect(walk).toHaveLength(4)
    expect(loop.legs.map((l: any) => [l.from, l.to])).toEqual([[0, 1], [1, 2], [2, 3]])
    const pathLen = (path: LonLat[]) => path.slice(1).reduce((sum, p, k) => sum + haversineM(path[k], p), 0)
    let total = 0
    for (const leg of loop.legs) {
      const path = leg.path as LonLat[]
      // Stop to stop: the access legs to and from the road are part of the path.
      expect(haversineM(path[0], walk[leg.from])).toBeLessThan(0.05)
      expect(haversineM(path[path.length - 1], walk[leg.to])).toBeLessThan(0.05)
      // The path's own length (great circle over its vertices) is the leg's distance.
      expect(Math.abs(pathLen(path) - leg.distance_m) / leg.distance_m).toBeLessThan(0.01)
      total += pathLen(path)
    }
    expect(Math.abs(total - loop.length_m) / loop.length_m).toBeLessThan(0.01)
    // Every vertex but the two stops lies on a road (the snap points and the nodes), and the first and
    // last of them are each within the snap distance of their stop (no farther than the nearest road).
    const inner = loop.legs.flatMap((l: any) => (l.path as LonLat[]).slice(1, -1))
    expect(inner.length).toBeGreaterThan(loop.legs.length * 2)
    const off = await q(
      `select count(*)::int n from unnest($1::float8[], $2::float8[]) u(x, y)
       where not exists (select 1 from roads r where ST_DWithin(ST_Transform(r.geom, 32648), ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 32648), 0.05))`,
      [inner.map((p: LonLat) => p[0]), inner.map((p: LonLat) => p[1])],
    )
    expect(off[0].n).toBe(0)
    for (const leg of loop.legs) {
      const path = leg.path as LonLat[]
      for (const [stop, snapped] of [[path[0], path[1]], [path[path.length - 1], path[path.length - 2]]]) {
        const nearest = await q(
          `select min(ST_Distance(ST_Transform(geom, 32648), ST_Transform(ST_SetSRID(ST_MakePoint($1, $2), 4326), 32648))) d from roads`,
          stop,
        )
        expect(haversineM(stop, snapped)).toBeLessThan(nearest[0].d * 1.01 + 0.05)
      }
    }
    // Straight lines: each leg is its two stops, and the answer says so.
    const straight = await (await leader.send('/api/patrols/route', { points: pts, loop: true, distance: 'straight' })).json()
    expect(straight.legs.map((l: any) => l.path)).toEqual((straight.points as LonLat[]).slice(1).map((p, k) => [straight.points[k], p]))
    expect(straight.legs.reduce((sum: number, l: any) => sum + l.distance_m, 0)).toBeCloseTo(straight.length_m, 0)
  })

  it('measures a walk in the order given with keep_order (a saved task: recomputed from its checkpoints)', async () => {
    const pts: LonLat[] = [A, C, B]
    const { id } = await (await leader.send('/api/patrols/tasks', task({ checkpoints: pts.map(([lon, lat]) => ({ lon, lat })) }))).json()
    const kept = await (await leader.send('/api/patrols/route', { task: id, keep_order: true })).json()
    expect(kept.order).toEqual([0, 1, 2])
    expect(kept.points).toEqual(pts.map((p) => kept.points.find((x: LonLat) => haversineM(x, p) < 0.05)))
    const given = await (await leader.send('/api/patrols/route', { points: pts, keep_order: true })).json()
    expect(given.length_m).toBeCloseTo(kept.length_m, 0)
    const best = await (await leader.send('/api/patrols/route', { points: pts })).json()
    expect(best.length_m).toBeLessThanOrEqual(kept.length_m + 0.1)
    expect(kept.legs.reduce((sum: number, l: any) => sum + l.distance_m, 0)).toBeCloseTo(kept.length_m, 0)
    expect((await leader.send('/api/patrols/route', { points: pts, keep_order: 'yes' })).status).toBe(400)
  })

  it('orders points by nearest neighbour + 2-opt with length and walking time, straight-line', async () => {
    const pts: LonLat[] = [A, C, B]
    const res = await leader.send('/api/patrols/route', { points: pts, start: A, distance: 'straight' })
    expect(res.status).toBe(200)
    const r = await res.json()
    expect(r.distance).toBe('straight_line')
    expect(r.order[0]).toBe(0)
    const walk = r.points as LonLat[]
    let len = 0
    for (let i = 1; i < walk.length; i++) len += haversineM(walk[i - 1], walk[i])
    expect(r.length_m).toBeCloseTo(len, 0)
    expect(r.walking_s).toBe(Math.round(r.length_m / 1.2))
    const alt = [A, ...[1, 2, 0].map((i) => pts[i])]
    let altLen = 0
    for (let i = 1; i < alt.length; i++) altLen += haversineM(alt[i - 1], alt[i])
    expect(r.length_m).toBeLessThanOrEqual(altLen + 0.1)
    const { id } = await (await leader.send('/api/patrols/tasks', task({ checkpoints: pts.map(([lon, lat]) => ({ lon, lat })) }))).json()
    const byTask = await (await leader.send('/api/patrols/route', { task: id, loop: true, speed: 1, distance: 'straight' })).json()
    expect(byTask.order).toHaveLength(3)
    expect(byTask.walking_s).toBe(Math.round(byTask.length_m))
    expect(byTask.points[0]).toEqual(byTask.points[3])
    expect((await leader.send('/api/patrols/route', { points: pts, task: id })).status).toBe(400)
    expect((await leader.send('/api/patrols/route', { points: [[104, 95]] })).status).toBe(400)
    expect((await leader.send('/api/patrols/route', { task: 1_999_999 })).status).toBe(404)
  })
})
