/**
 * Track ingest (issue 5): check a batch of fixes, store the good ones set-wise, and say for every
 * other one why not. Runs in the request's scoped transaction (row-level security as the user).
 */
import { sql } from 'drizzle-orm'
import type { SessionUser } from '../auth/service.ts'
import type { RequestTx } from '../lib/scope.ts'
import { dedupeBatch, keyOf, monthsOf, NEIGHBOUR_WINDOW_MINUTES, neighbourRanges, speedFilter, type Candidate, type Fix, type Rejected } from './checks.ts'

export interface IngestResult {
  /** Points stored by this request. */
  accepted: number
  /** Points whose (person, t) was already stored, or came earlier in the same batch: not stored again. */
  duplicates: number
  /** Points refused, with the reason, ordered by index. */
  rejected: Rejected[]
}

/** Most points per statement: GPX files are ingested in slices of this many, in one transaction. */
const SLICE = 5_000

/**
 * Months whose partition this process has seen exist, so a steady stream of batches costs no
 * partition round trip. Only months that existed before the request are noted (one this request
 * made would vanish if it rolls back). Forgotten after an hour, in case a partition is detached.
 */
const knownMonths = new Map<string, number>()
const MONTH_MEMORY_MS = 3_600_000

/**
 * The first statement of an ingest: no JIT for this transaction (the context query's cost estimate
 * crosses jit_above_cost once the partitions hold millions of rows, and compiling it took ~400 ms
 * per batch at 10 M fixes — for a query that runs in ~3 ms), and the batch's monthly partitions
 * made before anything touches track_points in this transaction (db/migrations/0017_tracks.sql).
 */
async function prepare(tx: RequestTx, cands: Candidate[]) {
  const now = Date.now()
  const missing = monthsOf(cands).filter((m) => (knownMonths.get(m) ?? 0) < now - MONTH_MEMORY_MS)
  const { rows } = await tx.execute<{ made: number[] }>(sql`
    select set_config('jit', 'off', true),
      array(select ensure_track_months(u.m, u.m) from unnest(${sql.param(missing)}::timestamptz[]) with ordinality u(m, k) order by u.k) as made`)
  missing.forEach((m, i) => {
    if (rows[0].made[i] === 0) knownMonths.set(m, now)
  })
}

interface Context {
  visible: number[]
  /** 1-based positions in the candidate list of points outside every district polygon. */
  outside: number[]
  /** Stored fixes around the candidates: [person, epoch ms, lon, lat]. */
  stored: [number, number, number, number][]
}

/**
 * One statement for everything the checks need from the database: which of the persons the user
 * may see (RLS on people: admins all, others the people of their areas, everyone themself), which
 * points lie outside the district, and the stored fixes the speed filter compares with — those
 * inside each candidate range plus the nearest one before and after it (within
 * NEIGHBOUR_WINDOW_MINUTES), through the (person_id, t) key; runtime partition pruning keeps each
 * probe to the one or two months it can hit.
 */
async function loadContext(tx: RequestTx, cands: Candidate[]): Promise<Context> {
  const persons = [...new Set(cands.map((c) => c.person))]
  const { rows } = await tx.execute<{ ctx: Context }>(sql`
    select json_build_object(
      'visible', coalesce((select json_agg(p.id) from people p where p.id = any(${sql.param(persons)}::int[])), '[]'::json),
      'outside', coalesce((
        select json_agg(c.i)
        from unnest(${sql.param(cands.map((c) => c.lon))}::float8[], ${sql.param(cands.map((c) => c.lat))}::float8[]) with ordinality c(lon, lat, i)
        where not exists (
          select 1 from areas d
          where d.level = 'district' and d.geom && ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)
            and ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)))), '[]'::json),
      'stored', coalesce((
        select json_agg(json_build_array(k.person_id, (extract(epoch from k.t) * 1000)::float8, ST_X(k.geom), ST_Y(k.geom)))
        from json_to_recordset(${JSON.stringify(neighbourRanges(cands))}::json) r(person int, t0 timestamptz, t1 timestamptz)
        cross join (select make_interval(mins => ${NEIGHBOUR_WINDOW_MINUTES}) as span) w
        cross join lateral (
          (select tp.person_id, tp.t, tp.geom from track_points tp where tp.person_id = r.person and tp.t < r.t0 and tp.t >= r.t0 - w.span order by tp.t desc limit 1)
          union all
          (select tp.person_id, tp.t, tp.geom from track_points tp where tp.person_id = r.person and tp.t >= r.t0 and tp.t <= r.t1)
          union all
          (select tp.person_id, tp.t, tp.geom from track_points tp where tp.person_id = r.person and tp.t > r.t1 and tp.t <= r.t1 + w.span order by tp.t limit 1)
        ) k), '[]'::json)
    ) as ctx`)
  return rows[0].ctx
}

/**
 * Check and store one slice of candidates (each already valid on its own). Adds to `result`.
 * The insert is one statement (`insert … select from unnest … on conflict do nothing returning`):
 * a point another request stored between the checks and the insert comes back as a duplicate.
 */
async function ingestSlice(tx: RequestTx, user: SessionUser, cands: Candidate[], result: IngestResult) {
  const reject = (c: Candidate, reason: string) => result.rejected.push({ index: c.index, reason })
  // A grid member's phone uploads its own track; leaders, commanders and admins may upload for
  // the people of their areas (the row-level-security rule of track_points).
  const own: Candidate[] = []
  for (const c of cands) {
    if (user.role === 'grid_member' && c.person !== user.personId) reject(c, 'a grid member may upload only their own track')
    else own.push(c)
  }
  if (own.length === 0) return
  await prepare(tx, own)
  const ctx = await loadContext(tx, own)
  const visible = new Set(ctx.visible)
  const outside = new Set(ctx.outside)
  const stored = new Map<number, Fix[]>()
  const storedKeys = new Set<string>()
  for (const [person, t, lon, lat] of ctx.stored) {
    let list = stored.get(person)
    if (!list) stored.set(person, (list = []))
    list.push({ t, lon, lat })
    storedKeys.add(keyOf(person, t))
  }
  const located: Candidate[] = []
  own.forEach((c, i) => {
    // Out of scope answers like unknown: the reason does not tell whether the person exists.
    if (!visible.has(c.person)) reject(c, `person ${c.person} does not exist`)
    else if (outside.has(i + 1)) reject(c, 'outside the district')
    else located.push(c)
  })
  const { unique, duplicates } = dedupeBatch(located)
  result.duplicates += duplicates.length
  const byPerson = new Map<number, Candidate[]>()
  for (const c of unique) {
    if (storedKeys.has(keyOf(c.person, c.t))) {
      result.duplicates++ // first write wins, whatever position the new one carries
      continue
    }
    let list = byPerson.get(c.person)
    if (!list) byPerson.set(c.person, (list = []))
    list.push(c)
  }
  const accepted: Candidate[] = []
  for (const [person, list] of byPerson) {
    const fixes = (stored.get(person) ?? []).sort((a, b) => a.t - b.t)
    const r = speedFilter(list, fixes)
    accepted.push(...r.accepted)
    result.rejected.push(...r.rejected)
  }
  if (accepted.length === 0) return
  const { rowCount } = await tx.execute(sql`
    insert into track_points (person_id, t, geom, accuracy)
    select p, t, ST_SetSRID(ST_MakePoint(x, y), 4326), a
    from unnest(${sql.param(accepted.map((c) => c.person))}::int[], ${sql.param(accepted.map((c) => new Date(c.t).toISOString()))}::timestamptz[],
      ${sql.param(accepted.map((c) => c.lon))}::float8[], ${sql.param(accepted.map((c) => c.lat))}::float8[],
      ${sql.param(accepted.map((c) => c.accuracy))}::real[]) as u(p, t, x, y, a)
    on conflict do nothing`)
  const stored_ = rowCount ?? 0
  result.accepted += stored_
  result.duplicates += accepted.length - stored_
}

/**
 * Ingest points already checked on their own (`candidates`) next to those refused on their own
 * (`rejected`): the rest of the checks, then the insert. Nothing valid is lost to an invalid
 * neighbour in the batch; a failure of the database fails the whole request (rolled back).
 */
export async function ingestTrackPoints(tx: RequestTx, user: SessionUser, candidates: Candidate[], rejected: Rejected[]): Promise<IngestResult> {
  const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [...rejected] }
  // Slices in time order, so a long file's later slices find the earlier ones stored as neighbours.
  const sorted = [...candidates].sort((a, b) => a.t - b.t || a.index - b.index)
  for (let i = 0; i < sorted.length; i += SLICE) await ingestSlice(tx, user, sorted.slice(i, i + SLICE), result)
  result.rejected.sort((a, b) => a.index - b.index)
  return result
}
