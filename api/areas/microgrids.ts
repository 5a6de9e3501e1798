/**
 * Micro-grid generation (issue 7; docs/microgrids.md): POST /areas/:id/microgrids/generate
 * partitions a grid into contiguous micro-grids of about `target` households and stores the result
 * as a boundary-import preview, so the import's commit (POST /areas/import/:previewId/commit)
 * accepts it: the grid's micro-grids replaced all or nothing, incidents, buildings, stations,
 * people's links and patrol tasks re-pointed.
 *
 * Method: every building gets a territory, the part of the grid nearer to its footprint than to any
 * other (Voronoi cells of points sampled along all footprints, dissolved per building, clipped to
 * the grid); microgrid-partition.ts groups adjacent territories; PostGIS dissolves each group.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { requireRole } from '../auth/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, IdParam, newRouter, notFound } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'
import { coverageProblemsSql, SLIVER_DEFAULTS } from './coverage.ts'
import { problem, type ImportProblem, type MappedFeature } from './import-check.ts'
import { childrenState, codesTaken, featuresSource, PREVIEW_TTL_MINUTES } from './import.ts'
import { partitionTerritories, type PartitionBounds, type TerritoryEdge, type TerritoryNode } from './microgrid-partition.ts'
import { areaInScope } from './queries.ts'

/** Households a micro-grid may hold (PRODUCT.md: "a few dozen to ~150 households"). */
export const MICROGRID_HOUSEHOLDS = { min: 30, max: 150, target: 100 } as const

/**
 * Spacing of the points sampled along building footprints, in degrees (1.5e-5° ≈ 1.7 m north–south,
 * 1.4 m east–west at 30° N). A territory boundary can stray from the true mid-line between two
 * footprints by half of it, so buildings further apart than this are never cut.
 */
export const FOOTPRINT_SAMPLE_DEG = 1.5e-5

/** Territories sharing less boundary than this (metres) do not count as neighbours: touching at a corner does not join two pieces. */
export const MIN_SHARED_BOUNDARY_M = 0.5

/** A micro-grid's old identity passes to the generated piece holding more than this share of its area. */
const KEEP_IDENTITY_SHARE = 0.5

// ---------------------------------------------------------------------------------------------
// SQL

/**
 * The grid's building territories as one JSON row: `parts` (key, building or null for a leftover
 * part, households, x/y in metres from the grid's centre, the part as hex WKB) and `edges` (pairs
 * of parts sharing at least MIN_SHARED_BOUNDARY_M of boundary, with its length). Each building's
 * own part is the one holding a point of its footprint (else its largest); the other parts of its
 * territory (around a concave corner of the grid) are leftovers with no households.
 */
export function territoriesSql(grid: number): SQL {
  return sql`
    with g as materialized (
      select geom, ST_X(c) as lon0, ST_Y(c) as lat0 from areas, ST_Centroid(geom) c where id = ${grid}),
    b as materialized (
      select b.id, b.households, b.geom, ST_PointOnSurface(b.geom) as probe from buildings b where b.grid_id = ${grid}),
    v as (
      select d.geom as cell
      from ST_Dump(ST_VoronoiPolygons(
        (select ST_Collect(ST_Points(ST_Segmentize(ST_Boundary(b.geom), ${FOOTPRINT_SAMPLE_DEG}::float8))) from b), 0,
        (select ST_Expand(ST_Envelope(geom), 0.001) from g))) d),
    -- A cell's site lies on its building's outline, so the cell meets that footprint; buildings
    -- closer than the sample spacing can both meet it: the lower id takes it.
    lab as (
      select v.cell, coalesce(
        (select b2.id from buildings b2 where b2.grid_id = ${grid} and b2.geom && v.cell and ST_Intersects(v.cell, b2.geom) order by b2.id limit 1),
        (select b2.id from buildings b2 where b2.grid_id = ${grid} order by b2.geom <-> v.cell, b2.id limit 1)) as building
      from v),
    t as (select building, ST_Union(cell) as geom from lab group by building),
    d as (
      select t.building, d.path[1] as n, d.geom
      from t, g, ST_Dump(ST_CollectionExtract(ST_Intersection(t.geom, g.geom), 3)) d),
    p as materialized (
      select row_number() over (order by d.building, d.n)::int as key, d.building, d.geom,
        row_number() over (partition by d.building order by ST_Intersects(d.geom, b.probe) desc, ST_Area(d.geom) desc, d.n) = 1 as own,
        case when ST_Intersects(d.geom, b.probe) then b.probe else ST_PointOnSurface(d.geom) end as at,
        b.households
      from d join b on b.id = d.building),
    e as (
      select a.key as a, c.key as b,
        ST_Length(ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(c.geom)), 2)::geography) as len
      from p a join p c on a.key < c.key and a.geom && c.geom)
    select json_build_object(
      'parts', coalesce((
        select json_agg(json_build_object(
          'key', p.key, 'building', case when p.own then p.building end, 'households', case when p.own then p.households else 0 end,
          'x', (ST_X(p.at) - g.lon0) * cos(radians(g.lat0)) * 111320, 'y', (ST_Y(p.at) - g.lat0) * 110574,
          'wkb', encode(ST_AsBinary(p.geom), 'hex')) order by p.key)
        from p, g), '[]'::json),
      'edges', coalesce((select json_agg(json_build_object('a', e.a, 'b', e.b, 'length', e.len) order by e.a, e.b) from e where e.len >= ${MIN_SHARED_BOUNDARY_M}::float8), '[]'::json)
    ) as t`
}

/**
 * The groups dissolved into pieces: per group its MultiPolygon (GeoJSON, 15 decimals, so the
 * stored preview is the exact shape), number of polygons, m², a point for numbering, and the code
 * of the micro-grid of the grid more than KEEP_IDENTITY_SHARE of which it holds (null if none).
 */
export function piecesSql(grid: number, parts: Array<{ group: number; wkb: string }>): SQL {
  return sql`
    with r as (select * from json_to_recordset(${JSON.stringify(parts)}::json) as r("group" int, wkb text)),
    u as (select r."group", ST_Multi(ST_Union(ST_GeomFromWKB(decode(r.wkb, 'hex'), 4326))) as geom from r group by r."group")
    select u."group", ST_AsGeoJSON(u.geom, 15)::json as geometry, ST_NumGeometries(u.geom) as polygons,
      ST_Area(u.geom::geography) as m2, ST_X(c) as lon, ST_Y(c) as lat,
      (select m.code from areas m
        where m.parent_id = ${grid} and m.level = 'micro_grid' and m.geom && u.geom
          and ST_Area(ST_Intersection(m.geom, u.geom)) > ${KEEP_IDENTITY_SHARE}::float8 * ST_Area(m.geom)
        order by ST_Area(ST_Intersection(m.geom, u.geom)) desc, m.id limit 1) as keeps
    from u, ST_PointOnSurface(u.geom) c
    order by u."group"`
}

// ---------------------------------------------------------------------------------------------
// Service

interface Part extends TerritoryNode {
  wkb: string
}

interface Piece {
  group: number
  geometry: MappedFeature['geometry']
  polygons: number
  m2: number
  lon: number
  lat: number
  keeps: string | null
}

type GridRow = {
  id: number
  level: AreaLevel
  code: string
  name: string
  allowed: boolean
}

/** The grid, in the caller's writable scope: 404 outside it (like a missing id), 400 for another level. */
async function writableGrid(tx: RequestTx, id: number): Promise<GridRow> {
  const found = await tx.execute<{ level: AreaLevel }>(areaInScope(id))
  const row =
    found.rows.length === 0
      ? null
      : (await tx.execute<GridRow>(sql`select id, level, code, name, area_import_allowed(id) as allowed from areas where id = ${id}`)).rows[0]
  if (!row || !row.allowed) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
  if (row.level !== 'grid') throw new ApiFailure(400, 'not_a_grid', `area ${id} is a ${row.level}: micro-grids are generated for a grid`)
  return row
}

/** Refuse grids that no partition can satisfy, naming what stands in the way. */
async function checkBuildings(tx: RequestTx, grid: GridRow, b: PartitionBounds): Promise<void> {
  const { rows } = await tx.execute<{ n: number; households: number; big: Array<{ id: number; name: string; compound: string; households: number }> }>(sql`
    select count(*)::int as n, coalesce(sum(households), 0)::int as households,
      coalesce(json_agg(json_build_object('id', id, 'name', name, 'compound', compound, 'households', households) order by households desc, id)
        filter (where households > ${b.max}), '[]'::json) as big
    from buildings where grid_id = ${grid.id}`)
  const s = rows[0]
  if (s.n === 0) throw new ApiFailure(422, 'no_buildings', `grid ${grid.id} (${grid.name}) has no buildings: micro-grids are made of buildings' households`)
  if (s.big.length > 0) {
    const named = s.big.slice(0, 5).map((x) => `building #${x.id} (${x.compound} ${x.name}) has ${x.households} households`)
    throw new ApiFailure(422, 'building_too_large', `${named.join('; ')}${s.big.length > 5 ? '; …' : ''}: more than the ${b.max} one micro-grid may hold, and a building is never split`)
  }
  if (s.households < b.min) {
    throw new ApiFailure(422, 'too_few_households', `grid ${grid.id} (${grid.name}) has ${s.households} households in its buildings: fewer than the ${b.min} of one micro-grid`)
  }
}

/** Codes for `n` new pieces: `<grid code>-NN`, skipping the grid's current micro-grids' codes and codes used anywhere else. */
async function freshCodes(tx: RequestTx, grid: GridRow, n: number, reserved: Set<string>): Promise<string[]> {
  if (n === 0) return []
  const candidates = Array.from({ length: n + reserved.size + 100 }, (_, i) => `${grid.code}-${String(i + 1).padStart(2, '0')}`).filter((c) => !reserved.has(c))
  const taken = new Set(await codesTaken(tx, grid.id, 'micro_grid', candidates))
  const free = candidates.filter((c) => !taken.has(c))
  if (free.length < n) throw new ApiFailure(409, 'no_free_codes', `no free micro-grid codes left under ${grid.code}`)
  return free.slice(0, n)
}

export interface GeneratedPiece extends MappedFeature {
  buildings: number
  area_m2: number
  action: 'insert' | 'update'
  /** A point inside the piece (ST_PointOnSurface), for its label. */
  label_point: [number, number]
}

/**
 * Generate the micro-grids of a grid (not stored): the pieces numbered north to south, west to
 * east, each keeping the code of the micro-grid it mostly covers (so the commit updates that one
 * in place) or taking a fresh one, and the coverage check of exactly these features.
 */
export async function generateMicrogrids(tx: RequestTx, gridId: number, b: PartitionBounds) {
  const grid = await writableGrid(tx, gridId)
  await checkBuildings(tx, grid, b)
  // Large planner estimates of the set-returning overlays set off JIT (as in coverage.ts).
  await tx.execute(sql`select set_config('jit', 'off', true)`)
  const { parts, edges } = (await tx.execute<{ t: { parts: Part[]; edges: TerritoryEdge[] } }>(territoriesSql(grid.id))).rows[0].t
  const groups = partitionTerritories(parts, edges, b)
  const byKey = new Map(parts.map((p) => [p.key, p]))
  const groupOf = new Map<number, number>()
  groups.forEach((keys, i) => keys.forEach((k) => groupOf.set(k, i)))
  const stats = groups.map((keys) => ({
    households: keys.reduce((h, k) => h + byKey.get(k)!.households, 0),
    buildings: keys.map((k) => byKey.get(k)!.building).filter((x): x is number => x !== null),
  }))
  const wrong = stats.filter((s) => s.households < b.min || s.households > b.max)
  if (wrong.length > 0) {
    const named = wrong.slice(0, 5).map((s) => `buildings ${s.buildings.map((id) => `#${id}`).join(', ') || '(none)'} (${s.households} households)`)
    throw new ApiFailure(
      422,
      'cannot_partition',
      `grid ${grid.id}: ${wrong.length} group(s) of adjacent buildings cannot be brought within ${b.min}–${b.max} households: ${named.join('; ')}${wrong.length > 5 ? '; …' : ''}`,
    )
  }
  const pieces = (await tx.execute<Piece & Record<string, unknown>>(piecesSql(grid.id, parts.map((p) => ({ group: groupOf.get(p.key)!, wkb: p.wkb }))))).rows
  const split = pieces.filter((p) => p.polygons !== 1)
  if (split.length > 0) {
    throw new ApiFailure(422, 'cannot_partition', `grid ${grid.id}: ${split.length} piece(s) came out in several polygons (buildings ${split.flatMap((p) => stats[p.group].buildings).map((id) => `#${id}`).join(', ')})`)
  }
  const ordered = [...pieces].sort((p, q) => q.lat - p.lat || p.lon - q.lon || p.group - q.group)
  const current = (await tx.execute<{ code: string }>(sql`select code from areas where parent_id = ${grid.id} and level = 'micro_grid' order by id`)).rows.map((r) => r.code)
  const fresh = await freshCodes(tx, grid, ordered.filter((p) => p.keeps === null).length, new Set(current))
  let nextFresh = 0
  const features: GeneratedPiece[] = ordered.map((p, i) => ({
    fid: i + 1,
    code: p.keeps ?? fresh[nextFresh++],
    name: `${grid.name}第${i + 1}微网格`,
    households: stats[p.group].households,
    geometry: p.geometry,
    buildings: stats[p.group].buildings.length,
    area_m2: Math.round(p.m2 * 10) / 10,
    action: p.keeps === null ? 'insert' : 'update',
    label_point: [p.lon, p.lat],
  }))
  const cov = await tx.execute<{ features: Array<{ geometry: unknown; properties: Omit<ImportProblem['properties'], 'blocking'> }> }>(
    coverageProblemsSql(
      { parents: sql`select id, geom from areas where id = ${grid.id}`, kids: featuresSource(grid.id, features) },
      { sliverM2: SLIVER_DEFAULTS.m2, sliverWidthM: SLIVER_DEFAULTS.widthM },
    ),
  )
  // A generated tiling has no excuse for any coverage problem: each one blocks the commit.
  const problems = cov.rows[0].features.map((f) => {
    const p = f.properties
    const reason = `${p.kind}${p.sliver_of ? ` (${p.sliver_of})` : ''} of ${Math.round((p.area_m2 ?? 0) * 1000) / 1000} m²${p.children.length ? ` at pieces ${p.children.join(', ')}` : ''}${p.reason ? `: ${p.reason}` : ''}`
    const out = problem(p.kind, grid.id, p.children, reason, { area_m2: p.area_m2, width_m: p.width_m, location: p.location, sliver_of: p.sliver_of }, f.geometry)
    out.properties.blocking = true
    return out
  })
  const kept = new Set(features.map((f) => f.code))
  const removed = (await tx.execute<{ id: number; code: string; name: string }>(sql`
    select id, code, name from areas where parent_id = ${grid.id} and level = 'micro_grid' order by id`)).rows.filter((r) => !kept.has(r.code))
  const hh = features.map((f) => f.households)
  const summary = {
    target: b.target,
    count: features.length,
    households: hh.reduce((s, h) => s + h, 0),
    min: Math.min(...hh),
    max: Math.max(...hh),
    mean: Math.round((hh.reduce((s, h) => s + h, 0) / hh.length) * 10) / 10,
    problems: problems.length,
    committable: problems.length === 0,
    insert: features.filter((f) => f.action === 'insert').length,
    update: features.filter((f) => f.action === 'update').length,
    remove: removed,
  }
  return { grid, features, problems, summary }
}

// ---------------------------------------------------------------------------------------------
// Route

const GenerateBody = z
  .object({
    target: z
      .number()
      .int()
      .min(MICROGRID_HOUSEHOLDS.min)
      .max(MICROGRID_HOUSEHOLDS.max)
      .default(MICROGRID_HOUSEHOLDS.target)
      .openapi({ description: `households per micro-grid aimed at (${MICROGRID_HOUSEHOLDS.min}–${MICROGRID_HOUSEHOLDS.max}); every piece stays within those bounds` }),
  })
  .openapi('MicrogridGenerateRequest')

const GeneratedSchema = z
  .object({
    previewId: z.string().openapi({ description: 'commit with POST /api/areas/import/{previewId}/commit' }),
    expires_at: z.string(),
    parent: z.number(),
    level: z.literal('micro_grid'),
    features: z.object({
      type: z.literal('FeatureCollection'),
      features: z.array(
        z.object({
          type: z.literal('Feature'),
          id: z.number(),
          geometry: z.any(),
          properties: z.object({
            fid: z.number(),
            code: z.string(),
            name: z.string(),
            households: z.number(),
            buildings: z.number(),
            area_m2: z.number(),
            action: z.enum(['insert', 'update']).openapi({ description: 'update: the piece holds most of the micro-grid with this code, which keeps its id' }),
            label_point: z.tuple([z.number(), z.number()]).openapi({ description: 'a point inside the piece (lon, lat), for its label' }),
          }),
        }),
      ),
    }),
    problems: z.array(z.any()).openapi({ description: 'coverage problems of the pieces (same features as GET /api/areas/:id/coverage, plus `blocking`); empty for a valid tiling' }),
    summary: z.object({
      target: z.number(),
      count: z.number(),
      households: z.number(),
      min: z.number(),
      max: z.number(),
      mean: z.number(),
      problems: z.number(),
      committable: z.boolean(),
      insert: z.number(),
      update: z.number(),
      remove: z.array(z.object({ id: z.number(), code: z.string(), name: z.string() })),
    }),
  })
  .openapi('MicrogridPreview')

const generateRoute = createRoute({
  method: 'post',
  path: '/{id}/microgrids/generate',
  tags: ['areas'],
  summary: 'Partition a grid’s buildings into contiguous micro-grids of about `target` households; stored as an import preview (nothing written to areas)',
  middleware: [requireRole('admin', 'commander')] as const,
  request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: GenerateBody } } } },
  responses: {
    200: { description: 'The preview', content: { 'application/json': { schema: GeneratedSchema } } },
    422: errorResponse('No buildings, a building above the maximum, too few households, or no partition within the bounds (named)'),
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

export const microgridRoutes = newRouter().openapi(generateRoute, async (c) => {
  const { id } = c.req.valid('param')
  // The body is optional: without one (or without `target`) the default target applies.
  const target = c.req.valid('json')?.target ?? MICROGRID_HOUSEHOLDS.target
  const tx = c.get('tx')
  const bounds = { min: MICROGRID_HOUSEHOLDS.min, max: MICROGRID_HOUSEHOLDS.max, target }
  const { grid, features, problems, summary } = await generateMicrogrids(tx, id, bounds)
  const state = (await tx.execute<{ state: string }>(childrenState(grid.id, 'micro_grid'))).rows[0].state
  await tx.execute(sql`delete from area_import_previews where expires_at < now()`)
  const stored: MappedFeature[] = features.map(({ fid, code, name, households, geometry }) => ({ fid, code, name, households, geometry }))
  const row = await tx.execute<{ id: string; expires_at: string }>(sql`
    insert into area_import_previews (account_id, parent_id, level, features, blocking, children_state, summary, expires_at)
    values (${c.get('user').id}, ${grid.id}, 'micro_grid', ${JSON.stringify(stored)}::jsonb, ${JSON.stringify(problems)}::jsonb, ${state},
      ${JSON.stringify({ source: 'generate', ...summary })}::jsonb, now() + make_interval(mins => ${PREVIEW_TTL_MINUTES}))
    returning id, to_json(expires_at)#>>'{}' as expires_at`)
  return c.json(
    {
      previewId: row.rows[0].id,
      expires_at: row.rows[0].expires_at,
      parent: grid.id,
      level: 'micro_grid' as const,
      features: {
        type: 'FeatureCollection' as const,
        features: features.map((f) => ({
          type: 'Feature' as const,
          id: f.fid,
          geometry: f.geometry,
          properties: { fid: f.fid, code: f.code, name: f.name, households: f.households, buildings: f.buildings, area_m2: f.area_m2, action: f.action, label_point: f.label_point },
        })),
      },
      problems,
      summary,
    },
    200,
  )
})
