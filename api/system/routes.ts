import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { INCIDENT_TYPES, STATION_TYPES } from '../../geo-data/generate/types.ts'
import { errorResponses, newRouter } from '../lib/router.ts'

const DbKindSchema = z.enum(['embedded', 'postgres'])

export const Health = z.object({ ok: z.literal(true), db: DbKindSchema, postgis: z.string() }).openapi('Health')
export const ClientConfig = z
  .object({
    db: DbKindSchema,
    basemapUrl: z.string().nullable(),
    districtId: z.number().nullable(),
    districtBbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
    incidentTypes: z.array(z.string()),
    stationTypes: z.array(z.string()),
  })
  .openapi('ClientConfig')

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['system'],
  summary: 'Liveness and the database behind the API',
  responses: { 200: { description: 'Healthy', content: { 'application/json': { schema: Health } } }, ...errorResponses },
})

const config = createRoute({
  method: 'get',
  path: '/config',
  tags: ['system'],
  summary: 'Settings the web client starts from',
  responses: { 200: { description: 'Client settings', content: { 'application/json': { schema: ClientConfig } } }, ...errorResponses },
})

export const systemRoutes = (basemapUrl: string | null) =>
  newRouter()
    .openapi(health, async (c) => {
      const db = c.get('db')
      const { rows } = await db.orm.execute<{ v: string }>(sql`select postgis_lib_version() as v`)
      return c.json({ ok: true as const, db: db.kind, postgis: rows[0].v }, 200)
    })
    .openapi(config, async (c) => {
      const db = c.get('db')
      const { rows } = await db.orm.execute<{ id: number | null; b: [number, number, number, number] | null }>(sql`
        select (select min(id) from areas where level = 'district') as id,
          case when e is null then null else json_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) end as b
        from (select ST_Extent(geom) as e from areas where level = 'district') x`)
      return c.json(
        {
          db: db.kind,
          basemapUrl,
          districtId: rows[0].id,
          districtBbox: rows[0].b,
          incidentTypes: [...INCIDENT_TYPES],
          stationTypes: [...STATION_TYPES],
        },
        200,
      )
    })
