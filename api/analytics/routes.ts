import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollection, featureCollectionSql, featureSql, jsonText } from '../lib/geojson.ts'
import { errorResponses, newRouter } from '../lib/router.ts'
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

const areaStats = createRoute({
  method: 'get',
  path: '/areas',
  tags: ['analytics'],
  summary: 'Incidents per area of a level for a period, per 1,000 households, and the equal period before (every role, planners included: counts only)',
  request: {
    query: z.object({
      level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]).default('grid'),
      from: Instant.optional().openapi({ description: 'start (inclusive); default: 30 days before `to`' }),
      to: Instant.optional().openapi({ description: 'end (exclusive); default: now' }),
      type: z.string().max(2000).optional().openapi({ description: 'comma-separated incident type codes' }),
      geometry: z.enum(['true', 'false']).default('true').openapi({ description: 'false: features without geometry (smaller)' }),
    }),
  },
  responses: { 200: { description: 'One feature per area in the user’s scope', content: { 'application/json': { schema: AreaStatsCollection } } }, ...errorResponses },
})

const DAY = 24 * 3600_000

export const analyticsRoutes = newRouter().openapi(areaStats, async (c) => {
  const q = c.req.valid('query')
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
  const geometry = q.geometry === 'true' ? sql`a.geom` : sql`null::geometry`
  const { rows } = await c.get('tx').execute<{ fc: string }>(sql`
    select ${featureCollectionSql(
      featureSql(sql`a.id`, geometry, sql`json_build_object('id', a.id, 'level', a.level, 'name', a.name, 'households', a.households,
        'count', s.n, 'rate_per_1000_households', case when a.households > 0 then round(s.n * 1000.0 / a.households, 2) end,
        'previous_count', s.previous,
        'change', case when s.previous > 0 then round((s.n - s.previous)::numeric / s.previous, 4) end)`),
      sql`a.id`,
    )} as fc
    from area_incident_stats(${q.level}, ${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz,
      ${types?.length ? sql`${sql.param(types)}::text[]` : sql`null::text[]`}) s
    join areas a on a.id = s.area_id`)
  return jsonText<z.infer<typeof AreaStatsCollection>>(c, rows[0].fc)
})
