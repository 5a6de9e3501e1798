import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgDialect } from 'drizzle-orm/pg-core'
import type pg from 'pg'
import { coverageSql, type CoverageOptions } from '../../api/areas/coverage.ts'
import { testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

const DEFAULTS: CoverageOptions = { depth: '1', sliverM2: 1, sliverWidthM: 0.5 }

describe('GET /api/areas/:id/coverage on the seeded demo district', () => {
  it('finds full coverage under every parent of every level', async () => {
    const { rows } = await t.db.pool.query<{ id: number; level: string }>(
      `select id, level from areas where level <> 'micro_grid' order by id`,
    )
    expect(rows.length).toBeGreaterThan(10)
    for (const level of ['district', 'street', 'community', 'grid']) expect(rows.some((r) => r.level === level), level).toBe(true)
    for (const { id, level } of rows) {
      const { status, body } = await t.json(`/api/areas/${id}/coverage`)
      expect(status, `area ${id}`).toBe(200)
      expect(body.type).toBe('FeatureCollection')
      expect(body.features, `area ${id} (${level})`).toEqual([])
      expect(body.validated).toMatchObject({ area: id, depth: '1', parents: 1, sliver_m2: 1, sliver_width_m: 0.5 })
      expect(body.validated.children, `area ${id}`).toBeGreaterThan(0)
    }
  })

  it('validates the whole district, every level, in one request', async () => {
    const { status, body } = await t.json('/api/areas/1/coverage?depth=all')
    expect(status).toBe(200)
    expect(body.features).toEqual([])
    const { rows } = await t.db.pool.query(
      `select count(*) filter (where level <> 'micro_grid')::int as parents, count(*) filter (where parent_id is not null)::int as children
       from areas where path @> array[1]`,
    )
    expect(body.validated).toMatchObject({ area: 1, depth: 'all', parents: rows[0].parents, children: rows[0].children })
  })
})

describe('GET /api/areas/:id/coverage: scope and input', () => {
  const scopeOf = async (username: string) =>
    (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = $1`, [username])).rows[0].area_id as number

  it('lets a commander validate their street and nothing outside it', async () => {
    const street = await scopeOf('commander')
    const c = await t.as('commander')
    const own = await c.json(`/api/areas/${street}/coverage?depth=all`)
    expect(own.status).toBe(200)
    expect(own.body.features).toEqual([])
    const other = (await t.db.pool.query(`select id from areas where level = 'street' and id <> $1 order by id limit 1`, [street])).rows[0].id
    for (const id of [other, 1]) {
      const res = await c.json(`/api/areas/${id}/coverage`)
      expect(res.status, `area ${id}`).toBe(404)
      expect(res.body).toEqual({ error: 'not_found', message: `area ${id} does not exist` })
    }
  })

  it('answers a grid leader asking for their street (a visible ancestor, not theirs) exactly like an unknown area', async () => {
    const grid = await scopeOf('leader')
    const street = (await t.db.pool.query(`select street_id from areas where id = $1`, [grid])).rows[0].street_id
    const c = await t.as('leader')
    expect((await c.json(`/api/areas/${grid}/coverage`)).status).toBe(200)
    const hidden = await c.json(`/api/areas/${street}/coverage`)
    const unknown = await c.json('/api/areas/1999999/coverage')
    expect(hidden.status).toBe(404)
    expect(unknown.status).toBe(404)
    expect(hidden.body.error).toBe(unknown.body.error)
  })

  it.each([
    ['abc/coverage', 'id'],
    ['1/coverage?depth=2', 'depth'],
    ['1/coverage?sliver_m2=-1', 'sliver_m2'],
    ['1/coverage?sliver_width_m=abc', 'sliver_width_m'],
    ["1/coverage?sliver_m2=1';drop table areas;--", 'sliver_m2'],
  ])('rejects %s with 400 and a reason', async (path, field) => {
    const { status, body } = await t.json(`/api/areas/${path}`)
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_request')
    expect(body.message).toContain(field)
  })

  it('answers 400 for a micro-grid: the lowest level has nothing to validate', async () => {
    const id = (await t.db.pool.query(`select id from areas where level = 'micro_grid' order by id limit 1`)).rows[0].id
    const { status, body } = await t.json(`/api/areas/${id}/coverage`)
    expect(status).toBe(400)
    expect(body.error).toBe('no_children')
  })

  it('needs a session and is in the OpenAPI document', async () => {
    expect((await t.anonymous.get('/api/areas/1/coverage')).status).toBe(401)
    const { body } = await t.json('/api/openapi.json')
    expect(Object.keys(body.paths)).toContain('/areas/{id}/coverage')
  })
})

// ---------------------------------------------------------------------------------------------
// Broken fixtures. Other test files read the whole hierarchy at the same time (on PostgreSQL two
// files run at once; coverage.test.ts asserts the district has no gap, overlap or invalid ring
// anywhere), so committed broken areas could fail them. The fixtures therefore live in one
// transaction that is rolled back: inserted as the owner, then checked with the route's own SQL
// (coverageSql) as gridpulse_app with a scope set by app_set_scope, as every API request runs.
//
// Drawn in EPSG:32648 metres at the zone's central meridian (105° E, ~31° N, 70 km east of the
// demo district), so each expected area is a rectangle's: UTM's scale factor 0.9996 there makes
// the true area 1/0.9996² = 1.0008 times the planar one.

const E0 = 500_000
const N0 = 3_431_000
const UTM_AREA = 1 / 0.9996 ** 2
type Ring = [number, number][]
const box = (x0: number, y0: number, x1: number, y1: number): Ring => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
/** EWKT of a one-polygon MultiPolygon in EPSG:32648 offsets from (E0, N0). */
const utm = (ring: Ring) => `SRID=32648;MULTIPOLYGON(((${ring.map(([x, y]) => `${E0 + x} ${N0 + y}`).join(',')})))`
const tag = `cov-${process.pid}-${Date.now()}`

/** The fixture tree: a community of seven grids (tiling it), each grid one scenario of micro-grids. */
const SCENARIOS = {
  gap: { box: box(0, 0, 100, 100), micro: [box(0, 0, 50, 100), box(60, 0, 100, 100)] }, // 10 × 100 m missing
  overlap: { box: box(100, 0, 200, 100), micro: [box(100, 0, 160, 100), box(140, 0, 200, 100)] }, // 20 × 100 m twice
  outside: { box: box(200, 0, 300, 100), micro: [box(200, 0, 250, 100), box(250, 0, 300, 130)] }, // 50 × 30 m above
  // A bow-tie crossing itself at (325, 50) beside a sound micro-grid; its repair is two 1,250 m² triangles.
  invalid: { box: box(300, 0, 400, 100), micro: [[[300, 0], [350, 100], [350, 0], [300, 100], [300, 0]] as Ring, box(350, 0, 400, 100)] },
  // A 0.2 m wide strip between two micro-grids (20 m², thin) and a 0.9 × 0.9 m notch in a corner (0.81 m², tiny).
  sliver: {
    box: box(400, 0, 500, 100),
    micro: [box(400, 0, 450, 100), [[450.2, 0], [500, 0], [500, 99.1], [499.1, 99.1], [499.1, 100], [450.2, 100], [450.2, 0]] as Ring],
  },
  // Neighbours 1 mm apart: floating-point-size noise, never reported.
  noise: { box: box(500, 0, 600, 100), micro: [box(500, 0, 550, 100), box(550.001, 0, 600, 100)] },
  empty: { box: box(600, 0, 700, 100), micro: [] as Ring[] }, // a grid with no micro-grids yet
}
type Scenario = keyof typeof SCENARIOS

interface Fixture {
  root: number
  grid: Record<Scenario, number>
  micro: Record<Scenario, number[]>
}

type Feature = { geometry: { type: string; coordinates: unknown[] }; properties: Record<string, any> }
interface Result {
  features: Feature[]
  validated: Record<string, unknown>
}

let fx: Fixture
const results = new Map<string, Result>()
const key = (as: string, id: number, o: Partial<CoverageOptions>) => `${as}:${id}:${JSON.stringify({ ...DEFAULTS, ...o })}`

/** The features of one scenario grid's check (default tolerances, as admin). */
const problemsOf = (s: Scenario, o: Partial<CoverageOptions> = {}) => results.get(key('admin', fx.grid[s], o))!.features
const props = (fs: Feature[]) => fs.map((f) => f.properties)

async function insertArea(client: pg.PoolClient, level: string, parent: { id: number; path: number[] } | null, ring: Ring, n: number) {
  const { rows } = await client.query(
    `insert into areas (parent_id, level, code, name, geom, path, street_id)
     values ($1, $2, $3, $3, ST_Transform(ST_GeomFromEWKT($4), 4326), '{}', null) returning id`,
    [parent?.id ?? null, level, `${tag}-${level}-${n}`, utm(ring)],
  )
  const id = rows[0].id as number
  const path = [...(parent?.path ?? []), id]
  // As the seed sets it: the ids from the top down to the area itself (what the scope policy reads).
  // No street above the fixture tree, so street_id stays null.
  await client.query(`update areas set path = $2 where id = $1`, [id, `{${path.join(',')}}`])
  return { id, path }
}

beforeAll(async () => {
  const client = await t.db.pool.connect()
  const dialect = new PgDialect()
  const run = async (as: string, scope: string, id: number, o: Partial<CoverageOptions> = {}) => {
    await client.query(`select app_set_scope(${scope}); set local role gridpulse_app`)
    const q = dialect.sqlToQuery(coverageSql(id, { ...DEFAULTS, ...o }))
    const { rows } = await client.query(q.sql, q.params)
    await client.query('reset role')
    results.set(key(as, id, o), JSON.parse(rows[0].fc))
  }
  try {
    await client.query('begin')
    let n = 0
    const root = await insertArea(client, 'community', null, box(0, 0, 700, 100), n++)
    fx = { root: root.id, grid: {} as Fixture['grid'], micro: {} as Fixture['micro'] }
    for (const [name, s] of Object.entries(SCENARIOS) as [Scenario, (typeof SCENARIOS)[Scenario]][]) {
      const grid = await insertArea(client, 'grid', root, s.box, n++)
      fx.grid[name] = grid.id
      fx.micro[name] = []
      for (const ring of s.micro) fx.micro[name].push((await insertArea(client, 'micro_grid', grid, ring, n++)).id)
    }
    const admin = `'admin', null, '{1}'::integer[]`
    await run('admin', admin, root.id)
    await run('admin', admin, root.id, { depth: 'all' })
    for (const g of Object.values(fx.grid)) await run('admin', admin, g)
    await run('admin', admin, fx.grid.sliver, { sliverWidthM: 0 })
    await run('admin', admin, fx.grid.sliver, { sliverWidthM: 0, sliverM2: 0 })
    await run('admin', admin, fx.grid.noise, { sliverWidthM: 0, sliverM2: 0 })
    // A commander of the demo district's first street: RLS hides the fixtures from the same SQL.
    const demoStreet = (await client.query(`select id from areas where level = 'street' and path @> array[1] order by id limit 1`)).rows[0].id
    await run('commander', `'commander', null, '{${demoStreet}}'::integer[]`, root.id, { depth: 'all' })
  } finally {
    await client.query('rollback').catch(() => undefined)
    client.release()
  }
})

describe('coverage problems of deliberately broken areas (the route’s SQL, as gridpulse_app, rolled back)', () => {
  const near = (actual: number, expected: number, tol = 0.005) => expect(Math.abs(actual / expected - 1), `${actual} vs ${expected}`).toBeLessThan(tol)

  it('finds nothing wrong with a parent its children tile (up to projection noise along shared edges)', () => {
    expect(results.get(key('admin', fx.root, {}))!.features).toEqual([])
  })

  it('reports a gap with its area and the children along it', () => {
    const [gap, ...rest] = props(problemsOf('gap'))
    expect(rest).toEqual([])
    expect(gap).toMatchObject({ kind: 'gap', parent: fx.grid.gap, children: fx.micro.gap, reason: null, sliver_of: null })
    near(gap.area_m2, 1000 * UTM_AREA)
    near(gap.width_m, (2 * 1000) / 220, 0.01)
  })

  it('reports an overlap with its area and both children', () => {
    const fs = problemsOf('overlap')
    expect(props(fs).map((p) => p.kind)).toEqual(['overlap'])
    expect(fs[0].properties.children).toEqual(fx.micro.overlap)
    near(fs[0].properties.area_m2, 2000 * UTM_AREA)
    expect(fs[0].geometry.type).toMatch(/Polygon$/)
  })

  it('reports the part of a child outside its parent', () => {
    const fs = props(problemsOf('outside'))
    expect(fs.map((p) => p.kind)).toEqual(['outside'])
    expect(fs[0].children).toEqual([fx.micro.outside[1]])
    near(fs[0].area_m2, 1500 * UTM_AREA)
  })

  it('reports an invalid child first, with the PostGIS reason, and still checks the rest', () => {
    const fs = props(problemsOf('invalid'))
    expect(fs[0]).toMatchObject({ kind: 'invalid', children: [fx.micro.invalid[0]], sliver_of: null })
    expect(fs[0].reason).toMatch(/self-intersection/i)
    // ST_IsValidDetail places the fault where the bow-tie crosses itself: (325, 50) m from the origin.
    const [lon, lat] = fs[0].location
    expect(lon).toBeCloseTo(105 + 325 / 95_500, 4)
    expect(lat).toBeGreaterThan(31.0126)
    near(fs[0].area_m2, 2500 * UTM_AREA)
    // The repaired bow-tie leaves two triangles of the grid uncovered, 1,250 m² each.
    const gaps = fs.slice(1)
    expect(gaps.map((p) => p.kind)).toEqual(['gap', 'gap'])
    for (const g of gaps) {
      near(g.area_m2, 1250 * UTM_AREA)
      expect(g.children).toContain(fx.micro.invalid[0])
    }
  })

  it('calls thin and tiny pieces slivers, and gaps once the tolerances are zero', () => {
    const fs = props(problemsOf('sliver'))
    expect(fs.map((p) => [p.kind, p.sliver_of])).toEqual([['sliver', 'gap'], ['sliver', 'gap']])
    const [strip, notch] = fs
    near(strip.area_m2, 20 * UTM_AREA, 0.01)
    expect(strip.width_m).toBeLessThan(0.25)
    expect(strip.children).toEqual(fx.micro.sliver)
    near(notch.area_m2, 0.81 * UTM_AREA, 0.02)

    // Width tolerance off: the 20 m² strip is a gap; the 0.81 m² notch is still under sliver_m2 = 1.
    const byArea = props(problemsOf('sliver', { sliverWidthM: 0 }))
    expect(byArea.map((p) => [p.kind, p.sliver_of])).toEqual([['gap', null], ['sliver', 'gap']])
    const none = props(problemsOf('sliver', { sliverWidthM: 0, sliverM2: 0 }))
    expect(none.map((p) => p.kind)).toEqual(['gap', 'gap'])
  })

  it('treats a 1 mm misalignment as noise, whatever the sliver tolerances', () => {
    expect(problemsOf('noise')).toEqual([])
    expect(problemsOf('noise', { sliverWidthM: 0, sliverM2: 0 })).toEqual([])
  })

  it('reports a parent without children as one gap, the whole parent', () => {
    const fs = props(problemsOf('empty'))
    expect(fs).toHaveLength(1)
    expect(fs[0]).toMatchObject({ kind: 'gap', children: [] })
    near(fs[0].area_m2, 10_000 * UTM_AREA)
  })

  it('validates every level below with depth=all, each problem naming its parent', () => {
    const all = results.get(key('admin', fx.root, { depth: 'all' }))!
    expect(all.validated).toMatchObject({ parents: 8, children: 7 + 12 })
    const byParent = (c: number) => all.features.filter((f) => f.properties.parent === c).map((f) => f.properties)
    for (const s of Object.keys(SCENARIOS) as Scenario[]) expect(byParent(fx.grid[s]), s).toEqual(props(problemsOf(s)))
    // Invalid geometries come first in the collection.
    expect(all.features[0].properties.kind).toBe('invalid')
  })

  it('sees nothing of areas outside the scope (row-level security applies to the same SQL)', () => {
    const hidden = results.get(key('commander', fx.root, { depth: 'all' }))!
    expect(hidden.features).toEqual([])
    expect(hidden.validated).toMatchObject({ parents: 0, children: 0 })
  })
})
