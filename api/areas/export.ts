/**
 * Boundary export (issue 7; docs/import.md): GET /areas/export?parent=&level=&format= answers the
 * areas of one level inside a parent as GeoJSON, a zipped Shapefile (WGS84 .prj, UTF-8 .cpg) or
 * CSV. What it writes, the import reads back unchanged (the round trip is tested).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { write as writeShapefile } from '@mapbox/shp-write'
import { sql } from 'drizzle-orm'
import { zipSync } from 'fflate'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { csvHeader, csvRecord, csvText, shanghaiDate } from '../lib/download.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponses, newRouter, notFound } from '../lib/router.ts'
import { areaInScope } from './queries.ts'

/** ESRI WKT of WGS84, as desktop GIS writes it in a .prj. */
export const WGS84_PRJ =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'

const LEVEL_RANK = Object.fromEntries(AREA_LEVELS.map((l, i) => [l, i])) as Record<AreaLevel, number>

/** A text as its UTF-8 bytes, one char per byte: the dbf writer stores char codes as bytes, so this makes it write UTF-8. */
const utf8Bytes = (s: string) => String.fromCharCode(...new TextEncoder().encode(s))

const CSV_COLUMNS = ['id', 'code', 'name', 'level', 'parent', 'households', 'population', 'area_m2', 'centroid_lon', 'centroid_lat', 'wkt'] as const

type Row = {
  id: number
  code: string
  name: string
  level: AreaLevel
  parent: number | null
  households: number
  population: number
  area_m2: number
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] }
}

const exportRoute = createRoute({
  method: 'get',
  path: '/export',
  tags: ['areas'],
  summary: 'Export the areas of one level inside a parent as GeoJSON, a zipped Shapefile or CSV',
  request: {
    query: z.object({
      parent: z.coerce.number().int().positive().max(2_147_483_647),
      level: z.enum(AREA_LEVELS.slice(1) as [AreaLevel, ...AreaLevel[]]).optional().openapi({ description: 'default: the level right below the parent' }),
      format: z.enum(['geojson', 'shp', 'csv']).default('geojson'),
    }),
  },
  responses: {
    200: {
      description: 'The file (attachment)',
      content: {
        'application/geo+json': { schema: z.string() },
        'application/zip': { schema: z.string().openapi({ format: 'binary' }) },
        'text/csv': { schema: z.string() },
      },
    },
    ...notFound,
    ...errorResponses,
  },
})

export const areaExportRoutes = newRouter().openapi(exportRoute, async (c) => {
  const q = c.req.valid('query')
  const tx = c.get('tx')
  const found = await tx.execute<{ level: AreaLevel }>(areaInScope(q.parent))
  if (found.rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${q.parent} does not exist`)
  const parentLevel = found.rows[0].level
  const level = q.level ?? AREA_LEVELS[LEVEL_RANK[parentLevel] + 1]
  if (!level || LEVEL_RANK[level] <= LEVEL_RANK[parentLevel]) {
    throw new ApiFailure(400, 'invalid_level', `area ${q.parent} is a ${parentLevel}: export a level below it`)
  }
  const base = `areas-${q.parent}-${level}-${shanghaiDate()}`
  const headers = { 'Cache-Control': 'no-store' }

  if (q.format === 'csv') {
    const { rows } = await tx.execute<{ line: string }>(sql`
      select ${csvRecord([
        sql`a.id::text`, csvText(sql`a.code`), csvText(sql`a.name`), sql`a.level`, sql`a.parent_id::text`, sql`a.households::text`,
        sql`a.population::text`, sql`round(ST_Area(a.geom::geography)::numeric, 1)::text`,
        sql`round(ST_X(ST_PointOnSurface(a.geom))::numeric, 7)::text`, sql`round(ST_Y(ST_PointOnSurface(a.geom))::numeric, 7)::text`,
        csvText(sql`ST_AsText(a.geom, 9)`),
      ])} as line
      from areas a where a.path @> array[${q.parent}::int] and a.level = ${level} order by a.id`)
    const body = csvHeader(CSV_COLUMNS) + rows.map((r) => r.line).join('')
    return c.body(body, 200, { ...headers, 'Content-Type': 'text/csv; charset=utf-8; header=present', 'Content-Disposition': `attachment; filename="${base}.csv"` })
  }

  // Outer rings clockwise (ST_ForcePolygonCW): the Shapefile rule, which GeoJSON readers ignore.
  const { rows } = await tx.execute<Row>(sql`
    select a.id, a.code, a.name, a.level, a.parent_id as parent, a.households, a.population,
      round(ST_Area(a.geom::geography)::numeric, 1)::float8 as area_m2,
      ST_AsGeoJSON(${q.format === 'shp' ? sql`ST_ForcePolygonCW(a.geom)` : sql`a.geom`}, 15)::json as geometry
    from areas a where a.path @> array[${q.parent}::int] and a.level = ${level} order by a.id`)

  if (q.format === 'geojson') {
    const fc = {
      type: 'FeatureCollection',
      features: rows.map(({ geometry, ...p }) => ({ type: 'Feature', id: p.id, geometry, properties: p })),
    }
    return c.body(JSON.stringify(fc), 200, { ...headers, 'Content-Type': 'application/geo+json; charset=utf-8', 'Content-Disposition': `attachment; filename="${base}.geojson"` })
  }
  if (rows.length === 0) throw new ApiFailure(404, 'no_areas', `area ${q.parent} has no ${level} areas to export as a Shapefile`)
  const attrs = rows.map((r) => ({
    ID: r.id, CODE: utf8Bytes(r.code), NAME: utf8Bytes(r.name), LEVEL: r.level, PARENT: r.parent ?? 0,
    HOUSEHOLDS: r.households, POPULATION: r.population, AREA_M2: r.area_m2,
  }))
  const files = await new Promise<{ shp: DataView; shx: DataView; dbf: DataView }>((resolve, reject) =>
    writeShapefile(attrs, 'POLYGON', rows.map((r) => r.geometry.coordinates), (err: unknown, f: { shp: DataView; shx: DataView; dbf: DataView }) => (err ? reject(err) : resolve(f))),
  )
  const bytes = (v: DataView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  const zip = zipSync({
    [`${base}.shp`]: bytes(files.shp),
    [`${base}.shx`]: bytes(files.shx),
    [`${base}.dbf`]: bytes(files.dbf),
    [`${base}.prj`]: new TextEncoder().encode(WGS84_PRJ),
    [`${base}.cpg`]: new TextEncoder().encode('UTF-8'),
  })
  return c.body(zip as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${base}.zip"` })
})
