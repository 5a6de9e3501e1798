// Saved siting scenarios (issue 6): kept on the server, shared with whoever has the area in scope,
// deleted only by their creator or an admin. Each test signs in accounts made here for two streets.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../api/auth/service.ts'
import { scopeStatement } from '../../db/scope.ts'
import { DEMO_PASSWORD, signIn, testApi, type Client } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
let streetA: number, streetB: number
let solved: { request: any; result: any }
const made: number[] = []

const q = async <T = any>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]

/** A new account of `role` holding `areas`, signed in. */
async function account(role: 'planner' | 'commander' | 'grid_leader', areas: number[]): Promise<Client & { username: string }> {
  const username = `sc-${role.replace('_', '')}-${randomBytes(4).toString('hex')}`
  await createUser(t.db.pool, { username, password: DEMO_PASSWORD, role, areaIds: areas })
  return Object.assign(await signIn(t.api, username), { username })
}

beforeAll(async () => {
  t = await testApi()
  ;[streetA, streetB] = (await q<{ id: number }>(`select id from areas where level = 'street' order by id limit 2`)).map((r) => r.id)
  // One real answer of the solver for street A, as the planner page would keep it.
  const planner = await t.as('planner')
  const request = { model: 'mclp', stationType: 'psych_legal', radius: 600, k: 2, area: streetA, weight: 'households', exact: false, generate: { method: 'buildings', count: 300, spacing: 250 } }
  const res = await planner.send('/api/siting/solve', request)
  expect(res.status).toBe(200)
  solved = { request, result: await res.json() }
}, 120_000)
afterAll(async () => {
  if (made.length) await q(`delete from siting_scenarios where id = any($1::int[])`, [made])
  await t.close()
})

/** Save a scenario as `c`; returns the answer (201 expected by the caller). */
async function save(c: Client, name = 'mclp 600 m', body: Record<string, unknown> = {}) {
  const res = await c.send('/api/siting/scenarios', { name, ...solved, ...body })
  const json = await res.json()
  if (res.status === 201) made.push(json.id)
  return { status: res.status, body: json }
}

const ids = (list: { scenarios: { id: number }[] }) => list.scenarios.map((s) => s.id)

describe('siting scenarios', () => {
  it('saves a solved scenario and lists it, with its summary and creator, to planners and commanders of the area', async () => {
    const author = await account('planner', [streetA])
    const colleague = await account('planner', [streetA])
    const saved = await save(author, '  three sites for street A  ')
    expect(saved.status).toBe(201)
    expect(saved.body).toMatchObject({
      name: 'three sites for street A',
      created_by: { username: author.username },
      area: { id: streetA, name: solved.result.area.name },
      model: 'mclp', stationType: 'psych_legal', radius: 600, distance: 'straight', k: 2, target: null,
      sites: solved.result.sites.length,
      covered_before: solved.result.covered_before,
      covered_after: solved.result.covered_after,
      objective_before: solved.result.objective_before,
      share_before: solved.result.share_before,
      share_after: solved.result.share_after,
      objective: solved.result.objective,
    })
    for (const reader of [colleague, await t.as('commander'), await t.as('admin')]) {
      const list = await reader.json('/api/siting/scenarios')
      expect(list.status).toBe(200)
      const item = list.body.scenarios.find((s: any) => s.id === saved.body.id)
      expect(item).toEqual(saved.body)
      expect(item).not.toHaveProperty('result')
      // The full scenario is what was saved.
      const one = await reader.json(`/api/siting/scenarios/${saved.body.id}`)
      expect(one.status).toBe(200)
      // The request as validated: defaults the solver applied (time_limit, distance) are filled in.
      expect(one.body.request).toEqual({ ...solved.request, time_limit: 20, distance: 'straight' })
      expect(one.body.result).toEqual(solved.result)
      expect(one.body.created_by.username).toBe(author.username)
    }
    // Filtered by area: the street and anything inside it; the street's first grid holds none of it.
    expect(ids((await colleague.json(`/api/siting/scenarios?area=${streetA}`)).body)).toContain(saved.body.id)
    const [{ id: grid }] = await q<{ id: number }>(`select id from areas where level = 'grid' and path[2] = $1 order by id limit 1`, [streetA])
    expect(ids((await colleague.json(`/api/siting/scenarios?area=${grid}`)).body)).not.toContain(saved.body.id)
    // The write is in the audit log under the author's name.
    const audit = await q(`select 1 from audit_log where target = 'siting_scenarios' and action = 'insert' and $1 = any(ids) and username = $2`, [saved.body.id, author.username])
    expect(audit).toHaveLength(1)
  })

  it('hides a scenario from planners and commanders of another street: not listed, 404', async () => {
    const author = await account('planner', [streetA])
    const saved = await save(author)
    expect(saved.status).toBe(201)
    for (const outsider of [await account('planner', [streetB]), await account('commander', [streetB])]) {
      const list = await outsider.json('/api/siting/scenarios')
      expect(list.status).toBe(200)
      expect(ids(list.body)).not.toContain(saved.body.id)
      expect((await outsider.get(`/api/siting/scenarios/${saved.body.id}`)).status).toBe(404)
      expect((await outsider.send(`/api/siting/scenarios/${saved.body.id}`, undefined, 'DELETE')).status).toBe(404)
      // Nor may they list or save for that street.
      expect((await outsider.get(`/api/siting/scenarios?area=${streetA}`)).status).toBe(404)
      expect((await save(outsider)).status).toBe(404)
    }
    expect((await author.get(`/api/siting/scenarios/${saved.body.id}`)).status).toBe(200)
  })

  it('lets only the creator or an admin delete', async () => {
    const author = await account('planner', [streetA])
    const colleague = await account('planner', [streetA])
    const first = await save(author)
    const second = await save(author)
    const refused = await colleague.send(`/api/siting/scenarios/${first.body.id}`, undefined, 'DELETE')
    expect(refused.status).toBe(403)
    expect((await refused.json()).error).toBe('not_creator')
    expect((await colleague.get(`/api/siting/scenarios/${first.body.id}`)).status).toBe(200)
    expect((await author.send(`/api/siting/scenarios/${first.body.id}`, undefined, 'DELETE')).status).toBe(204)
    expect((await author.get(`/api/siting/scenarios/${first.body.id}`)).status).toBe(404)
    expect((await author.send(`/api/siting/scenarios/${first.body.id}`, undefined, 'DELETE')).status).toBe(404)
    expect((await (await t.as('admin')).send(`/api/siting/scenarios/${second.body.id}`, undefined, 'DELETE')).status).toBe(204)
    expect(await q(`select id from siting_scenarios where id = any($1::int[])`, [[first.body.id, second.body.id]])).toEqual([])
  })

  it('row-level security refuses a delete by someone else and a save under another account, whatever the API does', async () => {
    const author = await account('planner', [streetA])
    const saved = await save(author)
    const [{ id: other }] = await q<{ id: number }>(`select id from users where username = 'planner'`)
    const client = await t.db.pool.connect()
    try {
      await client.query(scopeStatement({ userId: null, role: 'planner', areaIds: [streetA], accountId: other, username: 'planner' }))
      expect((await client.query(`delete from siting_scenarios where id = $1`, [saved.body.id])).rowCount).toBe(0)
      await expect(
        client.query(`insert into siting_scenarios (name, created_by, created_by_name, area_id, request, result) select 'x', created_by, created_by_name, area_id, '{}', '{}' from siting_scenarios where id = $1`, [saved.body.id]),
      ).rejects.toThrow(/row-level security/)
    } finally {
      await client.query('rollback')
      client.release()
    }
    expect((await author.get(`/api/siting/scenarios/${saved.body.id}`)).status).toBe(200)
  })

  it('answers bad input with 4xx and the error shape', async () => {
    const author = await account('planner', [streetA])
    const cases: [unknown, number][] = [
      [{ ...solved }, 400], // no name
      [{ name: ' ', ...solved }, 400],
      [{ name: 'x'.repeat(201), ...solved }, 400],
      [{ name: 'x', request: solved.request }, 400], // no result
      [{ name: 'x', ...solved, extra: 1 }, 400],
      [{ name: 'x', request: { ...solved.request, radius: -5 }, result: solved.result }, 400],
      [{ name: 'x', request: solved.request, result: { ...solved.result, sites: 'many' } }, 400],
      [{ name: 'x', request: { ...solved.request, model: 'pmedian' }, result: solved.result }, 400], // result answers another model
      [{ name: 'x', request: { ...solved.request, area: streetB }, result: solved.result }, 400], // result of another area
      [{ name: 'x', request: { ...solved.request, area: undefined }, result: { ...solved.result, area: { ...solved.result.area, id: 2_000_000_000 } } }, 404],
      ['{"name": "x", ', 400],
    ]
    for (const [body, status] of cases) {
      const res = await author.send('/api/siting/scenarios', body)
      expect([JSON.stringify(body).slice(0, 80), res.status]).toEqual([JSON.stringify(body).slice(0, 80), status])
      const err = await res.json()
      expect(typeof err.error).toBe('string')
      expect(typeof err.message).toBe('string')
    }
    // Over the size limit: refused before parsing.
    const huge = await author.send('/api/siting/scenarios', { name: 'x', ...solved, pad: 'x'.repeat(2.5 * 1024 * 1024) })
    expect(huge.status).toBe(413)
    for (const path of ['/api/siting/scenarios/abc', '/api/siting/scenarios/0', '/api/siting/scenarios?area=x']) expect((await author.get(path)).status).toBe(400)
    expect((await author.get('/api/siting/scenarios/2000000000')).status).toBe(404)
    // Grid leaders do not site stations; no session, no scenarios.
    const leader = await t.as('leader')
    expect((await leader.get('/api/siting/scenarios')).status).toBe(403)
    expect((await leader.send('/api/siting/scenarios', { name: 'x', ...solved })).status).toBe(403)
    expect((await t.anonymous.get('/api/siting/scenarios')).status).toBe(401)
  })
})
