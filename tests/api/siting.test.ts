import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi, type Client } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
let planner: Client
beforeAll(async () => {
  t = await testApi()
  planner = await t.as('planner')
})
afterAll(() => t.close())

const q = async <T = any>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]

/**
 * Households of the district's buildings within `radius` m (UTM 48N, centroid to point) of an open
 * station of the type or of one of `extra` (WGS84) — written independently of api/siting/queries.ts.
 */
async function coveredHouseholds(type: string, radius: number, extra: [number, number][] = []): Promise<number> {
  const [{ n }] = await q<{ n: number }>(
    `with s as (
       select ST_Transform(geom, 32648) g from stations where type = $1 and closed_on is null and (opened_on is null or opened_on <= current_date)
       union all
       select ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 32648) from unnest($3::float8[], $4::float8[]) u(x, y)
     )
     select coalesce(sum(b.households), 0)::int n from buildings b
     where b.households > 0 and exists (select 1 from s where ST_Distance(ST_Transform(ST_Centroid(b.geom), 32648), s.g) <= $2)`,
    [type, radius, extra.map((p) => p[0]), extra.map((p) => p[1])],
  )
  return n
}

const solve = (c: Client, body: unknown) => c.send('/api/siting/solve', body)

describe('POST /api/siting/solve', () => {
  it('places k stations by maximal covering; covered_before/after match an independent count', async () => {
    const body = { model: 'mclp', stationType: 'psych_legal', radius: 600, k: 4, exact: true }
    const res = await solve(planner, body)
    expect(res.status).toBe(200)
    const r = await res.json()
    const [{ households }] = await q<{ households: number }>(`select sum(households)::int households from buildings where households > 0`)
    expect(r.households).toBe(households)
    expect(r.covered_before).toBe(await coveredHouseholds('psych_legal', 600))
    expect(r.sites).toHaveLength(4)
    expect(r.covered_after).toBe(await coveredHouseholds('psych_legal', 600, r.sites.map((s: any) => [s.lon, s.lat])))
    expect(r.covered_after).toBeGreaterThan(r.covered_before)
    // Gains are households newly covered, in order, and add up to the objective and the difference.
    const gains = r.sites.map((s: any) => s.gain)
    expect(gains.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(r.objective, 6)
    expect(r.objective).toBeCloseTo(r.covered_after - r.covered_before, 6)
    for (let a = 1; a < gains.length; a++) expect(gains[a]).toBeLessThanOrEqual(gains[a - 1])
    // Exact: the MIP's optimum, never below the heuristic, which is within 2 % of it.
    expect(r.exact.status).toBe('optimal')
    expect(r.exact_objective).toBeGreaterThanOrEqual(r.objective - 1e-6)
    expect(r.objective).toBeGreaterThanOrEqual(0.98 * r.exact_objective)
    expect(r.gap).toBeCloseTo((r.exact_objective - r.objective) / r.exact_objective, 6)
    expect(r.counts.kept_stations).toBe((await q(`select 1 from stations where type = 'psych_legal' and closed_on is null`)).length)
    // Same request, same answer.
    const again = await (await solve(planner, body)).json()
    expect(again.sites).toEqual(r.sites)
  })

  it('takes planner-drawn candidates (FeatureCollection or MultiPoint) and reports their indexes', async () => {
    const pts = await q<{ lon: number; lat: number }>(
      `select ST_X(c) lon, ST_Y(c) lat from (select ST_Centroid(geom) c from buildings where households > 0 order by id limit 30) s`,
    )
    const coords = pts.map((p) => [p.lon, p.lat])
    const fc = { type: 'FeatureCollection', features: coords.map((c) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: {} })) }
    const a = await (await solve(planner, { model: 'mclp', stationType: 'police_post', radius: 400, k: 3, candidates: fc })).json()
    const b = await (await solve(planner, { model: 'mclp', stationType: 'police_post', radius: 400, k: 3, candidates: { type: 'MultiPoint', coordinates: coords } })).json()
    expect(a.sites).toEqual(b.sites)
    expect(a.counts.candidates).toBe(30)
    for (const s of a.sites) {
      expect(s.lon).toBeCloseTo(coords[s.candidate][0], 9)
      expect(s.lat).toBeCloseTo(coords[s.candidate][1], 9)
    }
    expect(a.covered_after).toBe(await coveredHouseholds('police_post', 400, a.sites.map((s: any) => [s.lon, s.lat])))
  })

  it('answers set covering with the fewest sites meeting the target, and p-median with mean distances', async () => {
    const before = (await (await solve(planner, { model: 'mclp', stationType: 'mediation_room', radius: 500, k: 1 })).json()).share_before
    const target = Math.min(1, before + 0.1)
    const l = await (await solve(planner, { model: 'lscp', stationType: 'mediation_room', radius: 500, target, exact: true, generate: { method: 'lattice', spacing: 200 } })).json()
    expect(l.share_after).toBeGreaterThanOrEqual(target - 1e-6)
    expect(l.objective).toBe(l.sites.length)
    expect(l.sites.length).toBeGreaterThan(0)
    expect(l.exact.status).toBe('optimal')
    expect(l.exact_objective).toBeLessThanOrEqual(l.objective)
    const p = await (await solve(planner, { model: 'pmedian', stationType: 'social_psych_room', radius: 1500, k: 3, exact: true, generate: { method: 'buildings', count: 150 } })).json()
    expect(p.sites).toHaveLength(3)
    expect(p.objective).toBeLessThan(p.objective_before)
    expect(p.objective_before - p.sites.reduce((s: number, x: any) => s + x.gain, 0)).toBeCloseTo(p.objective, 4)
    expect(p.exact.status).toBe('optimal')
    expect(p.exact_objective).toBeLessThanOrEqual(p.objective + 1e-6)
    expect(p.objective).toBeLessThanOrEqual(p.exact_objective / 0.98)
  })

  it('weights demand by incidents on request (through the planners’ aggregate, not incident rows)', async () => {
    const plain = await (await solve(planner, { model: 'mclp', stationType: 'psych_legal', radius: 600, k: 3 })).json()
    const res = await solve(planner, { model: 'mclp', stationType: 'psych_legal', radius: 600, k: 3, weight: 'incidents', from: '2025-11-01T00:00:00Z', to: '2026-11-01T00:00:00Z' })
    expect(res.status).toBe(200)
    const w = await res.json()
    // Households plus incidents: each site's gain is at least the households it adds.
    expect(w.objective).toBeGreaterThan(w.covered_after - w.covered_before - 1e-6)
    expect(w.covered_before).toBe(plain.covered_before)
  })

  it('lets commanders solve in their street; 403 for grid leaders and members; 404 outside the scope', async () => {
    const commander = await t.as('commander')
    const c = await solve(commander, { model: 'mclp', stationType: 'psych_legal', radius: 500, k: 2, generate: { method: 'buildings', count: 100 } })
    expect(c.status).toBe(200)
    const [street] = await q<{ id: number }>(`select ua.area_id id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)
    const [{ n }] = await q<{ n: number }>(`select count(*)::int n from buildings where street_id = $1 and households > 0`, [street.id])
    const cb = await c.json()
    expect(cb.area.id).toBe(street.id)
    expect(cb.counts.demand).toBe(n)
    for (const user of ['leader', 'member']) {
      const res = await solve(await t.as(user), { model: 'mclp', stationType: 'psych_legal', radius: 500, k: 1 })
      expect(res.status, user).toBe(403)
      expect((await res.json()).error).toBe('role_not_allowed')
    }
    const [other] = await q<{ id: number }>(`select id from areas where level = 'street' and id <> $1 order by id limit 1`, [street.id])
    const out = await solve(commander, { model: 'mclp', stationType: 'psych_legal', radius: 500, k: 1, area: other.id })
    expect(out.status).toBe(404)
    expect((await out.json()).error).toBe('not_found')
    expect((await solve(planner, { model: 'mclp', stationType: 'psych_legal', radius: 500, k: 1, area: 2_000_000_000 })).status).toBe(404)
    expect((await t.anonymous.send('/api/siting/solve', { model: 'mclp', stationType: 'psych_legal', radius: 500, k: 1 })).status).toBe(401)
  })

  it('refuses bad input with a 4xx and a reason, never a 500', async () => {
    const [street] = await q<{ id: number }>(`select ua.area_id id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)
    const [inside] = await q<{ lon: number; lat: number }>(`select ST_X(c) lon, ST_Y(c) lat from (select ST_PointOnSurface(geom) c from areas where id = $1) s`, [street.id])
    const far = [[110, 20], [inside.lon, inside.lat], [100, 35]]
    const base = { model: 'mclp', stationType: 'psych_legal', radius: 500, k: 1 }
    const cases: [unknown, number, string, RegExp][] = [
      [{ ...base, radius: 0 }, 400, 'invalid_request', /radius/],
      [{ ...base, radius: -5 }, 400, 'invalid_request', /radius/],
      [{ ...base, radius: 20_000 }, 400, 'invalid_request', /radius/],
      [{ ...base, k: 0 }, 400, 'invalid_request', /k/],
      [{ ...base, k: 2.5 }, 400, 'invalid_request', /k/],
      [{ ...base, k: undefined }, 400, 'invalid_request', /k: required/],
      [{ ...base, model: 'pcenter' }, 400, 'invalid_request', /model/],
      [{ ...base, stationType: 'bakery' }, 400, 'invalid_request', /stationType/],
      [{ ...base, surprise: 1 }, 400, 'invalid_request', /surprise|unrecognized/i],
      [{ ...base, k: 5, candidates: { type: 'MultiPoint', coordinates: [[inside.lon, inside.lat]] } }, 400, 'invalid_request', /k: 5 is more than the 1 candidates/],
      [{ ...base, area: street.id, candidates: { type: 'MultiPoint', coordinates: far } }, 400, 'invalid_request', /outside area .* at indexes 0, 2$/],
      [{ ...base, candidates: { type: 'MultiPoint', coordinates: [[200, 10]] } }, 400, 'invalid_request', /candidates/],
      [{ ...base, candidates: { type: 'LineString', coordinates: [[104, 30], [104.1, 30.1]] } }, 400, 'invalid_request', /candidates/],
      [{ ...base, candidates: { type: 'MultiPoint', coordinates: [[inside.lon, inside.lat]] }, generate: { method: 'lattice' } }, 400, 'invalid_request', /not both/],
      [{ ...base, generate: { method: 'lattice', spacing: 10 } }, 400, 'invalid_request', /spacing/],
      [{ model: 'lscp', stationType: 'psych_legal', radius: 500 }, 400, 'invalid_request', /target: required/],
      [{ model: 'lscp', stationType: 'psych_legal', radius: 500, target: 0 }, 400, 'invalid_request', /target/],
      [{ model: 'lscp', stationType: 'psych_legal', radius: 500, target: 1.2 }, 400, 'invalid_request', /target/],
      [{ model: 'lscp', stationType: 'psych_legal', radius: 500, target: 0.5, k: 3 }, 400, 'invalid_request', /k: not used/],
      [{ ...base, from: '2026-01-01' }, 400, 'invalid_request', /weight=incidents/],
      [{ ...base, weight: 'incidents', type: 'alien' }, 400, 'invalid_request', /type/],
      [{ ...base, time_limit: 600, exact: true }, 400, 'invalid_request', /time_limit/],
      [{ ...base, distance: 'walk' }, 400, 'invalid_request', /distance/],
      // Malformed JSON is refused by Hono's body parser before validation, as on every route.
      ['{"model": "mclp", ', 400, 'http_error', /JSON/i],
      // An unreachable set-covering target: 422 naming the largest reachable share.
      [{ model: 'lscp', stationType: 'psych_legal', radius: 100, target: 1, generate: { method: 'buildings', count: 20 } }, 422, 'infeasible_target', /at most [\d.]+ %/],
    ]
    for (const [body, status, error, message] of cases) {
      const res = await solve(planner, body)
      const label = JSON.stringify(body).slice(0, 120)
      expect(res.status, label).toBe(status)
      const b = await res.json()
      expect(b.error, label).toBe(error)
      expect(b.message, label).toMatch(message)
      expect(JSON.stringify(b)).not.toMatch(/SQLSTATE|select |stack/i)
    }
  })
})

describe('POST /api/siting/solve with distance=road', () => {
  it('measures coverage along the road network: kept coverage as the coverage endpoint, never more than straight-line', async () => {
    const body = { model: 'mclp', stationType: 'psych_legal', radius: 600, k: 4, distance: 'road', generate: { method: 'buildings', count: 400 } }
    const res = await solve(planner, body)
    expect(res.status).toBe(200)
    const r = await res.json()
    expect(r.distance).toBe('road')
    // The coverage endpoint answers the same kept coverage by another search (all stations at once, −radius).
    const cov = (await planner.json('/api/stations/coverage?type=psych_legal&radius=600&incidents=false&distance=road')).body
    expect(r.covered_before).toBe(cov.households_covered)
    const straight = await (await solve(planner, { ...body, distance: 'straight' })).json()
    expect(straight.distance).toBe('straight')
    expect(r.covered_before).toBeLessThan(straight.covered_before)
    // The road answer's sites cover no more by road than by straight line.
    expect(r.covered_after).toBeLessThanOrEqual(await coveredHouseholds('psych_legal', 600, r.sites.map((s: any) => [s.lon, s.lat])))
    expect(r.covered_after).toBeGreaterThan(r.covered_before)
    expect(r.sites.reduce((a: number, s: any) => a + s.gain, 0)).toBeCloseTo(r.covered_after - r.covered_before, 6)
    expect(r.counts.pairs).toBeLessThan(straight.counts.pairs)
    expect(r.counts.pairs).toBeGreaterThan(0)
  })

  it('answers p-median with road distances, never shorter than straight ones', async () => {
    const body = { model: 'pmedian', stationType: 'social_psych_room', radius: 1500, k: 3, generate: { method: 'buildings', count: 150 } }
    const road = await (await solve(planner, { ...body, distance: 'road' })).json()
    const straight = await (await solve(planner, body)).json()
    expect(road.sites).toHaveLength(3)
    expect(road.objective).toBeLessThan(road.objective_before)
    expect(road.objective_before).toBeGreaterThan(straight.objective_before)
    expect(road.objective_before - road.sites.reduce((s: number, x: any) => s + x.gain, 0)).toBeCloseTo(road.objective, 4)
  })
})
