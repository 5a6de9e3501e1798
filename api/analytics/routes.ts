import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { featureCollection, featureCollectionSql, featureSql, jsonText } from '../lib/geojson.ts'
import { errorResponses, newRouter, type Env } from '../lib/router.ts'
import { csvHeader, csvRecord, csvText, download, downloadResponses, ExportFormat, shanghaiDate } from '../lib/download.ts'
import { PeriodFields, periodArgs, resolvePeriod, type Period } from './period.ts'

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
  ...PeriodFields,
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

type StatsParams = Period & { level: AreaLevel }

/** The level, period and types of a statistics request (resolvePeriod: a bad period or an unknown type is a 400). */
async function statsParams(c: Context<Env>, q: { level: AreaLevel; from?: string; to?: string; type?: string }): Promise<StatsParams> {
  return { level: q.level, ...(await resolvePeriod(c.get('tx'), q)) }
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
  area_incident_stats(${p.level}, ${periodArgs(p)}) s
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
