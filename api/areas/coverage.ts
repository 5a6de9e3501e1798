/**
 * Coverage validation of the area hierarchy (issue 7): every square metre of a parent lies in
 * exactly one child. GET /areas/:id/coverage answers the problems as GeoJSON — gaps, overlaps,
 * parts of children outside the parent, invalid geometries, and slivers (the same three kinds of
 * difference when they are thin or tiny). Method, tolerances and measured speed: docs/coverage.md.
 *
 * The whole check is one SQL statement run in the request's scoped transaction (SECURITY INVOKER
 * all the way: the areas policy filters what it reads), so no migration is needed.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { GeometrySchema, jsonText } from '../lib/geojson.ts'
import { errorResponses, IdParam, newRouter, notFound } from '../lib/router.ts'
import { areaInScope } from './queries.ts'

/**
 * Snap-rounding grid of every overlay, in degrees (1e-7° ≈ 1.1 cm north–south, 0.96 cm east–west
 * at 30° N). GEOS's fixed-precision overlay (PostGIS ≥ 3.1, GEOS ≥ 3.9) rounds inputs and results
 * to it: it never throws a TopologyException on valid input, and two edges that differ only by
 * floating-point noise (the same shared boundary written twice) collapse into one.
 */
export const COVERAGE_GRID_DEG = 1e-7

/**
 * A piece narrower than this (equivalent width 2·area / perimeter, in metres) is numerical noise
 * and not reported: snap-rounding can still leave a strip one grid cell (~1 cm) wide where two
 * nearly equal edges round to neighbouring grid nodes. No surveyed boundary is drawn to 2 cm.
 */
export const COVERAGE_NOISE_WIDTH_M = 0.02

/** Defaults of the sliver tolerances (query parameters sliver_m2 and sliver_width_m). */
export const SLIVER_DEFAULTS = { m2: 1, widthM: 0.5 } as const

export const COVERAGE_KINDS = ['invalid', 'gap', 'overlap', 'outside', 'sliver'] as const

export interface CoverageOptions {
  /** '1': the area's own children; 'all': the area and every descendant that has children (micro-grids are leaves). */
  depth: '1' | 'all'
  sliverM2: number
  sliverWidthM: number
}

// ---------------------------------------------------------------------------------------------
// SQL

/** A geometry made valid for the overlays (polygonal part only); valid ones pass unchanged. */
const repaired = (geom: SQL, valid: SQL) => sql`case when ${valid} then ${geom} else ST_CollectionExtract(ST_MakeValid(${geom}), 3) end`

/** The polygons of an overlay result, one row each (lines and points of a touching result are dropped). */
const polygonsOf = (geom: SQL) => sql`ST_Dump(ST_CollectionExtract(${geom}, 3))`

/** What coverageProblemsSql checks: `parents` selects (id, geom), `kids` selects (id, parent_id, geom). */
export interface CoverageSources {
  parents: SQL
  kids: SQL
}

/**
 * The problems of a set of parents and their children, as one row: `features` (the problem
 * features, JSON), `parents` and `children` (how many were checked). The sources are SQL selects,
 * so the same check runs on stored areas (coverageSql) and on a file being imported
 * (api/areas/import.ts). Run in the caller's scoped transaction.
 *
 * - invalid: a parent or child failing ST_IsValid, with ST_IsValidReason and the location of
 *   ST_IsValidDetail; its geometry is the given one, its area that of ST_MakeValid. Everything
 *   below uses the repaired copy, so one broken ring neither crashes the union nor hides the rest.
 * - gap: parent minus the union of its children; `children` = the children bordering the piece.
 * - outside: a child minus its parent, per child (only children not ST_CoveredBy the parent).
 * - overlap: the intersection of two children that share area (a self-join on `&&` and
 *   ST_Relate '2********', so neighbours that only share an edge cost one relate, not an overlay).
 * - sliver: a gap, outside or overlap piece smaller than sliver_m2 or narrower than
 *   sliver_width_m (2·area / perimeter); `sliver_of` says which of the three.
 * Areas in m² on the spheroid (geography); pieces narrower than COVERAGE_NOISE_WIDTH_M are noise.
 */
export function coverageProblemsSql(src: CoverageSources, o: Pick<CoverageOptions, 'sliverM2' | 'sliverWidthM'>): SQL {
  const g = sql`${COVERAGE_GRID_DEG}::float8`
  return sql`
    with parents as materialized (
      select p.id, p.geom, ST_IsValid(p.geom) as valid from (${src.parents}) p
    ),
    kids as materialized (
      select c.id, c.parent_id, c.geom, ST_IsValid(c.geom) as valid
      from (${src.kids}) c where c.parent_id in (select id from parents)
    ),
    pfix as materialized (select id, ${repaired(sql`geom`, sql`valid`)} as geom from parents),
    kfix as materialized (select id, parent_id, ${repaired(sql`geom`, sql`valid`)} as geom from kids),
    invalid as (
      select p.id as parent, '{}'::int[] as children, p.geom from parents p where not p.valid
      union all
      select k.parent_id, array[k.id], k.geom from kids k where not k.valid
    ),
    -- One pass over the children grouped by parent (a correlated subquery rescanned the CTE per
    -- parent). The union itself runs at floating precision (GEOS's OverlayNG falls back to snapping
    -- by itself when it must): the fixed-precision union was 3x slower (1.0 s vs 0.33 s for the
    -- district's 730 parents), and the difference below snap-rounds its result anyway.
    unions as (
      select p.id, p.geom, k.u from pfix p
      left join (select parent_id, ST_Union(geom) as u from kfix group by parent_id) k on k.parent_id = p.id
    ),
    pieces as (
      -- A parent without children is one gap as a whole.
      select 'gap' as kind, u.id as parent, null::int[] as children, d.geom
      from unions u, ${polygonsOf(sql`coalesce(ST_Difference(u.geom, u.u, ${g}), u.geom)`)} d
      union all
      select 'outside', k.parent_id, array[k.id], d.geom
      from kfix k join pfix p on p.id = k.parent_id, ${polygonsOf(sql`ST_Difference(k.geom, p.geom, ${g})`)} d
      where not ST_CoveredBy(k.geom, p.geom)
      union all
      select 'overlap', a.parent_id, array[a.id, b.id], d.geom
      from kfix a
      join kfix b on b.parent_id = a.parent_id and a.id < b.id and a.geom && b.geom and ST_Relate(a.geom, b.geom, '2********'),
      ${polygonsOf(sql`ST_Intersection(a.geom, b.geom, ${g})`)} d
    ),
    measured as (
      select kind, parent, children, geom, ST_Area(geom::geography) as m2, ST_Perimeter(geom::geography) as perimeter from pieces
    ),
    problems as (
      select 0 as rank, 'invalid' as kind, i.parent, i.children, i.geom,
        ST_Area(${repaired(sql`i.geom`, sql`false`)}::geography) as m2, null::float8 as width,
        ST_IsValidReason(i.geom) as reason, (ST_IsValidDetail(i.geom)).location as location, null::text as sliver_of
      from invalid i
      union all
      select 1, case when s.sliver then 'sliver' else s.kind end, s.parent,
        -- Gap pieces name the children along their edge (within ten grid cells of snap-rounding).
        coalesce(s.children, array(
          select k.id from kfix k where k.parent_id = s.parent and k.geom && ST_Expand(s.geom, 10 * ${g})
            and ST_DWithin(k.geom, s.geom, 10 * ${g}) order by k.id)),
        s.geom, s.m2, s.width, null, null, case when s.sliver then s.kind end
      from (
        select m.*, 2 * m.m2 / nullif(m.perimeter, 0) as width,
          (m.m2 < ${o.sliverM2}::float8 or 2 * m.m2 / nullif(m.perimeter, 0) < ${o.sliverWidthM}::float8) as sliver
        from measured m
        where 2 * m.m2 / nullif(m.perimeter, 0) >= ${COVERAGE_NOISE_WIDTH_M}::float8
      ) s
    )
    -- 7 decimals (~1 cm, the snap-rounding grid), not the 6 of the area layers: a 20 cm sliver
    -- drawn at 10 cm precision would lose its shape.
    select coalesce((
        select json_agg(json_build_object(
          'type', 'Feature', 'id', n.fid, 'geometry', ST_AsGeoJSON(n.geom, 7)::json,
          'properties', json_build_object(
            'kind', n.kind, 'area_m2', round(n.m2::numeric, 3), 'width_m', round(n.width::numeric, 3),
            'parent', n.parent, 'children', n.children, 'reason', n.reason,
            'location', case when n.location is null then null else json_build_array(ST_X(n.location), ST_Y(n.location)) end,
            'sliver_of', n.sliver_of)
        ) order by n.fid)
        from (
          select q.*, row_number() over (order by q.rank, q.parent, q.kind, q.m2 desc, q.children)::int as fid from problems q
        ) n), '[]'::json) as features,
      (select count(*) from parents)::int as parents, (select count(*) from kids)::int as children`
}

/**
 * The problems of area `id` (and, with depth 'all', of every descendant parent) as one
 * FeatureCollection text with a `validated` member. Run in the caller's scoped transaction; the
 * route checks scope first. The check itself: coverageProblemsSql.
 */
export function coverageSql(id: number, o: CoverageOptions): SQL {
  const parentsWhere =
    o.depth === 'all'
      ? // path @> can use the GIN index (areas_path_gin); leaves have nothing below them to validate.
        sql`p.path @> array[${id}::int] and p.level <> 'micro_grid'`
      : sql`p.id = ${id}`
  const problems = coverageProblemsSql(
    { parents: sql`select p.id, p.geom from areas p where ${parentsWhere}`, kids: sql`select c.id, c.parent_id, c.geom from areas c` },
    o,
  )
  return sql`
    select json_build_object(
      'type', 'FeatureCollection',
      'features', c.features,
      'validated', json_build_object(
        'area', ${id}::int, 'depth', ${o.depth}::text,
        'parents', c.parents, 'children', c.children,
        'sliver_m2', ${o.sliverM2}::float8, 'sliver_width_m', ${o.sliverWidthM}::float8,
        'noise_width_m', ${COVERAGE_NOISE_WIDTH_M}::float8, 'grid_deg', ${COVERAGE_GRID_DEG}::float8)
    )::text as fc
    from (${problems}) c`
}

// ---------------------------------------------------------------------------------------------
// Route

export const CoverageProperties = z
  .object({
    kind: z.enum(COVERAGE_KINDS),
    area_m2: z.number().openapi({ description: 'area of the piece in m² (spheroid); for invalid, of its ST_MakeValid repair' }),
    width_m: z.number().nullable().openapi({ description: 'equivalent width 2·area/perimeter in metres; null for invalid' }),
    parent: z.number().openapi({ description: 'the parent whose coverage this problem breaks' }),
    children: z.array(z.number()).openapi({
      description: 'children involved: the two overlapping, the one outside, the ones bordering a gap, the invalid one (empty when the parent itself is invalid)',
    }),
    reason: z.string().nullable().openapi({ description: 'ST_IsValidReason, for invalid' }),
    location: z.tuple([z.number(), z.number()]).nullable().openapi({ description: 'where ST_IsValidDetail found the fault, for invalid' }),
    sliver_of: z.enum(['gap', 'overlap', 'outside']).nullable().openapi({ description: 'for sliver: the kind of difference it is' }),
  })
  .openapi('CoverageProperties')

export const CoverageCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), id: z.number(), geometry: GeometrySchema, properties: CoverageProperties })),
    validated: z
      .object({
        area: z.number(),
        depth: z.enum(['1', 'all']),
        parents: z.number(),
        children: z.number(),
        sliver_m2: z.number(),
        sliver_width_m: z.number(),
        noise_width_m: z.number(),
        grid_deg: z.number(),
      })
      .openapi({ description: 'what was checked and with which tolerances' }),
  })
  .openapi('CoverageCollection')

const coverage = createRoute({
  method: 'get',
  path: '/{id}/coverage',
  tags: ['areas'],
  summary: 'Coverage problems of an area’s children (gaps, overlaps, outside, invalid, slivers); empty = full coverage',
  request: {
    params: IdParam,
    query: z.object({
      depth: z.enum(['1', 'all']).default('1').openapi({ description: '1: this area and its children; all: also every descendant that has children' }),
      sliver_m2: z.coerce.number().min(0).max(1_000_000).default(SLIVER_DEFAULTS.m2).openapi({ description: 'pieces smaller than this (m²) are slivers' }),
      sliver_width_m: z.coerce
        .number()
        .min(0)
        .max(1000)
        .default(SLIVER_DEFAULTS.widthM)
        .openapi({ description: 'pieces narrower than this (2·area/perimeter, m) are slivers' }),
    }),
  },
  responses: {
    200: { description: 'The problems found, invalid geometries first', content: { 'application/json': { schema: CoverageCollection } } },
    ...notFound,
    ...errorResponses,
  },
})

export const areaCoverageRoutes = newRouter().openapi(coverage, async (c) => {
  const { id } = c.req.valid('param')
  const q = c.req.valid('query')
  const tx = c.get('tx')
  // Out of scope answers like a missing area (an ancestor the user may see is still not theirs).
  const found = await tx.execute<{ level: AreaLevel }>(areaInScope(id))
  if (found.rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
  if (found.rows[0].level === 'micro_grid') throw new ApiFailure(400, 'no_children', `area ${id} is a micro-grid: the lowest level has no children to validate`)
  // The planner's estimates for the set-returning overlays are huge (ST_Dump: 333 rows per call),
  // which sets off JIT compilation: ~1.4 s of a 1.6 s street check on PostgreSQL 15 (docs/coverage.md).
  await tx.execute(sql`select set_config('jit', 'off', true)`)
  const { rows } = await tx.execute<{ fc: string }>(coverageSql(id, { depth: q.depth, sliverM2: q.sliver_m2, sliverWidthM: q.sliver_width_m }))
  return jsonText<z.infer<typeof CoverageCollection>>(c, rows[0].fc)
})
