import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollection, featureCollectionSql, featureSql, jsonText } from '../lib/geojson.ts'
import { BboxParam, errorResponses, newRouter } from '../lib/router.ts'

export const RoadCollection = featureCollection(
  'RoadCollection',
  z.object({ kind: z.enum(['primary', 'secondary', 'residential']), name: z.string() }),
)
export const BuildingCollection = featureCollection(
  'BuildingCollection',
  z.object({ id: z.number(), name: z.string(), compound: z.string(), floors: z.number(), households: z.number() }),
)

/** Buildings are fetched per view; a box wider than this (degrees²) is refused to keep answers small. */
const MAX_BUILDING_BBOX_DEG2 = 0.01

const roads = createRoute({
  method: 'get',
  path: '/roads',
  tags: ['basemap'],
  summary: 'Road network of the district (offline basemap)',
  responses: { 200: { description: 'Roads', content: { 'application/json': { schema: RoadCollection } } }, ...errorResponses },
})

const buildings = createRoute({
  method: 'get',
  path: '/buildings',
  tags: ['basemap'],
  summary: 'Building footprints inside a bounding box (offline basemap)',
  request: { query: z.object({ bbox: BboxParam }) },
  responses: { 200: { description: 'Buildings', content: { 'application/json': { schema: BuildingCollection } } }, ...errorResponses },
})

export const basemapRoutes = newRouter()
  .openapi(roads, async (c) => {
    const { rows } = await c.get('tx').execute<{ fc: string }>(sql`
      select ${featureCollectionSql(featureSql(sql`r.id`, sql`r.geom`, sql`json_build_object('kind', r.kind, 'name', r.name)`), sql`r.id`)} as fc
      from roads r`)
    c.header('Cache-Control', 'public, max-age=300')
    return jsonText<z.infer<typeof RoadCollection>>(c, rows[0].fc)
  })
  .openapi(buildings, async (c) => {
    const [x0, y0, x1, y1] = c.req.valid('query').bbox
    if ((x1 - x0) * (y1 - y0) > MAX_BUILDING_BBOX_DEG2) {
      throw new ApiFailure(400, 'bbox_too_large', `bbox covers more than ${MAX_BUILDING_BBOX_DEG2} square degrees; zoom in to load buildings`)
    }
    const { rows } = await c.get('tx').execute<{ fc: string }>(sql`
      select ${featureCollectionSql(
        featureSql(sql`b.id`, sql`b.geom`, sql`json_build_object('id', b.id, 'name', b.name, 'compound', b.compound,
          'floors', b.floors, 'households', b.households)`),
        sql`b.id`,
      )} as fc
      from buildings b where b.geom && ST_MakeEnvelope(${x0}, ${y0}, ${x1}, ${y1}, 4326)`)
    return jsonText<z.infer<typeof BuildingCollection>>(c, rows[0].fc)
  })
