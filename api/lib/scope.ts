import type { MiddlewareHandler } from 'hono'
import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type pg from 'pg'
import { scopeStatement, type Scope } from '../../db/scope.ts'
import type { Env } from './router.ts'

const dialect = new PgDialect()

/**
 * The queries of one request: run in a single transaction as the row-level-security role with the
 * signed-in user's scope (db/scope.ts), opened at the first query and ended by scopedRequests().
 * Feature routes reach the database only through this, so every row they read or write is
 * filtered by the policies of db/migrations/0002_scope.sql.
 */
export class RequestTx {
  private client: Promise<pg.PoolClient> | undefined

  constructor(
    private readonly pool: pg.Pool,
    readonly scope: Scope,
  ) {}

  private connection(): Promise<pg.PoolClient> {
    this.client ??= (async () => {
      const client = await this.pool.connect()
      try {
        await client.query(scopeStatement(this.scope))
      } catch (err) {
        client.release(err as Error)
        throw err
      }
      return client
    })()
    return this.client
  }

  /** Run a drizzle `sql` fragment. */
  async execute<T extends Record<string, unknown>>(query: SQL): Promise<pg.QueryResult<T>> {
    const { sql, params } = dialect.sqlToQuery(query)
    return (await this.connection()).query<T>(sql, params)
  }

  /** Record a read of personal data (incident details, tracks) in the audit log, in this transaction. */
  async auditRead(target: string, ids: number[], detail?: Record<string, unknown>): Promise<void> {
    await (await this.connection()).query('select audit_record($1, $2, $3::bigint[], $4, $5::jsonb)', [
      'read',
      target,
      ids.slice(0, 10_000),
      ids.length,
      detail ? JSON.stringify(detail) : null,
    ])
  }

  /** COMMIT (or ROLLBACK) and hand the connection back; a no-op when no query ran. */
  async finish(commit: boolean): Promise<void> {
    if (!this.client) return
    let client: pg.PoolClient
    try {
      client = await this.client
    } catch {
      return // never connected: nothing to end
    }
    try {
      await client.query(commit ? 'commit' : 'rollback')
      client.release()
    } catch (err) {
      client.release(err as Error) // a broken connection does not go back to the pool
      if (commit) throw err
    }
  }
}

/**
 * Middleware for signed-in routes: gives the handler `c.get('tx')`, and after it ran commits when
 * the answer is a success, rolls back otherwise (a 4xx must leave nothing half-written).
 */
export function scopedRequests(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const user = c.get('user')
    const tx = new RequestTx(c.get('db').pool, {
      userId: user.personId,
      role: user.role,
      areaIds: user.areaIds,
      accountId: user.id,
      username: user.username,
      clientAddr: c.get('clientAddr'),
    })
    c.set('tx', tx)
    let ok = false
    try {
      await next()
      ok = !c.error && c.res.status < 400
    } finally {
      await tx.finish(ok)
    }
  }
}
