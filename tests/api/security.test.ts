import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Hono } from 'hono'
import { createApi } from '../../api/app.ts'
import { createLogger } from '../../api/lib/log.ts'
import { cookieOf, DEMO_PASSWORD, signIn, testApi, type Client } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>

/** Demo scopes (tests/setup/global.ts seeds them): commander = street S1, leader/member = grid G1 of S1, planner = district. */
interface Target {
  area: number
  bbox: string
  /** An incident of the area. */
  incident: number
}
let S1: number
let G1: number
/** A grid of S1 other than G1, and a grid of another street. */
let sibling: Target
let otherStreet: Target

/** A small box around a point inside the micro-grid, away from every other area's edge. */
async function targetIn(gridId: number): Promise<Target> {
  const { rows } = await t.db.pool.query(
    `select ST_X(p) x, ST_Y(p) y from (select ST_PointOnSurface(geom) p from areas where parent_id = $1 and level = 'micro_grid' order by id limit 1) s`,
    [gridId],
  )
  const { x, y } = rows[0]
  const incident = Number((await t.db.pool.query(`select id from incidents where grid_id = $1 order by id limit 1`, [gridId])).rows[0].id)
  return { area: gridId, bbox: `${x - 0.0003},${y - 0.0003},${x + 0.0003},${y + 0.0003}`, incident }
}

beforeAll(async () => {
  t = await testApi()
  const q = async (sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows
  S1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`))[0].area_id
  G1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  sibling = await targetIn((await q(`select id from areas where level = 'grid' and street_id = $1 and id <> $2 order by id limit 1`, [S1, G1]))[0].id)
  otherStreet = await targetIn((await q(`select id from areas where level = 'grid' and street_id <> $1 order by id limit 1`, [S1]))[0].id)
})
afterAll(() => t.close())

/** Every feature endpoint that names an object by id: out of scope must look exactly like missing. */
const BY_ID = (x: Target) => [
  `/api/areas/${x.area}`, `/api/areas?parent=${x.area}`, `/api/incidents?area=${x.area}`, `/api/incidents/points?area=${x.area}`, `/api/incidents/${x.incident}`,
  `/api/incidents/export?format=csv&area=${x.area}`, `/api/analytics/density?zoom=14&area=${x.area}`, `/api/analytics/clusters?area=${x.area}`,
  `/api/analytics/kpis?area=${x.area}`, `/api/analytics/charts?area=${x.area}`,
  `/api/tracks/sessions?grid=${x.area}&day=2026-10-01`, `/api/tracks/playback?grid=${x.area}&day=2026-10-01`,
]
/** Writes naming an object by id: out of scope must look like missing and change nothing. */
const WRITES_BY_ID = (x: Target): [string, string, object][] => [
  ['PATCH', `/api/incidents/${x.incident}`, { description: 'tampered' }],
  ['POST', `/api/incidents/${x.incident}/transitions`, { to: 'returned', comment: 'tampered' }],
]
/** Every feature endpoint that lists by place: out of scope must return nothing. */
const BY_PLACE = (x: Target) => [`/api/incidents?bbox=${x.bbox}`, `/api/stations?bbox=${x.bbox}`, `/api/basemap/buildings?bbox=${x.bbox}`]

describe('every role × every feature endpoint × an object outside its scope', () => {
  const cases: [string, () => Target[]][] = [
    ['commander', () => [otherStreet]],
    ['leader', () => [sibling, otherStreet]],
    ['member', () => [sibling, otherStreet]],
  ]
  for (const [role, targets] of cases) {
    it(`${role}: 404 by id, nothing by place, no leaked rows`, async () => {
      const c = await t.as(role)
      for (const x of targets()) {
        for (const path of BY_ID(x)) {
          const res = await c.get(path)
          expect(res.status, `${role} ${path}`).toBe(404)
          const body = await res.json()
          expect(Object.keys(body).sort(), path).toEqual(['error', 'message'])
          expect(body.message).toMatch(/^(area|incident) \d+ does not exist$/)
        }
        for (const [method, path, payload] of WRITES_BY_ID(x)) {
          const before = (await t.db.pool.query('select status, description from incidents where id = $1', [x.incident])).rows[0]
          const res = await c.send(path, payload, method)
          expect(res.status, `${role} ${method} ${path}`).toBe(404)
          expect((await t.db.pool.query('select status, description from incidents where id = $1', [x.incident])).rows[0]).toEqual(before)
        }
        for (const path of BY_PLACE(x)) {
          const res = await c.json(path)
          expect(res.status, `${role} ${path}`).toBe(200)
          expect(res.body.features, `${role} ${path}`).toEqual([])
        }
        const points = await c.get(`/api/incidents/points?bbox=${x.bbox}`)
        expect(points.headers.get('X-Count')).toBe('0')
        const density = await c.get(`/api/analytics/density?zoom=16&bbox=${x.bbox}`)
        expect(density.status).toBe(200)
        expect(density.headers.get('X-Count')).toBe('0')
        const exported = await c.get(`/api/incidents/export?format=csv&bbox=${x.bbox}`)
        expect(exported.headers.get('X-Count')).toBe('0')
        expect((await exported.text()).trim().split('\n')).toHaveLength(1)
      }
      // The same lists from the admin do find the out-of-scope incidents: the box is not empty.
      const admin = await t.json(`/api/incidents?area=${otherStreet.area}&limit=1`)
      expect(admin.body.features.length).toBe(1)
      expect((await t.get(`/api/analytics/density?zoom=16&bbox=${otherStreet.bbox}`)).headers.get('X-Count')).not.toBe('0')
    })
  }

  it('the same ids answer an unknown area exactly like an out-of-scope one', async () => {
    const c = await t.as('leader')
    const unknown = await (await c.get('/api/areas/1999999')).json()
    const hidden = await (await c.get(`/api/areas/${otherStreet.area}`)).json()
    expect(unknown.error).toBe(hidden.error)
  })

  it('lists show a grid leader only their grid, what is inside it and its ancestors', async () => {
    const c = await t.as('leader')
    const { rows } = await t.db.pool.query<{ id: number }>(
      `select a.id from areas a, areas g where g.id = $1 and (a.path @> array[g.id] or a.id = any(g.path)) order by a.id`,
      [G1],
    )
    const allowed = new Set(rows.map((r) => r.id))
    for (const level of ['district', 'street', 'community', 'grid', 'micro_grid']) {
      const ids = (await c.json(`/api/areas?level=${level}`)).body.features.map((f: any) => f.id)
      expect(ids.length, level).toBeGreaterThan(0)
      expect(ids.filter((id: number) => !allowed.has(id)), level).toEqual([])
    }
    const incidents = (await c.json('/api/incidents?limit=1000')).body.features
    expect(incidents.length).toBeGreaterThan(0)
    expect(incidents.every((f: any) => f.properties.grid_id === G1)).toBe(true)
    const stations = (await c.json('/api/stations')).body.features
    expect(stations.every((f: any) => allowed.has(f.properties.community_id))).toBe(true)
    // An ancestor is visible on the map for context, but its detail is out of scope.
    expect((await c.get(`/api/areas/${S1}`)).status).toBe(404)
    expect((await c.get(`/api/areas/${G1}`)).status).toBe(200)
  })

  it('planners get aggregates, never individual incidents', async () => {
    const p = await t.as('planner')
    for (const path of ['/api/incidents', '/api/incidents?limit=1', '/api/incidents/points']) {
      const res = await p.json(path)
      expect(res.status, path).toBe(403)
      expect(res.body.error).toBe('aggregates_only')
    }
    const district = (await t.db.pool.query(`select id from areas where level = 'district'`)).rows[0].id
    const detail = await p.json(`/api/areas/${district}`)
    expect(detail.status).toBe(200)
    const total = (await t.db.pool.query('select count(*)::int n from incidents')).rows[0].n
    expect(detail.body.incidents.total).toBe(total)
    // Names of grid workers are personal data too.
    expect(detail.body.workers).toEqual([])
    const text = JSON.stringify(detail.body)
    expect(text).not.toMatch(/description|reporter/)
  })

  it('only admins reach account administration and the audit log', async () => {
    for (const role of ['commander', 'leader', 'member', 'planner']) {
      const c = await t.as(role)
      for (const path of ['/api/admin/users', '/api/admin/audit']) expect((await c.get(path)).status, `${role} ${path}`).toBe(403)
      expect((await c.send('/api/admin/users', { username: 'x_intruder', password: 'long enough pw', role: 'admin', areas: [] })).status).toBe(403)
    }
  })
})

describe('without a valid session', () => {
  const ROUTES = ['/api/config', '/api/me', '/api/auth/me', '/api/areas', '/api/areas/1', '/api/incidents', '/api/incidents/points', '/api/stations',
    '/api/basemap/roads', '/api/admin/users', '/api/admin/audit', '/api/openapi.json', '/api/docs', '/api/no-such-route',
    '/api/incidents/export?format=csv', '/api/analytics/areas', '/api/analytics/areas/export?format=csv', '/api/analytics/kpis?area=1',
    '/api/analytics/charts?area=1', '/api/analytics/hotspots', '/api/analytics/clusters', '/api/analytics/density?zoom=12',
    '/api/tracks/sessions?grid=1&day=2026-10-01', '/api/tracks/playback?grid=1&day=2026-10-01',
    '/api/areas/1/edit/drafts']

  it('every /api route but health and login answers 401', async () => {
    for (const path of ROUTES) {
      const res = await t.anonymous.get(path)
      expect(res.status, path).toBe(401)
      expect((await res.json()).error).toBe('unauthenticated')
    }
    expect((await t.anonymous.send('/api/auth/logout')).status).toBe(401)
    expect((await t.anonymous.send('/api/areas/1/edit', { ops: [{ op: 'merge', ids: [2, 3] }], mode: 'check' })).status).toBe(401)
    expect((await t.anonymous.get('/api/health')).status).toBe(200)
  })

  it('tampered, expired, unsigned (alg: none) and foreign tokens are 401', async () => {
    const good = (await signIn(t.api, 'member')).cookie
    const token = good.split('=')[1]
    const flip = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11)
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const jwtNone = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'admin', role: 'admin', exp: 4102444800 })}.`
    const attempts: Record<string, string>[] = [
      { cookie: `gp_session=${flip}` },
      { cookie: `gp_session=${token}x` },
      { cookie: `gp_session=${jwtNone}` },
      { cookie: `gp_session=` },
      { cookie: `gp_session=${token.slice(0, 42)}` },
      { authorization: `Bearer ${jwtNone}` },
      { authorization: `Bearer ${token}` },
      { cookie: `gp_session=${token.toUpperCase()}` },
    ]
    for (const headers of attempts) {
      const res = await t.api.request('/api/me', { headers })
      expect(res.status, JSON.stringify(headers)).toBe(401)
    }
    // Expire the live session in the database: the same cookie is then refused.
    expect((await t.api.request('/api/me', { headers: { cookie: good } })).status).toBe(200)
    const { createHash } = await import('node:crypto')
    await t.db.pool.query(`update sessions set expires_at = now() - interval '1 second' where id = $1`, [createHash('sha256').update(token).digest('hex')])
    expect((await t.api.request('/api/me', { headers: { cookie: good } })).status).toBe(401)
  })
})

describe('cross-site requests', () => {
  it('refuses a cross-site form POST and cross-origin writes, allows same-origin ones', async () => {
    const form = await t.api.request('http://localhost/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: `username=admin&password=${DEMO_PASSWORD}`,
    })
    expect(form.status).toBe(403)
    expect((await form.json()).error).toBe('csrf')
    expect(form.headers.get('set-cookie')).toBeNull()

    const c = await signIn(t.api, 'commander')
    const evil = await c.request('http://localhost/api/auth/logout', { method: 'POST', headers: { origin: 'https://evil.example' } })
    expect(evil.status).toBe(403)
    const siteOnly = await c.request('http://localhost/api/auth/logout', { method: 'POST', headers: { 'sec-fetch-site': 'same-site' } })
    expect(siteOnly.status).toBe(403)
    expect((await c.get('/api/me')).status).toBe(200) // the session survived
    const own = await c.request('http://localhost/api/auth/logout', { method: 'POST', headers: { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' } })
    expect(own.status).toBe(204)
  })

  it('keeps CORS closed: no Access-Control-Allow-* for another origin', async () => {
    const pre = await t.api.request('/api/me', { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    const get = await t.get('/api/me')
    expect(get.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('sends security headers with a CSP', async () => {
    const res = await t.get('/api/health')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toMatch(/default-src 'self'/)
    expect(csp).toMatch(/script-src 'self'(;|$)/)
    expect(csp).toMatch(/frame-ancestors 'none'/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
  })
})

describe('body size limits', () => {
  const big = (n: number) => JSON.stringify({ username: 'admin', password: 'x'.repeat(n) })
  const chunked = (text: string) =>
    new ReadableStream({
      start(ctl) {
        const bytes = new TextEncoder().encode(text)
        for (let i = 0; i < bytes.length; i += 64 * 1024) ctl.enqueue(bytes.subarray(i, i + 64 * 1024))
        ctl.close()
      },
    })

  it('413 for an oversize sign-in body, with and without Content-Length', async () => {
    const body = big(40_000)
    const withLength = await t.api.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body })
    expect(withLength.status).toBe(413)
    const streamed = await t.api.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked(body), duplex: 'half' } as RequestInit)
    expect(streamed.status).toBe(413)
    expect((await streamed.json()).error).toBe('payload_too_large')
  })

  it('413 over the general limit for signed-in writes, also when chunked', async () => {
    const body = JSON.stringify({ username: 'big_one', password: 'long enough pw', role: 'planner', areas: [1], pad: 'x'.repeat(11 * 1024 * 1024) })
    const a = await t.send('/api/admin/users', body)
    expect(a.status).toBe(413)
    const admin = await t.as('admin')
    const b = await admin.request('/api/admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked(body), duplex: 'half' } as RequestInit)
    expect(b.status).toBe(413)
    expect((await t.db.pool.query(`select 1 from users where username = 'big_one'`)).rowCount).toBe(0)
  })
})

describe('SQL metacharacters in every filter parameter', () => {
  const EVIL = ["'", "1' or '1'='1", '1;drop table incidents--', '"', '\\', '%', "') union select password_hash from users--", '1e309', '$1', '--', '/*']
  const PARAMS: Record<string, string[]> = {
    '/api/areas': ['level', 'parent', 'bbox'],
    '/api/incidents': ['bbox', 'type', 'status', 'source', 'from', 'to', 'area', 'limit', 'cursor'],
    '/api/incidents/points': ['bbox', 'type', 'status', 'source', 'from', 'to', 'area'],
    '/api/stations': ['type', 'bbox', 'include_closed'],
    '/api/basemap/buildings': ['bbox'],
    '/api/admin/audit': ['user', 'action', 'target', 'id', 'from', 'to', 'limit', 'before'],
    '/api/analytics/areas': ['level', 'from', 'to', 'type', 'geometry'],
    '/api/analytics/areas/export?format=csv': ['level', 'from', 'to', 'type'],
    '/api/incidents/export': ['format'],
    '/api/incidents/export?format=csv': ['bbox', 'type', 'status', 'source', 'from', 'to', 'area', 'max_rows'],
    // Area 1 is the district.
    '/api/analytics/kpis': ['area'],
    '/api/analytics/kpis?area=1': ['from', 'to', 'type'],
    '/api/analytics/charts': ['area'],
    '/api/analytics/charts?area=1': ['from', 'to', 'type'],
    '/api/analytics/hotspots': ['level', 'from', 'to', 'type', 'weights', 'distance', 'fdr', 'geometry'],
    '/api/analytics/clusters': ['from', 'to', 'type', 'area', 'eps', 'min_points'],
    '/api/analytics/density': ['zoom'],
    '/api/analytics/density?zoom=13': ['bbox', 'from', 'to', 'type', 'status', 'source', 'area'],
    '/api/tracks/sessions?day=2026-10-01': ['grid', 'person'],
    '/api/tracks/playback?grid=1': ['day'],
  }
  it('answer 4xx (or an empty match for free text), never a SQL error', async () => {
    for (const [path, params] of Object.entries(PARAMS)) {
      for (const param of params) {
        for (const v of EVIL) {
          const res = await t.get(`${path}${path.includes('?') ? '&' : '?'}${param}=${encodeURIComponent(v)}`)
          const text = await res.text()
          expect(res.status, `${path}?${param}=${v}`).toBeLessThan(500)
          if (res.status === 200) expect(param, `${path}?${param}=${v} accepted`).toBe('user')
          expect(text, `${path}?${param}=${v}`).not.toMatch(/syntax error|SQLSTATE|pg_|relation "|column "|at character/i)
        }
      }
    }
    // The tables are all still there.
    expect((await t.db.pool.query('select count(*)::int n from incidents')).rows[0].n).toBeGreaterThan(0)
  })
})

describe('login rate limit', () => {
  it('limits 20 wrong passwords per account; the right one works again after the window', async () => {
    const windowMs = 1500
    const app = new Hono().route('/api', createApi(t.db, { logger: createLogger('silent'), loginLimits: { perAccount: 5, perAddress: 1000, windowMs } }))
    const login = (password: string) =>
      app.request('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'member', password }) })
    const statuses: number[] = []
    for (let i = 0; i < 20; i++) statuses.push((await login(`wrong-${i}-password`)).status)
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true)
    const locked = await login(DEMO_PASSWORD)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, windowMs + 100))
    const ok = await login(DEMO_PASSWORD)
    expect(ok.status).toBe(200)
    expect(cookieOf(ok)).toMatch(/^gp_session=/)
  })

  it('limits per client address (the socket’s, not a forwarded header) across accounts', async () => {
    const app = new Hono().route('/api', createApi(t.db, { logger: createLogger('silent'), loginLimits: { perAccount: 1000, perAddress: 4, windowMs: 60_000 } }))
    const from = (addr: string, username: string, headers: Record<string, string> = {}) =>
      app.request(
        '/api/auth/login',
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password: 'not the password' }) },
        { incoming: { socket: { remoteAddress: addr } } },
      )
    for (let i = 0; i < 4; i++) expect((await from('10.9.9.9', `nobody${i}`)).status).toBe(401)
    expect((await from('10.9.9.9', 'nobody9')).status).toBe(429)
    // A spoofed X-Forwarded-For from an untrusted peer does not escape the limit.
    expect((await from('10.9.9.9', 'nobody10', { 'x-forwarded-for': '192.0.2.1' })).status).toBe(429)
    // Another address still may try.
    expect((await from('10.9.9.8', 'nobody11')).status).toBe(401)
  })

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const app = new Hono().route('/api', createApi(t.db, { logger: createLogger('silent'), trustProxy: ['10.0.0.1'], loginLimits: { perAccount: 1000, perAddress: 2, windowMs: 60_000 } }))
    const via = (xff: string) =>
      app.request(
        '/api/auth/login',
        { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff }, body: JSON.stringify({ username: 'nobody', password: 'not the password' }) },
        { incoming: { socket: { remoteAddress: '10.0.0.1' } } },
      )
    expect((await via('198.51.100.1')).status).toBe(401)
    expect((await via('198.51.100.1')).status).toBe(401)
    expect((await via('198.51.100.1')).status).toBe(429)
    expect((await via('198.51.100.2')).status).toBe(401) // a different client behind the same proxy
  })
})

describe('a session survives only as long as the account may sign in', () => {
  it('an admin disabling an account ends its sessions at once', async () => {
    const admin = await t.as('admin')
    const username = `sec_${process.pid}_${Date.now() % 100000}`
    const made = await admin.send('/api/admin/users', { username, password: 'long enough pw', role: 'grid_member', areas: [G1] })
    expect(made.status).toBe(201)
    const id = (await made.json()).id
    const c: Client = await signIn(t.api, username, 'long enough pw')
    expect((await c.get('/api/me')).status).toBe(200)
    expect((await admin.send(`/api/admin/users/${id}`, { disabled: true }, 'PATCH')).status).toBe(200)
    expect((await c.get('/api/me')).status).toBe(401)
  })
})
