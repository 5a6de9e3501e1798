import { hash, verify } from '@node-rs/argon2'
import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import { withTransaction } from '../../db/transaction.ts'
import type { ScopeRole } from '../../db/scope.ts'

export const ROLES = ['admin', 'commander', 'grid_leader', 'grid_member', 'planner'] as const satisfies readonly ScopeRole[]
export type Role = (typeof ROLES)[number]

/** Absolute session lifetime: 12 hours from login, never extended. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60
export const USERNAME_RE = /^[a-z0-9_.-]{3,40}$/
export const MIN_PASSWORD_LENGTH = 10
/** Bytes of a session token (sent to the client base64url-encoded, 43 characters). */
const TOKEN_BYTES = 32
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/

/** The signed-in user as the API sees it. personId is the people.id behind the account, if any (db/scope.ts Scope.userId). */
export interface SessionUser {
  id: number
  username: string
  role: Role
  areaIds: number[]
  personId: number | null
}

/** Bad input to createUser (username, password, role or areas). */
export class UserInputError extends Error {}

// argon2id with OWASP's minimum: 19 MiB, 2 passes, 1 lane (also the library's defaults).
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2)
}

/** False (never a throw) on a malformed hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}

// Verified against when the username is unknown, so that answer costs as much as a wrong password.
let dummyHash: Promise<string> | undefined
const getDummyHash = () => (dummyHash ??= hashPassword(randomBytes(16).toString('hex')))

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex')

export function validatePassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new UserInputError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  }
  if (password.length > 1024) throw new UserInputError('password must be at most 1024 characters')
}

export interface NewUser {
  username: string
  password: string
  role: Role
  areaIds: number[]
  personId?: number | null
}

/** Create an account; throws UserInputError on bad input, an unknown area or person, or a taken username. */
export async function createUser(pool: pg.Pool | pg.PoolClient, u: NewUser): Promise<SessionUser> {
  if (typeof u.username !== 'string' || !USERNAME_RE.test(u.username)) {
    throw new UserInputError('username must be 3–40 characters of a-z, 0-9, "_", "." or "-"')
  }
  validatePassword(u.password)
  if (!(ROLES as readonly string[]).includes(u.role)) throw new UserInputError(`role must be one of ${ROLES.join(', ')}`)
  if (!Array.isArray(u.areaIds) || !u.areaIds.every((id) => Number.isSafeInteger(id) && id > 0 && id <= 2147483647)) {
    throw new UserInputError('areas must be positive integer area ids')
  }
  const personId = u.personId ?? null
  if (personId !== null && !(Number.isSafeInteger(personId) && personId > 0 && personId <= 2147483647)) {
    throw new UserInputError('person id must be a positive integer')
  }
  const areaIds = [...new Set(u.areaIds)].sort((a, b) => a - b)
  const passwordHash = await hashPassword(u.password)
  try {
    const { rows } = await pool.query<{ id: number }>(
      `with u as (
         insert into users (username, password_hash, role, person_id) values ($1, $2, $3, $4) returning id
       ), a as (
         insert into user_areas (user_id, area_id) select u.id, x from u, unnest($5::int[]) x
       )
       select u.id from u`,
      [u.username, passwordHash, u.role, personId, areaIds],
    )
    return { id: rows[0].id, username: u.username, role: u.role, areaIds, personId }
  } catch (err) {
    const e = err as { code?: string; constraint?: string }
    if (e.code === '23505') throw new UserInputError(`username "${u.username}" is taken`)
    if (e.code === '23503') {
      throw new UserInputError(e.constraint?.includes('person') ? `person ${personId} does not exist` : `an area of ${areaIds.join(',')} does not exist`)
    }
    throw err
  }
}

/** Check the credentials and open a session: the raw token (for the cookie) and the user, or null. */
export async function login(pool: pg.Pool, username: string, password: string, ip: string | null): Promise<{ token: string; user: SessionUser } | null> {
  const { rows } = await pool.query<{ id: number; password_hash: string; disabled: boolean }>(
    'select id, password_hash, disabled from users where username = $1',
    [String(username).toLowerCase()],
  )
  const row = rows[0]
  // Same work whether or not the user exists or is disabled.
  const ok = await verifyPassword(row?.password_hash ?? (await getDummyHash()), password)
  if (!row || !ok || row.disabled) return null
  const token = randomBytes(TOKEN_BYTES).toString('base64url')
  await withTransaction(pool, async (client) => {
    // Expired sessions of this user go as a new one opens.
    await client.query('delete from sessions where user_id = $1 and expires_at <= now()', [row.id])
    await client.query(
      `insert into sessions (id, user_id, expires_at, ip) values ($1, $2, now() + make_interval(secs => $3), $4)`,
      [sha256(token), row.id, SESSION_TTL_SECONDS, ip],
    )
    await client.query('update users set last_login_at = now() where id = $1', [row.id])
  })
  const user = await userById(pool, row.id)
  return user ? { token, user } : null
}

async function userById(pool: pg.Pool, id: number): Promise<SessionUser | null> {
  const { rows } = await pool.query<SessionUser>(USER_SELECT + ' where u.id = $1 and not u.disabled', [id])
  return rows[0] ?? null
}

const USER_SELECT = `
  select u.id, u.username, u.role, u.person_id as "personId",
         coalesce((select array_agg(area_id order by area_id) from user_areas where user_id = u.id), '{}') as "areaIds"
  from users u`

/** The user of a live session, or null for an unknown, expired or malformed token or a disabled user. */
export async function sessionUser(pool: pg.Pool, token: string | undefined | null): Promise<SessionUser | null> {
  if (typeof token !== 'string' || !TOKEN_RE.test(token)) return null
  const { rows } = await pool.query<SessionUser>(
    USER_SELECT + ' join sessions s on s.user_id = u.id where s.id = $1 and s.expires_at > now() and not u.disabled',
    [sha256(token)],
  )
  return rows[0] ?? null
}

/** End the session of this token (nothing happens for an unknown one). */
export async function logout(pool: pg.Pool, token: string | undefined | null): Promise<void> {
  if (typeof token !== 'string' || !TOKEN_RE.test(token)) return
  await pool.query('delete from sessions where id = $1', [sha256(token)])
}

/** The documented default password of the demo accounts (DEMO_PASSWORD overrides it). */
export const DEMO_PASSWORD = 'gridpulse-demo'

/** The demo accounts: one per role over the seeded district. Skips names that exist. */
export async function createDemoAccounts(pool: pg.Pool, password = DEMO_PASSWORD): Promise<string[]> {
  const { rows } = await pool.query<{ district: number; street: number; grid: number; leader: number | null }>(`
    with d as (select id from areas where level = 'district' order by id limit 1),
         s as (select id from areas where level = 'street' and parent_id = (select id from d) order by id limit 1),
         g as (select id from areas where level = 'grid' and street_id = (select id from s) order by id limit 1)
    select (select id from d) as district, (select id from s) as street, (select id from g) as grid,
           (select p.id from people p join person_areas pa on pa.person_id = p.id
             where pa.area_id = (select id from g) and p.role = 'grid_leader' order by p.id limit 1) as leader`)
  const r = rows[0]
  if (!r?.district || !r.street || !r.grid) throw new Error('demo accounts need a seeded district (no district/street/grid found)')
  const accounts: NewUser[] = [
    { username: 'admin', password, role: 'admin', areaIds: [r.district] },
    { username: 'commander', password, role: 'commander', areaIds: [r.street] },
    { username: 'leader', password, role: 'grid_leader', areaIds: [r.grid], personId: r.leader },
    { username: 'member', password, role: 'grid_member', areaIds: [r.grid] },
    { username: 'planner', password, role: 'planner', areaIds: [r.district] },
  ]
  const existing = new Set((await pool.query<{ username: string }>('select username from users')).rows.map((x) => x.username))
  const made: string[] = []
  for (const a of accounts) {
    if (existing.has(a.username)) continue
    await createUser(pool, a)
    made.push(a.username)
  }
  return made
}
