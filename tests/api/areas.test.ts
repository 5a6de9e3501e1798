import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

describe('GET /api/health', () => {
  it('names the database and the PostGIS version', async () => {
    const { status, body } = await t.json('/api/health')
    expect(status).toBe(200)
    expect(body.ok).toBe(true)
    expect(['embedded', 'postgres']).toContain(body.db)
    expect(body.postgis).toMatch(/^3\.\d+/)
  })
})

describe('GET /api/areas', () => {
  it('lists grids as GeoJSON features with the contract properties', async () => {
    const { status, body } = await t.json('/api/areas?level=grid')
    expect(status).toBe(200)
    expect(body.type).toBe('FeatureCollection')
    expect(body.features.length).toBeGreaterThan(10)
    const f = body.features[0]
    expect(f.geometry.type).toBe('MultiPolygon')
    expect(f.id).toBe(f.properties.id)
    expect(Object.keys(f.properties).sort()).toEqual(['code', 'households', 'id', 'level', 'name', 'parent', 'population'])
    expect(body.features.every((x: any) => x.properties.level === 'grid')).toBe(true)
  })

  it('filters by parent and by bbox', async () => {
    const streets = (await t.json('/api/areas?level=street')).body.features
    const parent = streets[0].properties.id
    const kids = (await t.json(`/api/areas?parent=${parent}`)).body.features
    expect(kids.length).toBeGreaterThan(0)
    expect(kids.every((k: any) => k.properties.parent === parent && k.properties.level === 'community')).toBe(true)

    const all = (await t.json('/api/areas?level=micro_grid')).body.features
    const [x, y] = all[0].geometry.coordinates[0][0][0]
    const near = (await t.json(`/api/areas?level=micro_grid&bbox=${x - 0.001},${y - 0.001},${x + 0.001},${y + 0.001}`)).body.features
    expect(near.length).toBeGreaterThan(0)
    expect(near.length).toBeLessThan(all.length)
    const empty = (await t.json('/api/areas?bbox=0,0,1,1')).body.features
    expect(empty).toEqual([])
  })

  it.each([
    ['level=county', 'level'],
    ['bbox=1,2,3', 'bbox'],
    ['bbox=104.3,30.5,104.2,30.6', 'bbox'],
    ['bbox=200,30,201,31', 'bbox'],
    ["bbox=1,2,3,4';drop table areas;--", 'bbox'],
    ['parent=abc', 'parent'],
    ['parent=-1', 'parent'],
  ])('rejects %s with 400 and a reason', async (query, field) => {
    const { status, body } = await t.json(`/api/areas?${query}`)
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_request')
    expect(body.message).toContain(field)
    expect(JSON.stringify(body)).not.toMatch(/syntax|SELECT|postgres/i)
  })
})

describe('GET /api/areas/:id', () => {
  it('returns a grid with ancestors, children, workers and incident counts', async () => {
    const grid = (await t.json('/api/areas?level=grid')).body.features[0].properties
    const { status, body } = await t.json(`/api/areas/${grid.id}`)
    expect(status).toBe(200)
    expect(body).toMatchObject({ id: grid.id, level: 'grid', name: grid.name, households: grid.households })
    expect(body.ancestors.map((a: any) => a.level)).toEqual(['district', 'street', 'community'])
    expect(body.children.length).toBeGreaterThan(0)
    expect(body.children.every((c: any) => c.level === 'micro_grid')).toBe(true)
    expect(body.children.reduce((s: number, c: any) => s + c.households, 0)).toBe(body.households)
    expect(body.workers.map((w: any) => w.role)).toContain('grid_leader')
    const byType = Object.values(body.incidents.by_type) as number[]
    expect(byType.reduce((s, n) => s + n, 0)).toBe(body.incidents.total)
    expect(body.bbox).toHaveLength(4)
  })

  it('counts the whole district for the district itself', async () => {
    const { body } = await t.json('/api/areas/1')
    expect(body.level).toBe('district')
    const { rows } = await t.db.pool.query('select count(*)::int n from incidents')
    expect(body.incidents.total).toBe(rows[0].n)
  })

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await t.json('/api/areas/999999')).status).toBe(404)
    expect((await t.json('/api/areas/999999')).body.error).toBe('not_found')
    expect((await t.json('/api/areas/abc')).status).toBe(400)
  })
})

describe('OpenAPI', () => {
  it('documents the contract routes', async () => {
    const { status, body } = await t.json('/api/openapi.json')
    expect(status).toBe(200)
    for (const p of ['/health', '/areas', '/areas/{id}', '/incidents', '/stations']) expect(Object.keys(body.paths)).toContain(p)
    const page = await t.get('/api/docs')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('swagger-ui-bundle.js')
  })

  it('answers unknown routes with the error shape', async () => {
    const { status, body } = await t.json('/api/nope')
    expect(status).toBe(404)
    expect(body.error).toBe('not_found')
  })
})
