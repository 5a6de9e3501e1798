import { serve } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join, relative } from 'node:path'
import { openDatabase, type Database } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { isEmpty, seedDemo } from '../db/seed.ts'
import type { Scale } from '../geo-data/generate/types.ts'
import type { AppOptions } from './app.ts'
import { loadConfig } from './config.ts'
import { originOf, securityHeaders } from './lib/http.ts'
import { createLogger, type LogLevel } from './lib/log.ts'

export interface ServerOptions {
  port?: number
  host?: string
  /** Embedded database directory (ignored when databaseUrl is set). */
  dataDir?: string
  databaseUrl?: string
  /** Scale of the demo district seeded into an empty database; null skips seeding. */
  seedScale?: Scale | null
  seed?: number
  basemapUrl?: string | null
  quiet?: boolean
  logLevel?: LogLevel
  /** Password of the demo accounts made when the demo district is seeded (DEMO_PASSWORD). */
  demoPassword?: string
  /** Passed to the API (TRUST_PROXY, CORS_ORIGINS, CSP_ORIGINS). */
  api?: Pick<AppOptions, 'trustProxy' | 'corsOrigins' | 'cspOrigins' | 'loginLimits'>
}

export interface RunningServer {
  url: string
  db: Database
  close(): Promise<void>
}

const WEB_DIST = join(import.meta.dirname, '..', 'dist', 'web')

/** Open the database, migrate, seed an empty one, and serve the API and the built web app on one port. */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const log = opts.quiet ? () => {} : (m: string) => console.log(m)
  const t0 = performance.now()
  // The API's modules load while the database starts (the embedded one takes seconds).
  const [db, { createApi }] = await Promise.all([
    openDatabase({ databaseUrl: opts.databaseUrl, dataDir: opts.dataDir }),
    import('./app.ts'),
  ])
  log(`database: ${db.kind}${db.kind === 'embedded' ? ` (${opts.dataDir ?? '.data'})` : ''} ready in ${Math.round(performance.now() - t0)} ms`)
  try {
    const applied = await migrate(db.pool)
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`)
    if (opts.seedScale !== null && (await isEmpty(db.pool))) {
      const scale = opts.seedScale ?? 'district'
      log(`empty database: seeding the ${scale} demo district…`)
      await seedDemo(db.pool, db.kind, { scale, seed: opts.seed, log, demoAccounts: { password: opts.demoPassword } })
    }
  } catch (err) {
    await db.close()
    throw err
  }

  const logger = createLogger(opts.quiet ? 'silent' : (opts.logLevel ?? 'info'))
  const app = new Hono()
  app.route('/api', createApi(db, { ...opts.api, basemapUrl: opts.basemapUrl, logger }))
  // The web app's pages carry the same headers and CSP as the API.
  app.use('/*', securityHeaders([originOf(opts.basemapUrl), ...(opts.api?.cspOrigins ?? [])].filter((o): o is string => !!o)))
  if (existsSync(WEB_DIST)) {
    const root = relative(process.cwd(), WEB_DIST) || '.'
    app.use('/*', serveStatic({ root }))
    app.get('*', serveStatic({ root, path: 'index.html' }))
  } else {
    app.get('/', (c) => c.text('The web app is not built: run `npm run build` (npm start does it for you).', 503))
  }

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port ?? 8787, hostname: opts.host ?? '127.0.0.1' }, () => resolve(s))
    s.once('error', reject)
  })
  const addr = server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  const url = `http://${host}:${addr.port}/`
  log(`GridPulse is up at ${url} (started in ${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  return {
    url,
    db,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await db.close()
    },
  }
}

// `tsx api/server.ts`: configure from the environment and run until stopped.
if (import.meta.url === `file://${process.argv[1]}`) {
  let cfg: ReturnType<typeof loadConfig>
  try {
    cfg = loadConfig()
  } catch (err) {
    console.error((err as Error).message)
    process.exit(1)
  }
  const running = await startServer({
    port: cfg.PORT,
    host: cfg.HOST,
    dataDir: cfg.DATA_DIR,
    databaseUrl: cfg.DATABASE_URL,
    seedScale: cfg.SEED_SCALE,
    seed: cfg.SEED,
    basemapUrl: cfg.BASEMAP_URL ?? null,
    quiet: cfg.LOG_LEVEL === 'silent',
    logLevel: cfg.LOG_LEVEL,
    demoPassword: cfg.DEMO_PASSWORD,
    api: { trustProxy: cfg.TRUST_PROXY, corsOrigins: cfg.CORS_ORIGINS, cspOrigins: cfg.CSP_ORIGINS },
  }).catch((err) => {
    console.error(`GridPulse failed to start: ${err.message}`)
    process.exit(1)
  })
  const stop = async () => {
    await running.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
