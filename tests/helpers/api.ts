import { inject } from 'vitest'
import type { Database } from '../../db/client.ts'
import { openDatabase } from '../../db/client.ts'
import { Hono } from 'hono'
import { createApi, type AppOptions } from '../../api/app.ts'
import { createLogger } from '../../api/lib/log.ts'

/** Password of the seeded demo accounts (tests/setup/global.ts seeds with the default). */
export const DEMO_PASSWORD = 'gridpulse-demo'

/** Requests against the app as one signed-in user (or anonymous when cookie is empty). */
export interface Client {
  cookie: string
  request(path: string, init?: RequestInit): Promise<Response>
  get(path: string): Promise<Response>
  json<T = any>(path: string): Promise<{ status: number; body: T }>
  /** A JSON request with a body (POST by default). */
  send(path: string, body?: unknown, method?: string, headers?: Record<string, string>): Promise<Response>
}

/** `gp_session=<token>` from a login response's Set-Cookie. */
export function cookieOf(res: Response): string {
  const m = /(?:^|[;,]\s*)gp_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')
  if (!m) throw new Error(`no gp_session cookie in ${res.headers.get('set-cookie')}`)
  return `gp_session=${m[1]}`
}

/** A client sending `cookie` with every request. */
export function clientOf(api: Hono, cookie: string): Client {
  const request = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie)
    return Promise.resolve(api.request(path, { ...init, headers }))
  }
  return {
    cookie,
    request,
    get: (path) => request(path),
    json: async (path) => {
      const res = await request(path)
      return { status: res.status, body: await res.json() }
    },
    send: (path, body, method = 'POST', headers = {}) =>
      request(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
  }
}

/** Sign in through the API and return a client carrying the session cookie. */
export async function signIn(api: Hono, username: string, password = DEMO_PASSWORD): Promise<Client> {
  const res = await api.request('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  if (res.status !== 200) throw new Error(`sign-in of ${username} failed: ${res.status} ${await res.text()}`)
  return clientOf(api, cookieOf(res))
}

/**
 * A handle on the run's seeded test database and the API app over it (no HTTP server needed).
 * `get`/`json` act as the demo admin; `as(name)` signs in another demo account (cached).
 */
export async function testApi(opts: Partial<AppOptions> = {}) {
  const opened = await openDatabase({ databaseUrl: inject('dbUrl'), poolSize: 4 })
  const db: Database = { ...opened, kind: inject('dbKind') }
  const api = new Hono().route('/api', createApi(db, { logger: createLogger('silent'), ...opts }))
  const signedIn = new Map<string, Promise<Client>>()
  const as = (username: string) => {
    let c = signedIn.get(username)
    if (!c) signedIn.set(username, (c = signIn(api, username)))
    return c
  }
  const admin = await as('admin')
  return {
    db,
    api,
    as,
    anonymous: clientOf(api, ''),
    get: admin.get,
    json: admin.json,
    send: admin.send,
    close: () => opened.close(),
  }
}
