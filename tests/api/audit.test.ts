import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { withScope } from '../../db/scope.ts'
import { signIn, testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

const uniq = () => `a_${process.pid}_${randomBytes(3).toString('hex')}`
/** Audit rows newer than `since` (an audit_log id), read as the owner. */
const auditSince = async (since: number, where = 'true', params: unknown[] = []) =>
  (await t.db.pool.query(`select * from audit_log where id > $1 and ${where} order by id`, [since, ...params])).rows
const lastId = async () => (await t.db.pool.query('select coalesce(max(id), 0)::bigint as id from audit_log')).rows[0].id as number
/** A request as if from `addr` (the socket's peer address). */
const from = (addr: string, path: string, cookie: string) => t.api.request(path, { headers: { cookie } }, { incoming: { socket: { remoteAddress: addr } } })

describe('audit log', () => {
  it('records every read of incident details: who, when, which ids, from which address', async () => {
    const since = await lastId()
    const commander = await t.as('commander')
    const res = await from('10.1.2.3', '/api/incidents?limit=7', commander.cookie)
    expect(res.status).toBe(200)
    const ids = (await res.json()).features.map((f: { id: number }) => f.id)
    const rows = await auditSince(since, `username = 'commander' and action = 'read' and client = '10.1.2.3'`)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ role: 'commander', client: '10.1.2.3', target: 'incidents', row_count: 7 })
    expect(rows[0].ids.map(Number).sort()).toEqual([...ids].sort())
    expect(Date.now() - new Date(rows[0].at).getTime()).toBeLessThan(60_000)
  })

  it('records every write to a scoped table by a signed-in user, whichever code path made it', async () => {
    const { rows: g } = await t.db.pool.query(
      `select a.id, a.street_id, ST_X(ST_PointOnSurface(a.geom)) x, ST_Y(ST_PointOnSurface(a.geom)) y from areas a where level = 'micro_grid' order by id limit 1`,
    )
    const account = (await t.db.pool.query(`select id from users where username = 'commander'`)).rows[0].id
    const scope = { userId: null, role: 'commander' as const, areaIds: [g[0].street_id], accountId: account, username: 'commander', clientAddr: '10.7.7.7' }
    const since = await lastId()
    const id = await withScope(t.db.pool, scope, async (c) => {
      const ins = await c.query(
        `insert into incidents (street_id, community_id, grid_id, micro_grid_id, type, status, source, geom, reported_at)
         values (0, 0, 0, 0, 'noise', 'reported', 'walk_in', ST_SetSRID(ST_MakePoint(${Number(g[0].x)}, ${Number(g[0].y)}), 4326), now()) returning id`,
      )
      const newId = Number(ins.rows[0].id)
      await c.query(`update incidents set status = 'accepted' where id = ${newId}`)
      await c.query(`delete from incidents where id = ${newId}`)
      return newId
    })
    const rows = await auditSince(since, `target = 'incidents' and username = 'commander' and action <> 'read' and client = '10.7.7.7'`)
    expect(rows.map((r) => r.action)).toEqual(['insert', 'update', 'delete'])
    for (const r of rows) {
      expect(r.ids.map(Number)).toEqual([id])
      expect(r).toMatchObject({ user_id: account, role: 'commander', client: '10.7.7.7', row_count: 1 })
    }
    // Writes outside a request (seeding, migrations) carry no account and are not recorded.
    const before = await lastId()
    await t.db.pool.query(`update incidents set description = description where id = (select min(id) from incidents)`)
    expect(await auditSince(before, `target = 'incidents' and action = 'update' and username is null`)).toEqual([])
  })

  it('records sign-ins, failed sign-ins and sign-outs with the client address', async () => {
    const since = await lastId()
    const login = (password: string) =>
      t.api.request(
        '/api/auth/login',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'planner', password }) },
        { incoming: { socket: { remoteAddress: '10.4.4.4' } } },
      )
    expect((await login('not the password')).status).toBe(401)
    const ok = await login('gridpulse-demo')
    expect(ok.status).toBe(200)
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]
    expect((await t.api.request('/api/auth/logout', { method: 'POST', headers: { cookie } }, { incoming: { socket: { remoteAddress: '10.4.4.4' } } })).status).toBe(204)
    const rows = await auditSince(since, `username = 'planner' and client = '10.4.4.4'`)
    expect(rows.map((r) => [r.action, r.client])).toEqual([
      ['login_failed', '10.4.4.4'],
      ['login', '10.4.4.4'],
      ['logout', '10.4.4.4'],
    ])
  })

  it('is listed and filtered for admins through the API, page by page', async () => {
    const commander = await t.as('commander')
    for (let i = 0; i < 3; i++) expect((await commander.get(`/api/incidents?limit=${2 + i}`)).status).toBe(200)
    const page1 = await t.json('/api/admin/audit?user=commander&action=read&target=incidents&limit=2')
    expect(page1.status).toBe(200)
    expect(page1.body.entries).toHaveLength(2)
    expect(page1.body.entries.every((e: any) => e.username === 'commander' && e.action === 'read' && e.target === 'incidents')).toBe(true)
    expect(page1.body.entries[0].id).toBeGreaterThan(page1.body.entries[1].id)
    const page2 = await t.json(`/api/admin/audit?user=commander&action=read&limit=2&before=${page1.body.next_before}`)
    expect(page2.body.entries[0].id).toBeLessThan(page1.body.entries[1].id)
    const oneId = page1.body.entries[0].ids[0]
    const byId = await t.json(`/api/admin/audit?id=${oneId}&action=read`)
    expect(byId.body.entries.every((e: any) => e.ids.includes(oneId) || e.row_count > 50)).toBe(true)
    expect((await t.json('/api/admin/audit?from=2100-01-01')).body.entries).toEqual([])
    expect((await t.json('/api/admin/audit?action=drop')).status).toBe(400)
  })

  it('is append-only and hidden from non-admins, in the database itself', async () => {
    const scope = { userId: null, role: 'commander' as const, areaIds: [1], accountId: 1, username: 'x' }
    expect(await withScope(t.db.pool, scope, async (c) => (await c.query('select count(*)::int n from audit_log')).rows[0].n)).toBe(0)
    const admin = { ...scope, role: 'admin' as const }
    expect(await withScope(t.db.pool, admin, async (c) => (await c.query('select count(*)::int n from audit_log')).rows[0].n)).toBeGreaterThan(0)
    for (const sql of [
      `insert into audit_log (action, target) values ('read', 'forged')`,
      `update audit_log set username = 'someone else'`,
      `delete from audit_log`,
    ]) {
      await expect(withScope(t.db.pool, admin, (c) => c.query(sql)), sql).rejects.toThrow(/permission denied/)
    }
  })
})

describe('account administration', () => {
  it('creates, changes and disables accounts; each change is audited and ends the account’s sessions', async () => {
    const username = uniq()
    const since = await lastId()
    const made = await t.send('/api/admin/users', { username, password: 'a long password', role: 'grid_member', areas: [1] })
    expect(made.status).toBe(201)
    const user = await made.json()
    expect(user).toMatchObject({ username, role: 'grid_member', areas: [1], disabled: false, last_login_at: null })
    expect(JSON.stringify(user)).not.toMatch(/argon2|password/)

    const c = await signIn(t.api, username, 'a long password')
    expect((await c.json('/api/me')).body).toMatchObject({ username, role: 'grid_member', areas: [1] })

    const street = (await t.db.pool.query(`select id from areas where level = 'street' order by id limit 1`)).rows[0].id
    const changed = await t.send(`/api/admin/users/${user.id}`, { role: 'commander', areas: [street] }, 'PATCH')
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ role: 'commander', areas: [street] })
    expect((await c.get('/api/me')).status).toBe(401) // rights changed: sign in again
    const again = await signIn(t.api, username, 'a long password')
    expect((await again.json('/api/me')).body).toMatchObject({ role: 'commander', areas: [street] })

    expect((await t.send(`/api/admin/users/${user.id}`, { password: 'another long one' }, 'PATCH')).status).toBe(200)
    expect((await again.get('/api/me')).status).toBe(401)
    await signIn(t.api, username, 'another long one')

    const list = await t.json('/api/admin/users')
    expect(list.body.find((u: any) => u.username === username)).toMatchObject({ role: 'commander', disabled: false })

    const log = await auditSince(since, `action = 'admin' and $2 = any(ids)`, [user.id])
    expect(log.map((r) => r.detail.change)).toEqual(['create', 'update', 'update'])
    expect(log.every((r) => r.ids.map(Number).includes(user.id))).toBe(true)
    expect(JSON.stringify(log)).not.toContain('another long one')
  })

  it('answers bad input with 400, an unknown account with 404', async () => {
    expect((await t.send('/api/admin/users', { username: 'admin', password: 'a long password', role: 'planner', areas: [1] })).status).toBe(400)
    expect((await t.send('/api/admin/users', { username: uniq(), password: 'short', role: 'planner', areas: [1] })).status).toBe(400)
    expect((await t.send('/api/admin/users', { username: uniq(), password: 'a long password', role: 'root', areas: [1] })).status).toBe(400)
    const unknownArea = await t.send('/api/admin/users', { username: uniq(), password: 'a long password', role: 'planner', areas: [1999999999] })
    expect(unknownArea.status).toBe(400)
    expect((await unknownArea.json()).message).toMatch(/does not exist/)
    expect((await t.send('/api/admin/users/1999999999', { disabled: true }, 'PATCH')).status).toBe(404)
    expect((await t.send('/api/admin/users/1', {}, 'PATCH')).status).toBe(400)
    const badArea = await t.send('/api/admin/users/1', { areas: [1999999999] }, 'PATCH')
    expect(badArea.status).toBe(400)
  })
})
