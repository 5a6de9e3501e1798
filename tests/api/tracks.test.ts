import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, testApi, type Client } from '../helpers/api.ts'
import { unpackPlayback } from '../../api/tracks/queries.ts'

// Every point these tests write lies in March 2003 (no seed or other test file uses that month), and
// is deleted in afterAll. Each test uses its own hours of that month, so the tests do not see each other.
const DAY = '2003-03-12'
/** Local (Asia/Shanghai) time of the test day plus `h` hours, as epoch ms. */
const at = (h: number, s = 0) => Date.parse(`${DAY}T00:00:00+08:00`) + h * 3_600_000 + s * 1000
const iso = (ms: number) => new Date(ms).toISOString()

let t: Awaited<ReturnType<typeof testApi>>
let leader: Client
let member: Client
let G1: number
let otherGrid: number
/** A grid member of G1 (the demo leader's grid), another grid member of G1, and a grid member of another grid. */
let P: number
let P2: number
let foreign: number
/** A point inside G1. */
let base: [number, number]
/** +1 or −1: the direction (east or west) towards the district's centre from `base`, so walks stay inside it. */
let dir = 1
let memberUser: string

const q = async (text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows

/** `n` fixes of `person` walking east ~1.1 m/s from `base`, one every 10 s from hour `h`. */
const walk = (person: number, h: number, n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ person, t: iso(at(h, (from + i) * 10)), lon: base[0] + dir * (from + i) * 0.0001, lat: base[1], accuracy: 5 }))

const post = (c: Client, points: unknown[]) => c.send('/api/tracks/points', { points })

function gpxUpload(c: Client, text: string, person: string | number) {
  const form = new FormData()
  form.set('file', new Blob([text], { type: 'application/gpx+xml' }), 'walk.gpx')
  form.set('person', String(person))
  return c.request('/api/tracks/gpx', { method: 'POST', body: form })
}

beforeAll(async () => {
  t = await testApi()
  leader = await t.as('leader')
  G1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  const members = await q(`select p.id from people p join person_areas pa on pa.person_id = p.id where pa.area_id = $1 and p.role = 'grid_member' order by p.id`, [G1])
  P = members[0].id
  P2 = members[1].id
  const street = (await q(`select street_id from areas where id = $1`, [G1]))[0].street_id
  otherGrid = (await q(`select id from areas where level = 'grid' and street_id = $1 and id <> $2 order by id limit 1`, [street, G1]))[0].id
  foreign = (await q(`select p.id from people p join person_areas pa on pa.person_id = p.id where pa.area_id = $1 and p.role = 'grid_member' order by p.id limit 1`, [otherGrid]))[0].id
  const pt = (await q(`select ST_X(p) x, ST_Y(p) y from (select ST_PointOnSurface(geom) p from areas where parent_id = $1 and level = 'micro_grid' order by id limit 1) s`, [G1]))[0]
  base = [Number(pt.x), Number(pt.y)]
  const centre = (await q(`select ST_X(ST_Centroid(geom)) x from areas where level = 'district' limit 1`))[0]
  dir = Number(centre.x) >= base[0] ? 1 : -1
  // A grid-member account linked to P (the demo `member` has no person).
  memberUser = `trk_${process.pid}_${Date.now() % 100000}`
  const made = await t.send('/api/admin/users', { username: memberUser, password: 'long enough pw', role: 'grid_member', areas: [G1], person_id: P })
  expect(made.status).toBe(201)
  member = await signIn(t.api, memberUser, 'long enough pw')
})

afterAll(async () => {
  await t.db.pool.query(`delete from track_points where t >= '2003-03-01T00:00:00Z' and t < '2003-04-01T00:00:00Z'`)
  await t.db.pool.query(`delete from sessions where user_id in (select id from users where username = $1)`, [memberUser]).catch(() => {})
  await t.db.pool.query(`delete from user_areas where user_id in (select id from users where username = $1)`, [memberUser]).catch(() => {})
  await t.db.pool.query(`delete from users where username = $1`, [memberUser]).catch(() => {})
  await t.close()
})

const stored = async (person: number, h0: number, h1: number) =>
  (await q(`select (extract(epoch from t) * 1000)::float8 ms, ST_X(geom) x, ST_Y(geom) y from track_points where person_id = $1 and t >= $2 and t < $3 order by t`, [person, iso(at(h0)), iso(at(h1))]))

describe('POST /api/tracks/points', () => {
  it('stores a batch once: the same batch again, shuffled or moved, is all duplicates (first write wins)', async () => {
    const batch = walk(P, 1, 30)
    const first = await (await post(leader, batch)).json()
    expect(first).toEqual({ accepted: 30, duplicates: 0, rejected: [] })
    const shuffled = [...batch].reverse().map((p, i) => (i % 2 ? p : { ...p, lon: p.lon + 0.001 }))
    const again = await (await post(leader, shuffled)).json()
    expect(again).toEqual({ accepted: 0, duplicates: 30, rejected: [] })
    // Twice in one batch: the first (by index) counts, the second is a duplicate.
    const twice = await (await post(leader, [...walk(P, 1, 2, 30), walk(P, 1, 1, 30)[0]])).json()
    expect(twice).toEqual({ accepted: 2, duplicates: 1, rejected: [] })
    const rows = await stored(P, 1, 2)
    expect(rows).toHaveLength(32)
    expect(rows[5].x).toBeCloseTo(batch[5].lon, 9)
    expect(rows.map((r: any) => r.ms)).toEqual([...batch, ...walk(P, 1, 2, 30)].map((p) => Date.parse(p.t)))
    // The month's partition was made for the batch: nothing landed in the default partition.
    expect((await q(`select to_regclass('track_points_2003_03') is not null as made`))[0].made).toBe(true)
    expect((await q(`select count(*)::int n from track_points_default where t >= '2003-03-01' and t < '2003-04-01'`))[0].n).toBe(0)
  })

  it('refuses each bad point with its reason and stores every good one', async () => {
    const good = walk(P, 2, 6)
    const now = Date.now()
    const points: unknown[] = [
      good[0],
      good[1],
      { ...good[2], t: iso(at(2, 25)), lon: base[0] + dir * 0.01 }, // ~0.9 km in 5 s
      good[2],
      { person: P, t: iso(now + 10 * 60_000), lon: base[0], lat: base[1] },
      { person: P, t: iso(at(2, 100)), lon: 0, lat: 0 },
      { person: P, t: iso(at(2, 110)), lon: 190, lat: 30 },
      { person: P, t: iso(at(2, 120)), lon: base[1], lat: base[0] },
      { person: P, t: iso(at(2, 130)), lon: 104.9, lat: 31.9 },
      { person: 1999999, t: iso(at(2, 140)), lon: base[0], lat: base[1] },
      { person: foreign, t: iso(at(2, 150)), lon: base[0], lat: base[1] },
      { person: P, t: '12/03/2003 08:00', lon: base[0], lat: base[1] },
      { person: 'P', t: iso(at(2, 160)), lon: base[0], lat: base[1] },
      { person: P, t: iso(at(2, 170)), lon: '104.2', lat: base[1] },
      { person: P, t: '1999-12-31T23:59:59Z', lon: base[0], lat: base[1] },
      { person: P, t: iso(at(2, 180)), lon: base[0], lat: base[1], accuracy: -1 },
      'not a point',
      good[3],
      good[4],
      good[5],
    ]
    const res = await post(leader, points)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.accepted).toBe(6)
    expect(body.duplicates).toBe(0)
    expect(body.rejected).toEqual([
      { index: 2, reason: expect.stringMatching(/^impossible speed: \d{3} m in 5 s \(\d+ m\/s, over 50 m\/s\) from the earlier point at /) },
      { index: 4, reason: 't is in the future (more than 2 minutes ahead of the server clock)' },
      { index: 5, reason: '(0, 0) is not a location (a fix without position)' },
      { index: 6, reason: 'lon/lat out of range' },
      { index: 7, reason: 'lon/lat out of range (swapped?)' },
      { index: 8, reason: 'outside the district' },
      { index: 9, reason: 'person 1999999 does not exist' },
      { index: 10, reason: `person ${foreign} does not exist` },
      { index: 11, reason: expect.stringMatching(/^t must be an ISO-8601 date-time with a zone/) },
      { index: 12, reason: 'person must be a positive integer id' },
      { index: 13, reason: 'lon/lat must be numbers' },
      { index: 14, reason: 't is before 2000-01-01 (device clock not set?)' },
      { index: 15, reason: 'accuracy must be metres from 0 to 10,000' },
      { index: 16, reason: 'not an object { person, t, lon, lat, accuracy? }' },
    ])
    expect((await stored(P, 2, 3)).map((r: any) => r.ms)).toEqual(good.map((p) => Date.parse(p.t)))
    // Nothing of the foreign grid's member, nothing at the future time.
    expect(await q(`select 1 from track_points where person_id = $1 and t >= $2 and t < $3`, [foreign, iso(at(0)), iso(at(24))])).toEqual([])
  })

  it('checks a late point against the stored points before and after it (out-of-order arrival)', async () => {
    const all = walk(P, 3, 9)
    expect((await (await post(leader, [...all.slice(0, 4), ...all.slice(5)])).json()).accepted).toBe(8)
    const spike = { ...all[4], lon: all[4].lon + dir * 0.01 } // ~1 km off, 10 s from both neighbours
    const late = await (await post(leader, [spike])).json()
    expect(late.rejected).toEqual([{ index: 0, reason: expect.stringMatching(/^impossible speed: .* from the earlier point at /) }])
    // The right point in the gap passes; its later neighbour is a stored point.
    expect(await (await post(leader, [all[4]])).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    // A point just before a stored one, far away: refused against the later stored point.
    const before = { person: P, t: iso(at(3, -5)), lon: base[0] + dir * 0.01, lat: base[1] }
    expect((await (await post(leader, [before])).json()).rejected[0].reason).toMatch(/from the later point at /)
  })

  it('gives a shuffled batch the same answer as the ordered one', async () => {
    // Two copies of one walk with a wild fix in the middle, hours apart (so independent).
    const batch = (h: number) => {
      const w = walk(P2, h, 12)
      w[6] = { ...w[6], lon: w[6].lon + dir * 0.01 }
      return w
    }
    const ordered = await (await post(leader, batch(4))).json()
    const order = [7, 3, 11, 0, 6, 9, 1, 5, 10, 2, 8, 4]
    const shuffled = await (await post(leader, order.map((i) => batch(6)[i]))).json()
    expect(ordered.accepted).toBe(11)
    expect(shuffled.accepted).toBe(11)
    expect(ordered.rejected.map((r: any) => r.index)).toEqual([6])
    expect(shuffled.rejected.map((r: any) => order[r.index])).toEqual([6])
    const offsets = async (h: number) => (await stored(P2, h, h + 1)).map((r: any) => [r.ms - at(h), r.x, r.y])
    expect(await offsets(6)).toEqual(await offsets(4))
  })

  it('lets a grid member post only their own points; leaders those of their grid', async () => {
    const own = await (await post(member, walk(P, 7, 3))).json()
    expect(own).toEqual({ accepted: 3, duplicates: 0, rejected: [] })
    const other = await (await post(member, walk(P2, 7, 2))).json()
    expect(other.accepted).toBe(0)
    expect(other.rejected).toEqual([
      { index: 0, reason: 'a grid member may upload only their own track' },
      { index: 1, reason: 'a grid member may upload only their own track' },
    ])
    const audit = await q(`select row_count from audit_log where username = $1 and action = 'insert' and target = 'track_points'`, [memberUser])
    expect(audit).toEqual([{ row_count: 3 }])
  })

  it('answers malformed batches with a 4xx and stores nothing', async () => {
    const before = (await q(`select count(*)::int n from track_points`))[0].n
    const big = Array.from({ length: 5001 }, (_, i) => ({ person: P, t: iso(at(8, i)), lon: base[0], lat: base[1] }))
    const cases: [Promise<Response>, number, RegExp][] = [
      [post(leader, big), 413, /at most 5,000 points/],
      [post(leader, []), 400, /at least one point/],
      [leader.send('/api/tracks/points', { points: 'many' }), 400, /points/],
      [leader.send('/api/tracks/points', '{"points": [1,'), 400, /./],
      [leader.send('/api/tracks/points', [1, 2]), 400, /./],
    ]
    for (const [call, status, reason] of cases) {
      const res = await call
      const text = await res.text()
      expect(res.status, text).toBe(status)
      expect(text).toMatch(reason)
      expect(Object.keys(JSON.parse(text)).sort()).toEqual(['error', 'message'])
    }
    expect((await q(`select count(*)::int n from track_points`))[0].n).toBe(before)
  })
})

describe('POST /api/tracks/gpx', () => {
  const gpx = (pts: string) => `<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="GridPulse test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="${base[1]}" lon="${base[0]}"><name>not a track point</name></wpt>
  <trk><name>巡查</name><trkseg>${pts}</trkseg></trk>
</gpx>`
  const trkpt = (i: number, time = true) =>
    `<trkpt lat="${base[1].toFixed(7)}" lon="${(base[0] + dir * i * 0.0001).toFixed(7)}"><ele>500</ele>${time ? `<time>${iso(at(9, i * 10))}</time>` : ''}</trkpt>`

  it('stores the track points of a valid file, refusing those without a time by their order in the file', async () => {
    const text = gpx([0, 1, 2, 3, 4].map((i) => trkpt(i, i !== 2)).join('\n') + `<trkpt lat="0" lon="0"><time>${iso(at(9, 60))}</time></trkpt>`)
    const res = await gpxUpload(leader, text, P)
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body).toEqual({
      accepted: 4,
      duplicates: 0,
      rejected: [
        { index: 2, reason: 'no <time>: a track point without a time cannot be placed in a track' },
        { index: 5, reason: '(0, 0) is not a location (a fix without position)' },
      ],
    })
    const rows = await stored(P, 9, 10)
    expect(rows.map((r: any) => r.ms)).toEqual([0, 1, 3, 4].map((i) => at(9, i * 10)))
    expect(rows[3].x).toBeCloseTo(base[0] + dir * 0.0004, 6)
    // The same file again: all duplicates.
    expect(await (await gpxUpload(leader, text, P)).json()).toMatchObject({ accepted: 0, duplicates: 4 })
  })

  it('refuses a file that is not GPX, an empty track, and a person out of reach', async () => {
    const cases: [Promise<Response>, number, string, RegExp][] = [
      [gpxUpload(leader, 'lon,lat\n104.2,30.5\n', P), 400, 'invalid_gpx', /not a readable XML file/],
      [gpxUpload(leader, '<gpx><trk><trkseg><trkpt lat="1" lon="2"></trkseg></trk></gpx>', P), 400, 'invalid_gpx', /not a readable XML file/],
      [gpxUpload(leader, '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', P), 400, 'invalid_gpx', /root element is <kml>/],
      [gpxUpload(leader, gpx(''), P), 400, 'empty_gpx', /no track point/],
      [gpxUpload(leader, gpx(trkpt(0)), foreign), 404, 'not_found', new RegExp(`person ${foreign} does not exist`)],
      [gpxUpload(leader, gpx(trkpt(0)), 'x1'), 400, 'invalid_request', /person/],
      [gpxUpload(member, gpx(trkpt(0)), P2), 403, 'forbidden', /only their own/],
      [leader.request('/api/tracks/gpx', { method: 'POST', body: new FormData() }), 400, 'invalid_request', /./],
    ]
    for (const [call, status, error, reason] of cases) {
      const res = await call
      const body = await res.json()
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect(body.error).toBe(error)
      expect(body.message).toMatch(reason)
    }
    expect(await stored(foreign, 0, 24)).toEqual([])
  })
})

describe('sessions and playback', () => {
  // P's hours 11-12 and P2's hour 11: P walks 08:00-08:05 (31 fixes), pauses 9 min (same session),
  // walks on 5 min, pauses 15 min (new session), walks 5 min; P2 walks one session.
  beforeAll(async () => {
    const seg = (person: number, h: number, fromS: number, n: number, east0: number) =>
      Array.from({ length: n }, (_, i) => ({ person, t: iso(at(h, fromS + i * 10)), lon: base[0] + dir * (east0 + i) * 0.00008, lat: base[1] }))
    const points = [...seg(P, 11, 0, 31, 0), ...seg(P, 11, 300 + 540, 31, 30), ...seg(P, 11, 1140 + 900, 31, 0), ...seg(P2, 11, 0, 20, 0), { person: P2, t: iso(at(11, 3000)), lon: base[0], lat: base[1] }]
    const r = await (await post(leader, points)).json()
    expect(r).toEqual({ accepted: points.length, duplicates: 0, rejected: [] })
  })

  it('splits a day into sessions at pauses over 10 minutes, with lengths as PostGIS measures them', async () => {
    const res = await leader.json(`/api/tracks/sessions?person=${P}&day=${DAY}`)
    expect(res.status).toBe(200)
    const mine = res.body.sessions.filter((s: any) => Date.parse(s.start) >= at(11) && Date.parse(s.start) < at(12))
    expect(mine.map((s: any) => [s.points, Date.parse(s.start) - at(11), Date.parse(s.end) - at(11)])).toEqual([
      [62, 0, 1140_000],
      [31, 2040_000, 2340_000],
    ])
    const expected = await q(
      `select round(ST_Length(ST_MakeLine(geom order by t)::geography)::numeric, 1)::float8 d from track_points where person_id = $1 and t >= $2 and t <= $3`,
      [P, iso(at(11)), iso(at(11, 1140))],
    )
    expect(mine[0].distance_m).toBe(expected[0].d)
    expect(mine[0].line.type).toBe('LineString')
    expect(mine[0].line.coordinates).toHaveLength(62)
    expect(mine[0].line.coordinates[61][0]).toBeCloseTo(base[0] + dir * 60 * 0.00008, 7)
    // By grid: P2's single-fix session is a two-position line.
    const grid = await leader.json(`/api/tracks/sessions?grid=${G1}&day=${DAY}`)
    const lone = grid.body.sessions.find((s: any) => s.person === P2 && s.points === 1)
    expect(lone.line.coordinates).toEqual([lone.line.coordinates[0], lone.line.coordinates[0]])
    expect(lone.distance_m).toBe(0)
  })

  it("packs the grid's day for a TripsLayer: the same tracks, fixes and times as SQL, and audits the read", async () => {
    const res = await leader.request(`/api/tracks/playback?grid=${G1}&day=${DAY}`, { headers: { 'accept-encoding': 'gzip' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const raw = new Uint8Array(await res.arrayBuffer())
    const body = res.headers.get('content-encoding') === 'gzip' ? gunzipSync(raw) : Buffer.from(raw)
    const n = Number(res.headers.get('x-count'))
    const m = Number(res.headers.get('x-points'))
    const origin = res.headers.get('x-origin')!.split(',').map(Number) as [number, number]
    expect(res.headers.get('x-day-start')).toBe('2003-03-11T16:00:00.000Z')
    expect(body.length).toBe(4 * n + 4 * (n + 1) + 12 * m)
    const tracks = unpackPlayback(body, n, m, origin)
    // Against SQL: every fix of G1's people that day, in person and time order.
    const start = at(0)
    const fixes = await q(
      `select tp.person_id, (extract(epoch from tp.t) * 1000)::float8 ms, ST_X(tp.geom) x, ST_Y(tp.geom) y
       from track_points tp where tp.t >= $1 and tp.t < $2
         and tp.person_id in (select pa.person_id from person_areas pa join areas a on a.id = pa.area_id where a.path @> array[$3]::int[])
       order by tp.person_id, tp.t`,
      [iso(start), iso(start + 86_400_000), G1],
    )
    expect(m).toBe(fixes.length)
    const flat = tracks.flatMap((tr) => tr.path.map((p, i) => ({ person: tr.person, p, s: tr.timestamps[i] })))
    flat.forEach((f, i) => {
      expect(f.person).toBe(fixes[i].person_id)
      expect(f.s).toBe(Math.floor((fixes[i].ms - start) / 1000))
      expect(Math.abs(f.p[0] - fixes[i].x)).toBeLessThan(1e-6)
      expect(Math.abs(f.p[1] - fixes[i].y)).toBeLessThan(1e-6)
    })
    // Sessions: gaps over 10 minutes inside a person's fixes, plus one per person.
    let expectedTracks = 0
    fixes.forEach((f: any, i: number) => {
      if (i === 0 || fixes[i - 1].person_id !== f.person_id || f.ms - fixes[i - 1].ms > 600_000) expectedTracks++
    })
    expect(n).toBe(expectedTracks)
    for (const tr of tracks) expect(tr.timestamps).toEqual([...tr.timestamps].sort((a, b) => a - b))
    const audit = await q(`select ids, detail from audit_log where username = 'leader' and action = 'read' and target = 'track_points' order by id desc limit 1`)
    expect(audit[0].detail).toMatchObject({ kind: 'playback', day: DAY, area: G1, tracks: n, points: m })
    expect(audit[0].ids.map(Number).sort()).toEqual([...new Set(fixes.map((f: any) => f.person_id))].sort())
  })

  it('a day without fixes is an empty answer', async () => {
    const res = await leader.request(`/api/tracks/playback?person=${P}&day=2003-03-01`)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-count')).toBe('0')
    expect((await res.arrayBuffer()).byteLength).toBe(4)
    expect((await leader.json(`/api/tracks/sessions?person=${P}&day=2003-03-01`)).body.sessions).toEqual([])
  })
})

describe('scope', () => {
  it('planners get 403 on every track route', async () => {
    const p = await t.as('planner')
    for (const path of [`/api/tracks/sessions?grid=${G1}&day=${DAY}`, `/api/tracks/playback?grid=${G1}&day=${DAY}`]) {
      const res = await p.json(path)
      expect(res.status, path).toBe(403)
      expect(res.body.error).toBe('aggregates_only')
    }
    expect((await post(p, walk(P, 12, 1))).status).toBe(403)
    expect((await gpxUpload(p, '<gpx/>', P)).status).toBe(403)
  })

  it('out-of-scope grids and people answer 404 like missing ones', async () => {
    for (const path of [
      `/api/tracks/sessions?grid=${otherGrid}&day=${DAY}`, `/api/tracks/playback?grid=${otherGrid}&day=${DAY}`,
      `/api/tracks/sessions?person=${foreign}&day=${DAY}`, `/api/tracks/playback?person=${foreign}&day=${DAY}`,
      `/api/tracks/playback?grid=1999999&day=${DAY}`, `/api/tracks/sessions?person=1999999&day=${DAY}`,
    ]) {
      const res = await leader.json(path)
      expect(res.status, path).toBe(404)
      expect(res.body.message).toMatch(/^(area|person) \d+ does not exist$/)
    }
    // The admin does see the other grid.
    expect((await t.get(`/api/tracks/playback?grid=${otherGrid}&day=${DAY}`)).status).toBe(200)
  })

  it('401 without a session', async () => {
    for (const path of [`/api/tracks/sessions?grid=${G1}&day=${DAY}`, `/api/tracks/playback?grid=${G1}&day=${DAY}`]) {
      expect((await t.anonymous.get(path)).status).toBe(401)
    }
    expect((await t.anonymous.send('/api/tracks/points', { points: walk(P, 12, 1) })).status).toBe(401)
  })

  it('SQL metacharacters and bad values in parameters answer 400', async () => {
    const EVIL = ["'", "1' or '1'='1", '1;drop table track_points--', '$1', '1e309', '-1', '2003-02-30', '2003-3-1', '']
    for (const v of EVIL) {
      for (const path of ['/api/tracks/sessions', '/api/tracks/playback']) {
        for (const url of [`${path}?grid=${encodeURIComponent(v)}&day=${DAY}`, `${path}?person=${encodeURIComponent(v)}&day=${DAY}`, `${path}?grid=${G1}&day=${encodeURIComponent(v)}`]) {
          const res = await leader.get(url)
          const text = await res.text()
          expect(res.status, `${url} ${text}`).toBe(400)
          expect(text).not.toMatch(/syntax error|SQLSTATE|relation "|column "/i)
        }
      }
    }
    expect((await leader.get(`/api/tracks/sessions?grid=${G1}&person=${P}&day=${DAY}`)).status).toBe(400)
    expect((await leader.get(`/api/tracks/sessions?day=${DAY}`)).status).toBe(400)
  })
})
