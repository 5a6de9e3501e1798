import pg from 'pg'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import * as schema from './schema/index.ts'

export type DbKind = 'embedded' | 'postgres'

/** One handle on the database, whichever engine is behind it. */
export interface Database {
  kind: DbKind
  pool: pg.Pool
  orm: NodePgDatabase<typeof schema>
  /** Connection string of the server the pool talks to (embedded: the local socket). */
  url: string
  close(): Promise<void>
}

export interface OpenOptions {
  /** A real PostgreSQL + PostGIS; when absent the embedded PGlite is started. */
  databaseUrl?: string
  /** Where the embedded database keeps its files. */
  dataDir?: string
  poolSize?: number
}

// Return timestamps as ISO strings and bigint ids as numbers (ids stay far below 2^53).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v))
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => new Date(v).toISOString())
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v)

/** Open the database: a pg Pool on DATABASE_URL, or embedded PGlite + PostGIS behind a local wire-protocol server. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const max = opts.poolSize ?? 8
  if (opts.databaseUrl) {
    const pool = makePool(opts.databaseUrl, max)
    return { kind: 'postgres', pool, orm: drizzle(pool, { schema }), url: opts.databaseUrl, close: () => pool.end() }
  }
  const embedded = await startEmbedded(resolve(opts.dataDir ?? '.data'))
  const pool = makePool(embedded.url, max)
  return {
    kind: 'embedded',
    pool,
    orm: drizzle(pool, { schema }),
    url: embedded.url,
    async close() {
      await pool.end()
      await embedded.stop()
    },
  }
}

function makePool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 })
  // An idle client losing its server (a restart) must not crash the process; the pool reconnects.
  pool.on('error', () => {})
  return pool
}

async function startEmbedded(dataDir: string) {
  // Loaded lazily: a deployment on real PostgreSQL never pays for the WASM engine.
  const [{ PGlite }, { corePostgis }, { serveEmbedded }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('./postgis-bundle.ts'),
    import('./embedded-server.ts'),
  ])
  mkdirSync(dataDir, { recursive: true })
  const postgis = await corePostgis()
  const db = await PGlite.create({ dataDir, extensions: { postgis } })
  // Our wire server keeps each connection's protocol exchange together (see embedded-server.ts).
  const server = await serveEmbedded(db, '127.0.0.1', 0)
  const url = `postgres://postgres@${server.address}/postgres?sslmode=disable`
  return {
    url,
    async stop() {
      await server.stop()
      await db.close()
    },
  }
}
