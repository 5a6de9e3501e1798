/**
 * Sessions and playback (issue 5): a person's fixes of one local day, cut into sessions at pauses
 * longer than SESSION_GAP_MINUTES, as GeoJSON lines with their walked length, or packed for a
 * deck.gl TripsLayer. Read through row-level security in the request's transaction.
 */
import { sql, type SQL } from 'drizzle-orm'
import { isoUtc } from '../incidents/queries.ts'
import { SESSION_GAP_MINUTES, SESSION_GAP_MS } from './checks.ts'

const DAY_MS = 86_400_000
/** Asia/Shanghai has no daylight saving: a local day is always [00:00+08:00, +24 h). */
export function localDay(day: string): { start: Date; end: Date } {
  const start = new Date(`${day}T00:00:00+08:00`)
  return { start, end: new Date(start.getTime() + DAY_MS) }
}

/** One person's fixes (`p.id` of the enclosing lateral join) in [start, end), in time order: a range scan of the (person_id, t) key. */
const personFixes = (start: Date, end: Date) => sql`
  select tp.t, tp.geom from track_points tp
  where tp.person_id = p.id and tp.t >= ${start.toISOString()}::timestamptz and tp.t < ${end.toISOString()}::timestamptz
  order by tp.t`

/**
 * SQL: the persons' fixes in [start, end) with a session number per person: a fix more than the
 * session gap after the person's previous one (in the day) opens the next session. One range scan
 * of the (person_id, t) key per person (a lateral join), so the windows need no sort, whatever the
 * statistics say: with a day's fixes not yet analysed the planner took the t index for the whole
 * day and sorted 200,000 rows by person (~170 ms more).
 */
export function sessionPoints(persons: number[], start: Date, end: Date): SQL {
  return sql`
    select p.id as person_id, f.t, f.geom, f.session
    from unnest(${sql.param(persons)}::int[]) as p(id)
    cross join lateral (
      select b.t, b.geom, coalesce(sum(b.brk) over (order by b.t rows unbounded preceding), 0)::int as session
      from (
        select a.t, a.geom, (a.t - lag(a.t) over (order by a.t) > make_interval(mins => ${SESSION_GAP_MINUTES}))::int as brk
        from (${personFixes(start, end)}) a
      ) b
    ) f`
}

/**
 * SQL: one JSON array of sessions, ordered by person and start: start/end (UTC ISO), number of
 * fixes, geodesic length in metres of the line through them (ellipsoid, as ST_Length on
 * geography measures it) and the line (a one-fix session is a line of two equal positions, so the
 * shape stays a valid LineString).
 */
export function sessionsSql(persons: number[], start: Date, end: Date): SQL {
  return sql`
    with pts as (${sessionPoints(persons, start, end)}),
    g as (
      select person_id, session, min(t) as t0, max(t) as t1, count(*)::int as n, ST_MakeLine(geom order by t) as line
      from pts group by person_id, session
    )
    select coalesce(json_agg(json_build_object(
      'person', person_id, 'start', ${isoUtc(sql`t0`)}, 'end', ${isoUtc(sql`t1`)}, 'points', n,
      'distance_m', round(ST_Length(line::geography)::numeric, 1),
      'line', ST_AsGeoJSON(case when n = 1 then ST_MakeLine(ST_StartPoint(line), ST_StartPoint(line)) else line end, 7)::json
    ) order by person_id, t0), '[]'::json)::text as sessions
    from g`
}

/** Bytes per fix in a playbackSql row: WKB point (little-endian: x at 5, y at 13), then int4 ms since the day start (big-endian). */
const FIX_BYTES = 25

/**
 * SQL: one row per person with fixes that day: the fixes packed in time order (FIX_BYTES each).
 * One aggregate per person, no window function (sessions are cut in packPlayback, which reads the
 * times anyway) and no ORDER BY inside the aggregate: on PostgreSQL 15 an ordered aggregate sorts
 * each group again (200,000 fixes: ~400 ms instead of ~300 ms). The aggregate reads its ordered
 * subquery's rows in order, as PostgreSQL does for a plain aggregate; packPlayback checks the order
 * anyway and sorts a person's fixes if it ever meets them out of order.
 */
export function playbackSql(persons: number[], start: Date, end: Date): SQL {
  // Per person (lateral): one range scan of the (person_id, t) key, robust to stale statistics
  // (see sessionPoints); persons come sorted, and WITH ORDINALITY keeps their order without a sort.
  return sql`
    select p.id as person, f.n, f.fixes
    from unnest(${sql.param([...persons].sort((a, b) => a - b))}::int[]) with ordinality as p(id, k)
    cross join lateral (
      select count(*)::int as n,
        string_agg(ST_AsBinary(s.geom, 'NDR') || int4send((date_part('epoch', s.t - ${start.toISOString()}::timestamptz) * 1000)::int), ''::bytea) as fixes
      from (${personFixes(start, end)}) s
    ) f
    where f.n > 0
    order by p.k`
}

/** Planner settings for the track reads of this transaction: no JIT (its compile cost ~200 ms at 200,000 fixes, for nothing), sorts in memory. */
export const trackReadSettings = sql`select set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`

/** A person's fixes in time order: `fixes` itself when already so (the normal case), else a sorted copy. */
function inTimeOrder(fixes: Buffer, n: number): Buffer {
  let sorted = true
  for (let i = 1; i < n && sorted; i++) sorted = fixes.readInt32BE(i * FIX_BYTES + 21) >= fixes.readInt32BE((i - 1) * FIX_BYTES + 21)
  if (sorted) return fixes
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => fixes.readInt32BE(a * FIX_BYTES + 21) - fixes.readInt32BE(b * FIX_BYTES + 21))
  return Buffer.concat(order.map((i) => fixes.subarray(i * FIX_BYTES, (i + 1) * FIX_BYTES)))
}

export type PlaybackRow = {
  person: number
  n: number
  fixes: Buffer
}

/**
 * The playback body, little-endian, 4-byte aligned so each column is a typed-array view:
 * Uint32 person[n], Uint32 start[n + 1] (track i is points start[i] .. start[i+1]-1),
 * Float32 xy[2m] (lon, lat interleaved, degrees from `origin`: deck.gl LNGLAT_OFFSETS with
 * coordinateOrigin = origin; float32 offsets of < 1° keep ~1 mm), Uint32 time[m] (whole seconds
 * from the local day's start). A track is a session: a person's fixes cut where two consecutive
 * ones are more than the session gap apart (as in sessionsSql). Origin: the south-west corner of
 * the fixes, rounded down to 0.01°.
 */
export function packPlayback(input: PlaybackRow[]): { body: Buffer; tracks: number; points: number; origin: [number, number] } {
  // DataView reads and typed-array writes: Buffer's read/write methods check bounds on every call
  // (200,000 fixes: ~80 ms against ~15 ms).
  const rows = input.map((r) => {
    const fixes = inTimeOrder(r.fixes, r.n)
    return { person: r.person, n: r.n, view: new DataView(fixes.buffer, fixes.byteOffset, fixes.byteLength) }
  })
  let m = 0
  let x0 = Infinity
  let y0 = Infinity
  const starts: number[] = [] // index of each track's first fix
  const owners: number[] = []
  for (const r of rows) {
    let prev = -Infinity
    for (let i = 0, o = 0; i < r.n; i++, o += FIX_BYTES) {
      const x = r.view.getFloat64(o + 5, true)
      const y = r.view.getFloat64(o + 13, true)
      if (x < x0) x0 = x
      if (y < y0) y0 = y
      const ms = r.view.getInt32(o + 21)
      if (i === 0 || ms - prev > SESSION_GAP_MS) {
        starts.push(m + i)
        owners.push(r.person)
      }
      prev = ms
    }
    m += r.n
  }
  const n = starts.length
  const origin: [number, number] = m ? [Math.floor(x0 * 100) / 100, Math.floor(y0 * 100) / 100] : [0, 0]
  const buf = new ArrayBuffer(4 * n + 4 * (n + 1) + 8 * m + 4 * m)
  const person = new Uint32Array(buf, 0, n)
  const start = new Uint32Array(buf, 4 * n, n + 1)
  const xy = new Float32Array(buf, 4 * n + 4 * (n + 1), 2 * m)
  const time = new Uint32Array(buf, 4 * n + 4 * (n + 1) + 8 * m, m)
  person.set(owners)
  start.set(starts)
  start[n] = m
  let p = 0
  for (const r of rows) {
    for (let i = 0, o = 0; i < r.n; i++, o += FIX_BYTES, p++) {
      xy[2 * p] = r.view.getFloat64(o + 5, true) - origin[0]
      xy[2 * p + 1] = r.view.getFloat64(o + 13, true) - origin[1]
      time[p] = Math.floor(r.view.getInt32(o + 21) / 1000)
    }
  }
  // Typed arrays are little-endian on every platform Node runs on (x64, arm64).
  return { body: Buffer.from(buf), tracks: n, points: m, origin }
}

/** Decode a playback body (the inverse of packPlayback; for tests and the web client). */
export function unpackPlayback(buf: Uint8Array, n: number, m: number, origin: [number, number]) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const startAt = 4 * n
  const xyAt = startAt + 4 * (n + 1)
  const timeAt = xyAt + 8 * m
  return Array.from({ length: n }, (_, k) => {
    const from = view.getUint32(startAt + 4 * k, true)
    const to = view.getUint32(startAt + 4 * (k + 1), true)
    const path: [number, number][] = []
    const timestamps: number[] = []
    for (let i = from; i < to; i++) {
      path.push([origin[0] + view.getFloat32(xyAt + 8 * i, true), origin[1] + view.getFloat32(xyAt + 8 * i + 4, true)])
      timestamps.push(view.getUint32(timeAt + 4 * i, true))
    }
    return { person: view.getUint32(4 * k, true), path, timestamps }
  })
}
