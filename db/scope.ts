import pg from 'pg'
import { withTransaction } from './transaction.ts'

export type ScopeRole = 'admin' | 'commander' | 'grid_leader' | 'grid_member' | 'planner'

/** Who is asking: the people.id, role and areas (any level; their insides are in scope too). */
export interface Scope {
  /** people.id behind the account (own track points, own person row); null for accounts with no person. */
  userId: number | null
  role: ScopeRole
  areaIds: number[]
  /** users.id, username and client address, recorded in the audit log (db/migrations/0005_audit.sql). */
  accountId?: number
  username?: string
  clientAddr?: string | null
}

/** The database role the policies of db/migrations/0002_scope.sql apply to. */
export const APP_ROLE = 'gridpulse_app'

const ROLES: ReadonlySet<string> = new Set<ScopeRole>(['admin', 'commander', 'grid_leader', 'grid_member', 'planner'])

const isId = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0 && (n as number) <= 2147483647

/**
 * The statement that starts a scoped transaction, one simple-protocol round trip: BEGIN; then, as
 * the owner, app_set_scope() stores the transaction-local settings and expands the scope once
 * (db/migrations/0006_scope_once.sql); then SET LOCAL ROLE gridpulse_app. Values are validated
 * here and quoted with the driver's escapeLiteral.
 */
export function scopeStatement(scope: Scope): string {
  if (scope.userId !== null && !isId(scope.userId)) throw new TypeError(`scope.userId must be a positive integer or null, got ${scope.userId}`)
  if (!ROLES.has(scope.role)) throw new TypeError(`scope.role must be one of ${[...ROLES].join(', ')}, got ${String(scope.role)}`)
  if (!Array.isArray(scope.areaIds) || !scope.areaIds.every(isId)) throw new TypeError('scope.areaIds must be positive integers')
  if (scope.accountId !== undefined && !isId(scope.accountId)) throw new TypeError('scope.accountId must be a positive integer')
  const lit = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? 'null' : pg.escapeLiteral(v))
  const args = [
    lit(scope.role),
    scope.userId === null ? 'null' : String(scope.userId),
    `'{${scope.areaIds.join(',')}}'::integer[]`,
    scope.accountId === undefined ? 'null' : String(scope.accountId),
    lit(scope.username),
    lit(scope.clientAddr),
  ]
  return `begin; select app_set_scope(${args.join(', ')}); set local role ${APP_ROLE}`
}

/** Run `fn` in one transaction as role gridpulse_app with the scope set locally, so RLS filters every row it reads or writes. */
export async function withScope<T>(pool: pg.Pool, scope: Scope, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const begin = scopeStatement(scope)
  return withTransaction(pool, fn, begin)
}
