import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../api/auth/service.ts'
import { signIn, testApi, type Client } from '../helpers/api.ts'

// Users of different scopes hammer the API at once: every request runs on a pooled connection in
// its own scoped transaction, so a setting left behind or shared would show up as a foreign row.
let t: Awaited<ReturnType<typeof testApi>>
interface Who {
  name: string
  client: Client
  /** Does an incident's (street, grid) belong to this user? */
  owns(streetId: number, gridId: number): boolean
}
let users: Who[] = []

beforeAll(async () => {
  t = await testApi()
  const q = async (sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows
  const S1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`))[0].area_id
  const G1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  const S2 = (await q(`select id from areas where level = 'street' and id <> $1 order by id limit 1`, [S1]))[0].id
  const G2 = (await q(`select grid_id from incidents where street_id = $1 group by 1 order by count(*) desc limit 1`, [S2]))[0].grid_id
  const suffix = `${process.pid}_${Date.now() % 100000}`
  await createUser(t.db.pool, { username: `iso_c2_${suffix}`, password: 'isolation-pw', role: 'commander', areaIds: [S2] })
  await createUser(t.db.pool, { username: `iso_l2_${suffix}`, password: 'isolation-pw', role: 'grid_leader', areaIds: [G2] })
  users = [
    { name: 'commander S1', client: await t.as('commander'), owns: (s) => s === S1 },
    { name: 'leader G1', client: await t.as('leader'), owns: (_s, g) => g === G1 },
    { name: 'member G1', client: await t.as('member'), owns: (_s, g) => g === G1 },
    { name: 'commander S2', client: await signIn(t.api, `iso_c2_${suffix}`, 'isolation-pw'), owns: (s) => s === S2 },
    { name: 'leader G2', client: await signIn(t.api, `iso_l2_${suffix}`, 'isolation-pw'), owns: (_s, g) => g === G2 },
    { name: 'admin', client: await t.as('admin'), owns: () => true },
  ]
})
afterAll(() => t.close())

describe('10,000 interleaved requests from users of different scopes', () => {
  it('leak no row across users', async () => {
    const TOTAL = Number(process.env.ISO_TOTAL ?? 10_000)
    const IN_FLIGHT = Number(process.env.ISO_FLIGHT ?? 48)
    let next = 0
    let leaks = 0
    let rows = 0
    const statuses = new Map<number, number>()
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++
        const who = users[i % users.length]
        // Pages at different depths, so queries differ in cost and finish out of order.
        const res = await who.client.get(`/api/incidents?limit=${1 + (i % 7) * 3}`)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        if (res.status !== 200) continue
        const body = await res.json()
        for (const f of body.features) {
          rows++
          if (!who.owns(f.properties.street_id, f.properties.grid_id)) leaks++
        }
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    expect(Object.fromEntries(statuses)).toEqual({ 200: TOTAL })
    expect(rows).toBeGreaterThan(TOTAL)
    expect(leaks).toBe(0)
  }, 300_000)
})
