/**
 * Hotspot statistics (Getis-Ord Gi*) and DBSCAN clusters (issue 4). The method is written up in
 * docs/analytics.md; the statistic is computed here, from per-area counts and neighbours that the
 * scope-checked function area_hotspot_input() (db/migrations/0010_hotspots.sql) returns.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import type { Context } from 'hono'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { requireCaseReader, resolveFilter } from '../incidents/routes.ts'
import { incidentWhere, isoUtc, type IncidentFilter } from '../incidents/queries.ts'
import { ApiFailure } from '../lib/errors.ts'
import { featureSql, GeometrySchema, jsonText } from '../lib/geojson.ts'
import { errorResponses, forbidden, newRouter, notFound, type Env } from '../lib/router.ts'
import { contiguityWeights, distanceBandWeights, giStar, HOTSPOT_CLASSES, hotspotClasses, type Weights } from './gistar.ts'
import { PeriodFields, resolvePeriod } from './period.ts'

// ---------------------------------------------------------------------------------------------
// Routes

const HOTSPOT_LEVELS = ['micro_grid', 'grid', 'community'] as const satisfies readonly AreaLevel[]
/** Largest incident set DBSCAN runs on per request (~2 s on PostgreSQL 15; docs/analytics.md). */
export const MAX_CLUSTER_INCIDENTS = 200_000


export const HotspotProperties = z
  .object({
    id: z.number(),
    name: z.string(),
    count: z.number(),
    neighbours: z.number().openapi({ description: 'W_i: areas in the neighbourhood, the area itself included' }),
    gi_z: z.number().openapi({ description: 'Getis-Ord Gi* z-score; 0 in degenerate cases' }),
    gi_p: z.number().openapi({ description: 'two-sided p-value from the standard normal' }),
    class: z.enum(HOTSPOT_CLASSES),
  })
  .openapi('HotspotProperties')
/** A FeatureCollection whose geometry is null when the request asked for none; `extra` is a foreign member. */
const collectionOf = <P extends z.ZodTypeAny, X extends z.ZodRawShape>(properties: P, extra: X) =>
  z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), id: z.number(), geometry: GeometrySchema.nullable(), properties })),
    ...extra,
  })

export const HotspotCollection = collectionOf(HotspotProperties, {
  study: z
    .object({
      level: z.enum(HOTSPOT_LEVELS),
      n: z.number(),
      mean: z.number(),
      sd: z.number(),
      weights: z.enum(['contiguity', 'distance']),
      distance_m: z.number().nullable(),
      fdr: z.boolean(),
      from: z.string(),
      to: z.string(),
    })
    .openapi({ description: 'the study region (n areas, mean and standard deviation of their counts) and the parameters used' }),
}).openapi('HotspotCollection')

const hotspots = createRoute({
  method: 'get',
  path: '/hotspots',
  tags: ['analytics'],
  summary: 'Getis-Ord Gi* hot and cold spots of incident counts over the areas of a level in the user’s scope (planners too: counts only)',
  request: {
    query: z.object({
      level: z.enum(HOTSPOT_LEVELS).default('micro_grid'),
      ...PeriodFields,
      weights: z.enum(['contiguity', 'distance']).default('contiguity').openapi({ description: 'contiguity: queen (a shared boundary point); distance: centroids within `distance`' }),
      distance: z.coerce.number().min(50).max(5000).optional().openapi({ description: 'metres, 50–5000, default 500; only with weights=distance' }),
      fdr: z.enum(['true', 'false']).default('false').openapi({ description: 'true: Benjamini–Hochberg false discovery rate correction' }),
      geometry: z.enum(['true', 'false']).default('true').openapi({ description: 'false: features without geometry (smaller)' }),
    }),
  },
  responses: { 200: { description: 'One feature per area of the study region', content: { 'application/json': { schema: HotspotCollection } } }, ...errorResponses },
})

export const ClusterProperties = z
  .object({
    cluster: z.number().openapi({ description: '1 = the largest cluster' }),
    count: z.number(),
    types: z.record(z.string(), z.number()).openapi({ description: 'incidents per type code' }),
    first: z.string(),
    last: z.string(),
  })
  .openapi('ClusterProperties')
export const ClusterCollection = collectionOf(ClusterProperties, {
  summary: z
    .object({ incidents: z.number(), clustered: z.number(), noise: z.number(), eps_m: z.number(), min_points: z.number(), from: z.string(), to: z.string() })
    .openapi({ description: 'incidents matched = clustered + noise' }),
}).openapi('ClusterCollection')

const clusters = createRoute({
  method: 'get',
  path: '/clusters',
  tags: ['analytics'],
  summary: 'DBSCAN clusters of incident locations (convex hulls; case readers only, not planners)',
  request: {
    query: z.object({
      ...PeriodFields,
      area: z.coerce.number().int().positive().max(2_147_483_647).optional().openapi({ description: 'only incidents in this area (any level in scope)' }),
      eps: z.coerce.number().min(5).max(1000).default(100).openapi({ description: 'DBSCAN radius in metres, 5–1000' }),
      min_points: z.coerce.number().int().min(2).max(1000).optional().openapi({
        description: 'DBSCAN core size (the point itself included), 2–1000; default: scaled to the data (autoMinPoints), answered in summary.min_points',
      }),
    }),
  },
  responses: {
    200: { description: 'One feature per cluster, largest first', content: { 'application/json': { schema: ClusterCollection } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

/** One area of the study region as area_hotspot_input() and the areas join return it. */
export interface HotspotInputRow extends Record<string, unknown> {
  id: number
  name: string
  n: number
  neighbours: number[]
  x: number | null
  y: number | null
  geom: string | null
}

/** Gi* of the study region's rows (ordered by id), with the class of each area. */
export function hotspotsGiStar(rows: readonly HotspotInputRow[], opts: { weights: 'contiguity' | 'distance'; distance: number; fdr: boolean }) {
  const x = rows.map((r) => r.n)
  let weights: Weights
  if (opts.weights === 'distance') {
    weights = distanceBandWeights(x, rows.map((r) => r.x ?? NaN), rows.map((r) => r.y ?? NaN), opts.distance)
  } else {
    const index = new Map(rows.map((r, i) => [r.id, i]))
    weights = contiguityWeights(x, rows.map((r) => r.neighbours.map((id) => index.get(id)).filter((j) => j !== undefined)))
  }
  const g = giStar(x, weights)
  return { ...g, w: weights.w, classes: hotspotClasses(g.z, g.p, opts.fdr) }
}

export const hotspotRoutes = newRouter()
  .openapi(hotspots, async (c) => {
    const q = c.req.valid('query')
    if (q.distance !== undefined && q.weights !== 'distance') throw new ApiFailure(400, 'invalid_request', 'distance: only with weights=distance')
    const period = await resolvePeriod(c.get('tx'), q)
    const [from, to, types] = [period.from.toISOString(), period.to.toISOString(), period.types]
    const distance = q.distance ?? 500
    const { rows } = await c.get('tx').execute<HotspotInputRow>(sql`
      select s.area_id as id, a.name, s.n, s.neighbours, s.x, s.y,
        ${q.geometry === 'true' ? sql`ST_AsGeoJSON(a.geom, 6)` : sql`null::text`} as geom
      from area_hotspot_input(${q.level}, ${from}::timestamptz, ${to}::timestamptz,
        ${types ? sql`${sql.param(types)}::text[]` : sql`null::text[]`}, ${q.weights}) s
      join areas a on a.id = s.area_id
      order by s.area_id`)
    const g = hotspotsGiStar(rows, { weights: q.weights, distance, fdr: q.fdr === 'true' })
    // Geometry is PostGIS's GeoJSON text, spliced in as is (no parse and re-stringify of ~3 MB).
    const features = rows.map(
      (r, i) =>
        `{"type":"Feature","id":${r.id},"geometry":${r.geom ?? 'null'},"properties":${JSON.stringify({
          id: r.id, name: r.name, count: r.n, neighbours: g.w[i], gi_z: g.z[i], gi_p: g.p[i], class: g.classes[i],
        })}}`,
    )
    const study = {
      level: q.level, n: rows.length, mean: g.mean, sd: g.sd, weights: q.weights,
      distance_m: q.weights === 'distance' ? distance : null, fdr: q.fdr === 'true', from, to,
    }
    return jsonText<z.infer<typeof HotspotCollection>>(c, `{"type":"FeatureCollection","features":[${features.join(',')}],"study":${JSON.stringify(study)}}`)
  })
  .openapi(clusters, async (c) => {
    requireCaseReader(c)
    const q = c.req.valid('query')
    const tx = c.get('tx')
    const period = await resolvePeriod(tx, q)
    const [from, to] = [period.from.toISOString(), period.to.toISOString()]
    const f = await resolveFilter(c, { area: q.area, from, to, type: period.types })
    const where = incidentWhere(f)
    const { rows: counted } = await tx.execute<{ n: number }>(
      sql`select count(*)::int as n from (select 1 from incidents i where ${where} limit ${MAX_CLUSTER_INCIDENTS + 1}) s`,
    )
    if (counted[0].n > MAX_CLUSTER_INCIDENTS) {
      throw new ApiFailure(400, 'too_many_incidents', `the filter matches more than ${MAX_CLUSTER_INCIDENTS.toLocaleString('en')} incidents; narrow the period, types or area`)
    }
    const minPoints = q.min_points ?? autoMinPoints(counted[0].n, await studyAreaM2(c, f), q.eps)
    // The window's cost estimate sets off JIT compilation, ~1 s of a ~1.5 s query on 100,000
    // incidents (PostgreSQL 15); off for the rest of this request's transaction only.
    await tx.execute(sql`select set_config('jit', 'off', true)`)
    const { rows } = await tx.execute<{ fc: string }>(clusterSql(where, q.eps, minPoints, from, to))
    return jsonText<z.infer<typeof ClusterCollection>>(c, rows[0].fc)
  })

/** How many times the study area's mean density a default cluster core must reach. */
export const CLUSTER_DENSITY_FACTOR = 3

/**
 * The default DBSCAN core size: CLUSTER_DENSITY_FACTOR times the incidents an eps-disc holds at the
 * study area's mean density, at least 5. A fixed size finds one cluster covering a whole street once
 * it holds thousands of incidents (every point is then a core point); scaled, a cluster is a place
 * markedly denser than its surroundings at any scale, period or type filter.
 */
export function autoMinPoints(incidents: number, areaM2: number, eps: number): number {
  if (!(areaM2 > 0)) return 5
  const expected = (incidents * Math.PI * eps * eps) / areaM2
  return Math.min(1000, Math.max(5, Math.ceil(CLUSTER_DENSITY_FACTOR * expected)))
}

/** Square metres of the filter's area, or of the caller's scope (the district for an admin). */
async function studyAreaM2(c: Context<Env>, f: IncidentFilter): Promise<number> {
  const user = c.get('user')
  const ids = f.area ? [f.area.id] : user.role === 'admin' ? null : user.areaIds
  const { rows } = await c.get('tx').execute<{ m2: number | null }>(sql`
    select sum(ST_Area(a.geom::geography))::float8 as m2 from areas a
    where ${ids ? sql`a.id = any(${sql.param(ids)}::int[]) and not exists (
      select 1 from areas b where b.id = any(${sql.param(ids)}::int[]) and b.id <> a.id and a.path @> array[b.id])` : sql`a.level = 'district'`}`)
  return rows[0].m2 ?? 0
}

/**
 * DBSCAN (ST_ClusterDBSCAN) over the matching incidents in EPSG:32648 metres; one feature per
 * cluster: its convex hull (a 10 m buffer of it when the points are collinear or coincide), count,
 * counts by type and first and last report. Border points within eps of two clusters go to one of
 * them, so a cluster can come out smaller than min_points (PostGIS documents this); such clusters
 * are left out and their points counted as noise, so every cluster answered has ≥ min_points.
 */
export function clusterSql(where: ReturnType<typeof incidentWhere>, eps: number, minPoints: number, from: string, to: string) {
  return sql`
    with pts as materialized (
      select i.id, i.type, i.reported_at, ST_Transform(i.geom, 32648) as g
      from incidents i where ${where}
    ),
    labelled as (
      select p.*, ST_ClusterDBSCAN(p.g, eps => ${eps}::float8, minpoints => ${minPoints}::int) over () as cid
      from (select * from pts order by id) p
    ),
    groups as (
      select cid, count(*)::int as n, min(id) as first_id, min(reported_at) as first, max(reported_at) as last, ST_ConvexHull(ST_Collect(g)) as hull
      from labelled where cid is not null
      group by cid having count(*) >= ${minPoints}::int
    ),
    by_type as (
      select cid, json_object_agg(type, n order by type) as types
      from (select cid, type, count(*)::int as n from labelled where cid in (select cid from groups) group by 1, 2) t
      group by cid
    ),
    numbered as (
      select g.*, t.types, row_number() over (order by g.n desc, g.first_id)::int as cluster
      from groups g join by_type t using (cid)
    )
    select json_build_object(
      'type', 'FeatureCollection',
      'features', (select coalesce(json_agg(${featureSql(
        sql`k.cluster`,
        sql`ST_Transform(case when ST_Dimension(k.hull) < 2 then ST_Buffer(k.hull, 10, 4) else k.hull end, 4326)`,
        sql`json_build_object('cluster', k.cluster, 'count', k.n, 'types', k.types, 'first', ${isoUtc(sql`k.first`)}, 'last', ${isoUtc(sql`k.last`)})`,
      )} order by k.cluster), '[]'::json) from numbered k),
      'summary', json_build_object(
        'incidents', (select count(*) from pts),
        'clustered', (select coalesce(sum(n), 0) from groups),
        'noise', (select count(*) from pts) - (select coalesce(sum(n), 0) from groups),
        'eps_m', ${eps}::float8, 'min_points', ${minPoints}::int, 'from', ${from}::text, 'to', ${to}::text)
    )::text as fc`
}
