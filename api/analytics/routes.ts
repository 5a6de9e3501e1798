import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollection, featureCollectionSql, featureSql, jsonText } from '../lib/geojson.ts'
import { errorResponses, newRouter, type Env } from '../lib/router.ts'
import { csvHeader, csvRecord, csvText, download, downloadResponses, ExportFormat, shanghaiDate } from '../incidents/export.ts'
import { Instant } from '../incidents/routes.ts'

export const AreaStatsProperties = z
  .object({
    id: z.number(),
    level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]),
    name: z.string(),
    households: z.number(),
    count: z.number(),
    rate_per_1000_households: z.number().nullable(),
    previous_count: z.number(),
    change: z.number().nullable().openapi({ description: '(count − previous_count) / previous_count; null when previous_count is 0' }),
  })
  .openapi('AreaStatsProperties')
export const AreaStatsCollection = featureCollection('AreaStatsCollection', AreaStatsProperties)

const StatsQuery = z.object({
  level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]).default('grid'),
  from: Instant.optional().openapi({ description: 'start (inclusive); default: 30 days before `to`' }),
  to: Instant.optional().openapi({ description: 'end (exclusive); default: now' }),
  type: z.string().max(2000).optional().openapi({ description: 'comma-separated incident type codes' }),
})

const areaStats = createRoute({
  method: 'get',
  path: '/areas',
  tags: ['analytics'],
  summary: 'Incidents per area of a level for a period, per 1,000 households, and the equal period before (every role, planners included: counts only)',
  request: {
    query: StatsQuery.extend({
      geometry: z.enum(['true', 'false']).default('true').openapi({ description: 'false: features without geometry (smaller)' }),
    }),
  },
  responses: { 200: { description: 'One feature per area in the user’s scope', content: { 'application/json': { schema: AreaStatsCollection } } }, ...errorResponses },
})

const DAY = 24 * 3600_000

interface StatsParams {
  level: AreaLevel
  from: Date
  to: Date
  types?: string[]
}

/** The period and types of a statistics request: a reversed or over-long period or an unknown type is a 400. */
async function statsParams(c: Context<Env>, q: { level: AreaLevel; from?: string; to?: string; type?: string }): Promise<StatsParams> {
  const to = q.to ? new Date(q.to) : new Date()
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY)
  if (!(from < to)) throw new ApiFailure(400, 'invalid_request', 'from: must be before `to`')
  if (to.getTime() - from.getTime() > 3 * 366 * DAY) throw new ApiFailure(400, 'invalid_request', 'from: the period may span at most three years')
  const types = q.type?.split(',').map((s) => s.trim()).filter(Boolean)
  if (types?.length) {
    const { rows } = await c.get('tx').execute<{ code: string }>(sql`select code from incident_types where code = any(${sql.param(types)}::text[])`)
    const unknown = types.filter((t) => !rows.some((r) => r.code === t))
    if (unknown.length) throw new ApiFailure(400, 'invalid_request', `type: unknown incident type ${unknown.slice(0, 3).join(', ').slice(0, 80)}`)
  }
  return { level: q.level, from, to, types: types?.length ? types : undefined }
}

/** The statistics columns of AreaStatsProperties, as SQL over `a` (areas) and `s` (area_incident_stats). */
const STATS_COLUMNS: [name: keyof z.infer<typeof AreaStatsProperties>, value: SQL][] = [
  ['id', sql`a.id`],
  ['level', sql`a.level`],
  ['name', sql`a.name`],
  ['households', sql`a.households`],
  ['count', sql`s.n`],
  ['rate_per_1000_households', sql`case when a.households > 0 then round(s.n * 1000.0 / a.households, 2) end`],
  ['previous_count', sql`s.previous`],
  ['change', sql`case when s.previous > 0 then round((s.n - s.previous)::numeric / s.previous, 4) end`],
]

/** SQL: FROM clause of the per-area statistics in the user's scope, `s` joined to its area `a`. */
const areaStatsFrom = (p: StatsParams) => sql`
  area_incident_stats(${p.level}, ${p.from.toISOString()}::timestamptz, ${p.to.toISOString()}::timestamptz,
    ${p.types ? sql`${sql.param(p.types)}::text[]` : sql`null::text[]`}) s
  join areas a on a.id = s.area_id`

/** SQL: the statistics as one FeatureCollection text, ordered by area id. */
const areaStatsCollection = (p: StatsParams, geometry: SQL) => sql`
  select ${featureCollectionSql(
    featureSql(sql`a.id`, geometry, sql`json_build_object(${sql.join(STATS_COLUMNS.map(([name, value]) => sql`${sql.raw(`'${name}'`)}, ${value}`), sql`, `)})`),
    sql`a.id`,
  )} as fc
  from ${areaStatsFrom(p)}`

const areaStatsExport = createRoute({
  method: 'get',
  path: '/areas/export',
  tags: ['analytics'],
  summary: 'The statistics of GET /analytics/areas as a CSV or GeoJSON download (every role, planners included)',
  request: { query: StatsQuery.extend({ format: ExportFormat }) },
  responses: { ...downloadResponses('One row or feature per area in the user’s scope'), ...errorResponses },
})

export const analyticsRoutes = newRouter()
  .openapi(areaStats, async (c) => {
    const q = c.req.valid('query')
    const p = await statsParams(c, q)
    const { rows } = await c.get('tx').execute<{ fc: string }>(areaStatsCollection(p, q.geometry === 'true' ? sql`a.geom` : sql`null::geometry`))
    return jsonText<z.infer<typeof AreaStatsCollection>>(c, rows[0].fc)
  })
  .openapi(areaStatsExport, async (c) => {
    const q = c.req.valid('query')
    const p = await statsParams(c, q)
    const name = `gridpulse-area-stats-${q.level}-${shanghaiDate()}`
    if (q.format === 'geojson') {
      const { rows } = await c.get('tx').execute<{ fc: string }>(areaStatsCollection(p, sql`a.geom`))
      return download(c, [rows[0].fc], 'geojson', name) as never
    }
    const record = csvRecord(STATS_COLUMNS.map(([name, value]) => (name === 'level' || name === 'name' ? csvText(value) : sql`(${value})::text`)))
    const { rows } = await c.get('tx').execute<{ body: string | null }>(sql`select string_agg(${record}, '' order by a.id) as body from ${areaStatsFrom(p)}`)
    return download(c, [csvHeader(STATS_COLUMNS.map(([name]) => name)), rows[0].body ?? ''], 'csv', name) as never
  })
