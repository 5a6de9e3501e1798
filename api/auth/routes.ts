import { createRoute, z } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { getConnInfo } from '@hono/node-server/conninfo'
import { ApiFailure } from '../lib/errors.ts'
import { ErrorSchema, errorResponses, newRouter, type Env } from '../lib/router.ts'
import { login, logout, ROLES, SESSION_TTL_SECONDS, sessionUser, type SessionUser } from './service.ts'

/** The session cookie: the raw token; the database keeps only its SHA-256. */
export const SESSION_COOKIE = 'gp_session'

const UserSchema = z
  .object({
    id: z.number(),
    username: z.string(),
    role: z.enum(ROLES),
    areaIds: z.array(z.number()),
  })
  .openapi('User')

const Credentials = z
  .object({
    username: z.string().min(1).max(100),
    password: z.string().min(1).max(1024),
  })
  .openapi('Credentials')

const unauthorized = { 401: { description: 'Not signed in or wrong credentials', content: { 'application/json': { schema: ErrorSchema } } } } as const

const publicUser = (u: SessionUser) => ({ id: u.id, username: u.username, role: u.role, areaIds: u.areaIds })

const isHttps = (c: Context) => new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0].trim() === 'https'

function clientIp(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null
  } catch {
    return null // app.request() in tests: no socket
  }
}

// The user of the request's session cookie, looked up once per request.
const resolved = new WeakMap<Request, Promise<SessionUser | null>>()

/** The signed-in user of this request (from the gp_session cookie), or null. Usable by any route under createApi. */
export function currentUser(c: Context<Env>): Promise<SessionUser | null> {
  let p = resolved.get(c.req.raw)
  if (!p) {
    p = sessionUser(c.get('db').pool, getCookie(c, SESSION_COOKIE))
    resolved.set(c.req.raw, p)
  }
  return p
}

/** Middleware for later routes: 401 `unauthenticated` without a live session; the user is then available from currentUser(c). */
export function requireUser(): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!(await currentUser(c))) throw new ApiFailure(401, 'unauthenticated', 'sign in first')
    await next()
  }
}

const loginRoute = createRoute({
  method: 'post',
  path: '/login',
  tags: ['auth'],
  summary: 'Sign in: sets the gp_session cookie (HttpOnly, SameSite=Strict, 12 h)',
  request: { body: { required: true, content: { 'application/json': { schema: Credentials } } } },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: z.object({ user: UserSchema }) } } },
    ...unauthorized,
    ...errorResponses,
  },
})

const logoutRoute = createRoute({
  method: 'post',
  path: '/logout',
  tags: ['auth'],
  summary: 'Sign out: ends the session and clears the cookie',
  responses: { 204: { description: 'Signed out' }, ...errorResponses },
})

const meRoute = createRoute({
  method: 'get',
  path: '/me',
  tags: ['auth'],
  summary: 'The signed-in user',
  responses: {
    200: { description: 'The user', content: { 'application/json': { schema: UserSchema } } },
    ...unauthorized,
    ...errorResponses,
  },
})

export const authRoutes = newRouter()
  .openapi(loginRoute, async (c) => {
    const { username, password } = c.req.valid('json')
    const result = await login(c.get('db').pool, username, password, clientIp(c))
    if (!result) throw new ApiFailure(401, 'invalid_credentials', 'wrong username or password')
    setCookie(c, SESSION_COOKIE, result.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      maxAge: SESSION_TTL_SECONDS,
      secure: isHttps(c),
    })
    c.header('Cache-Control', 'no-store')
    return c.json({ user: publicUser(result.user) }, 200)
  })
  .openapi(logoutRoute, async (c) => {
    await logout(c.get('db').pool, getCookie(c, SESSION_COOKIE))
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) })
    return c.body(null, 204)
  })
  .openapi(meRoute, async (c) => {
    const user = await currentUser(c)
    c.header('Cache-Control', 'no-store')
    if (!user) throw new ApiFailure(401, 'unauthenticated', 'not signed in')
    return c.json(publicUser(user), 200)
  })
