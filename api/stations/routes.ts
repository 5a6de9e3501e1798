import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { STATION_TYPES } from '../../geo-data/generate/types.ts'
import { featureCollection, featureCollectionSql, featureSql, jsonText } from '../lib/geojson.ts'
import { BboxParam, errorResponses, newRouter } from '../lib/router.ts'

export const StationProperties = z
  .object({
    id: z.number(),
    type: z.enum(STATION_TYPES),
    name: z.string(),
    service_radius_m: z.number(),
    opened_on: z.string().nullable(),
    closed_on: z.string().nullable(),
    street_id: z.number(),
    community_id: z.number(),
  })
  .openapi('StationProperties')
export const StationCollection = featureCollection('StationCollection', StationProperties)

const listStations = createRoute({
  method: 'get',
  path: '/',
  tags: ['stations'],
  summary: 'Stations as GeoJSON points: open ones, or every one with include_closed=true',
  request: {
    query: z.object({
      type: z.enum(STATION_TYPES).optional(),
      bbox: BboxParam.optional(),
      include_closed: z.enum(['true', 'false']).optional().openapi({ description: 'true: closed stations too (their closed_on is set)' }),
    }),
  },
  responses: {
    200: { description: 'FeatureCollection of stations', content: { 'application/json': { schema: StationCollection } } },
    ...errorResponses,
  },
})

export const stationsRoutes = newRouter().openapi(listStations, async (c) => {
  const { type, bbox, include_closed } = c.req.valid('query')
  const where = [include_closed === 'true' ? sql`true` : sql`s.closed_on is null`]
  if (type) where.push(sql`s.type = ${type}`)
  if (bbox) where.push(sql`s.geom && ST_MakeEnvelope(${bbox[0]}, ${bbox[1]}, ${bbox[2]}, ${bbox[3]}, 4326)`)
  const { rows } = await c.get('tx').execute<{ fc: string }>(sql`
    select ${featureCollectionSql(
      featureSql(sql`s.id`, sql`s.geom`, sql`json_build_object('id', s.id, 'type', s.type, 'name', s.name,
        'service_radius_m', s.service_radius_m, 'opened_on', s.opened_on, 'closed_on', s.closed_on, 'street_id', s.street_id, 'community_id', s.community_id)`),
      sql`s.id`,
    )} as fc
    from stations s
    where ${sql.join(where, sql` and `)}`)
  return jsonText<z.infer<typeof StationCollection>>(c, rows[0].fc)
})
