import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INCIDENT_TYPES } from '../../geo-data/generate/types.ts'
import { testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

describe('GET /api/incidents', () => {
  it('pages through a filtered list newest first without repeats', async () => {
    const seen = new Set<number>()
    let cursor: string | null = null
    let last = Infinity
    let pages = 0
    do {
      const q: string = `/api/incidents?type=parking_dispute&limit=50${cursor ? `&cursor=${cursor}` : ''}`
      const { status, body } = await t.json(q)
      expect(status).toBe(200)
      for (const f of body.features) {
        expect(f.properties.type).toBe('parking_dispute')
        expect(seen.has(f.id)).toBe(false)
        seen.add(f.id)
        const ts = Date.parse(f.properties.reported_at)
        expect(ts).toBeLessThanOrEqual(last)
        last = ts
      }
      cursor = body.next_cursor
      pages++
    } while (cursor && pages < 100)
    const { rows } = await t.db.pool.query("select count(*)::int n from incidents where type = 'parking_dispute'")
    expect(seen.size).toBe(rows[0].n)
    expect(pages).toBeGreaterThan(1)
  })

  it('filters by bbox, period, status and area', async () => {
    const grid = (await t.json('/api/areas?level=grid')).body.features[3].properties
    const { body } = await t.json(`/api/incidents?area=${grid.id}&status=closed&from=2026-06-01&to=2026-09-01T00:00:00Z&limit=1000`)
    expect(body.features.length).toBeGreaterThan(0)
    for (const f of body.features) {
      expect(f.properties.grid_id).toBe(grid.id)
      expect(f.properties.status).toBe('closed')
      expect(f.properties.reported_at >= '2026-06-01').toBe(true)
      expect(f.properties.reported_at < '2026-09-01').toBe(true)
    }
    const [x, y] = body.features[0].geometry.coordinates
    const inBox = (await t.json(`/api/incidents?bbox=${x - 1e-4},${y - 1e-4},${x + 1e-4},${y + 1e-4}`)).body.features
    expect(inBox.map((f: any) => f.id)).toContain(body.features[0].id)
  })

  it('filters by source, one or several, the same way in the list, the points and the export', async () => {
    const counts = async (sources: string[]) =>
      (await t.db.pool.query(`select count(*)::int n from incidents where source = any($1) and reported_at >= '2026-10-01'`, [sources])).rows[0].n as number
    const patrol = await counts(['patrol'])
    expect(patrol).toBeGreaterThan(0)
    const { status, body } = await t.json('/api/incidents?source=patrol&from=2026-10-01&limit=1000')
    expect(status).toBe(200)
    expect(body.features.length).toBe(Math.min(patrol, 1000))
    expect(body.features.every((f: any) => f.properties.source === 'patrol')).toBe(true)
    const points = await t.get('/api/incidents/points?source=patrol,camera&from=2026-10-01')
    expect(Number(points.headers.get('X-Count'))).toBe(await counts(['patrol', 'camera']))
    const csv = await t.get('/api/incidents/export?format=csv&source=walk_in&from=2026-10-01')
    expect(csv.status).toBe(200)
    expect(Number(csv.headers.get('X-Count'))).toBe(await counts(['walk_in']))
  })

  it('gives each incident the micro-grid that contains it (computed in PostGIS)', async () => {
    const { rows } = await t.db.pool.query(`
      select count(*)::int as wrong from incidents i join areas m on m.id = i.micro_grid_id
      where not ST_Intersects(m.geom, i.geom) or m.path[4] <> i.grid_id or m.path[2] <> i.street_id`)
    expect(rows[0].wrong).toBe(0)
  })

  it('assigns areas on insert and refuses a point outside the district', async () => {
    const client = await t.db.pool.connect()
    try {
      await client.query('begin')
      const m = (await client.query(`select id, path, ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where level = 'micro_grid' order by id desc limit 1`)).rows[0]
      const ins = await client.query(
        `insert into incidents (type, status, source, geom, reported_at) values ('noise', 'reported', 'walk_in', ST_SetSRID(ST_MakePoint($1, $2), 4326), now()) returning micro_grid_id, grid_id, street_id`,
        [m.x, m.y],
      )
      expect(ins.rows[0]).toEqual({ micro_grid_id: m.id, grid_id: m.path[3], street_id: m.path[1] })
      await expect(
        client.query(`insert into incidents (type, status, source, geom, reported_at) values ('noise', 'reported', 'walk_in', ST_SetSRID(ST_MakePoint(0, 0), 4326), now())`),
      ).rejects.toThrow(/outside/)
    } finally {
      await client.query('rollback')
      client.release()
    }
  })

  it.each([
    ['type=alien_landing', 'type'],
    ['status=done', 'status'],
    ['source=pigeon', 'source'],
    ['source=patrol,telegram', 'source'],
    ['from=yesterday', 'from'],
    ['from=2026-05-01&to=2026-04-01', 'from'],
    ['limit=0', 'limit'],
    ['limit=100000', 'limit'],
    ['cursor=bm9wZQ', 'cursor'],
    ["type=noise' or 1=1--", 'type'],
    ['bbox=a,b,c,d', 'bbox'],
  ])('rejects %s with 400', async (query, field) => {
    const { status, body } = await t.json(`/api/incidents?${query}`)
    expect(status).toBe(400)
    expect(body.message).toContain(field)
  })

  it('answers 404 for an unknown area filter', async () => {
    expect((await t.json('/api/incidents?area=999999')).status).toBe(404)
  })
})

describe('GET /api/incidents/points', () => {
  it('packs every matching incident as lon, lat and type index', async () => {
    const res = await t.get('/api/incidents/points?from=2026-10-01')
    expect(res.status).toBe(200)
    const buf = new Uint8Array(await res.arrayBuffer())
    const n = Number(res.headers.get('X-Count'))
    const { rows } = await t.db.pool.query(
      `select count(*)::int n, min(ST_X(geom)) x0, max(ST_X(geom)) x1, sum(case when type = 'noise' then 1 else 0 end)::int noise
       from incidents where reported_at >= '2026-10-01'`,
    )
    expect(n).toBe(rows[0].n)
    expect(buf.byteLength).toBe(n * 9)
    const lon = new Float32Array(buf.buffer.slice(0, n * 4))
    const lat = new Float32Array(buf.buffer.slice(n * 4, n * 8))
    const type = buf.subarray(n * 8)
    expect(Math.min(...lon)).toBeCloseTo(rows[0].x0, 4)
    expect(Math.max(...lon)).toBeCloseTo(rows[0].x1, 4)
    expect(lat.every((v) => v > 29 && v < 32)).toBe(true)
    expect(type.filter((i) => i === INCIDENT_TYPES.indexOf('noise')).length).toBe(rows[0].noise)
  })
})

describe('GET /api/stations', () => {
  it('lists stations of every type and filters by type', async () => {
    const all = (await t.json('/api/stations')).body.features
    const types = new Set(all.map((f: any) => f.properties.type))
    expect(types.size).toBe(6)
    const police = (await t.json('/api/stations?type=police_post')).body.features
    expect(police.length).toBeGreaterThan(0)
    expect(police.every((f: any) => f.properties.type === 'police_post' && f.properties.service_radius_m > 0)).toBe(true)
    expect((await t.json('/api/stations?type=bank')).status).toBe(400)
  })
})

describe('GET /api/basemap', () => {
  it('serves roads and the buildings of a view', async () => {
    const roads = (await t.json('/api/basemap/roads')).body.features
    expect(roads.length).toBeGreaterThan(5)
    expect(new Set(roads.map((r: any) => r.properties.kind))).toContain('primary')
    const [x, y] = roads[0].geometry.coordinates[0]
    const b = await t.json(`/api/basemap/buildings?bbox=${x - 0.01},${y - 0.01},${x + 0.01},${y + 0.01}`)
    expect(b.status).toBe(200)
    expect(b.body.features.length).toBeGreaterThan(0)
    expect((await t.json('/api/basemap/buildings?bbox=100,20,110,40')).status).toBe(400)
    expect((await t.json('/api/basemap/buildings')).status).toBe(400)
  })
})
