import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

// The seeded incidents end on 2026-11-01 (tests/setup/global.ts): September 2026 vs August.
const FROM = '2026-09-01T00:00:00Z'
const TO = '2026-10-01T00:00:00Z'
const HOUR = 3600_000
const SHANGHAI = 8 * HOUR // no daylight saving time

interface Row {
  reported: number
  closed: number | null
  deadline: number
  type: string
}

/** Every incident of a street (or the district when street is undefined), as plain numbers. */
async function incidentsOf(street?: number): Promise<Row[]> {
  const { rows } = await t.db.pool.query(
    `select extract(epoch from i.reported_at) * 1000 as reported, extract(epoch from i.closed_at) * 1000 as closed, t.deadline_hours, i.type
     from incidents i join incident_types t on t.code = i.type where $1::int is null or i.street_id = $1`,
    [street ?? null],
  )
  return rows.map((r) => ({ reported: Number(r.reported), closed: r.closed === null ? null : Number(r.closed), deadline: r.deadline_hours * HOUR, type: r.type }))
}

const median = (xs: number[]) => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The KPI definitions of docs/api.md, computed naively from the rows. */
function kpisOf(rows: Row[], from: number, to: number) {
  const openAt = (at: number) => rows.filter((r) => r.reported < at && (r.closed === null || r.closed >= at))
  const closedIn = rows.filter((r) => r.closed !== null && r.closed >= from && r.closed < to)
  const m = median(closedIn.map((r) => (r.closed! - r.reported) / HOUR))
  return {
    new: rows.filter((r) => r.reported >= from && r.reported < to).length,
    open: openAt(to).length,
    overdue: openAt(to).filter((r) => r.reported + r.deadline < to).length,
    closed: closedIn.length,
    median_close_hours: m === null ? null : Math.round(m * 10) / 10,
  }
}

describe('GET /api/analytics/kpis', () => {
  it('matches a naive computation for the district and the previous equal period', async () => {
    const district = (await t.db.pool.query(`select id from areas where level = 'district'`)).rows[0].id
    const { status, body } = await t.json(`/api/analytics/kpis?area=${district}&from=${FROM}&to=${TO}`)
    expect(status).toBe(200)
    const rows = await incidentsOf()
    const from = Date.parse(FROM)
    const to = Date.parse(TO)
    expect(body.current).toEqual(kpisOf(rows, from, to))
    expect(body.previous).toEqual(kpisOf(rows, from - (to - from), from))
    expect(body.current.new).toBeGreaterThan(0)
    expect(body.current.closed).toBeGreaterThan(0)
    const prev = body.previous.new
    expect(body.change.new).toBeCloseTo((body.current.new - prev) / prev, 4)
  })

  it('counts a street with its type filter, for a commander of that street', async () => {
    const commander = await t.as('commander')
    const street = (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)).rows[0].area_id
    const { status, body } = await commander.json(`/api/analytics/kpis?area=${street}&from=${FROM}&to=${TO}&type=noise,parking_dispute`)
    expect(status).toBe(200)
    const rows = (await incidentsOf(street)).filter((r) => r.type === 'noise' || r.type === 'parking_dispute')
    expect(body.current).toEqual(kpisOf(rows, Date.parse(FROM), Date.parse(TO)))
  })

  it('answers 404 for an area outside the scope, aggregates to planners, 400 for bad input', async () => {
    const other = (await t.db.pool.query(
      `select a.id from areas a where a.level = 'street' and a.id not in (select area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander')`,
    )).rows[0].id
    const commander = await t.as('commander')
    const out = await commander.json(`/api/analytics/kpis?area=${other}&from=${FROM}&to=${TO}`)
    expect(out.status).toBe(404)
    expect(JSON.stringify(out.body)).not.toContain('"current"')
    expect((await commander.json(`/api/analytics/charts?area=${other}`)).status).toBe(404)
    expect((await commander.json(`/api/analytics/kpis?area=999999`)).status).toBe(404)
    const planner = await t.as('planner')
    expect((await planner.json(`/api/analytics/kpis?area=${other}&from=${FROM}&to=${TO}`)).status).toBe(200)
    for (const q of ['area=abc', '', `area=${other}&from=${TO}&to=${FROM}`, `area=${other}&type=nope`, `area=${other}&type=noise';drop table incidents--`, `area=${other}&from=2026-13-45`]) {
      const res = await t.json(`/api/analytics/kpis?${q}`)
      expect(res.status, q).toBe(400)
      expect(res.body.message, q).toBeTruthy()
      expect(JSON.stringify(res.body)).not.toMatch(/syntax error|relation|column/i)
    }
  })
})

/** The chart series of docs/api.md, computed naively from the rows reported in [from, to). */
function chartsOf(rows: Row[], from: number, to: number) {
  const weekly = new Map<string, number>()
  const matrix = new Map<string, number>()
  const types = new Map<string, number>()
  for (const r of rows.filter((x) => x.reported >= from && x.reported < to)) {
    const local = new Date(r.reported + SHANGHAI)
    const weekday = ((local.getUTCDay() + 6) % 7) + 1
    const monday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - (weekday - 1))).toISOString().slice(0, 10)
    weekly.set(monday, (weekly.get(monday) ?? 0) + 1)
    const key = `${weekday}-${local.getUTCHours()}`
    matrix.set(key, (matrix.get(key) ?? 0) + 1)
    types.set(r.type, (types.get(r.type) ?? 0) + 1)
  }
  return { weekly: Object.fromEntries(weekly), hour_weekday: Object.fromEntries(matrix), types: Object.fromEntries(types) }
}

/** The series of a charts answer in the shape of chartsOf. */
const seriesOf = (body: any) => ({
  weekly: Object.fromEntries(body.weekly.map((w: any) => [w.week, w.count])),
  hour_weekday: Object.fromEntries(body.hour_weekday.map((c: any) => [`${c.weekday}-${c.hour}`, c.count])),
  types: Object.fromEntries(body.types.map((c: any) => [c.type, c.count])),
})

/** Incidents per street reported in [from, to), every street of the district included. */
async function streetCounts(from: string, to: string) {
  const { rows } = await t.db.pool.query(
    `select a.id, (select count(*)::int from incidents i where i.street_id = a.id and i.reported_at >= $1 and i.reported_at < $2) n
     from areas a where a.level = 'street'`,
    [from, to],
  )
  return Object.fromEntries(rows.map((r) => [r.id, r.n]))
}

describe('GET /api/analytics/charts', () => {
  it('gives the weekly trend, weekday × hour, types and child areas in Shanghai time', async () => {
    const commander = await t.as('commander')
    const street = (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)).rows[0].area_id
    const { status, body } = await commander.json(`/api/analytics/charts?area=${street}&from=${FROM}&to=${TO}`)
    expect(status).toBe(200)
    const from = Date.parse(FROM)
    const to = Date.parse(TO)
    expect(seriesOf(body)).toEqual(chartsOf(await incidentsOf(street), from, to))

    const children = (await t.db.pool.query(
      `select a.id, (select count(*)::int from incidents i where i.community_id = a.id and i.reported_at >= $2 and i.reported_at < $3) n
       from areas a where a.parent_id = $1`,
      [street, FROM, TO],
    )).rows
    expect(body.areas).toHaveLength(children.length)
    expect(Object.fromEntries(body.areas.map((a: any) => [a.id, a.count]))).toEqual(Object.fromEntries(children.map((c) => [c.id, c.n])))
    const counts = body.areas.map((a: any) => a.count)
    expect(counts).toEqual([...counts].sort((a: number, b: number) => b - a))
    expect(body.areas.every((a: any) => a.level === 'community')).toBe(true)
  })

  it('has no child areas below micro-grids', async () => {
    const micro = (await t.db.pool.query(`select id from areas where level = 'micro_grid' limit 1`)).rows[0].id
    const { status, body } = await t.json(`/api/analytics/charts?area=${micro}&from=2026-01-01&to=2026-11-01`)
    expect(status).toBe(200)
    expect(body.areas).toEqual([])
  })
})

describe('KPIs and charts of the district (answered from incident_day_counts, 0032)', () => {
  const district = async () => (await t.db.pool.query(`select id from areas where level = 'district'`)).rows[0].id as number

  it('match the naive computation for periods that start and end inside a local day, or lie within one', async () => {
    const id = await district()
    const rows = await incidentsOf()
    const periods: [string, string, string?][] = [
      ['2026-08-10T13:17:00Z', '2026-10-07T02:45:30.5Z'],
      ['2026-08-31T16:00:00Z', '2026-09-30T16:00:00Z', 'noise,water_leak'], // Shanghai midnights
      ['2026-09-03T17:00:00Z', '2026-09-03T23:30:00Z'], // inside one local day
      ['2026-09-03T10:00:00Z', '2026-09-04T20:00:00Z', 'sanitation'], // across one local midnight, no whole day
    ]
    for (const [f, to, types] of periods) {
      const q = `area=${id}&from=${f}&to=${to}${types ? `&type=${types}` : ''}`
      const kinds = types?.split(',')
      const mine = kinds ? rows.filter((r) => kinds.includes(r.type)) : rows
      const [a, b] = [Date.parse(f), Date.parse(to)]
      const kpis = await t.json(`/api/analytics/kpis?${q}`)
      expect(kpis.status, q).toBe(200)
      expect(kpis.body.current, q).toEqual(kpisOf(mine, a, b))
      expect(kpis.body.previous, q).toEqual(kpisOf(mine, a - (b - a), a))
      const charts = await t.json(`/api/analytics/charts?${q}`)
      expect(charts.status, q).toBe(200)
      expect(seriesOf(charts.body), q).toEqual(chartsOf(mine, a, b))
      if (!kinds) expect(Object.fromEntries(charts.body.areas.map((s: any) => [s.id, s.count])), q).toEqual(await streetCounts(f, to))
      // The median to the last bit (the API rounds it to 0.1 h), against percentile_cont over every closure.
      const [m] = (await t.db.pool.query(
        `select incident_close_median(array(select id from areas where level = 'street'), $3::text[], $1, $2) as fast,
                (select percentile_cont(0.5) within group (order by extract(epoch from closed_at - reported_at) / 3600) from incidents
                 where closed_at >= $1 and closed_at < $2 and ($3::text[] is null or type = any ($3))) as naive`,
        [f, to, kinds ?? null],
      )).rows
      expect(m.fast, q).toBe(m.naive)
      expect(m.fast, q).not.toBeNull()
    }
  })

  it('stay equal to the naive computation after reporting, transitioning, moving and importing incidents', async () => {
    const id = await district()
    const q = async (text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows
    const [a, b] = await q(
      `select distinct on (street_id) ST_X(ST_PointOnSurface(geom)) lon, ST_Y(ST_PointOnSurface(geom)) lat from areas
       where level = 'micro_grid' order by street_id, id limit 2`,
    )
    const at = (p: { lon: number; lat: number }) => ({ lon: Number(p.lon), lat: Number(p.lat) })
    const now = Date.now()
    const iso = (ms: number) => new Date(ms).toISOString()
    // Types no other test file writes, so reports running alongside on PostgreSQL do not move these numbers.
    const TYPES = ['ebike_charging', 'property_dispute']
    const report = async (type: string, reportedAt: number, p: { lon: number; lat: number }) => {
      const res = await t.send('/api/incidents', { type, description: 'rollup check', ...at(p), reported_at: iso(reportedAt) })
      expect(res.status).toBe(201)
      return (await res.json()).id as number
    }
    await report('ebike_charging', now - 30 * HOUR, a) // overdue: past its 24 h deadline
    await report('property_dispute', now - 30 * HOUR, a) // open, within its 120 h
    const closing = await report('ebike_charging', now - 50 * HOUR, b)
    const moving = await report('ebike_charging', now - 9 * 24 * HOUR - 1000, a)
    const leaving = await report('property_dispute', now - 3 * 24 * HOUR, b)
    for (const to of ['returned', 'closed']) expect((await t.send(`/api/incidents/${closing}/transitions`, { to, comment: to })).status).toBe(200)
    expect((await t.send(`/api/incidents/${moving}`, { ...at(b), type: 'property_dispute' }, 'PATCH')).status).toBe(200)
    expect((await t.send(`/api/incidents/${leaving}`, { type: 'noise' }, 'PATCH')).status).toBe(200)
    const form = new FormData()
    const local = (ms: number) => new Date(ms + SHANGHAI).toISOString().slice(0, 16).replace('T', ' ')
    const csv = ['lon,lat,type,description,reported_at', `${at(a).lon},${at(a).lat},ebike_charging,csv one,${local(now - 6 * 24 * HOUR)}`,
      `${at(b).lon},${at(b).lat},property_dispute,csv two,${local(now - 40 * 24 * HOUR)}`].join('\n')
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'incidents.csv')
    const imported = await (await t.as('admin')).request('/api/incidents/import', { method: 'POST', body: form })
    expect(imported.status).toBe(200)
    expect((await imported.json()).imported).toBe(2)

    // The rollup equals one rebuilt from the table, row for row.
    const [{ text }] = await q(`select incident_day_delta_sql('select street_id, type, reported_at, closed_at, 1 as sign from incidents') as text`)
    const kept = `select street_id, day, type, reported, hours, closed, close_hours from incident_day_counts where reported <> 0 or closed <> 0`
    const [{ missing, extra }] = await q(`with rebuilt as (${text})
      select (select count(*)::int from (select * from rebuilt except all ${kept}) x) missing, (select count(*)::int from (${kept} except all select * from rebuilt) y) extra`)
    expect({ missing, extra }).toEqual({ missing: 0, extra: 0 })

    const rows = (await incidentsOf()).filter((r) => TYPES.includes(r.type))
    for (const [from, to] of [[now - 20 * 24 * HOUR - 123_456, now + HOUR], [now - 10 * 24 * HOUR, now - 2 * 24 * HOUR + 77_000]]) {
      const query = `area=${id}&from=${iso(from)}&to=${iso(to)}&type=${TYPES.join(',')}`
      const kpis = await t.json(`/api/analytics/kpis?${query}`)
      expect(kpis.body.current, query).toEqual(kpisOf(rows, from, to))
      expect(kpis.body.previous, query).toEqual(kpisOf(rows, from - (to - from), from))
      const charts = await t.json(`/api/analytics/charts?${query}`)
      expect(seriesOf(charts.body), query).toEqual(chartsOf(rows, from, to))
    }
    const current = (await t.json(`/api/analytics/kpis?area=${id}&from=${iso(now - 20 * 24 * HOUR)}&to=${iso(now + HOUR)}&type=${TYPES.join(',')}`)).body.current
    expect(current.overdue).toBeGreaterThanOrEqual(1)
    expect(current.closed).toBeGreaterThanOrEqual(1)
  })
})
