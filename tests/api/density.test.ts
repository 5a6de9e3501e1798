import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgDialect } from 'drizzle-orm/pg-core'
import { cellsSpanned, coarsen, densityLevel, densitySql, MAX_CELLS, MAX_SPANNED_CELLS, overlapBounds, type Cells } from '../../api/analytics/density.ts'
import { testApi, type Client } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

// The seeded incidents end on 2026-11-01 (tests/setup/global.ts): a past half-year, so incidents
// other test files add (reported now) do not change the counts between the API and the SQL.
const FROM = '2026-03-01T00:00:00Z'
const TO = '2026-09-01T00:00:00Z'
type Box = [number, number, number, number]

interface Density {
  status: number
  n: number
  cellSize: number
  lon: Float32Array
  lat: Float32Array
  count: Uint32Array
  total: number
  bytes: number
}

/** GET /api/analytics/density and decode Float32 lon[n], Float32 lat[n], Uint32 count[n] (little-endian). */
async function density(client: Pick<Client, 'get'>, query: string): Promise<Density> {
  const res = await client.get(`/api/analytics/density?${query}`)
  const buf = await res.arrayBuffer()
  const n = Number(res.headers.get('X-Count'))
  if (res.status !== 200) return { status: res.status, n: 0, cellSize: 0, lon: new Float32Array(), lat: new Float32Array(), count: new Uint32Array(), total: 0, bytes: buf.byteLength }
  expect(res.headers.get('Content-Type')).toBe('application/octet-stream')
  const view = new DataView(buf)
  const lon = new Float32Array(n)
  const lat = new Float32Array(n)
  const count = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    lon[i] = view.getFloat32(i * 4, true)
    lat[i] = view.getFloat32((n + i) * 4, true)
    count[i] = view.getUint32((2 * n + i) * 4, true)
  }
  return { status: 200, n, cellSize: Number(res.headers.get('X-Cell-Size')), lon, lat, count, total: count.reduce((s, c) => s + c, 0), bytes: buf.byteLength }
}

const q = async <T = any>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]
const countWhere = async (where: string, params: unknown[] = []) => (await q<{ n: number }>(`select count(*)::int n from incidents where ${where}`, params))[0].n
const areaOf = async (username: string) =>
  (await q<{ area_id: number }>(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = $1`, [username]))[0].area_id
const districtBox = async () =>
  (await q<{ b: Box }>(`select json_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) b from (select ST_Extent(geom) e from areas where level = 'district') s`))[0].b

describe('GET /api/analytics/density', () => {
  it('counts every incident of the filter exactly once, as /points and SQL do', async () => {
    const filter = `from=${FROM}&to=${TO}&type=noise,parking_dispute&status=closed`
    const d = await density(t, `zoom=13&${filter}`)
    expect(d.status).toBe(200)
    expect(d.bytes).toBe(d.n * 12)
    const sql = await countWhere(`reported_at >= $1 and reported_at < $2 and type = any($3) and status = 'closed'`, [FROM, TO, ['noise', 'parking_dispute']])
    expect(sql).toBeGreaterThan(100)
    expect(d.total).toBe(sql)
    const points = await t.get(`/api/incidents/points?${filter}`)
    expect(Number(points.headers.get('X-Count'))).toBe(d.total)
    expect(d.n).toBeGreaterThan(10)
    expect(d.n).toBeLessThan(d.total) // cells aggregate
    expect(Math.min(...d.count)).toBeGreaterThan(0) // empty cells are not sent
  })

  it('keeps every cell centre inside the bbox and counts what the list’s bbox selects', async () => {
    const [x0, y0, x1, y1] = await districtBox()
    // A large box (read by bounds on lon/lat) and a small one (through the GiST index).
    const large: Box = [x0 + (x1 - x0) * 0.3, y0 + (y1 - y0) * 0.25, x0 + (x1 - x0) * 0.62, y0 + (y1 - y0) * 0.7]
    const small: Box = [x0 + (x1 - x0) * 0.41, y0 + (y1 - y0) * 0.43, x0 + (x1 - x0) * 0.52, y0 + (y1 - y0) * 0.55]
    for (const [zoom, box] of [[11, large], [14, large], [17, large], [14, small], [18, small]] as const) {
      const d = await density(t, `zoom=${zoom}&bbox=${box.join(',')}&from=${FROM}&to=${TO}`)
      expect(d.status).toBe(200)
      const sql = await countWhere(`geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) and reported_at >= $5 and reported_at < $6`, [...box, FROM, TO])
      expect(d.total, `zoom ${zoom}`).toBe(sql)
      for (let i = 0; i < d.n; i++) {
        expect(d.lon[i] >= box[0] && d.lon[i] <= box[2] && d.lat[i] >= box[1] && d.lat[i] <= box[3], `cell ${d.lon[i]},${d.lat[i]}`).toBe(true)
      }
    }
  })

  it('selects the same incidents as PostGIS `&&` at the edges of the bbox (float4 boxes)', async () => {
    // Half-district boxes (read by bounds on lon/lat, not the GiST index) whose edge passes within
    // a float4 step (~0.7 m) of an incident, on either side of it.
    const [x0, y0, x1, y1] = await districtBox()
    const pts = await q<{ x: number; y: number }>(
      `select ST_X(geom) x, ST_Y(geom) y from incidents
       where ST_X(geom) between $1 and $2 and ST_Y(geom) between $3 and $4 and reported_at >= $5 and reported_at < $6 order by id limit 3`,
      [x0 + (x1 - x0) * 0.3, x0 + (x1 - x0) * 0.7, y0 + (y1 - y0) * 0.3, y0 + (y1 - y0) * 0.7, FROM, TO],
    )
    expect(pts).toHaveLength(3)
    for (const { x, y } of pts) {
      for (const d of [-2e-6, -1e-7, 0, 1e-7, 2e-6, 9e-6]) {
        const boxes: Box[] = [
          [x + d, y0, x1, y1],
          [x0, y0, x - d, y1],
          [x0, y + d, x1, y1],
          [x0, y0, x1, y - d],
        ]
        for (const b of boxes) {
          const sql = await countWhere(`geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) and reported_at >= $5 and reported_at < $6`, [...b, FROM, TO])
          const res = await density(t, `zoom=12&bbox=${b.join(',')}&from=${FROM}&to=${TO}`)
          expect(res.total, `bbox ${b.join(',')}`).toBe(sql)
        }
      }
    }
  })

  it('reads only the covering index’s columns unless the box is small (SQL text)', () => {
    const text = (smallBox: boolean) =>
      new PgDialect().sqlToQuery(densitySql({ bbox: [104.2, 30.5, 104.3, 30.6], types: ['noise'], from: FROM, to: TO }, 19, smallBox)).sql
    expect(text(false)).not.toMatch(/geom/)
    expect(text(false)).toMatch(/i\.cell_x >> \$\d+::int as x, i\.cell_y >> \$\d+::int as y/)
    expect(text(false)).toMatch(/i\.street_id = any\(array\(select s\.id from areas s where s\.level = 'street'\)\)/)
    expect(text(true)).toMatch(/i\.geom && ST_MakeEnvelope/)
  })

  it('bounds a coordinate exactly where PostGIS’s float4 boxes do', async () => {
    const [{ x }] = await q<{ x: number }>(`select ST_X(geom) x from incidents order by id limit 1`)
    const [lo, hi] = overlapBounds(x, x + 0.001)
    // lo is the largest coordinate a point may not have (the next float8 above it is taken).
    const [{ below, above, at_hi, under_hi }] = await q(
      `select ST_MakePoint($1, 0) && ST_MakeEnvelope($3, -1, $4, 1) below, ST_MakePoint($2, 0) && ST_MakeEnvelope($3, -1, $4, 1) above,
              ST_MakePoint($5, 0) && ST_MakeEnvelope($3, -1, $4, 1) at_hi, ST_MakePoint($6, 0) && ST_MakeEnvelope($3, -1, $4, 1) under_hi`,
      [lo, lo + 2e-14, x, x + 0.001, hi, hi - 2e-14],
    )
    expect({ below, above, at_hi, under_hi }).toEqual({ below: false, above: true, at_hi: false, under_hi: true })
  })

  it('makes cells smaller as the zoom grows, and names their size', async () => {
    const grid = await areaOf('leader')
    const sizes: number[] = []
    for (const zoom of [8, 10, 12, 14, 16]) {
      const d = await density(t, `zoom=${zoom}&area=${grid}`)
      expect(d.status).toBe(200)
      sizes.push(d.cellSize)
    }
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1])
    // Each zoom halves the cell: an 8-pixel square, ~66 m at zoom 13 near 30.6° N.
    expect(sizes[1] / sizes[2]).toBeCloseTo(4, 1)
    const [{ lat }] = await q<{ lat: number }>(`select ST_Y(ST_Centroid(geom)) lat from areas where id = $1`, [grid])
    expect(sizes[2]).toBeCloseTo((40075016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** 18, -1)
  })

  it('never answers more than 60,000 cells, coarsening instead', async () => {
    // The whole district at zoom 22: 1.6 cm cells would be millions; the level is coarsened so the
    // district spans at most MAX_SPANNED_CELLS cells, and the answer holds at most MAX_CELLS.
    const d = await density(t, `zoom=22&from=${FROM}&to=${TO}`)
    expect(d.status).toBe(200)
    expect(d.n).toBeLessThanOrEqual(MAX_CELLS)
    expect(d.total).toBe(await countWhere('reported_at >= $1 and reported_at < $2', [FROM, TO]))
    expect(d.cellSize).toBeGreaterThan(1)
    const box = await districtBox()
    const level = densityLevel(22, box)
    expect(cellsSpanned(box, level)).toBeLessThanOrEqual(MAX_SPANNED_CELLS)
    expect(cellsSpanned(box, level + 1)).toBeGreaterThan(MAX_SPANNED_CELLS)
  })

  it('coarsens counted cells 2 × 2 into 1 and keeps the total', () => {
    // 300 × 300 occupied cells (more than MAX_CELLS) at level 20, one incident each.
    const x: number[] = []
    const y: number[] = []
    for (let i = 0; i < 300; i++) for (let j = 0; j < 300; j++) x.push(843_000 + i), y.push(441_001 + j)
    let c: Cells = { level: 20, x: Int32Array.from(x), y: Int32Array.from(y), n: new Uint32Array(x.length).fill(1) }
    while (c.n.length > MAX_CELLS) c = coarsen(c)
    expect(c.level).toBe(19)
    expect(c.n.length).toBe(150 * 151) // 441001 is odd: the first and last rows of y are half cells
    expect(c.n.reduce((s, v) => s + v, 0)).toBe(90_000)
    expect(Math.max(...c.n)).toBe(4)
  })

  it('counts only the commander’s street and the leader’s grid', async () => {
    const commander = await t.as('commander')
    const street = await areaOf('commander')
    const c = await density(commander, `zoom=12&from=${FROM}&to=${TO}`)
    expect(c.status).toBe(200)
    expect(c.total).toBe(await countWhere(`street_id = $1 and reported_at >= $2 and reported_at < $3`, [street, FROM, TO]))
    expect(c.total).toBeLessThan(await countWhere(`reported_at >= $1 and reported_at < $2`, [FROM, TO]))
    const leader = await t.as('leader')
    const grid = await areaOf('leader')
    const l = await density(leader, `zoom=16&from=${FROM}&to=${TO}`)
    expect(l.total).toBe(await countWhere(`grid_id = $1 and reported_at >= $2 and reported_at < $3`, [grid, FROM, TO]))
    expect(l.total).toBeGreaterThan(0)
    // A bbox over the whole district changes nothing for them: the rows are filtered by their scope.
    const all = (await districtBox()).join(',')
    expect((await density(leader, `zoom=16&from=${FROM}&to=${TO}&bbox=${all}`)).total).toBe(l.total)
    // area= inside the scope narrows it; another street's area is "not found", like a missing one.
    const [{ id: myGrid }] = await q<{ id: number }>(`select id from areas where level = 'grid' and street_id = $1 order by id limit 1`, [street])
    expect((await density(commander, `zoom=14&area=${myGrid}&from=${FROM}&to=${TO}`)).total).toBe(
      await countWhere(`grid_id = $1 and reported_at >= $2 and reported_at < $3`, [myGrid, FROM, TO]),
    )
    const [{ id: other }] = await q<{ id: number }>(`select id from areas where level = 'street' and id <> $1 order by id limit 1`, [street])
    const res = await commander.get(`/api/analytics/density?zoom=12&area=${other}`)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: 'not_found' })
    expect((await leader.get(`/api/analytics/density?zoom=12&area=${street}`)).status).toBe(404)
    expect((await t.get('/api/analytics/density?zoom=12&area=999999')).status).toBe(404)
  })

  it('answers planners 403 aggregates_only and strangers 401', async () => {
    const planner = await t.as('planner')
    const res = await planner.get('/api/analytics/density?zoom=12')
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: 'aggregates_only' })
    expect((await t.anonymous.get('/api/analytics/density?zoom=12')).status).toBe(401)
  })

  it('answers an empty body when nothing matches or the bbox is outside the scope', async () => {
    const none = await density(t, 'zoom=12&bbox=10,10,11,11')
    expect(none).toMatchObject({ status: 200, n: 0, bytes: 0 })
    const later = await density(t, 'zoom=12&from=2030-01-01&to=2030-02-01')
    expect(later).toMatchObject({ status: 200, n: 0, bytes: 0 })
  })

  it.each([
    ['', 'zoom'],
    ['zoom=23', 'zoom'],
    ['zoom=-1', 'zoom'],
    ['zoom=12.5', 'zoom'],
    ['zoom=abc', 'zoom'],
    ['zoom=12&bbox=104,30,200,31', 'bbox'],
    ['zoom=12&bbox=104,-95,105,31', 'bbox'],
    ['zoom=12&bbox=105,30,104,31', 'bbox'],
    ['zoom=12&bbox=104,31,105,30', 'bbox'],
    ['zoom=12&bbox=104,30,105', 'bbox'],
    ['zoom=12&type=alien_landing', 'type'],
    ['zoom=12&status=done', 'status'],
    ['zoom=12&from=2026-05-01&to=2026-04-01', 'from'],
    ['zoom=12&from=2026-05-01&to=2026-05-01', 'from'],
    ['zoom=12&from=yesterday', 'from'],
    ["zoom=12&type=noise' or 1=1--", 'type'],
    ['zoom=12;drop table incidents', 'zoom'],
    ['zoom=12&area=1 or 1=1', 'area'],
    ["zoom=12&bbox=104,30,105,31'--", 'bbox'],
  ])('rejects %s with 400 and a reason', async (query, field) => {
    const res = await t.get(`/api/analytics/density?${query}`)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toBe('invalid_request')
    expect(body.message).toContain(field)
    expect(body.message).not.toMatch(/select|syntax|postgres/i)
  })
})
