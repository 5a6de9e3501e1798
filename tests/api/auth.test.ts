import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser, UserInputError } from '../../api/auth/service.ts'
import { cookieOf, testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

// Users of this file: unique names, since other files may share the database.
const uniq = () => `t_${process.pid}_${randomBytes(4).toString('hex')}`
const PASSWORD = 'correct horse battery'

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  t.api.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })


const me = (cookie?: string) => t.api.request('/api/auth/me', { headers: cookie ? { cookie } : {} })

async function newUser(role: 'admin' | 'planner' = 'planner') {
  const username = uniq()
  const district = (await t.db.pool.query(`select id from areas where level = 'district' order by id limit 1`)).rows[0].id
  const user = await createUser(t.db.pool, { username, password: PASSWORD, role, areaIds: [district] })
  return { ...user, district }
}

async function loginAs(username: string, password = PASSWORD) {
  const res = await post('/api/auth/login', { username, password })
  expect(res.status).toBe(200)
  return cookieOf(res)
}

describe('POST /api/auth/login', () => {
  it('signs in the demo admin and sets an HttpOnly SameSite=Strict session cookie', async () => {
    const res = await post('/api/auth/login', { username: 'admin', password: 'gridpulse-demo' })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.user).toMatchObject({ username: 'admin', role: 'admin' })
    expect(body.user.areas).toHaveLength(1)
    expect(Object.keys(body.user).sort()).toEqual(['areas', 'id', 'role', 'username'])
    const setCookie = res.headers.get('set-cookie')!
    expect(setCookie).toMatch(/^gp_session=[A-Za-z0-9_-]{43};/)
    expect(setCookie).toMatch(/;\s*HttpOnly/i)
    expect(setCookie).toMatch(/;\s*SameSite=Strict/i)
    expect(setCookie).toMatch(/;\s*Path=\//)
    expect(setCookie).toMatch(/;\s*Max-Age=43200/)
    expect(setCookie).not.toMatch(/Secure/i) // plain http
    const who = await me(cookieOf(res))
    expect(who.status).toBe(200)
    expect(await who.json()).toEqual(body.user)
  })

  it('marks the cookie Secure on https', async () => {
    const res = await t.api.request('https://gridpulse.example/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'gridpulse-demo' }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(/;\s*Secure/)
  })

  it('has one demo account per role', async () => {
    const { rows } = await t.db.pool.query(
      `select u.username, u.role, u.person_id, array_agg(a.level) as levels
       from users u join user_areas ua on ua.user_id = u.id join areas a on a.id = ua.area_id
       where u.username in ('admin', 'commander', 'leader', 'member', 'planner') group by 1, 2, 3 order by 1`,
    )
    expect(rows.map((r) => [r.username, r.role, r.levels.join()])).toEqual([
      ['admin', 'admin', 'district'],
      ['commander', 'commander', 'street'],
      ['leader', 'grid_leader', 'grid'],
      ['member', 'grid_member', 'grid'],
      ['planner', 'planner', 'district'],
    ])
    expect(rows.find((r) => r.username === 'leader').person_id).toBeGreaterThan(0)
  })

  it('answers a wrong password and an unknown user alike', async () => {
    const u = await newUser()
    const wrong = await post('/api/auth/login', { username: u.username, password: 'not the password' })
    const unknown = await post('/api/auth/login', { username: uniq(), password: PASSWORD })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    const a = await wrong.json()
    expect(a).toEqual(await unknown.json())
    expect(a).toEqual({ error: 'invalid_credentials', message: expect.any(String) })
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect(unknown.headers.get('set-cookie')).toBeNull()
  })

  it('refuses a disabled user', async () => {
    const u = await newUser()
    await t.db.pool.query('update users set disabled = true where id = $1', [u.id])
    const res = await post('/api/auth/login', { username: u.username, password: PASSWORD })
    expect(res.status).toBe(401)
  })

  it.each([
    ['a missing password', { username: 'admin' }],
    ['a missing username', { password: 'gridpulse-demo' }],
    ['a non-string field', { username: 42, password: 'gridpulse-demo' }],
    ['an array body', []],
    ['non-JSON', 'username=admin&password=x'],
    ['broken JSON', '{"username": "admin",'],
    ['an empty body', ''],
  ])('rejects %s with 400 and the error shape', async (_name, body) => {
    const res = await post('/api/auth/login', body)
    expect(res.status).toBe(400)
    const b = await res.json()
    expect(b).toEqual({ error: expect.any(String), message: expect.any(String) })
  })

  it('rejects a body that is not declared JSON with 415 and the error shape', async () => {
    const res = await t.api.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ username: 'admin', password: 'gridpulse-demo' }),
    })
    expect(res.status).toBe(415)
    expect(await res.json()).toEqual({ error: expect.any(String), message: expect.any(String) })
  })
})

describe('sessions', () => {
  it('GET /api/auth/me without a cookie is 401 unauthenticated', async () => {
    const res = await me()
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: 'unauthenticated', message: expect.any(String) })
  })

  it('a tampered token is 401', async () => {
    const u = await newUser()
    const cookie = await loginAs(u.username)
    expect((await me(cookie)).status).toBe(200)
    const token = cookie.slice('gp_session='.length)
    const i = 10
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1)
    expect((await me(`gp_session=${tampered}`)).status).toBe(401)
    expect((await me(`gp_session=${token}x`)).status).toBe(401)
    expect((await me('gp_session=')).status).toBe(401)
  })

  it('stores only the hash of the token', async () => {
    const u = await newUser()
    const cookie = await loginAs(u.username)
    const token = cookie.slice('gp_session='.length)
    const { rows } = await t.db.pool.query('select id, expires_at - created_at as ttl from sessions where user_id = $1', [u.id])
    expect(rows).toHaveLength(1)
    expect(rows[0].id).toMatch(/^[0-9a-f]{64}$/)
    expect(rows[0].id).not.toContain(token)
    const { rows: hit } = await t.db.pool.query('select 1 from sessions where id = $1', [token])
    expect(hit).toHaveLength(0)
  })

  it('an expired session is 401', async () => {
    const u = await newUser()
    const cookie = await loginAs(u.username)
    expect((await me(cookie)).status).toBe(200)
    await t.db.pool.query(`update sessions set expires_at = now() - interval '1 second' where user_id = $1`, [u.id])
    expect((await me(cookie)).status).toBe(401)
  })

  it('a disabled user loses their live session', async () => {
    const u = await newUser()
    const cookie = await loginAs(u.username)
    await t.db.pool.query('update users set disabled = true where id = $1', [u.id])
    expect((await me(cookie)).status).toBe(401)
  })

  it('logout ends the session and clears the cookie', async () => {
    const u = await newUser('admin')
    const cookie = await loginAs(u.username)
    const who = await me(cookie)
    expect(who.status).toBe(200)
    expect(await who.json()).toEqual({ id: u.id, username: u.username, role: 'admin', areas: [u.district] })
    // The contract's address answers the same.
    expect(await (await t.api.request('/api/me', { headers: { cookie } })).json()).toEqual({ id: u.id, username: u.username, role: 'admin', areas: [u.district] })
    const out = await t.api.request('/api/auth/logout', { method: 'POST', headers: { cookie } })
    expect(out.status).toBe(204)
    expect(out.headers.get('set-cookie')).toMatch(/^gp_session=;.*Max-Age=0/)
    expect((await me(cookie)).status).toBe(401)
    const { rows } = await t.db.pool.query('select 1 from sessions where user_id = $1', [u.id])
    expect(rows).toHaveLength(0)
    // Logging out again (or without a cookie) needs a session like every other route.
    expect((await t.api.request('/api/auth/logout', { method: 'POST', headers: { cookie } })).status).toBe(401)
    expect((await t.api.request('/api/auth/logout', { method: 'POST' })).status).toBe(401)
  })

  it('keeps sessions apart: two logins of one user are two sessions', async () => {
    const u = await newUser()
    const a = await loginAs(u.username)
    const b = await loginAs(u.username)
    expect(a).not.toBe(b)
    await t.api.request('/api/auth/logout', { method: 'POST', headers: { cookie: a } })
    expect((await me(a)).status).toBe(401)
    expect((await me(b)).status).toBe(200)
  })
})

describe('createUser', () => {
  it('stores an argon2id hash, not the password', async () => {
    const u = await newUser()
    const { rows } = await t.db.pool.query('select password_hash from users where id = $1', [u.id])
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/)
    expect(rows[0].password_hash).not.toContain(PASSWORD)
  })

  it('rejects a short password, a bad username, a taken username and an unknown area', async () => {
    const district = (await t.db.pool.query(`select id from areas where level = 'district' limit 1`)).rows[0].id
    const base = { username: uniq(), password: PASSWORD, role: 'planner' as const, areaIds: [district] }
    await expect(createUser(t.db.pool, { ...base, password: 'short' })).rejects.toThrow(UserInputError)
    await expect(createUser(t.db.pool, { ...base, password: '123456789' })).rejects.toThrow(/at least 10/)
    await expect(createUser(t.db.pool, { ...base, username: 'Alice' })).rejects.toThrow(UserInputError)
    await expect(createUser(t.db.pool, { ...base, username: 'ab' })).rejects.toThrow(UserInputError)
    await expect(createUser(t.db.pool, { ...base, username: 'admin' })).rejects.toThrow(/taken/)
    await expect(createUser(t.db.pool, { ...base, areaIds: [2_000_000_000] })).rejects.toThrow(/does not exist/)
    const { rows } = await t.db.pool.query('select 1 from users where username = $1', [base.username])
    expect(rows).toHaveLength(0)
  })

  it('keeps users and sessions away from the scoped app role', async () => {
    const { rows } = await t.db.pool.query(
      `select has_table_privilege('gridpulse_app', 'users', 'select') as u,
              has_table_privilege('gridpulse_app', 'sessions', 'select') as s,
              has_table_privilege('gridpulse_app', 'user_areas', 'select') as a`,
    )
    expect(rows[0]).toEqual({ u: false, s: false, a: false })
  })
})
