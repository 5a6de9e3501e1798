/**
 * PostGIS side of siting (issue 6): the demand, kept stations, candidates and candidate × demand
 * pairs within the radius, loaded into the compact instances of api/siting/solver.ts. Everything
 * runs in the caller's scoped transaction (RequestTx), so row-level security limits buildings and
 * stations to the user's areas like every other read.
 *
 * Demand = buildings of the area with households > 0, at their centroid. Metric work is planar in
 * EPSG:32648 (UTM 48N, metres), like the rest of the API: PostGIS projects the centroids once into a
 * transaction-local temporary table (dropped at COMMIT) holding them as PostgreSQL `point`s, and
 * sends demand, candidates and kept stations as projected coordinates. The fixed-radius join
 * (distance ≤ r) runs in the server on those arrays (pairsWithin in solver.ts, a bucket grid):
 * at 100,000 buildings × 2,000 candidates (8.5 M pairs) reading the arrays and joining took
 * 0.4–1.1 s, the same join in SQL alone 1.0–2.6 s in the same runs (docs/siting.md). Before
 * that, PostGIS answered the pairs with a GiST point/circle join (`p <@ circle(c, r)`), itself
 * chosen over ST_DWithin on the projected geometry (~1 µs per pair of recheck).
 *
 * Transfer stays compact: every attribute comes back as one bytea of int4send/float8send values
 * (big-endian) per column, decoded straight into typed arrays: 100,000 buildings are 2.4 MB.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import type { Context } from 'hono'
import { ApiFailure } from '../lib/errors.ts'
import type { Env } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'
import { forEachReached, indexSnaps, RoadSearch, snapToRoad, type RoadGraph, type RoadSource } from '../lib/roadnet.ts'
import { distanceInstance, pairsWithin, type CoverInstance, type DistanceInstance } from './solver.ts'

/** The demand of an area as the buildings' column for that level selects it (district: every building in scope). */
function buildingsOf(level: AreaLevel, areaId: number): SQL {
  switch (level) {
    case 'district':
      return sql`true`
    case 'street':
      return sql`b.street_id = ${areaId}`
    case 'community':
      return sql`b.community_id = ${areaId}`
    case 'grid':
      return sql`b.grid_id = ${areaId}`
    case 'micro_grid':
      return sql`b.micro_grid_id = ${areaId}`
  }
}

export interface AreaRow extends Record<string, unknown> {
  id: number
  level: AreaLevel
  name: string
  /** Area in square metres (geography), for the pair-count estimate. */
  m2: number
}

/** The area if it exists and lies in the caller's scope (RLS on areas, plus in_scope for ancestors). */
export function areaSql(id: number): SQL {
  return sql`select id, level, name, ST_Area(geom::geography) as m2 from areas where id = ${id} and in_scope(path)`
}

/** The caller's own areas that are in scope (their roots), largest first. */
export function scopeRootsSql(areaIds: readonly number[]): SQL {
  return sql`select id, level, name, ST_Area(geom::geography) as m2 from areas
    where id = any(${sql.param(areaIds)}::int[]) and in_scope(path)
    order by array_length(path, 1), id`
}

/** The district (admins hold every area; their default is the root of the hierarchy). */
export const districtSql = sql`select id, level, name, ST_Area(geom::geography) as m2 from areas where level = 'district' order by id limit 1`

/** 0-based indexes of the given points (WGS84) that the area's polygon does not cover. */
export function outsideSql(areaId: number, lon: readonly number[], lat: readonly number[]): SQL {
  return sql`select (c.ord - 1)::int as ord
    from areas a, unnest(${sql.param(lon)}::float8[], ${sql.param(lat)}::float8[]) with ordinality c(lon, lat, ord)
    where a.id = ${areaId} and not ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326))
    order by c.ord`
}

/**
 * Demand: one row per building of the area with households, numbered 0.. in id order; `indexed`
 * adds a GiST index on the projected point (station coverage joins on it; siting does not).
 */
export function demandTableSql(level: AreaLevel, areaId: number, indexed = true): SQL[] {
  return [
    sql`create temp table siting_demand on commit drop as
      select t.i, t.id, t.households, t.micro_grid_id, point(ST_X(t.g), ST_Y(t.g)) as p
      from (
        select (row_number() over (order by b.id) - 1)::int as i, b.id, b.households, b.micro_grid_id,
               ST_Transform(ST_Centroid(b.geom), 32648) as g
        from buildings b
        where b.households > 0 and ${buildingsOf(level, areaId)}
      ) t`,
    ...(indexed ? [sql`create index on siting_demand using gist (p)`, sql`analyze siting_demand`] : []),
  ]
}

/** Candidates given by the planner (WGS84), numbered 0.. in request order. */
export function givenCandidatesSql(lon: readonly number[], lat: readonly number[]): SQL {
  return sql`create temp table siting_candidates on commit drop as
    select t.j, t.lon, t.lat, point(ST_X(t.g), ST_Y(t.g)) as p
    from (
      select (c.ord - 1)::int as j, c.lon, c.lat, ST_Transform(ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326), 32648) as g
      from unnest(${sql.param(lon)}::float8[], ${sql.param(lat)}::float8[]) with ordinality c(lon, lat, ord)
    ) t`
}

/**
 * Candidates at building centroids: all of them when there are at most `count`, else `count` of
 * them in a fixed pseudo-random order (md5 of the id): deterministic, and spread over the area like
 * the buildings themselves rather than bunched in the lowest ids.
 */
export function buildingCandidatesSql(count: number): SQL {
  return sql`create temp table siting_candidates on commit drop as
    select (row_number() over (order by s.id) - 1)::int as j, ST_X(s.g) as lon, ST_Y(s.g) as lat, s.p
    from (
      select d.id, d.p, ST_Transform(ST_SetSRID(ST_MakePoint(d.p[0], d.p[1]), 32648), 4326) as g
      from siting_demand d order by md5(d.id::text), d.id limit ${count}
    ) s`
}

/** Candidates on a square lattice of `spacing` metres (EPSG:32648 cells), at the cell centres inside the area. */
export function latticeCandidatesSql(areaId: number, spacing: number, limit: number): SQL {
  return sql`create temp table siting_candidates on commit drop as
    with a as (select ST_Transform(geom, 32648) as g from areas where id = ${areaId}),
    cells as (
      select ST_Centroid(sq.geom) as g, sq.i, sq.j
      from a, ST_SquareGrid(${spacing}::float8, a.g) sq
    )
    select (row_number() over (order by c.j, c.i) - 1)::int as j, ST_X(ST_Transform(c.g, 4326)) as lon, ST_Y(ST_Transform(c.g, 4326)) as lat,
      point(ST_X(c.g), ST_Y(c.g)) as p
    from cells c, a where ST_Intersects(a.g, c.g)
    order by c.j, c.i
    limit ${limit + 1}`
}

export const countsSql = sql`select (select count(*)::int from siting_demand) as demand, (select count(*)::int from siting_candidates) as candidates`

/** Demand attributes (int4) and projected coordinates (float8, EPSG:32648), big-endian, in demand order. */
export const demandSql = sql`select count(*)::int as n,
  coalesce(string_agg(int4send(households), ''::bytea order by i), ''::bytea) as households,
  coalesce(string_agg(int4send(micro_grid_id), ''::bytea order by i), ''::bytea) as micro_grids,
  coalesce(string_agg(float8send(p[0]), ''::bytea order by i), ''::bytea) as x,
  coalesce(string_agg(float8send(p[1]), ''::bytea order by i), ''::bytea) as y
  from siting_demand`

/** Candidate positions, WGS84 and projected, in candidate order. */
export const candidatesSql = sql`select coalesce(string_agg(float8send(lon), ''::bytea order by j), ''::bytea) as lon,
  coalesce(string_agg(float8send(lat), ''::bytea order by j), ''::bytea) as lat,
  coalesce(string_agg(float8send(p[0]), ''::bytea order by j), ''::bytea) as x,
  coalesce(string_agg(float8send(p[1]), ''::bytea order by j), ''::bytea) as y
  from siting_candidates`

/**
 * Kept stations: open stations of the type (closed_on null, opened by today) visible to the
 * caller, wherever they stand (one across the area's boundary still covers the area's households),
 * as projected coordinates.
 */
export function keptStationsSql(stationType: string): SQL {
  return sql`select count(*)::int as n,
      coalesce(string_agg(float8send(ST_X(t.g)), ''::bytea order by t.id), ''::bytea) as x,
      coalesce(string_agg(float8send(ST_Y(t.g)), ''::bytea order by t.id), ''::bytea) as y
    from (select id, ST_Transform(geom, 32648) as g from stations
          where type = ${stationType} and closed_on is null and (opened_on is null or opened_on <= current_date)) t`
}

/** Decode big-endian int4 bytes (int4send) into an Int32Array. */
export function int32s(buf: Buffer): Int32Array {
  const out = new Int32Array(buf.length >> 2)
  for (let a = 0, p = 0; a < out.length; a++, p += 4) out[a] = buf.readInt32BE(p)
  return out
}

/** Decode big-endian float8 bytes (float8send) into a Float64Array. */
export function float64s(buf: Buffer): Float64Array {
  const out = new Float64Array(buf.length >> 3)
  for (let a = 0, p = 0; a < out.length; a++, p += 8) out[a] = buf.readDoubleBE(p)
  return out
}

export type CandidateSpec =
  | { kind: 'given'; lon: number[]; lat: number[] }
  | { kind: 'buildings'; count: number }
  | { kind: 'lattice'; spacing: number; limit: number }

export interface LoadedInstance {
  cover: CoverInstance
  /** Present when loaded for p-median. */
  distance?: DistanceInstance
  households: Int32Array
  microGrids: Int32Array
  candidates: { lon: Float64Array; lat: Float64Array }
  keptStations: number
  pairs: number
  /** tables: reading demand, candidates and kept stations; pairs: the radius joins in the server. */
  ms: { tables: number; pairs: number }
}

/** Build the temporary tables of one request; returns how many demand points and candidates they hold. */
export async function prepareTables(tx: RequestTx, area: AreaRow, spec: CandidateSpec): Promise<{ demand: number; candidates: number }> {
  // Per-candidate sorts and the kept stations' hash aggregate fit in memory at district scale; the
  // queries are cheap to plan, so JIT compilation would only add its own time (this transaction only).
  await tx.execute(sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`)
  for (const q of demandTableSql(area.level, area.id, false)) await tx.execute(q)
  await tx.execute(
    spec.kind === 'given' ? givenCandidatesSql(spec.lon, spec.lat) : spec.kind === 'buildings' ? buildingCandidatesSql(spec.count) : latticeCandidatesSql(area.id, spec.spacing, spec.limit),
  )
  const { rows } = await tx.execute<{ demand: number; candidates: number }>(countsSql)
  return rows[0]
}

/** Demand reached from each candidate (CSR: candidate j's pairs are idx[start[j]] … idx[start[j+1]−1]), and the kept stations' coverage. */
interface Pairs {
  start: Int32Array
  idx: Int32Array
  dist: Float64Array | undefined
  keptStations: number
  keptIdx: Int32Array
  keptDist: Float64Array
}

/**
 * Kept coverage and candidate × demand pairs within `radius` along the road network (api/lib/roadnet.ts):
 * one multi-source search from the kept stations, then one cutoff search per candidate that visits
 * only the demand snapped to the edges it reached. Off-network points reach nothing.
 */
/** Projected demand, candidate and kept-station coordinates (metres, EPSG:32648), in their numbering order. */
interface Points {
  dx: Float64Array
  dy: Float64Array
  cx: Float64Array
  cy: Float64Array
  kx: Float64Array
  ky: Float64Array
}

function roadPairs(graph: RoadGraph, pts: Points, opts: { radius: number; pmedian: boolean; m: number }): Pairs {
  const index = indexSnaps(graph, Array.from(pts.dx, (x, i) => snapToRoad(graph, x, pts.dy[i])))
  const search = new RoadSearch(graph)
  const reach = (sources: RoadSource[]) => {
    const found: [number, number][] = []
    if (sources.length === 0) return found
    search.run(sources, opts.radius)
    forEachReached(search, index, opts.radius, (i, cost) => found.push([i, cost]))
    return found.sort((a, b) => a[0] - b[0])
  }
  const sourcesAt = (x: number, y: number): RoadSource[] => {
    const snap = snapToRoad(graph, x, y)
    return snap ? [{ snap, offset: 0 }] : []
  }
  const keptFound = reach(Array.from(pts.kx, (x, a) => sourcesAt(x, pts.ky[a])).flat())
  const start = new Int32Array(opts.m + 1)
  const idx: number[] = [], dist: number[] = []
  for (let j = 0; j < opts.m; j++) {
    for (const [i, cost] of reach(sourcesAt(pts.cx[j], pts.cy[j]))) {
      idx.push(i)
      dist.push(cost)
    }
    start[j + 1] = idx.length
  }
  return {
    start, idx: Int32Array.from(idx), dist: opts.pmedian ? Float64Array.from(dist) : undefined, keptStations: pts.kx.length,
    keptIdx: Int32Array.from(keptFound, (f) => f[0]), keptDist: Float64Array.from(keptFound, (f) => f[1]),
  }
}

/**
 * Kept coverage and candidate × demand pairs within `radius` in a straight line: the projected
 * points matched in a bucket grid in the server (solver.ts pairsWithin), the same arithmetic as
 * PostGIS's ST_Distance on them; at 100,000 demand points 0.4–1.1 s against 1.0–2.6 s for the SQL
 * join it replaced (docs/siting.md).
 */
function straightPairs(pts: Points, opts: { radius: number; pmedian: boolean; m: number }): Pairs {
  const kept = pairsWithin(pts.dx, pts.dy, pts.kx, pts.ky, opts.radius, true)
  const pairs = pairsWithin(pts.dx, pts.dy, pts.cx, pts.cy, opts.radius, opts.pmedian)
  return {
    start: pairs.start, idx: pairs.idx, dist: opts.pmedian ? pairs.dist : undefined, keptStations: pts.kx.length,
    keptIdx: kept.idx, keptDist: kept.dist,
  }
}

/**
 * Load the instance from the tables prepareTables() built. `pmedian` adds distances: `base` is the
 * distance to the nearest kept station, truncated at the radius (solver.ts, DistanceInstance).
 * With a road graph, every distance is along the network (kept stations' and candidates' alike).
 */
export async function loadInstance(
  tx: RequestTx,
  opts: { stationType: string; radius: number; pmedian: boolean; m: number; roads?: RoadGraph },
): Promise<LoadedInstance> {
  const t0 = performance.now()
  const d = (await tx.execute<{ n: number; households: Buffer; micro_grids: Buffer; x: Buffer; y: Buffer }>(demandSql)).rows[0]
  const households = int32s(d.households)
  const microGrids = int32s(d.micro_grids)
  const n = d.n
  const c = (await tx.execute<{ lon: Buffer; lat: Buffer; x: Buffer; y: Buffer }>(candidatesSql)).rows[0]
  const k = (await tx.execute<{ n: number; x: Buffer; y: Buffer }>(keptStationsSql(opts.stationType))).rows[0]
  const pts: Points = { dx: float64s(d.x), dy: float64s(d.y), cx: float64s(c.x), cy: float64s(c.y), kx: float64s(k.x), ky: float64s(k.y) }
  if (pts.cx.length !== opts.m) throw new Error(`siting: ${pts.cx.length} candidates loaded, ${opts.m} expected`)
  const t1 = performance.now()
  const pairs = opts.roads ? roadPairs(opts.roads, pts, opts) : straightPairs(pts, opts)
  const coveredBefore = new Uint8Array(n)
  const base = new Float64Array(n).fill(opts.radius)
  for (let a = 0; a < pairs.keptIdx.length; a++) {
    const i = pairs.keptIdx[a]
    coveredBefore[i] = 1
    if (pairs.keptDist[a] < base[i]) base[i] = pairs.keptDist[a]
  }
  const t2 = performance.now()
  const weights = Float64Array.from(households)
  const cover: CoverInstance = { weights, coveredBefore, start: pairs.start, idx: pairs.idx }
  return {
    cover,
    distance: opts.pmedian && pairs.dist ? distanceInstance(weights, base, { start: pairs.start, idx: pairs.idx, dist: pairs.dist }) : undefined,
    households,
    microGrids,
    candidates: { lon: float64s(c.lon), lat: float64s(c.lat) },
    keptStations: pairs.keptStations,
    pairs: pairs.idx.length,
    ms: { tables: t1 - t0, pairs: t2 - t1 },
  }
}

/** Incident counts per micro-grid for a period (SECURITY DEFINER aggregate: planners read no incident rows). */
export function microGridIncidentsSql(from: string, to: string, types: string[] | undefined): SQL {
  return sql`select area_id as id, n from area_incident_stats('micro_grid', ${from}::timestamptz, ${to}::timestamptz,
    ${types ? sql`${sql.param(types)}::text[]` : sql`null::text[]`}) where n > 0`
}

/**
 * Incident-weighted demand: each building carries its households plus its share (by households)
 * of its micro-grid's incidents, w_b = h_b · (1 + n_mg / h_mg), so a micro-grid's total weight is
 * its households plus its incidents and hot micro-grids pull stations towards them.
 */
export function incidentWeights(households: Int32Array, microGrids: Int32Array, incidents: Map<number, number>): Float64Array {
  const hh = new Map<number, number>()
  for (let i = 0; i < households.length; i++) hh.set(microGrids[i], (hh.get(microGrids[i]) ?? 0) + households[i])
  const w = new Float64Array(households.length)
  for (let i = 0; i < households.length; i++) {
    const h = hh.get(microGrids[i]) ?? 0
    w[i] = households[i] * (1 + (h > 0 ? (incidents.get(microGrids[i]) ?? 0) / h : 0))
  }
  return w
}

/** Roles that plan stations (siting, station coverage): they read buildings and stations, never incidents. */
const PLANNING_ROLES = new Set(['planner', 'commander', 'admin'])

/** 403 unless the caller plans stations; `what` names the feature in the message. */
export function requirePlanningRole(c: Context<Env>, what: string): void {
  if (!PLANNING_ROLES.has(c.get('user').role)) throw new ApiFailure(403, 'role_not_allowed', `${what} is for planners, commanders and admins`)
}

/**
 * The study area of a siting or coverage request: the one asked for (404 unless in scope), else the
 * caller's scope root (an account holding several areas must choose: 400).
 */
export async function resolveStudyArea(c: Context<Env>, id: number | undefined, noArea: string): Promise<AreaRow> {
  const tx = c.get('tx')
  if (id !== undefined) {
    const { rows } = await tx.execute<AreaRow>(areaSql(id))
    if (rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
    return rows[0]
  }
  const user = c.get('user')
  const { rows } = await tx.execute<AreaRow>(user.role === 'admin' ? districtSql : scopeRootsSql(user.areaIds))
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', noArea)
  if (rows.length > 1 && user.role !== 'admin') {
    throw new ApiFailure(400, 'invalid_request', `area: required, your account holds ${rows.length} areas (${rows.map((r) => r.id).slice(0, 10).join(', ')})`)
  }
  return rows[0]
}
