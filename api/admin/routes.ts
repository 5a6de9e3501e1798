import { createRoute, z } from '@hono/zod-openapi'
import { withTransaction } from '../../db/transaction.ts'
import { requireRole } from '../auth/routes.ts'
import { createUser, hashPassword, ROLES, UserInputError, validatePassword } from '../auth/service.ts'
import { AUDIT_ACTIONS, auditEntries, recordAudit, type Actor } from '../audit/service.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, IdParam, newRouter, notFound } from '../lib/router.ts'
import type { Context } from 'hono'
import type { Env } from '../lib/router.ts'

const AreaIds = z.array(z.number().int().positive().max(2_147_483_647)).max(1000)

export const AdminUser = z
  .object({
    id: z.number(),
    username: z.string(),
    role: z.enum(ROLES),
    areas: z.array(z.number()),
    person_id: z.number().nullable(),
    disabled: z.boolean(),
    created_at: z.string(),
    last_login_at: z.string().nullable(),
  })
  .openapi('AdminUser')

const NewUserBody = z
  .object({
    username: z.string().min(3).max(40),
    password: z.string().min(10).max(1024),
    role: z.enum(ROLES),
    areas: AreaIds,
    person_id: z.number().int().positive().max(2_147_483_647).nullable().optional(),
  })
  .openapi('NewUser')

const UserChanges = z
  .object({
    role: z.enum(ROLES).optional(),
    areas: AreaIds.optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(10).max(1024).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change')
  .openapi('UserChanges')

export const AuditEntry = z
  .object({
    id: z.number(),
    at: z.string(),
    user_id: z.number().nullable(),
    username: z.string().nullable(),
    role: z.string().nullable(),
    client: z.string().nullable(),
    action: z.enum(AUDIT_ACTIONS),
    target: z.string(),
    ids: z.array(z.number()).openapi({ description: 'the first 50 ids touched' }),
    row_count: z.number(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEntry')

const USERS_SELECT = `
  select u.id, u.username, u.role, u.person_id, u.disabled,
         to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at,
         to_char(u.last_login_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_login_at,
         coalesce((select array_agg(area_id order by area_id) from user_areas where user_id = u.id), '{}') as areas
  from users u`

const listUsers = createRoute({
  method: 'get',
  path: '/users',
  tags: ['admin'],
  summary: 'Accounts with their roles and areas (admins only)',
  responses: { 200: { description: 'Users', content: { 'application/json': { schema: z.array(AdminUser) } } }, ...forbidden, ...errorResponses },
})

const createUserRoute = createRoute({
  method: 'post',
  path: '/users',
  tags: ['admin'],
  summary: 'Create an account (admins only)',
  request: { body: { required: true, content: { 'application/json': { schema: NewUserBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: AdminUser } } }, ...forbidden, ...errorResponses },
})

const updateUserRoute = createRoute({
  method: 'patch',
  path: '/users/{id}',
  tags: ['admin'],
  summary: 'Change role, areas, password or disable an account; disabling or a new password ends its sessions',
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UserChanges } } } },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: AdminUser } } },
    409: errorResponse('Would leave no active admin'),
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const InstantParam = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}/.test(s), 'must be an ISO-8601 date or date-time')

const listAudit = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['admin'],
  summary: 'The audit log, newest first (admins only)',
  request: {
    query: z.object({
      user: z.string().max(40).optional(),
      action: z.enum(AUDIT_ACTIONS).optional(),
      target: z.string().regex(/^[a-z_.]{1,40}$/).optional(),
      id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
      from: InstantParam.optional(),
      to: InstantParam.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    }),
  },
  responses: {
    200: { description: 'Entries and the cursor of the next page', content: { 'application/json': { schema: z.object({ entries: z.array(AuditEntry), next_before: z.number().nullable() }) } } },
    ...forbidden,
    ...errorResponses,
  },
})

const actor = (c: Context<Env>): Actor => {
  const u = c.get('user')
  return { userId: u.id, username: u.username, role: u.role, client: c.get('clientAddr') }
}

const asInput = (err: unknown) => (err instanceof UserInputError ? new ApiFailure(400, 'invalid_request', err.message) : err)

/**
 * Account administration. The users tables are owner-only (no scoped role may read a password
 * hash), so these routes use the owner pool behind requireRole('admin') and record every change
 * in the audit log in the same transaction. The audit log itself is read through RLS.
 */
const router = newRouter()
router.use('*', requireRole('admin'))

export const adminRoutes = router
  .openapi(listUsers, async (c) => {
    const { rows } = await c.get('db').pool.query<z.infer<typeof AdminUser>>(USERS_SELECT + ' order by u.username')
    return c.json(rows, 200)
  })
  .openapi(createUserRoute, async (c) => {
    const b = c.req.valid('json')
    const user = await withTransaction(c.get('db').pool, async (client) => {
      const made = await createUser(client, { username: b.username, password: b.password, role: b.role, areaIds: b.areas, personId: b.person_id ?? null }).catch((e) => {
        throw asInput(e)
      })
      await recordAudit(client, actor(c), 'admin', 'users', [made.id], { change: 'create', role: made.role, areas: made.areaIds })
      return (await client.query<z.infer<typeof AdminUser>>(USERS_SELECT + ' where u.id = $1', [made.id])).rows[0]
    })
    return c.json(user, 201)
  })
  .openapi(updateUserRoute, async (c) => {
    const { id } = c.req.valid('param')
    const b = c.req.valid('json')
    if (b.password !== undefined) {
      try {
        validatePassword(b.password)
      } catch (e) {
        throw asInput(e)
      }
    }
    const passwordHash = b.password !== undefined ? await hashPassword(b.password) : null
    const user = await withTransaction(c.get('db').pool, async (client) => {
      const found = await client.query('select id from users where id = $1 for update', [id])
      if (found.rowCount === 0) throw new ApiFailure(404, 'not_found', `user ${id} does not exist`)
      if (b.role !== undefined || b.disabled !== undefined || passwordHash) {
        await client.query(
          `update users set role = coalesce($2, role), disabled = coalesce($3, disabled), password_hash = coalesce($4, password_hash) where id = $1`,
          [id, b.role ?? null, b.disabled ?? null, passwordHash],
        )
      }
      if (b.areas !== undefined) {
        const unknown = await client.query<{ id: number }>('select x as id from unnest($1::int[]) x where not exists (select 1 from areas where areas.id = x)', [b.areas])
        if (unknown.rowCount) throw new ApiFailure(400, 'invalid_request', `areas: unknown area ids ${unknown.rows.map((r) => r.id).join(', ')}`)
        await client.query('delete from user_areas where user_id = $1', [id])
        await client.query('insert into user_areas (user_id, area_id) select $1, x from unnest($2::int[]) x on conflict do nothing', [id, b.areas])
      }
      // Changed rights or credentials take effect now: the account's sessions end.
      if (b.disabled || passwordHash || b.role !== undefined || b.areas !== undefined) await client.query('delete from sessions where user_id = $1', [id])
      const admins = await client.query<{ n: number }>(`select count(*)::int as n from users where role = 'admin' and not disabled`)
      if (admins.rows[0].n === 0) throw new ApiFailure(409, 'last_admin', 'this change would leave no active admin')
      const changed = Object.keys(b).filter((k) => k !== 'password')
      await recordAudit(client, actor(c), 'admin', 'users', [id], { change: 'update', fields: b.password ? [...changed, 'password'] : changed, role: b.role, areas: b.areas, disabled: b.disabled })
      return (await client.query<z.infer<typeof AdminUser>>(USERS_SELECT + ' where u.id = $1', [id])).rows[0]
    })
    return c.json(user, 200)
  })
  .openapi(listAudit, async (c) => {
    const q = c.req.valid('query')
    const { rows } = await c.get('tx').execute<{ entries: string }>(auditEntries({ ...q, action: q.action ? [q.action] : undefined }))
    const entries = JSON.parse(rows[0].entries) as z.infer<typeof AuditEntry>[]
    const next = entries.length === q.limit ? entries[entries.length - 1].id : null
    return c.json({ entries, next_before: next }, 200)
  })
