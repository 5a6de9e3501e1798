import { createRoute, z } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { recordAudit } from '../audit/service.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, newRouter, type Env } from '../lib/router.ts'
import { login, logout, ROLES, SESSION_TTL_SECONDS, sessionUser, type SessionUser } from './service.ts'

/** The session cookie: the raw token; the database keeps only its SHA-256. */
export const SESSION_COOKIE = 'gp_session'

export const UserSchema = z
  .object({
    id: z.number(),
    username: z.string(),
    role: z.enum(ROLES),
    areas: z.array(z.number()).openapi({ description: 'area ids of the scope (any level; everything inside them is in scope)' }),
  })
  .openapi('User')

const Credentials = z
  .object({
    username: z.string().min(1).max(100),
    password: z.string().min(1).max(1024),
  })
  .openapi('Credentials')

const publicUser = (u: SessionUser) => ({ id: u.id, username: u.username, role: u.role, areas: u.areaIds })

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0].trim() === 'https'

/**
 * 401 `unauthenticated` without a live session (unknown, expired, tampered or malformed cookie);
 * otherwise the user is `c.get('user')` for the rest of the request.
 */
export function authenticate(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const user = await sessionUser(c.get('db').pool, getCookie(c, SESSION_COOKIE))
    if (!user) throw new ApiFailure(401, 'unauthenticated', 'sign in first')
    c.set('user', user)
    await next()
  }
}

/** 403 unless the signed-in user has one of `roles`. */
export function requireRole(...roles: SessionUser['role'][]): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!roles.includes(c.get('user').role)) throw new ApiFailure(403, 'forbidden', `only ${roles.join(', ')} may do this`)
    await next()
  }
}

const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  tags: ['auth'],
  summary: 'Sign in: sets the gp_session cookie (HttpOnly, SameSite=Strict, 12 h)',
  description: 'Failed attempts are limited per account and per client address; over the limit the answer is 429 with Retry-After.',
  request: { body: { required: true, content: { 'application/json': { schema: Credentials } } } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: z.object({ user: UserSchema }) } } },
    429: errorResponse('Too many failed attempts'),
    ...errorResponses,
  },
})

/** The public part: signing in needs no session. */
export const loginRoutes = newRouter().openapi(loginRoute, async (c) => {
  const { username, password } = c.req.valid('json')
  const limiter = c.get('limiter')
  const addr = c.get('clientAddr')
  const pool = c.get('db').pool
  const wait = limiter.retryAfter(username, addr)
  if (wait > 0) {
    c.header('Retry-After', String(wait))
    throw new ApiFailure(429, 'rate_limited', `too many failed sign-ins; try again in ${wait} s`)
  }
  const result = await login(pool, username, password, addr)
  if (!result) {
    limiter.fail(username, addr)
    await recordAudit(pool, { userId: null, username: String(username).toLowerCase().slice(0, 100), role: null, client: addr }, 'login_failed', 'sessions')
    throw new ApiFailure(401, 'invalid_credentials', 'wrong username or password')
  }
  limiter.succeed(username)
  const u = result.user
  await recordAudit(pool, { userId: u.id, username: u.username, role: u.role, client: addr }, 'login', 'sessions', [u.id])
  setCookie(c, SESSION_COOKIE, result.token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_TTL_SECONDS,
    secure: isHttps(c),
  })
  c.header('Cache-Control', 'no-store')
  return c.json({ user: publicUser(u) }, 200)
})

const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  tags: ['auth'],
  summary: 'Sign out: ends the session and clears the cookie',
  responses: { 204: { description: 'Signed out' }, ...errorResponses },
})

const meRoute = <P extends string>(path: P) =>
  createRoute({
    method: 'get',
    path,
    tags: ['auth'],
    summary: 'The signed-in user',
    responses: {
      200: { description: 'The user', content: { 'application/json': { schema: UserSchema } } },
      ...errorResponses,
    },
  })

function me(c: Context<Env, string>) {
  c.header('Cache-Control', 'no-store')
  return c.json(publicUser(c.get('user')), 200)
}

/** Signed-in part of /api/auth. */
export const authRoutes = newRouter()
  .openapi(logoutRoute, async (c) => {
    const u = c.get('user')
    await logout(c.get('db').pool, getCookie(c, SESSION_COOKIE))
    await recordAudit(c.get('db').pool, { userId: u.id, username: u.username, role: u.role, client: c.get('clientAddr') }, 'logout', 'sessions', [u.id])
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) })
    return c.body(null, 204)
  })
  .openapi(meRoute('/me'), (c) => me(c))

/** GET /api/me (the contract's address; /api/auth/me answers the same). */
export const meRoutes = newRouter().openapi(meRoute('/'), (c) => me(c))
