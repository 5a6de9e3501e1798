import { sql, type SQL } from 'drizzle-orm'
import type pg from 'pg'

export const AUDIT_ACTIONS = ['read', 'insert', 'update', 'delete', 'login', 'login_failed', 'logout', 'admin'] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** Who did something outside a scoped request (login, logout, account administration). */
export interface Actor {
  userId: number | null
  username: string | null
  role: string | null
  client: string | null
}

/**
 * Record an action that happens outside a scoped request transaction (logins, account changes),
 * on the owner connection or inside the caller's transaction `db`.
 */
export async function recordAudit(
  db: pg.Pool | pg.PoolClient,
  who: Actor,
  action: AuditAction,
  target: string,
  ids: number[] = [],
  detail?: Record<string, unknown>,
): Promise<void> {
  await db.query(
    `insert into audit_log (user_id, username, role, client, action, target, ids, row_count, detail)
     values ($1, $2, $3, $4, $5, $6, $7::bigint[], $8, $9::jsonb)`,
    [who.userId, who.username, who.role, who.client, action, target, ids, ids.length, detail ? JSON.stringify(detail) : null],
  )
}

export interface AuditFilter {
  user?: string
  action?: AuditAction[]
  target?: string
  from?: string
  to?: string
  /** Only entries that touched this id. */
  id?: number
  limit: number
  /** Keyset position: entries older than this id. */
  before?: number
}

/** Audit entries, newest first, as one JSON array text (read through RLS: admins only). */
export function auditEntries(f: AuditFilter): SQL {
  const where: SQL[] = [sql`true`]
  if (f.user) where.push(sql`l.username = ${f.user}`)
  if (f.action?.length) where.push(sql`l.action = any(${sql.param(f.action)}::text[])`)
  if (f.target) where.push(sql`l.target = ${f.target}`)
  if (f.from) where.push(sql`l.at >= ${f.from}::timestamptz`)
  if (f.to) where.push(sql`l.at < ${f.to}::timestamptz`)
  if (f.id !== undefined) where.push(sql`l.ids @> array[${f.id}]::bigint[]`)
  if (f.before !== undefined) where.push(sql`l.id < ${f.before}`)
  return sql`
    select coalesce(json_agg(json_build_object(
      'id', l.id, 'at', to_char(l.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'user_id', l.user_id, 'username', l.username, 'role', l.role, 'client', l.client,
      'action', l.action, 'target', l.target, 'ids', l.ids[1:50], 'row_count', l.row_count, 'detail', l.detail
    ) order by l.id desc), '[]'::json)::text as entries
    from (select * from audit_log l where ${sql.join(where, sql` and `)} order by l.id desc limit ${f.limit}) l`
}
