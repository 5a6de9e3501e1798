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

describe('GET /api/analytics/charts', () => {
  it('gives the weekly trend, weekday × hour, types and child areas in Shanghai time', async () => {
    const commander = await t.as('commander')
    const street = (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)).rows[0].area_id
    const { status, body } = await commander.json(`/api/analytics/charts?area=${street}&from=${FROM}&to=${TO}`)
    expect(status).toBe(200)
    const from = Date.parse(FROM)
    const to = Date.parse(TO)
    const rows = (await incidentsOf(street)).filter((r) => r.reported >= from && r.reported < to)

    const weekly = new Map<string, number>()
    const matrix = new Map<string, number>()
    const types = new Map<string, number>()
    for (const r of rows) {
      const local = new Date(r.reported + SHANGHAI)
      const weekday = ((local.getUTCDay() + 6) % 7) + 1
      const monday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - (weekday - 1))).toISOString().slice(0, 10)
      weekly.set(monday, (weekly.get(monday) ?? 0) + 1)
      const key = `${weekday}-${local.getUTCHours()}`
      matrix.set(key, (matrix.get(key) ?? 0) + 1)
      types.set(r.type, (types.get(r.type) ?? 0) + 1)
    }
    expect(Object.fromEntries(body.weekly.map((w: any) => [w.week, w.count]))).toEqual(Object.fromEntries(weekly))
    expect(Object.fromEntries(body.hour_weekday.map((c: any) => [`${c.weekday}-${c.hour}`, c.count]))).toEqual(Object.fromEntries(matrix))
    expect(Object.fromEntries(body.types.map((c: any) => [c.type, c.count]))).toEqual(Object.fromEntries(types))

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
