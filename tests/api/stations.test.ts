// The station registry (issue 6): one station's record, register / edit / move / close / reopen, who
// may do it where, bad input, and the CSV / GeoJSON import (dry run, all-or-nothing, GCJ-02).
// Every station made here carries TAG in its name and is deleted afterwards; no global counts.
import gcoord from 'gcoord'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withScope } from '../../db/scope.ts'
import { testApi, type Client } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
let planner: Client
let commander: Client
let leader: Client
/** Points on micro-grids of the commander's street: two in different grids, one in the leader's grid. */
let here: [number, number]
let there: [number, number]
let leaderGrid: [number, number]
/** A point in another street. */
let otherStreet: [number, number]
let street: number

const TAG = `t${process.pid}${Date.now() % 100000}`
const q = async <T = any>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]
const point = (r: { x: number; y: number }): [number, number] => [Number(r.x), Number(r.y)]

beforeAll(async () => {
  t = await testApi()
  ;[planner, commander, leader] = await Promise.all([t.as('planner'), t.as('commander'), t.as('leader')])
  street = (await q(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`))[0].area_id
  const grid = (await q(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  const mgs = await q(
    `select distinct on (path[4]) ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas
     where level = 'micro_grid' and path[2] = $1 and path[4] <> $2 order by path[4], id limit 2`,
    [street, grid],
  )
  here = point(mgs[0])
  there = point(mgs[1])
  leaderGrid = point((await q(`select ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where level = 'micro_grid' and path[4] = $1 order by id limit 1`, [grid]))[0])
  otherStreet = point((await q(`select ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where level = 'micro_grid' and path[2] <> $1 order by id limit 1`, [street]))[0])
})
afterAll(async () => {
  await q(`delete from stations where name like $1`, [`${TAG}%`])
  await t.close()
})

/** The areas PostGIS gives a point (what the trigger must have stored). */
const areasAt = async ([lon, lat]: [number, number]) =>
  (await q(`select micro_grid_id, grid_id, community_id, street_id from locate_areas(ST_SetSRID(ST_MakePoint($1, $2), 4326))`, [lon, lat]))[0]

const create = (c: Client, body: Record<string, unknown>) => c.send('/api/stations', { type: 'psych_legal', name: `${TAG} 驿站`, ...body })
const patch = (c: Client, id: number, body: unknown) => c.send(`/api/stations/${id}`, body, 'PATCH')
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())

describe('station registry: register, edit, move, close, reopen', () => {
  it('registers a station with its type’s default radius and its areas from the location; the write is audited', async () => {
    const res = await create(planner, { lon: here[0], lat: here[1], opened_on: '2026-03-01', capacity: 12, notes: '周二法律咨询' })
    expect(res.status).toBe(201)
    const s = await res.json()
    const [{ r }] = await q(`select default_service_radius_m r from station_types where code = 'psych_legal'`)
    expect(s).toMatchObject({ type: 'psych_legal', name: `${TAG} 驿站`, service_radius_m: r, default_radius_m: r, opened_on: '2026-03-01', closed_on: null, state: 'open', capacity: 12, notes: '周二法律咨询' })
    expect(s.lon).toBeCloseTo(here[0], 6)
    expect(s.lat).toBeCloseTo(here[1], 6)
    const want = await areasAt(here)
    expect({ micro_grid_id: s.micro_grid.id, grid_id: s.grid.id, community_id: s.community.id, street_id: s.street.id }).toEqual(want)
    expect(typeof s.street.name).toBe('string')
    const audit = await q(`select action, role from audit_log where target = 'stations' and username = 'planner' and ids @> $1::bigint[]`, [[s.id]])
    expect(audit).toEqual([{ action: 'insert', role: 'planner' }])
    // The one-station read answers the same record.
    expect((await planner.json(`/api/stations/${s.id}`)).body).toEqual(s)
  })

  it('edits fields, moves (areas re-assigned), closes and reopens; the list shows closed ones only when asked', async () => {
    const s = await (await create(commander, { lon: here[0], lat: here[1], service_radius_m: 600 })).json()
    expect(s.service_radius_m).toBe(600)

    const edited = await patch(commander, s.id, { name: `${TAG} 新名`, service_radius_m: 1200, capacity: null, notes: '改' })
    expect(edited.status).toBe(200)
    expect(await edited.json()).toMatchObject({ name: `${TAG} 新名`, service_radius_m: 1200, capacity: null, notes: '改' })

    const before = await areasAt(here)
    const after = await areasAt(there)
    expect(after.grid_id).not.toBe(before.grid_id)
    const moved = await (await patch(commander, s.id, { lon: there[0], lat: there[1] })).json()
    expect({ micro_grid_id: moved.micro_grid.id, grid_id: moved.grid.id, community_id: moved.community.id, street_id: moved.street.id }).toEqual(after)
    const [row] = await q(`select grid_id, ST_X(geom) x from stations where id = $1`, [s.id])
    expect(row.grid_id).toBe(after.grid_id)
    expect(Number(row.x)).toBeCloseTo(there[0], 7)

    const listed = async (query = '') => (await commander.json(`/api/stations?type=psych_legal${query}`)).body.features.map((f: any) => f.id) as number[]
    expect(await listed()).toContain(s.id)
    const closed = await patch(commander, s.id, { closed_on: today })
    expect(await closed.json()).toMatchObject({ closed_on: today, state: 'closed' })
    expect(await listed()).not.toContain(s.id)
    const all = (await commander.json(`/api/stations?type=psych_legal&include_closed=true`)).body.features
    expect(all.find((f: any) => f.id === s.id)?.properties.closed_on).toBe(today)

    const reopened = await patch(commander, s.id, { closed_on: null })
    expect(await reopened.json()).toMatchObject({ closed_on: null, state: 'open' })
    expect(await listed()).toContain(s.id)
  })
})

describe('who may manage which station', () => {
  it('grid leaders read the stations of their grid but may not register, edit or import (403)', async () => {
    const s = await (await create(planner, { lon: leaderGrid[0], lat: leaderGrid[1] })).json()
    expect((await leader.json(`/api/stations/${s.id}`)).status).toBe(200)
    const res = await create(leader, { lon: leaderGrid[0], lat: leaderGrid[1] })
    expect(res.status).toBe(403)
    expect((await res.json()).error).toBe('role_not_allowed')
    expect((await patch(leader, s.id, { name: `${TAG} x` })).status).toBe(403)
    expect((await q(`select name from stations where id = $1`, [s.id]))[0].name).toBe(`${TAG} 驿站`)
  })

  it('the policy refuses a grid leader’s write even when the API is bypassed', async () => {
    const s = await (await create(planner, { lon: leaderGrid[0], lat: leaderGrid[1] })).json()
    const [u] = await q(`select u.id, u.person_id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'leader' group by u.id`)
    const scope = { userId: u.person_id, role: 'grid_leader' as const, areaIds: u.areas }
    const { seen, updated } = await withScope(t.db.pool, scope, async (c) => ({
      seen: (await c.query('select 1 from stations where id = $1', [s.id])).rowCount,
      updated: (await c.query(`update stations set name = 'hijacked' where id = $1`, [s.id])).rowCount,
    }))
    expect(seen).toBe(1)
    expect(updated).toBe(0)
    // The same statement as the planner changes the row: the refusal above is the role, not the row.
    const [p] = await q(`select u.person_id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'planner' group by u.id, u.person_id`)
    const n = await withScope(t.db.pool, { userId: p.person_id, role: 'planner', areaIds: p.areas }, async (c) => (await c.query(`update stations set notes = 'ok' where id = $1`, [s.id])).rowCount)
    expect(n).toBe(1)
  })

  it('a station outside the caller’s scope, or none at all, is 404; registering or moving there is 403 with the reason', async () => {
    const far = await (await create(planner, { lon: otherStreet[0], lat: otherStreet[1] })).json()
    expect((await commander.json(`/api/stations/${far.id}`)).status).toBe(404)
    expect((await patch(commander, far.id, { name: `${TAG} x` })).status).toBe(404)
    expect((await commander.json('/api/stations/2147483000')).status).toBe(404)
    expect((await patch(planner, 2147483000, { name: `${TAG} x` })).status).toBe(404)

    const out = await create(commander, { lon: otherStreet[0], lat: otherStreet[1] })
    expect(out.status).toBe(403)
    expect(await out.json()).toEqual({ error: 'outside_scope', message: 'the location is outside your areas' })
    const mine = await (await create(commander, { lon: here[0], lat: here[1] })).json()
    const move = await patch(commander, mine.id, { lon: otherStreet[0], lat: otherStreet[1] })
    expect(move.status).toBe(403)
    const [row] = await q(`select street_id, ST_X(geom) x from stations where id = $1`, [mine.id])
    expect(row.street_id).toBe(street)
    expect(Number(row.x)).toBeCloseTo(here[0], 7)
  })
})

describe('bad input answers 4xx with a reason, never 500', () => {
  it('refuses radii ≤ 0 or > 10 km, empty names, unknown types, impossible dates, places outside the district', async () => {
    const at = { lon: here[0], lat: here[1] }
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ ...at, service_radius_m: 0 }, 400, /service_radius_m/],
      [{ ...at, service_radius_m: -5 }, 400, /service_radius_m/],
      [{ ...at, service_radius_m: 10_001 }, 400, /service_radius_m/],
      [{ ...at, name: '   ' }, 400, /name/],
      [{ ...at, type: 'spaceport' }, 400, /type/],
      [{ ...at, opened_on: '2026-02-31' }, 400, /opened_on/],
      [{ ...at, capacity: -1 }, 400, /capacity/],
      [{ lon: 0, lat: 0 }, 400, /\(0, 0\)/],
      [{ lon: 104.9, lat: 30.9 }, 422, /outside every micro-grid/],
    ]
    for (const [body, status, reason] of cases) {
      const res = await create(planner, body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect((await res.json()).message, JSON.stringify(body)).toMatch(reason)
    }
    expect((await q(`select count(*)::int n from stations where name like $1 and ST_X(geom) in (0, 104.9)`, [`${TAG}%`]))[0].n).toBe(0)
    const bad = await planner.request('/api/stations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":' })
    expect(bad.status).toBe(400)
  })

  it('refuses a closing before the opening, a closing in the future, an empty change and a half location', async () => {
    const s = await (await create(planner, { lon: here[0], lat: here[1], opened_on: '2025-06-01' })).json()
    const cases: [unknown, RegExp][] = [
      [{ closed_on: '2025-05-31' }, /before opened_on/],
      [{ closed_on: '2999-01-01' }, /not in advance/],
      [{ opened_on: '2026-01-01', closed_on: '2025-12-31' }, /before opened_on/],
      [{}, /nothing to change/],
      [{ lon: here[0] }, /lon and lat together/],
      [{ service_radius_m: 0 }, /service_radius_m/],
    ]
    for (const [body, reason] of cases) {
      const res = await patch(planner, s.id, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect((await res.json()).message, JSON.stringify(body)).toMatch(reason)
    }
    expect((await q(`select closed_on, opened_on::text from stations where id = $1`, [s.id]))[0]).toEqual({ closed_on: null, opened_on: '2025-06-01' })
  })
})

/** POST a file to the import as multipart. */
function upload(c: Client, body: string, name: string, fields: Record<string, string> = {}) {
  const form = new FormData()
  form.set('file', new Blob([body], { type: name.endsWith('.csv') ? 'text/csv' : 'application/geo+json' }), name)
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  return c.request('/api/stations/import', { method: 'POST', body: form })
}
const f7 = (n: number) => n.toFixed(7)
const mine = async (suffix: string) => (await q(`select id, type, name, service_radius_m, capacity, opened_on::text, street_id from stations where name like $1 order by id`, [`${TAG}${suffix}%`]))

describe('POST /api/stations/import', () => {
  const good = (s: string) => [
    'type,name,lon,lat,service_radius_m,opened_on,capacity,notes',
    `psych_legal,${TAG}${s} 甲,${f7(here[0])},${f7(here[1])},,2026-01-05,8,"一楼, 东侧"`,
    `调解室,${TAG}${s} 乙,${f7(there[0])},${f7(there[1])},650,,,`,
  ]

  it('a dry run reports every rejected record with its reason and writes nothing', async () => {
    const csv = [
      ...good('D'),
      `spaceport,${TAG}D 丙,${f7(here[0])},${f7(here[1])},,,,`,
      `police_post,,${f7(here[0])},${f7(here[1])},,,,`,
      `police_post,${TAG}D 丁,${f7(here[1])},${f7(here[0])},,,,`,
      `police_post,${TAG}D 戊,${f7(here[0])},${f7(here[1])},0,,,`,
      `police_post,${TAG}D 己,${f7(here[0])},${f7(here[1])},,2026-13-01,,`,
      `police_post,${TAG}D 庚,104.9,30.9,,,,`,
      `police_post,${TAG}D 辛,${f7(otherStreet[0])},${f7(otherStreet[1])},,,,`,
      `psych_legal,${TAG}D 甲,${f7(here[0] + 0.0001)},${f7(here[1])},,,,`,
    ].join('\n')
    const res = await upload(commander, csv, 'stations.csv', { dry_run: 'true' })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.rejected).toEqual([
      { index: 3, reason: 'unknown station type "spaceport"' },
      { index: 4, reason: 'name is empty' },
      { index: 5, reason: 'lon/lat out of range (swapped columns?)' },
      { index: 6, reason: expect.stringMatching(/^service_radius_m must be/) },
      { index: 7, reason: 'opened_on "2026-13-01" is not a date (YYYY-MM-DD)' },
      { index: 8, reason: 'outside every micro-grid of the district' },
      { index: 9, reason: 'outside your areas' },
      { index: 10, reason: 'repeats record 1 (same type and name within 50 m)' },
    ])
    expect(body.would_import).toBe(2)
    expect(body.imported).toBe(0)
    expect(body.preview.map((p: any) => [p.index, p.type, p.service_radius_m])).toEqual([[1, 'psych_legal', null], [2, 'mediation_room', 650]])
    expect(await mine('D')).toEqual([])
  })

  it('a commit writes every record in one go, or none when any is rejected; a second import of the same file adds nothing', async () => {
    const refused = await (await upload(planner, [...good('C'), `police_post,${TAG}C 丙,104.9,30.9,,,,`].join('\n'), 'stations.csv')).json()
    expect(refused).toMatchObject({ imported: 0, would_import: 2, rejected: [{ index: 3, reason: 'outside every micro-grid of the district' }] })
    expect(await mine('C')).toEqual([])

    const res = await (await upload(planner, good('C').join('\n'), 'stations.csv')).json()
    expect(res.imported).toBe(2)
    expect(res.rejected).toEqual([])
    const [{ r }] = await q(`select default_service_radius_m r from station_types where code = 'psych_legal'`)
    const rows = await mine('C')
    expect(rows.map((x) => x.id)).toEqual(res.ids)
    expect(rows.map(({ type, service_radius_m, capacity, opened_on, street_id }) => ({ type, service_radius_m, capacity, opened_on, street_id }))).toEqual([
      { type: 'psych_legal', service_radius_m: r, capacity: 8, opened_on: '2026-01-05', street_id: street },
      { type: 'mediation_room', service_radius_m: 650, capacity: null, opened_on: null, street_id: street },
    ])
    const audit = await q(`select row_count from audit_log where target = 'stations' and action = 'insert' and username = 'planner' and ids @> $1::bigint[]`, [res.ids])
    expect(audit).toEqual([{ row_count: 2 }])

    const again = await (await upload(planner, good('C').join('\n'), 'stations.csv')).json()
    expect(again.imported).toBe(0)
    expect(again.rejected.map((x: any) => x.reason)).toEqual([
      `station ${res.ids[0]} of this type and name is already registered within 50 m`,
      `station ${res.ids[1]} of this type and name is already registered within 50 m`,
    ])
    expect((await mine('C')).length).toBe(2)
  })

  it('reads a GeoJSON FeatureCollection of points and refuses other geometries', async () => {
    const fc = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features })
    const pt = (c: [number, number], props: object) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: props })
    const bad = await (await upload(planner, fc([
      pt(here, { type: 'police_post', name: `${TAG}G 一`, capacity: 3 }),
      { type: 'Feature', geometry: { type: 'LineString', coordinates: [here, there] }, properties: { type: 'police_post', name: `${TAG}G 二` } },
    ]), 'stations.geojson')).json()
    expect(bad.rejected).toEqual([{ index: 2, reason: 'geometry is not a Point' }])
    expect(await mine('G')).toEqual([])
    const ok = await (await upload(planner, fc([pt(here, { type: 'police_post', name: `${TAG}G 一`, capacity: 3, service_radius_m: 900 })]), 'stations.geojson')).json()
    expect(ok.imported).toBe(1)
    expect((await mine('G')).map(({ type, capacity, service_radius_m }) => ({ type, capacity, service_radius_m }))).toEqual([{ type: 'police_post', capacity: 3, service_radius_m: 900 }])
    const notFc = await upload(planner, '{"type":"Feature"}', 'x.geojson')
    expect(notFc.status).toBe(400)
    expect((await notFc.json()).error).toBe('invalid_geojson')
  })

  it('converts GCJ-02 coordinates: the row lands within a metre of its WGS84 twin, not hundreds of metres off', async () => {
    const gcj = gcoord.transform([there[0], there[1]], gcoord.WGS84, gcoord.GCJ02) as [number, number]
    const csv = ['经度,纬度,类型,名称', `${f7(gcj[0])},${f7(gcj[1])},警务站,${TAG}J 一`].join('\n')
    const res = await (await upload(planner, csv, 'amap.csv', { crs: 'gcj02' })).json()
    expect(res.imported).toBe(1)
    const [{ d, naive }] = await q(
      `select ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) d,
              ST_Distance(ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) naive
       from stations where id = $5`,
      [there[0], there[1], gcj[0], gcj[1], res.ids[0]],
    )
    expect(d).toBeLessThan(1)
    expect(naive).toBeGreaterThan(100)
  })

  it('refuses files it cannot read and roles that may not import', async () => {
    expect((await upload(planner, 'type,name\npolice_post,x', 'a.csv')).status).toBe(400)
    expect((await upload(planner, 'type,name,lon,lat\n', 'a.csv')).status).toBe(400)
    expect((await upload(planner, '{ not json', 'a.geojson')).status).toBe(400)
    const res = await upload(leader, good('L').join('\n'), 'stations.csv')
    expect(res.status).toBe(403)
    expect(await mine('L')).toEqual([])
  })
})
