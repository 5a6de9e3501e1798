import { OpenAPIHono } from '@hono/zod-openapi'
import { compress } from 'hono/compress'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { timing } from 'hono/timing'
import type { Database } from '../db/client.ts'
import { adminRoutes } from './admin/routes.ts'
import { commanderRoutes } from './analytics/commander.ts'
import { densityRoutes } from './analytics/density.ts'
import { hotspotRoutes } from './analytics/hotspots.ts'
import { analyticsRoutes } from './analytics/routes.ts'
import { areaCoverageRoutes } from './areas/coverage.ts'
import { areaEditRoutes } from './areas/edit.ts'
import { areaExportRoutes } from './areas/export.ts'
import { areaHistoryRoutes } from './areas/history.ts'
import { areaImportRoutes } from './areas/import.ts'
import { microgridRoutes } from './areas/microgrids.ts'
import { areasRoutes } from './areas/routes.ts'
import { workersRoutes } from './areas/workers.ts'
import { LoginLimiter, type LoginLimits } from './auth/limiter.ts'
import { authenticate, authRoutes, loginRoutes, meRoutes } from './auth/routes.ts'
import { basemapRoutes } from './basemap/routes.ts'
import { incidentCasesRoutes } from './incidents/cases.ts'
import { incidentExportRoutes } from './incidents/export.ts'
import { incidentsRoutes } from './incidents/routes.ts'
import { incidentTypeAdminRoutes } from './incidents/types.ts'
import { onError } from './lib/errors.ts'
import { clientAddress, originOf, sameOriginWrites, securityHeaders } from './lib/http.ts'
import { createLogger, type Logger } from './lib/log.ts'
import type { Env } from './lib/router.ts'
import { scopedRequests } from './lib/scope.ts'
import { patrolsRoutes } from './patrols/routes.ts'
import { sitingRoutes } from './siting/routes.ts'
import { sitingScenarioRoutes } from './siting/scenarios.ts'
import { stationCoverageRoutes } from './stations/coverage.ts'
import { stationRegistryRoutes } from './stations/registry.ts'
import { stationsRoutes } from './stations/routes.ts'
import { tracksRoutes } from './tracks/routes.ts'
import { configRoutes, healthRoutes } from './system/routes.ts'
import { docsPage } from './system/docs.ts'

export interface AppOptions {
  basemapUrl?: string | null
  logger?: Logger
  /** Proxy addresses whose X-Forwarded-For/-Proto/-Host are believed (TRUST_PROXY). */
  trustProxy?: string[]
  /** Origins allowed to call the API from a browser (CORS_ORIGINS); none by default. */
  corsOrigins?: string[]
  /** Extra origins the CSP allows for data (basemap tiles, styles); the basemap URL's is added. */
  cspOrigins?: string[]
  loginLimits?: LoginLimits
  /** Largest request body, in bytes (Content-Length or counted while streaming). */
  maxBodyBytes?: number
}

/** Largest request body by default: 10 MiB (imports). Sign-in bodies: 16 KiB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024

/**
 * The API: every feature router mounted under /api, plus the OpenAPI document and its reference page.
 * Everything but /health and /auth/login needs a session, and every signed-in request queries
 * through one transaction scoped to its user (row-level security, api/lib/scope.ts).
 */
export function createApi(db: Database, opts: AppOptions = {}) {
  const logger = opts.logger ?? createLogger('info')
  const trusted = new Set(opts.trustProxy ?? [])
  const limiter = new LoginLimiter(opts.loginLimits)
  const api = new OpenAPIHono<Env>()
  api.use('*', async (c, next) => {
    c.set('db', db)
    c.set('log', logger)
    c.set('limiter', limiter)
    c.set('clientAddr', clientAddress(c, trusted))
    const t0 = performance.now()
    await next()
    logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - t0), client: c.get('clientAddr') }, 'request')
  })
  // Server-Timing: total handler time per response, read by the benchmarks and browser dev tools.
  api.use('*', timing({ totalDescription: 'server' }))
  api.use('*', securityHeaders([originOf(opts.basemapUrl), ...(opts.cspOrigins ?? [])].filter((o): o is string => !!o)))
  // CORS stays closed (no Access-Control-Allow-* headers) unless origins are configured.
  if (opts.corsOrigins?.length) api.use('*', cors({ origin: opts.corsOrigins, credentials: true }))
  api.use('*', sameOriginWrites(trusted))
  api.use('/auth/login', bodyLimit({ maxSize: 16 * 1024 }))
  api.use('*', bodyLimit({ maxSize: opts.maxBodyBytes ?? MAX_BODY_BYTES }))
  api.use('*', compress())
  const routes = api
    // Public: liveness and signing in. Registered before authenticate(), so they answer first.
    .route('/', healthRoutes)
    .route('/auth', loginRoutes)
    .use('*', authenticate())
    .use('*', scopedRequests())
    .route('/', configRoutes(opts.basemapUrl ?? null))
    .route('/auth', authRoutes)
    .route('/me', meRoutes)
    .route('/areas', areaCoverageRoutes)
    // Before the one-area routes: /areas/export must not be read as an area id.
    .route('/areas', areaImportRoutes)
    .route('/areas', areaEditRoutes)
    .route('/areas', areaExportRoutes)
    .route('/areas', areaHistoryRoutes)
    .route('/areas', microgridRoutes)
    .route('/', workersRoutes)
    .route('/areas', areasRoutes)
    .route('/incidents', incidentsRoutes)
    // Before the one-incident routes: /incidents/export must not be read as an incident id.
    .route('/incidents', incidentExportRoutes)
    .route('/incidents', incidentCasesRoutes)
    .route('/stations', stationCoverageRoutes)
    .route('/stations', stationsRoutes)
    .route('/stations', stationRegistryRoutes)
    .route('/siting', sitingRoutes)
    .route('/siting', sitingScenarioRoutes)
    .route('/tracks', tracksRoutes)
    .route('/patrols', patrolsRoutes)
    .route('/basemap', basemapRoutes)
    .route('/analytics', analyticsRoutes)
    .route('/analytics', commanderRoutes)
    .route('/analytics', hotspotRoutes)
    .route('/analytics', densityRoutes)
    .route('/admin', adminRoutes)
    .route('/admin', incidentTypeAdminRoutes)
  api.doc31('/openapi.json', {
    openapi: '3.1.0',
    servers: [{ url: '/api' }],
    info: {
      title: 'GridPulse API',
      version: '0.2.0',
      description: 'Urban grid governance on PostGIS. Sign in with POST /auth/login (session cookie). Errors are `{ error, message }`.',
    },
  })
  api.route('/docs', docsPage())
  // A catch-all route, not notFound(): a parent app mounting this one never sees a sub-app's notFound.
  api.all('*', (c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404))
  api.onError((err, c) => onError(err, c, logger))
  return routes
}

export type AppType = ReturnType<typeof createApi>
