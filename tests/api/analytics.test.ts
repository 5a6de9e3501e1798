import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

// The seeded incidents end on 2026-11-01 (tests/setup/global.ts); September vs August 2026.
const FROM = '2026-09-01T00:00:00Z'
const TO = '2026-10-01T00:00:00Z'

describe('GET /api/analytics/areas', () => {
  it('counts incidents per area for the period and the equal period before, per 1,000 households', async () => {
    const { status, body } = await t.json(`/api/analytics/areas?level=grid&from=${FROM}&to=${TO}`)
    expect(status).toBe(200)
    const { rows } = await t.db.pool.query(
      `select a.id, a.households,
              (select count(*)::int from incidents i where i.grid_id = a.id and i.reported_at >= $1 and i.reported_at < $2) n,
              (select count(*)::int from incidents i where i.grid_id = a.id and i.reported_at >= $1::timestamptz - ($2::timestamptz - $1::timestamptz) and i.reported_at < $1) prev
       from areas a where a.level = 'grid' order by a.id`,
      [FROM, TO],
    )
    expect(body.features.map((f: any) => f.id)).toEqual(rows.map((r) => r.id))
    for (const [k, f] of body.features.entries()) {
      const r = rows[k]
      expect(f.properties).toMatchObject({ count: r.n, previous_count: r.prev, households: r.households })
      expect(f.properties.rate_per_1000_households).toBeCloseTo((r.n * 1000) / r.households, 2)
      if (r.prev > 0) expect(f.properties.change).toBeCloseTo((r.n - r.prev) / r.prev, 4)
      else expect(f.properties.change).toBeNull()
    }
    expect(body.features.reduce((s: number, f: any) => s + f.properties.count, 0)).toBeGreaterThan(0)
    expect(body.features[0].geometry.type).toBe('MultiPolygon')
    const bare = await t.json(`/api/analytics/areas?level=grid&from=${FROM}&to=${TO}&geometry=false`)
    expect(bare.body.features[0].geometry).toBeNull()
  })

  it('filters by type and answers the district level', async () => {
    const noise = await t.json(`/api/analytics/areas?level=district&from=${FROM}&to=${TO}&type=noise`)
    const { rows } = await t.db.pool.query(`select count(*)::int n from incidents where type = 'noise' and reported_at >= $1 and reported_at < $2`, [FROM, TO])
    expect(noise.body.features).toHaveLength(1)
    expect(noise.body.features[0].properties.count).toBe(rows[0].n)
  })

  it('gives planners aggregates and each user only the areas of their scope', async () => {
    const planner = await t.as('planner')
    const p = await planner.json(`/api/analytics/areas?level=district&from=${FROM}&to=${TO}`)
    const all = await t.json(`/api/analytics/areas?level=district&from=${FROM}&to=${TO}`)
    expect(p.status).toBe(200)
    expect(p.body.features[0].properties.count).toBe(all.body.features[0].properties.count)
    const leader = await t.as('leader')
    const G1 = (await t.db.pool.query(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`)).rows[0].area_id
    const micro = await leader.json(`/api/analytics/areas?level=micro_grid&from=${FROM}&to=${TO}`)
    const own = (await t.db.pool.query(`select count(*)::int n from areas where parent_id = $1`, [G1])).rows[0].n
    expect(micro.body.features).toHaveLength(own)
    // The street above the leader's grid is context, not scope.
    expect((await leader.json(`/api/analytics/areas?level=street&from=${FROM}&to=${TO}`)).body.features).toEqual([])
  })

  it('refuses a bad period, level or type with 400', async () => {
    for (const q of [`from=${TO}&to=${FROM}`, 'level=planet', 'type=noise,alien', `from=2020-01-01&to=2026-01-01`, "type='", 'from=yesterday']) {
      const res = await t.json(`/api/analytics/areas?${q}`)
      expect(res.status, q).toBe(400)
      expect(JSON.stringify(res.body)).not.toMatch(/syntax|SQLSTATE/)
    }
    expect((await t.anonymous.get('/api/analytics/areas')).status).toBe(401)
  })
})
