import type pg from 'pg'
import { withScope } from '../../db/scope.ts'

export interface AccountScope {
  userId: null
  role: 'admin'
  areaIds: number[]
  accountId: number
  username: string
}

/** The demo admin's scope, with its account so the audit log and the boundary history name who made an edit. */
export async function adminScope(pool: pg.Pool): Promise<AccountScope> {
  const { rows } = await pool.query(`select u.id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'admin' group by u.id`)
  return { userId: null, role: 'admin', areaIds: rows[0].areas, accountId: rows[0].id, username: 'admin' }
}

/**
 * Run `fn` in the scope's app-role transaction, then roll it back whatever happens: other test
 * files check that the demo district tiles perfectly, so edits to it must never be committed.
 */
export async function rolledBack<T>(pool: pg.Pool, scope: AccountScope, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  let out: T
  await withScope(pool, scope, async (c) => {
    out = await fn(c)
    throw new Error('rollback')
  }).catch((e) => {
    if ((e as Error).message !== 'rollback') throw e
  })
  return out!
}
