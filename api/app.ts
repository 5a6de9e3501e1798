import { OpenAPIHono } from '@hono/zod-openapi'
import { compress } from 'hono/compress'
import { bodyLimit } from 'hono/body-limit'
import { timing } from 'hono/timing'
import type { Database } from '../db/client.ts'
import { areasRoutes } from './areas/routes.ts'
import { authRoutes } from './auth/routes.ts'
import { basemapRoutes } from './basemap/routes.ts'
import { incidentsRoutes } from './incidents/routes.ts'
import { onError } from './lib/errors.ts'
import type { Env } from './lib/router.ts'
import { stationsRoutes } from './stations/routes.ts'
import { systemRoutes } from './system/routes.ts'
import { docsPage } from './system/docs.ts'

export interface AppOptions {
  basemapUrl?: string | null
  log?: (msg: string) => void
}

/** The API: every feature router mounted under /api, plus the OpenAPI document and its reference page. */
export function createApi(db: Database, opts: AppOptions = {}) {
  const log = opts.log ?? ((m: string) => console.error(m))
  const api = new OpenAPIHono<Env>()
  api.use('*', async (c, next) => {
    c.set('db', db)
    await next()
  })
  // Server-Timing: total handler time per response, read by the benchmarks and browser dev tools.
  api.use('*', timing({ totalDescription: 'server' }))
  api.use('*', bodyLimit({ maxSize: 10 * 1024 * 1024 }))
  api.use('*', compress())
  const routes = api
    .route('/', systemRoutes(opts.basemapUrl ?? null))
    .route('/areas', areasRoutes)
    .route('/incidents', incidentsRoutes)
    .route('/stations', stationsRoutes)
    .route('/basemap', basemapRoutes)
    .route('/auth', authRoutes)
  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    servers: [{ url: '/api' }],
    info: { title: 'GridPulse API', version: '0.1.0', description: 'Urban grid governance on PostGIS. Errors are `{ error, message }`.' },
  })
  api.route('/docs', docsPage())
  // A catch-all route, not notFound(): a parent app mounting this one never sees a sub-app's notFound.
  api.all('*', (c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404))
  api.onError((err, c) => onError(err, c, log))
  return routes
}

export type AppType = ReturnType<typeof createApi>
