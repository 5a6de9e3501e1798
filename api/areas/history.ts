/**
 * Boundary history (issue 7): each area's versions (db/migrations/0026_area_history.sql) and the
 * areas as they were at an instant, for the map "as of" a date. Read through row-level security
 * (area_versions is scoped like areas), so an out-of-scope id answers like a missing one.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { isoUtc } from '../incidents/queries.ts'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollection, featureCollectionSql, featureSql, jsonText } from '../lib/geojson.ts'
import { BboxParam, errorResponses, IdParam, newRouter, notFound } from '../lib/router.ts'

const LevelSchema = z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]])

/**
 * A date means the end of that local day (the boundaries a street office had when it closed); a
 * date-time with a zone is taken as it is.
 */
export const AsOf = z
  .string()
  .refine((s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) || /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(s)) && !Number.isNaN(Date.parse(s)), 'must be a date YYYY-MM-DD (end of that day, Asia/Shanghai) or an ISO-8601 date-time with a zone')
  .transform((s) => (s.length === 10 ? new Date(Date.parse(`${s}T00:00:00+08:00`) + 86_400_000) : new Date(s)))
  .openapi({ type: 'string', example: '2026-11-01' })

const VersionProperties = z
  .object({
    id: z.number().openapi({ description: 'the area id' }),
    version: z.number(),
    change: z.enum(['insert', 'update', 'delete']),
    level: LevelSchema,
    name: z.string(),
    code: z.string(),
    households: z.number(),
    population: z.number(),
    parent: z.number().nullable(),
    area_m2: z.number(),
    valid_from: z.string(),
    valid_to: z.string().nullable(),
    changed_by: z.string().nullable(),
    reason: z.string().nullable(),
  })
  .openapi('AreaVersionProperties')
const VersionCollection = featureCollection('AreaVersionCollection', VersionProperties)

const versionProps = sql`json_build_object('id', v.area_id, 'version', v.version, 'change', v.change, 'level', v.level, 'name', v.name,
  'code', v.code, 'households', v.households, 'population', v.population, 'parent', v.parent_id,
  'area_m2', round(ST_Area(v.geom::geography)::numeric, 1), 'valid_from', ${isoUtc(sql`v.valid_from`)},
  'valid_to', case when v.valid_to is null then null else ${isoUtc(sql`v.valid_to`)} end,
  'changed_by', v.changed_by_name, 'reason', v.reason)`

/** The versions valid at `at` (valid_from ≤ at < valid_to), filtered like the area list. */
function asOfSql(at: Date, f: { level?: AreaLevel; parent?: number; bbox?: [number, number, number, number] }): SQL {
  const where: SQL[] = [sql`v.valid_from <= ${at.toISOString()}::timestamptz`, sql`(v.valid_to is null or v.valid_to > ${at.toISOString()}::timestamptz)`]
  if (f.level) where.push(sql`v.level = ${f.level}`)
  if (f.parent !== undefined) where.push(sql`v.parent_id = ${f.parent}`)
  if (f.bbox) where.push(sql`v.geom && ST_MakeEnvelope(${f.bbox[0]}, ${f.bbox[1]}, ${f.bbox[2]}, ${f.bbox[3]}, 4326)`)
  return sql`
    select ${featureCollectionSql(featureSql(sql`v.area_id`, sql`v.geom`, versionProps), sql`v.area_id`)} as fc
    from area_versions v
    where ${sql.join(where, sql` and `)}`
}

const listAsOf = createRoute({
  method: 'get',
  path: '/as-of',
  tags: ['areas'],
  summary: 'Areas of the user’s scope as they were at an instant (boundary history), as GeoJSON',
  description: 'Same filters as GET /api/areas. Removed areas appear while they were valid; areas drawn later do not.',
  request: {
    query: z.object({
      at: AsOf,
      level: LevelSchema.optional(),
      parent: z.coerce.number().int().positive().max(2_147_483_647).optional(),
      bbox: BboxParam.optional(),
    }),
  },
  responses: {
    200: { description: 'FeatureCollection of area versions', content: { 'application/json': { schema: VersionCollection } } },
    ...errorResponses,
  },
})

const getHistory = createRoute({
  method: 'get',
  path: '/{id}/history',
  tags: ['areas'],
  summary: 'Every version of one area (shape, name, code, parent), oldest first, with who changed it and why',
  request: { params: IdParam },
  responses: {
    200: { description: 'Versions as GeoJSON features', content: { 'application/json': { schema: VersionCollection } } },
    ...notFound,
    ...errorResponses,
  },
})

export const areaHistoryRoutes = newRouter()
  .openapi(listAsOf, async (c) => {
    const { at, ...f } = c.req.valid('query')
    if (at.getTime() > Date.now() + 86_400_000) throw new ApiFailure(400, 'invalid_request', 'at: the history ends today')
    const { rows } = await c.get('tx').execute<{ fc: string }>(asOfSql(at, f))
    return jsonText<z.infer<typeof VersionCollection>>(c, rows[0].fc)
  })
  .openapi(getHistory, async (c) => {
    const { id } = c.req.valid('param')
    const { rows } = await c.get('tx').execute<{ fc: string; n: number }>(sql`
      select ${featureCollectionSql(featureSql(sql`v.id`, sql`v.geom`, versionProps), sql`v.version`)} as fc, count(*)::int as n
      from area_versions v where v.area_id = ${id}`)
    if (rows[0].n === 0) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
    return jsonText<z.infer<typeof VersionCollection>>(c, rows[0].fc)
  })
