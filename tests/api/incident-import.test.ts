import gcoord from 'gcoord'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi, type Client } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
let leader: Client
let G1: number
let inside: [number, number]
let inside2: [number, number]
let sibling: [number, number]

beforeAll(async () => {
  t = await testApi()
  leader = await t.as('leader')
  const q = async (sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows
  G1 = (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`))[0].area_id
  const pts = await q(`select ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where parent_id = $1 and level = 'micro_grid' order by id limit 2`, [G1])
  inside = [Number(pts[0].x), Number(pts[0].y)]
  inside2 = [Number(pts[1].x), Number(pts[1].y)]
  const s = (await q(`select ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where level = 'micro_grid' and path[4] <> $1 order by id limit 1`, [G1]))[0]
  sibling = [Number(s.x), Number(s.y)]
})
afterAll(() => t.close())

/** POST a CSV as multipart with optional form fields. */
function upload(c: Client, csv: string | Uint8Array, fields: Record<string, string> = {}) {
  const form = new FormData()
  form.set('file', new Blob([csv as BlobPart], { type: 'text/csv' }), 'incidents.csv')
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  return c.request('/api/incidents/import', { method: 'POST', body: form })
}

const count = async () => (await t.db.pool.query('select count(*)::int n from incidents')).rows[0].n as number
const f = (n: number) => n.toFixed(7)

describe('POST /api/incidents/import', () => {
  it('imports the valid rows located in PostGIS and reports every rejected row with its reason', async () => {
    const csv = [
      '经度,纬度,类型,描述,上报时间,来源,电话',
      `${f(inside[0])},${f(inside[1])},停车纠纷,"车位被占, 业主投诉",2026-10-03 19:40,hotline_12345,13800002222`,
      `${f(inside2[0])},${f(inside2[1])},noise,夜间噪音,2026-10-04T23:10:00+08:00,,`,
      `${f(inside[0])},${f(inside[1])},alien_landing,?,2026-10-04 10:00,,`,
      `abc,${f(inside[1])},noise,,,,`,
      `${f(inside[1])},${f(inside[0])},noise,swapped,,,`,
      `0,0,noise,null island,,,`,
      `${f(inside[0])},${f(inside[1])},noise,,2999-01-01 00:00,,`,
      `104.90,30.90,noise,far away,,,`,
      `${f(sibling[0])},${f(sibling[1])},noise,next grid,,,`,
      `${f(inside[0])},${f(inside[1])},noise,,2026-02-31 10:00,,`,
      `${f(inside[0])},${f(inside[1])},noise,,,fax,`,
    ].join('\n')
    const before = await count()
    const res = await upload(leader, csv)
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.imported).toBe(2)
    expect(body.rejected).toEqual([
      { row: 3, reason: 'unknown incident type "alien_landing"' },
      { row: 4, reason: 'lon/lat must be numbers' },
      { row: 5, reason: 'lon/lat out of range (swapped columns?)' },
      { row: 6, reason: '(0, 0) is not a location' },
      { row: 7, reason: 'reported_at is in the future' },
      { row: 8, reason: 'outside every micro-grid of the district' },
      { row: 9, reason: 'outside your areas' },
      { row: 10, reason: expect.stringMatching(/^reported_at "2026-02-31 10:00" is not a date/) },
      { row: 11, reason: expect.stringMatching(/^source must be one of/) },
    ])
    expect(await count()).toBe(before + 2)
    const { rows } = await t.db.pool.query(
      `select i.type, i.grid_id, i.description, i.source, i.reporter_phone, to_char(i.reported_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') t,
              (select count(*)::int from incident_events e where e.incident_id = i.id) events
       from incidents i where i.id = any($1) order by i.id`,
      [body.ids],
    )
    expect(rows).toEqual([
      { type: 'parking_dispute', grid_id: G1, description: '车位被占, 业主投诉', source: 'hotline_12345', reporter_phone: '13800002222', t: '2026-10-03 19:40', events: 1 },
      { type: 'noise', grid_id: G1, description: '夜间噪音', source: 'walk_in', reporter_phone: null, t: '2026-10-04 23:10', events: 1 },
    ])
    const audit = await t.db.pool.query(`select row_count from audit_log where username = 'leader' and action = 'insert' and target = 'incidents' and ids @> $1::bigint[]`, [body.ids])
    expect(audit.rows[0].row_count).toBe(2)
  })

  it('previews without writing (dry run), and writes nothing at all when all-or-nothing meets a bad row', async () => {
    const csv = `lon,lat,type\n${f(inside[0])},${f(inside[1])},noise\n104.90,30.90,noise\n`
    const before = await count()
    const dry = await (await upload(leader, csv, { dry_run: 'true' })).json()
    expect(dry.imported).toBe(0)
    expect(dry.would_import).toBe(1)
    expect(dry.preview).toEqual([expect.objectContaining({ row: 1, type: 'noise', micro_grid_id: expect.any(Number) })])
    expect(dry.rejected).toEqual([{ row: 2, reason: 'outside every micro-grid of the district' }])
    const strict = await (await upload(leader, csv, { all_or_nothing: 'true' })).json()
    expect(strict.imported).toBe(0)
    expect(strict.would_import).toBe(1)
    expect(strict.rejected).toHaveLength(1)
    expect(await count()).toBe(before)
  })

  it('maps columns by name and converts GCJ-02 coordinates to WGS84', async () => {
    const [gx, gy] = gcoord.transform(inside, gcoord.WGS84, gcoord.GCJ02) as [number, number]
    // The raw GCJ-02 point is a few hundred metres off; read as WGS84 it may not even be in the grid.
    const csv = `X坐标,Y坐标,事件\n${f(gx)},${f(gy)},噪音扰民\n`
    const res = await upload(leader, csv, { crs: 'gcj02', mapping: JSON.stringify({ lon: 'X坐标', lat: 'Y坐标', type: '事件' }) })
    const body = await res.json()
    expect(res.status).toBe(200)
    expect(body).toMatchObject({ imported: 1, rejected: [] })
    const { rows } = await t.db.pool.query('select ST_X(geom) x, ST_Y(geom) y, grid_id from incidents where id = $1', [body.ids[0]])
    expect(rows[0].x).toBeCloseTo(inside[0], 5)
    expect(rows[0].y).toBeCloseTo(inside[1], 5)
    expect(rows[0].grid_id).toBe(G1)
  })

  it('answers malformed files and requests with a 4xx and writes nothing', async () => {
    const before = await count()
    const cases: [Promise<Response>, number, RegExp][] = [
      [upload(leader, 'lon,lat,type\n"104.2,30.5,noise\n'), 400, /not a readable CSV/],
      [upload(leader, 'lon,lat,type\n'), 400, /at least one data row/],
      [upload(leader, 'a,b,c\n1,2,3\n'), 400, /no column for lon, lat, type/],
      [upload(leader, 'lon,lat,type\n1,2,noise\n', { mapping: JSON.stringify({ lon: 'nope' }) }), 400, /mapping.lon: no column/],
      [upload(leader, 'lon,lat,type\n1,2,noise\n', { mapping: '{not json' }), 400, /mapping: not JSON/],
      [upload(leader, 'lon,lat,type\n1,2,noise\n', { mapping: JSON.stringify({ colour: 'x' }) }), 400, /mapping/],
      [upload(leader, new Uint8Array([0x6c, 0x6f, 0x6e, 0x0a, 0xff, 0xfe, 0xfd])), 400, /not UTF-8/],
      [upload(leader, 'lon,lat,type\n1,2,noise\n', { crs: 'bd09' }), 400, /crs/],
      [leader.request('/api/incidents/import', { method: 'POST', body: new FormData() }), 400, /file/],
      [leader.send('/api/incidents/import', { lon: 1 }), 415, /Unsupported Media Type/],
    ]
    for (const [call, status, reason] of cases) {
      const res = await call
      const text = await res.text()
      expect(res.status, text).toBe(status)
      expect(text).toMatch(reason)
    }
    expect((await upload(await t.as('planner'), `lon,lat,type\n${f(inside[0])},${f(inside[1])},noise\n`)).status).toBe(403)
    expect(await count()).toBe(before)
  })
})
