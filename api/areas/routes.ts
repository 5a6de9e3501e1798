import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollection, jsonText } from '../lib/geojson.ts'
import { BboxParam, errorResponses, IdParam, newRouter, notFound } from '../lib/router.ts'
import { areaDetail, areaInScope, areasGeoJson } from './queries.ts'

const LevelSchema = z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]])

export const AreaProperties = z
  .object({
    id: z.number(),
    level: LevelSchema,
    name: z.string(),
    code: z.string(),
    households: z.number(),
    population: z.number(),
    parent: z.number().nullable(),
  })
  .openapi('AreaProperties')
export const AreaCollection = featureCollection('AreaCollection', AreaProperties)

const AreaSummary = z.object({
  id: z.number(),
  level: LevelSchema,
  name: z.string(),
  code: z.string(),
  households: z.number(),
  population: z.number(),
})

export const AreaDetail = AreaProperties.extend({
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  ancestors: z.array(z.object({ id: z.number(), level: LevelSchema, name: z.string() })),
  children: z.array(AreaSummary),
  workers: z.array(z.object({ id: z.number(), name: z.string(), role: z.string() })),
  incidents: z.object({
    total: z.number(),
    open: z.number(),
    last30d: z.number(),
    by_type: z.record(z.string(), z.number()),
  }),
}).openapi('AreaDetail')

const listAreas = createRoute({
  method: 'get',
  path: '/',
  tags: ['areas'],
  summary: 'Areas of the user’s scope (and their ancestors, for context) as GeoJSON',
  request: {
    query: z.object({
      level: LevelSchema.optional(),
      parent: z.coerce.number().int().positive().max(2_147_483_647).optional(),
      bbox: BboxParam.optional(),
    }),
  },
  responses: {
    200: { description: 'FeatureCollection of areas', content: { 'application/json': { schema: AreaCollection } } },
    ...notFound,
    ...errorResponses,
  },
})

const getArea = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['areas'],
  summary: 'One area of the user’s scope with its ancestors, children, workers and incident counts',
  request: { params: IdParam },
  responses: {
    200: { description: 'The area', content: { 'application/json': { schema: AreaDetail } } },
    ...notFound,
    ...errorResponses,
  },
})

export const areasRoutes = newRouter()
  .openapi(listAreas, async (c) => {
    const q = c.req.valid('query')
    const tx = c.get('tx')
    if (q.parent !== undefined) {
      // A parent the user cannot see answers like a missing one.
      const visible = await tx.execute(sql`select 1 from areas where id = ${q.parent}`)
      if (visible.rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${q.parent} does not exist`)
    }
    const { rows } = await tx.execute<{ fc: string }>(areasGeoJson(q))
    return jsonText<z.infer<typeof AreaCollection>>(c, rows[0].fc)
  })
  .openapi(getArea, async (c) => {
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    // Out of scope answers like a missing area: nothing tells the two apart.
    const found = await tx.execute<{ level: AreaLevel }>(areaInScope(id))
    if (found.rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
    const { rows } = await tx.execute<{ detail: string }>(areaDetail(id))
    return jsonText<z.infer<typeof AreaDetail>>(c, rows[0].detail)
  })
