import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { STATION_TYPES } from '../../geo-data/generate/types.ts'
import { incidentTypeCatalog, IncidentTypeInfo } from '../incidents/types.ts'
import { errorResponses, newRouter } from '../lib/router.ts'

const DbKindSchema = z.enum(['embedded', 'postgres'])

export const Health = z.object({ ok: z.literal(true), db: DbKindSchema, postgis: z.string() }).openapi('Health')
export const ClientConfig = z
  .object({
    db: DbKindSchema,
    basemapUrl: z.string().nullable(),
    districtId: z.number().nullable(),
    districtBbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
    homeAreaId: z.number().nullable().openapi({ description: 'the broadest area of the user’s scope: where the map starts' }),
    homeBbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable().openapi({ description: 'extent of the user’s scope' }),
    incidentTypes: z.array(z.string()).openapi({ description: 'every type code in its fixed order: index i is type index i of the binary incident points' }),
    incidentTypeCatalog: z.array(IncidentTypeInfo).openapi({ description: 'the same types with names, deadlines and whether they take new reports' }),
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

/** GET /health: public (load balancers, monitors), touches no scoped table. */
export const healthRoutes = newRouter().openapi(health, async (c) => {
  const db = c.get('db')
  const { rows } = await db.orm.execute<{ v: string }>(sql`select postgis_lib_version() as v`)
  return c.json({ ok: true as const, db: db.kind, postgis: rows[0].v }, 200)
})

/** GET /config: for signed-in users; the district is read through their scope (its row is an ancestor of every scope). */
export const configRoutes = (basemapUrl: string | null) =>
  newRouter()
    .openapi(config, async (c) => {
      const db = c.get('db')
      type Box = [number, number, number, number]
      const scope = c.get('user').areaIds
      const box = (e: ReturnType<typeof sql>) => sql`case when ${e} is null then null else json_build_array(ST_XMin(${e}), ST_YMin(${e}), ST_XMax(${e}), ST_YMax(${e})) end`
      const { rows } = await c.get('tx').execute<{ id: number | null; b: Box | null; home: number | null; hb: Box | null }>(sql`
        select (select min(id) from areas where level = 'district') as id, ${box(sql`d.e`)} as b,
          (select a.id from areas a where a.id = any(${sql.param(scope)}::int[]) order by cardinality(a.path), a.id limit 1) as home,
          ${box(sql`h.e`)} as hb
        from (select ST_Extent(geom) as e from areas where level = 'district') d,
             (select ST_Extent(geom) as e from areas where id = any(${sql.param(scope)}::int[])) h`)
      const catalog = await incidentTypeCatalog(c.get('tx'))
      return c.json(
        {
          db: db.kind,
          basemapUrl,
          districtId: rows[0].id,
          districtBbox: rows[0].b,
          homeAreaId: rows[0].home,
          homeBbox: rows[0].hb,
          incidentTypes: catalog.map((t) => t.code),
          incidentTypeCatalog: catalog,
          stationTypes: [...STATION_TYPES],
        },
        200,
      )
    })
