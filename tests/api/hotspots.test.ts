import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from '../helpers/api.ts'
import { denseWeights, naiveClasses, naiveGiStar } from '../helpers/gistar-naive.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

// The seeded incidents end on 2026-11-01 (tests/setup/global.ts): six months of them.
const FROM = '2026-05-01T00:00:00Z'
const TO = '2026-11-01T00:00:00Z'
const COLUMN = { micro_grid: 'micro_grid_id', grid: 'grid_id', community: 'community_id' } as const
type Level = keyof typeof COLUMN

const q = async <T = any>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]

/** Ids of the areas of `level` in a demo user's scope, computed here from user_areas and paths. */
async function regionOf(username: string, level: Level): Promise<number[]> {
  const rows = await q<{ id: number }>(
    `select a.id from areas a where a.level = $2 and a.path && array(
       select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = $1)
     order by a.id`,
    [username, level],
  )
  return rows.map((r) => r.id)
}

/** Incidents per area (same order as ids), counted straight from the table. */
async function countsOf(level: Level, ids: number[], from = FROM, to = TO, types: string[] | null = null): Promise<number[]> {
  const rows = await q<{ id: number; n: number }>(
    `select a.id, count(i.id)::int n from unnest($1::int[]) a(id)
     left join incidents i on i.${COLUMN[level]} = a.id and i.reported_at >= $2 and i.reported_at < $3 and ($4::text[] is null or i.type = any($4))
     group by a.id`,
    [ids, from, to, types],
  )
  const n = new Map(rows.map((r) => [r.id, r.n]))
  return ids.map((id) => n.get(id)!)
}

/** Neighbour pairs among `ids` by another predicate than the app's: ST_Touches, or centroid distance in UTM 48N. */
async function pairsOf(ids: number[], weights: 'contiguity' | 'distance', d = 0): Promise<Set<string>> {
  const rows =
    weights === 'contiguity'
      ? await q<{ a: number; b: number }>(
          `select a.id a, b.id b from areas a join areas b on a.id <> b.id and ST_Touches(a.geom, b.geom)
           where a.id = any($1) and b.id = any($1)`,
          [ids],
        )
      : await q<{ a: number; b: number }>(
          `with c as (select id, ST_Transform(ST_Centroid(geom), 32648) g from areas where id = any($1))
           select a.id a, b.id b from c a join c b on a.id <> b.id and ST_DWithin(a.g, b.g, $2)`,
          [ids, d],
        )
  return new Set(rows.map((r) => `${r.a},${r.b}`))
}

/** What the answer must be, from the naive dense-matrix Gi*. */
async function expected(ids: number[], counts: number[], weights: 'contiguity' | 'distance', d = 0) {
  const pairs = await pairsOf(ids, weights, d)
  const W = denseWeights(ids.length, (i, j) => pairs.has(`${ids[i]},${ids[j]}`))
  return { W, ...naiveGiStar(counts, W) }
}

function expectMatches(features: any[], ids: number[], counts: number[], e: { W: number[][]; z: number[]; p: number[] }, fdr = false) {
  expect(features.map((f) => f.id)).toEqual(ids)
  const classes = naiveClasses(e.z, e.p, fdr)
  features.forEach((f, i) => {
    const p = f.properties
    expect(p.id).toBe(ids[i])
    expect(p.count, `count of ${ids[i]}`).toBe(counts[i])
    expect(p.neighbours).toBe(e.W[i].reduce((a, b) => a + b, 0))
    expect(p.gi_z, `z of ${ids[i]}`).toBeCloseTo(e.z[i], 9)
    expect(p.gi_p).toBeCloseTo(e.p[i], 6)
    expect(p.class, `class of ${ids[i]} (z ${p.gi_z}, p ${p.gi_p})`).toBe(classes[i])
    expect(typeof p.name).toBe('string')
  })
}

const hot = (features: any[]) => features.filter((f) => f.properties.class !== 'none').length

describe('GET /api/analytics/hotspots', () => {
  it('answers Gi* over every micro-grid of the district as the naive implementation does (queen contiguity)', async () => {
    const res = await t.json(`/api/analytics/hotspots?from=${FROM}&to=${TO}`)
    expect(res.status).toBe(200)
    expect(res.body.type).toBe('FeatureCollection')
    const ids = await regionOf('admin', 'micro_grid')
    expect(ids.length).toBeGreaterThan(100)
    const counts = await countsOf('micro_grid', ids)
    expectMatches(res.body.features, ids, counts, await expected(ids, counts, 'contiguity'))
    // The seeded district has real hot and cold spots, so the classes above were put to the test.
    expect(res.body.features.some((f: any) => f.properties.class.startsWith('hot'))).toBe(true)
    expect(res.body.features[0].geometry.type).toBe('MultiPolygon')
    expect(res.body.study).toMatchObject({ level: 'micro_grid', n: ids.length, weights: 'contiguity', distance_m: null, fdr: false, from: '2026-05-01T00:00:00.000Z' })
    expect(res.body.study.mean).toBeCloseTo(counts.reduce((a, b) => a + b, 0) / ids.length, 9)
  })

  it('answers distance-band weights (centroids within d metres) on micro-grids and grids', async () => {
    for (const [level, d] of [['micro_grid', 300], ['grid', 700], ['community', 1500]] as const) {
      const res = await t.json(`/api/analytics/hotspots?level=${level}&weights=distance&distance=${d}&from=${FROM}&to=${TO}&geometry=false`)
      expect(res.status).toBe(200)
      const ids = await regionOf('admin', level)
      const counts = await countsOf(level, ids)
      const e = await expected(ids, counts, 'distance', d)
      expect(e.W.some((row) => row.reduce((a, b) => a + b, 0) > 2)).toBe(true)
      expectMatches(res.body.features, ids, counts, e)
      expect(res.body.features[0].geometry).toBeNull()
      expect(res.body.study).toMatchObject({ level, weights: 'distance', distance_m: d })
    }
  })

  it('defaults the period to the 30 days before `to` and the distance to 500 m, and filters by type', async () => {
    const to = '2026-10-15T00:00:00Z'
    const from = '2026-09-15T00:00:00Z'
    const res = await t.json(`/api/analytics/hotspots?level=grid&weights=distance&to=${to}&type=noise,parking_dispute`)
    expect(res.status).toBe(200)
    expect(res.body.study).toMatchObject({ from: '2026-09-15T00:00:00.000Z', distance_m: 500 })
    const ids = await regionOf('admin', 'grid')
    const counts = await countsOf('grid', ids, from, to, ['noise', 'parking_dispute'])
    expectMatches(res.body.features, ids, counts, await expected(ids, counts, 'distance', 500))
  })

  it('applies the false discovery rate as Benjamini–Hochberg per level, never adding significance', async () => {
    const rank = (c: string) => (c === 'none' ? 0 : Number(c.slice(-2)))
    for (const weights of ['contiguity', 'distance'] as const) {
      const base = `/api/analytics/hotspots?level=micro_grid&weights=${weights}&from=${FROM}&to=${TO}&geometry=false`
      const plain = (await t.json(base)).body.features
      const fdr = (await t.json(`${base}&fdr=true`)).body.features
      const ids = await regionOf('admin', 'micro_grid')
      const counts = await countsOf('micro_grid', ids)
      expectMatches(fdr, ids, counts, await expected(ids, counts, weights, 500), true)
      fdr.forEach((f: any, i: number) => {
        expect(f.properties.gi_z).toBe(plain[i].properties.gi_z)
        expect(rank(f.properties.class)).toBeLessThanOrEqual(rank(plain[i].properties.class))
        if (f.properties.class !== 'none') expect(f.properties.class.slice(0, 3)).toBe(plain[i].properties.class.slice(0, 3))
      })
      // On this district the correction does bite (the comparison above is not between equals).
      expect(hot(fdr)).toBeGreaterThan(0)
      expect(hot(fdr)).toBeLessThan(hot(plain))
    }
  })

  it('classes by p < 0.01 / 0.05 / 0.10 and the sign of z', async () => {
    const { body } = await t.json(`/api/analytics/hotspots?from=${FROM}&to=${TO}&geometry=false`)
    const seen = new Set<string>()
    for (const { properties: p } of body.features) {
      const level = p.gi_p < 0.01 ? '99' : p.gi_p < 0.05 ? '95' : p.gi_p < 0.1 ? '90' : null
      expect(p.class).toBe(level === null || p.gi_z === 0 ? 'none' : `${p.gi_z > 0 ? 'hot' : 'cold'}${level}`)
      expect(Number.isFinite(p.gi_z) && p.gi_p > 0 && p.gi_p <= 1).toBe(true)
      seen.add(p.class)
    }
    expect(seen.size).toBeGreaterThan(2)
  })

  it('gives z = 0, p = 1, class none in degenerate cases, never NaN or 500', async () => {
    const cases = [
      // No incident at all in the period: every count 0, S = 0.
      '/api/analytics/hotspots?from=2020-01-01&to=2020-02-01',
      // A band shorter than any two centroids' distance: every area is alone.
      `/api/analytics/hotspots?weights=distance&distance=50&from=${FROM}&to=${TO}`,
    ]
    for (const url of cases) {
      const res = await t.json(url)
      expect(res.status, url).toBe(200)
      expect(res.body.features.length).toBeGreaterThan(100)
      for (const f of res.body.features) expect(f.properties, url).toMatchObject({ gi_z: 0, gi_p: 1, class: 'none' })
    }
    // A grid leader's one grid: n = 1 < 3.
    const leader = await t.as('leader')
    const one = await leader.json(`/api/analytics/hotspots?level=grid&from=${FROM}&to=${TO}`)
    expect(one.status).toBe(200)
    expect(one.body.features).toHaveLength(1)
    expect(one.body.features[0].properties).toMatchObject({ gi_z: 0, gi_p: 1, class: 'none' })
  })

  it('takes the study region from the caller’s scope: commander their street, leader their grid, planner the district', async () => {
    for (const [user, level] of [['commander', 'micro_grid'], ['commander', 'grid'], ['leader', 'micro_grid']] as const) {
      const c = await t.as(user)
      const res = await c.json(`/api/analytics/hotspots?level=${level}&from=${FROM}&to=${TO}&geometry=false`)
      expect(res.status, `${user} ${level}`).toBe(200)
      const ids = await regionOf(user, level)
      const all = await regionOf('admin', level)
      expect(ids.length).toBeGreaterThan(2)
      expect(ids.length).toBeLessThan(all.length)
      const counts = await countsOf(level, ids)
      // Neighbours outside the scope are outside the study region: X̄, S and W_i are the region's own.
      expectMatches(res.body.features, ids, counts, await expected(ids, counts, 'contiguity'))
    }
    const planner = await t.as('planner')
    const p = await planner.json(`/api/analytics/hotspots?from=${FROM}&to=${TO}&geometry=false`)
    const a = await t.json(`/api/analytics/hotspots?from=${FROM}&to=${TO}&geometry=false`)
    expect(p.status).toBe(200)
    expect(p.body.features).toEqual(a.body.features)
  })

  it('refuses bad input with 400 and a reason', async () => {
    for (const qs of [
      'level=planet', 'level=street', 'level=district', 'weights=queen', 'weights=distance&distance=0', 'weights=distance&distance=-5',
      'weights=distance&distance=1e9', 'weights=distance&distance=abc', 'weights=distance&distance=20', 'distance=500',
      'fdr=yes', 'geometry=maybe', `from=${TO}&to=${FROM}`, `from=${FROM}&to=${FROM}`, 'from=yesterday', 'from=2020-01-01&to=2026-01-01',
      'type=noise,alien', "type='", "type=noise');drop table incidents;--",
    ]) {
      const res = await t.json(`/api/analytics/hotspots?${qs}`)
      expect(res.status, qs).toBe(400)
      expect(res.body.error, qs).toBe('invalid_request')
      expect(res.body.message.length).toBeGreaterThan(5)
      expect(JSON.stringify(res.body)).not.toMatch(/syntax|SQLSTATE|select /i)
    }
    expect((await t.anonymous.get('/api/analytics/hotspots')).status).toBe(401)
  })

  it('keeps the neighbour table right when an area’s geometry changes', async () => {
    const client = await t.db.pool.connect()
    const pairs = async () => {
      const r = await client.query<{ a: number; b: number }>(`select area_id a, neighbour_id b from area_neighbours where level = 'micro_grid' order by 1, 2`)
      return r.rows.map((x) => `${x.a},${x.b}`)
    }
    const touching = async () => {
      const r = await client.query<{ a: number; b: number }>(
        `select a.id a, b.id b from areas a join areas b on b.level = a.level and a.id <> b.id and ST_Touches(a.geom, b.geom) where a.level = 'micro_grid' order by 1, 2`,
      )
      return r.rows.map((x) => `${x.a},${x.b}`)
    }
    try {
      await client.query('begin')
      const before = await pairs()
      expect(before).toEqual(await touching())
      const { rows } = await client.query(`select id, ST_AsEWKB(geom) as ewkb from areas where level = 'micro_grid' order by id limit 1 offset 40`)
      const { id, ewkb } = rows[0]
      expect(before.some((p) => p.startsWith(`${id},`))).toBe(true)
      // Shrink it to a small disc inside itself: it touches nothing any more.
      await client.query(`update areas set geom = ST_Multi(ST_Buffer(ST_PointOnSurface(geom), 0.0001)) where id = $1`, [id])
      const shrunk = await pairs()
      expect(shrunk.some((p) => p.split(',').includes(String(id)))).toBe(false)
      expect(shrunk).toEqual(await touching())
      // A statement that changes no geometry (totals) leaves the table as it is.
      await client.query(`update areas set households = households where level = 'micro_grid'`)
      expect(await pairs()).toEqual(shrunk)
      // Back to its own boundary: the same pairs as before.
      await client.query(`update areas set geom = ST_GeomFromEWKB($2) where id = $1`, [id, ewkb])
      expect(await pairs()).toEqual(before)
    } finally {
      await client.query('rollback')
      client.release()
    }
  })
})

/** DBSCAN written out naively over projected points: the number of clusters and of clustered points. */
function naiveDbscan(pts: { x: number; y: number }[], eps: number, minPoints: number) {
  const near = (i: number) => pts.map((_, j) => j).filter((j) => Math.hypot(pts[i].x - pts[j].x, pts[i].y - pts[j].y) <= eps)
  const nbrs = pts.map((_, i) => near(i))
  const core = nbrs.map((n) => n.length >= minPoints)
  // Clusters = connected components of core points; members = core points and points near one.
  const comp = new Array(pts.length).fill(-1)
  let k = 0
  for (let i = 0; i < pts.length; i++) {
    if (!core[i] || comp[i] >= 0) continue
    const stack = [i]
    comp[i] = k
    while (stack.length) for (const j of nbrs[stack.pop()!]) if (core[j] && comp[j] < 0) (comp[j] = k), stack.push(j)
    k++
  }
  const clustered = pts.filter((_, i) => core[i] || nbrs[i].some((j) => core[j])).length
  return { clusters: k, clustered }
}

describe('GET /api/analytics/clusters', () => {
  const points = async (where: string, params: unknown[]) =>
    q<{ x: number; y: number }>(
      `select ST_X(g) x, ST_Y(g) y from (select ST_Transform(geom, 32648) g from incidents i where ${where}) s`,
      params,
    )

  it('answers one feature per DBSCAN cluster whose counts add up, each with at least min_points', async () => {
    const from = '2026-10-01T00:00:00Z'
    const res = await t.json(`/api/analytics/clusters?from=${from}&to=${TO}&eps=60&min_points=4`)
    expect(res.status).toBe(200)
    const { features, summary } = res.body
    const pts = await points(`reported_at >= $1 and reported_at < $2`, [from, TO])
    expect(summary).toMatchObject({ incidents: pts.length, eps_m: 60, min_points: 4 })
    expect(features.length).toBeGreaterThan(1)
    const naive = naiveDbscan(pts, 60, 4)
    expect(features).toHaveLength(naive.clusters)
    expect(summary.clustered).toBe(naive.clustered)
    expect(features.reduce((s: number, f: any) => s + f.properties.count, 0)).toBe(summary.clustered)
    expect(summary.clustered + summary.noise).toBe(summary.incidents)
    features.forEach((f: any, i: number) => {
      const p = f.properties
      expect(p.cluster).toBe(i + 1)
      expect(f.id).toBe(p.cluster)
      expect(p.count).toBeGreaterThanOrEqual(4)
      if (i > 0) expect(p.count).toBeLessThanOrEqual(features[i - 1].properties.count)
      expect(Object.values(p.types as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(p.count)
      expect(p.first >= from.slice(0, 19) && p.first <= p.last && p.last < TO).toBe(true)
      expect(f.geometry.type).toBe('Polygon')
    })
  })

  it('filters by type and area, and keeps each user to their scope', async () => {
    const noise = await t.json(`/api/analytics/clusters?from=${FROM}&to=${TO}&type=noise&min_points=3&eps=200`)
    expect(noise.status).toBe(200)
    for (const f of noise.body.features) expect(Object.keys(f.properties.types)).toEqual(['noise'])
    const [{ n: noiseN }] = await q(`select count(*)::int n from incidents where type = 'noise' and reported_at >= $1 and reported_at < $2`, [FROM, TO])
    expect(noise.body.summary.incidents).toBe(noiseN)

    const [street] = await regionOfLevel('commander', 'street')
    const commander = await t.as('commander')
    const own = await commander.json(`/api/analytics/clusters?from=${FROM}&to=${TO}&min_points=5`)
    expect(own.status).toBe(200)
    const pts = await points(`street_id = $1 and reported_at >= $2 and reported_at < $3`, [street, FROM, TO])
    expect(own.body.summary.incidents).toBe(pts.length)
    expect(own.body.features).toHaveLength(naiveDbscan(pts, 100, 5).clusters)

    // Without min_points the core size is scaled to the street's mean density: 3× the incidents an
    // eps-disc holds on average, at least 5.
    const auto = await commander.json(`/api/analytics/clusters?from=${FROM}&to=${TO}&eps=150`)
    const [{ m2 }] = await q(`select ST_Area(geom::geography) m2 from areas where id = $1`, [street])
    const expected = Math.max(5, Math.ceil((3 * pts.length * Math.PI * 150 ** 2) / m2))
    expect(expected).toBeGreaterThan(5)
    expect(auto.body.summary.min_points).toBe(expected)
    expect(auto.body.features).toHaveLength(naiveDbscan(pts, 150, expected).clusters)

    const [grid] = await regionOfLevel('leader', 'grid')
    const inGrid = await t.json(`/api/analytics/clusters?from=${FROM}&to=${TO}&area=${grid}&min_points=3`)
    const [{ n: gridN }] = await q(`select count(*)::int n from incidents where grid_id = $1 and reported_at >= $2 and reported_at < $3`, [grid, FROM, TO])
    expect(inGrid.body.summary.incidents).toBe(gridN)
    // Another street's area is as unknown to the commander as a missing one.
    const [other] = await q(`select id from areas where level = 'street' and id <> $1 limit 1`, [street])
    expect((await commander.json(`/api/analytics/clusters?area=${other.id}`)).status).toBe(404)
  })

  it('refuses planners (individual points) with 403 aggregates_only', async () => {
    const planner = await t.as('planner')
    const res = await planner.json(`/api/analytics/clusters?from=${FROM}&to=${TO}`)
    expect(res.status).toBe(403)
    expect(res.body.error).toBe('aggregates_only')
  })

  it('answers an empty collection when nothing is dense enough', async () => {
    const res = await t.json(`/api/analytics/clusters?from=${FROM}&to=${TO}&eps=5&min_points=1000`)
    expect(res.status).toBe(200)
    expect(res.body.features).toEqual([])
    expect(res.body.summary.noise).toBe(res.body.summary.incidents)
  })

  it('refuses bad input with 400 and a reason', async () => {
    for (const qs of [
      'eps=0', 'eps=-1', 'eps=4', 'eps=5000', 'eps=abc', 'min_points=1', 'min_points=0', 'min_points=2.5', 'min_points=100000',
      `from=${TO}&to=${FROM}`, 'from=yesterday', "type='", 'type=alien', 'area=abc', 'area=-1', "area=1;drop table incidents",
    ]) {
      const res = await t.json(`/api/analytics/clusters?${qs}`)
      expect(res.status, qs).toBe(400)
      expect(res.body.error, qs).toBe('invalid_request')
      expect(JSON.stringify(res.body)).not.toMatch(/syntax|SQLSTATE|select /i)
    }
  })
})

/** Ids of the areas of any level a demo user holds directly. */
async function regionOfLevel(username: string, level: string): Promise<number[]> {
  const rows = await q<{ id: number }>(
    `select a.id from user_areas ua join users u on u.id = ua.user_id join areas a on a.id = ua.area_id where u.username = $1 and a.level = $2`,
    [username, level],
  )
  return rows.map((r) => r.id)
}
