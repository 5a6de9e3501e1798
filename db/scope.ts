import type pg from 'pg'
import { withTransaction } from './transaction.ts'

export type ScopeRole = 'admin' | 'commander' | 'grid_leader' | 'grid_member' | 'planner'

/** Who is asking: the people.id, role and areas (any level; their insides are in scope too). */
export interface Scope {
  userId: number
  role: ScopeRole
  areaIds: number[]
}

/** The database role the policies of db/migrations/0002_scope.sql apply to. */
export const APP_ROLE = 'gridpulse_app'

const ROLES: ReadonlySet<string> = new Set<ScopeRole>(['admin', 'commander', 'grid_leader', 'grid_member', 'planner'])

/** Run `fn` in one transaction as role gridpulse_app with app.user_id/app.role/app.area_ids set locally, so RLS filters every row it reads or writes. */
export async function withScope<T>(pool: pg.Pool, scope: Scope, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  if (!Number.isSafeInteger(scope.userId) || scope.userId <= 0) throw new TypeError(`scope.userId must be a positive integer, got ${scope.userId}`)
  if (!ROLES.has(scope.role)) throw new TypeError(`scope.role must be one of ${[...ROLES].join(', ')}, got ${String(scope.role)}`)
  if (!Array.isArray(scope.areaIds) || !scope.areaIds.every((id) => Number.isSafeInteger(id) && id > 0 && id <= 2147483647)) {
    throw new TypeError('scope.areaIds must be positive integers')
  }
  return withTransaction(pool, async (client) => {
    await client.query(`set local role ${APP_ROLE}`)
    await client.query(
      `select set_config('app.user_id', $1, true), set_config('app.role', $2, true), set_config('app.area_ids', $3, true)`,
      [String(scope.userId), scope.role, scope.areaIds.join(',')],
    )
    return fn(client)
  })
}
