import type pg from 'pg'

/**
 * Run `fn` on one pooled connection inside BEGIN … COMMIT (ROLLBACK when it throws); `begin` may
 * carry transaction-local settings (db/scope.ts). A connection whose ROLLBACK fails (lost mid-transaction) is destroyed instead of going back to the pool.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'begin'): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query(begin)
    const result = await fn(client)
    await client.query('commit')
    return result
  } catch (err) {
    await client.query('rollback').catch((e: Error) => {
      broken = e
    })
    throw err
  } finally {
    client.release(broken)
  }
}
