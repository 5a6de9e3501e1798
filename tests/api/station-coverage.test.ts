import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withScope } from '../../db/scope.ts'
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
 * Households and population of the district's buildings (with households) whose centroid lies within
 * the radius (given, else each station's own) of an open station of the types, straight-line metres
 * in UTM 48N — written independently of api/stations/coverage.ts (no temp table, no point/circle).
 */
async function covered(types: string[], radius: number | null): Promise<{ hh: number; pop: number }> {
  const [r] = await q<{ hh: number; pop: number }>(
    `with s as (
       select ST_Transform(geom, 32648) g, coalesce($2::float8, service_radius_m) r from stations
       where type = any($1::text[]) and closed_on is null and (opened_on is null or opened_on <= current_date)
     )
     select coalesce(sum(b.households), 0)::int hh, coalesce(sum(b.population), 0)::int pop from buildings b
     where b.households > 0 and exists (select 1 from s where ST_Distance(ST_Transform(ST_Centroid(b.geom), 32648), s.g) <= s.r)`,
    [types, radius],
  )
  return r
}

const cov = (c: Client, query: string) => c.json(`/api/stations/coverage?${query}`)

describe('GET /api/stations/coverage', () => {
  it('counts covered households and population like an independent SQL count; by_area adds up to the totals', async () => {
    const { status, body } = await cov(planner, 'type=psych_legal')
    expect(status).toBe(200)
    const [all] = await q<{ hh: number; pop: number }>(`select sum(households)::int hh, sum(population)::int pop from buildings where households > 0`)
    expect(body.households_total).toBe(all.hh)
    expect(body.population_total).toBe(all.pop)
    const ref = await covered(['psych_legal'], null)
    expect(body.households_covered).toBe(ref.hh)
    expect(body.population_covered).toBe(ref.pop)
    expect(body.households_covered).toBeGreaterThan(0)
    expect(body.households_covered).toBeLessThan(body.households_total)
    expect(body.households_share).toBeCloseTo(ref.hh / all.hh, 5)
    expect(body.radius).toBeNull()
    expect(body.area.level).toBe('district')
    expect(body.level).toBe('street')
    const [{ n: streets }] = await q<{ n: number }>(`select count(*)::int n from areas where level = 'street'`)
    expect(body.by_area).toHaveLength(streets)
    const sum = (k: string) => body.by_area.reduce((s: number, a: any) => s + a[k], 0)
    expect(sum('households_total')).toBe(body.households_total)
    expect(sum('households_covered')).toBe(body.households_covered)
    expect(sum('population_total')).toBe(body.population_total)
    expect(sum('population_covered')).toBe(body.population_covered)
    for (const a of body.by_area) expect(a.households_covered).toBeLessThanOrEqual(a.households_total)
  })

  it('applies a radius override to every station, monotonically; several types cover at least as much as one', async () => {
    const answers = []
    for (const radius of [200, 600, 1500, 4000]) {
      const { status, body } = await cov(planner, `type=police_post&radius=${radius}&incidents=false`)
      expect(status).toBe(200)
      expect(body.radius).toBe(radius)
      expect(body.households_covered).toBe((await covered(['police_post'], radius)).hh)
      answers.push(body.households_covered)
    }
    for (let i = 1; i < answers.length; i++) expect(answers[i]).toBeGreaterThanOrEqual(answers[i - 1])
    expect(answers[3]).toBeGreaterThan(answers[0])
    const both = (await cov(planner, 'type=police_post,mediation_room&radius=600&incidents=false')).body
    expect(both.households_covered).toBe((await covered(['police_post', 'mediation_room'], 600)).hh)
    expect(both.households_covered).toBeGreaterThanOrEqual(answers[1])
  })

  it('splits the period’s incidents into inside and outside coverage, adding up to the total', async () => {
    const [{ to }] = await q<{ to: string }>(`select (max(reported_at) + interval '1 second')::text "to" from incidents`)
    const toIso = new Date(to).toISOString()
    const fromIso = new Date(Date.parse(toIso) - 365 * 24 * 3600_000).toISOString()
    const { status, body } = await cov(planner, `type=psych_legal&from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`)
    expect(status).toBe(200)
    const [ref] = await q<{ total: number; inside: number }>(
      `with s as (select ST_Transform(geom, 32648) g, service_radius_m r from stations where type = 'psych_legal' and closed_on is null and (opened_on is null or opened_on <= current_date))
       select count(*)::int total,
              count(*) filter (where exists (select 1 from s where ST_Distance(ST_Transform(i.geom, 32648), s.g) <= s.r))::int inside
       from incidents i where i.reported_at >= $1 and i.reported_at < $2`,
      [fromIso, toIso],
    )
    expect(ref.total).toBeGreaterThan(0)
    expect(body.incidents.inside + body.incidents.outside).toBe(ref.total)
    expect(body.incidents.total).toBe(ref.total)
    expect(body.incidents.inside).toBe(ref.inside)
    // Both sides non-empty, so the split itself is tested, not just the sum.
    expect(ref.inside).toBeGreaterThan(0)
    expect(ref.inside).toBeLessThan(ref.total)
    // A larger radius moves incidents inside, never out.
    const wider = (await cov(planner, `type=psych_legal&radius=3000&from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`)).body
    expect(wider.incidents.total).toBe(ref.total)
    expect(wider.incidents.inside).toBeGreaterThanOrEqual(body.incidents.inside)
  })

  it('answers a child area with its own children', async () => {
    const [street] = await q<{ id: number; hh: number }>(
      `select a.id, (select sum(households)::int from buildings b where b.street_id = a.id and households > 0) hh from areas a where level = 'street' order by id limit 1`,
    )
    const { status, body } = await cov(planner, `type=self_governance&area=${street.id}&level=grid&incidents=false`)
    expect(status).toBe(200)
    expect(body.level).toBe('grid')
    expect(body.households_total).toBe(street.hh)
    expect(body.by_area.reduce((s: number, a: any) => s + a.households_covered, 0)).toBe(body.households_covered)
  })

  it('answers a micro-grid without children, and lists micro-grids of a community when asked', async () => {
    const [mg] = await q<{ id: number; community: number }>(
      `select b.micro_grid_id id, b.community_id community from buildings b where households > 0 group by 1, 2 order by 1 limit 1`,
    )
    const one = (await cov(planner, `type=self_governance&area=${mg.id}&incidents=false`)).body
    expect(one.area.level).toBe('micro_grid')
    expect(one.level).toBeNull()
    expect(one.by_area).toEqual([])
    const [{ hh }] = await q<{ hh: number }>(`select sum(households)::int hh from buildings where micro_grid_id = $1 and households > 0`, [mg.id])
    expect(one.households_total).toBe(hh)
    const comm = (await cov(planner, `type=self_governance&area=${mg.community}&level=micro_grid&incidents=false`)).body
    expect(comm.level).toBe('micro_grid')
    expect(comm.by_area.find((a: any) => a.id === mg.id)).toMatchObject({ households_total: one.households_total, households_covered: one.households_covered })
  })

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.json('/api/openapi.json')).body
    for (const p of ['/stations/coverage', '/stations/uncovered', '/stations/service-areas']) expect(doc.paths[p]?.get, p).toBeDefined()
  })

  it('refuses bad input with 400 and a reason', async () => {
    const cases = [
      'type=nope', 'type=psych_legal,nope', 'type=', '', 'type=psych_legal&radius=0', 'type=psych_legal&radius=-5',
      'type=psych_legal&radius=20000', 'type=psych_legal&radius=abc', 'type=psych_legal&area=abc', 'type=psych_legal&area=-1',
      'type=psych_legal&distance=walk', 'type=psych_legal&distance=', 'type=psych_legal&level=district', 'type=psych_legal&from=2026-02-01&to=2026-01-01',
      'type=psych_legal&from=yesterday', 'type=psych_legal&incident_type=nope',
    ]
    for (const c of cases) {
      const { status, body } = await cov(planner, c)
      expect(status, c).toBe(400)
      expect(typeof body.error, c).toBe('string')
      expect(body.message.length, c).toBeGreaterThan(0)
    }
    expect((await cov(planner, 'type=psych_legal&distance=walk')).body.message).toMatch(/distance: 'straight' .* or 'road'/)
    for (const path of ['uncovered', 'service-areas']) {
      expect((await planner.json(`/api/stations/${path}?type=nope`)).status).toBe(400)
      expect((await planner.json(`/api/stations/${path}?type=psych_legal&distance=walk`)).status).toBe(400)
      expect((await planner.json(`/api/stations/${path}?type=psych_legal&radius=0`)).status).toBe(400)
    }
  })

  it('answers 404 for an area outside the caller’s scope or missing, 403 for grid roles, 401 without a session', async () => {
    const commander = await t.as('commander')
    const [{ scope }] = await q<{ scope: number }>(`select ua.area_id scope from users u join user_areas ua on ua.user_id = u.id where u.username = 'commander' limit 1`)
    const [other] = await q<{ id: number }>(`select id from areas where level = 'street' and id <> $1 and not path @> array[$1::int] order by id limit 1`, [scope])
    const out = await cov(commander, `type=psych_legal&area=${other.id}`)
    expect(out.status).toBe(404)
    expect(out.body.error).toBe('not_found')
    expect((await cov(commander, `type=psych_legal&area=${scope}&incidents=false`)).status).toBe(200)
    expect((await cov(planner, 'type=psych_legal&area=2000000000')).status).toBe(404)
    expect((await commander.json(`/api/stations/uncovered?type=psych_legal&area=${other.id}`)).status).toBe(404)
    const leader = await t.as('leader')
    expect((await cov(leader, 'type=psych_legal')).status).toBe(403)
    const anon = await t.anonymous.json('/api/stations/coverage?type=psych_legal')
    expect(anon.status).toBe(401)
  })
})

describe('GET /api/stations/uncovered and /service-areas', () => {
  it('lists exactly the buildings with households left outside coverage', async () => {
    const res = await planner.json('/api/stations/uncovered?type=psych_legal&radius=800')
    expect(res.status).toBe(200)
    const ids = await q<{ id: number }>(
      `with s as (select ST_Transform(geom, 32648) g from stations where type = 'psych_legal' and closed_on is null and (opened_on is null or opened_on <= current_date))
       select b.id from buildings b where b.households > 0
         and not exists (select 1 from s where ST_Distance(ST_Transform(ST_Centroid(b.geom), 32648), s.g) <= 800) order by b.id`,
    )
    expect(res.body.features.map((f: any) => f.id)).toEqual(ids.map((r) => r.id))
    expect(res.body.features[0].geometry.type).toBe('Point')
    const hh = res.body.features.reduce((s: number, f: any) => s + f.properties.households, 0)
    const c = (await cov(planner, 'type=psych_legal&radius=800&incidents=false')).body
    expect(hh).toBe(c.households_total - c.households_covered)
    const fp = await planner.json('/api/stations/uncovered?type=psych_legal&radius=800&geometry=footprint')
    expect(fp.body.features[0].geometry.type).toBe('Polygon')
  })

  it('draws service areas dissolved per type or one disk per station', async () => {
    const per = await planner.json('/api/stations/service-areas?type=psych_legal,police_post')
    expect(per.status).toBe(200)
    expect(per.body.features.map((f: any) => f.id).sort()).toEqual(['police_post', 'psych_legal'])
    const [{ n }] = await q<{ n: number }>(`select count(*)::int n from stations where type = 'psych_legal' and closed_on is null and (opened_on is null or opened_on <= current_date)`)
    const one = await planner.json('/api/stations/service-areas?type=psych_legal&group=station&radius=500')
    expect(one.status).toBe(200)
    expect(one.body.features).toHaveLength(n)
    for (const f of one.body.features) {
      expect(f.properties.radius).toBe(500)
      // A disk of 500 m: its area in m² is π r² within half a percent (polygonal, projected).
      const [{ m2 }] = await q<{ m2: number }>(`select ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 32648)) m2`, [JSON.stringify(f.geometry)])
      expect(Math.abs(m2 / (Math.PI * 500 * 500) - 1)).toBeLessThan(0.005)
    }
  })
})

describe('distance=road (along the road network)', () => {
  it('covers no more than straight-line distance with the same radius, overall and per child area', async () => {
    for (const query of ['type=psych_legal', 'type=police_post,mediation_room&radius=800']) {
      const straight = (await cov(planner, `${query}&incidents=false`)).body
      const road = await cov(planner, `${query}&incidents=false&distance=road`)
      expect(road.status, query).toBe(200)
      expect(road.body.distance).toBe('road')
      expect(straight.distance).toBe('straight')
      expect(road.body.households_total).toBe(straight.households_total)
      expect(road.body.stations).toBe(straight.stations)
      // A network path is never shorter than the straight line, and the demo's grid of roads makes
      // most of them longer: fewer households, but not none.
      expect(road.body.households_covered).toBeLessThan(straight.households_covered)
      expect(road.body.households_covered).toBeGreaterThan(0)
      expect(road.body.population_covered).toBeLessThanOrEqual(straight.population_covered)
      const byId = new Map(straight.by_area.map((a: any) => [a.id, a]))
      for (const a of road.body.by_area) expect(a.households_covered).toBeLessThanOrEqual((byId.get(a.id) as any).households_covered)
      expect(road.body.by_area.reduce((s: number, a: any) => s + a.households_covered, 0)).toBe(road.body.households_covered)
    }
  })

  it('splits incidents by the road service area it draws: equal to counting them in that polygon, and refuses a forged reach', async () => {
    const [{ to }] = await q<{ to: string }>(`select (max(reported_at) + interval '1 second')::text "to" from incidents`)
    const toIso = new Date(to).toISOString()
    const fromIso = new Date(Date.parse(toIso) - 365 * 24 * 3600_000).toISOString()
    const period = `from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`
    for (const query of ['type=psych_legal', 'type=police_post&radius=600']) {
      const road = await cov(planner, `${query}&${period}&distance=road`)
      expect(road.status, query).toBe(200)
      const straight = (await cov(planner, `${query}&${period}`)).body
      // The polygon the map draws for the same stations, counted by the test as the database owner.
      const fc = (await planner.json(`/api/stations/service-areas?${query}&distance=road`)).body
      expect(fc.features).toHaveLength(1)
      const [ref] = await q<{ total: number; inside: number }>(
        `select count(*)::int total, count(*) filter (where ST_Covers(ST_SetSRID(ST_GeomFromGeoJSON($3), 4326), i.geom))::int inside
         from incidents i where i.reported_at >= $1 and i.reported_at < $2`,
        [fromIso, toIso, JSON.stringify(fc.features[0].geometry)],
      )
      expect(road.body.incidents.total, query).toBe(ref.total)
      expect(road.body.incidents.inside, query).toBe(ref.inside)
      expect(road.body.incidents.outside, query).toBe(ref.total - ref.inside)
      expect(ref.inside).toBeGreaterThan(0)
      expect(ref.inside).toBeLessThan(ref.total)
      // Straight-line counts are unchanged by the road option, and the same period is counted.
      expect(straight.incidents.total).toBe(ref.total)
      expect(road.body.incidents.from).toBe(straight.incidents.from)
    }
    // Only counts reach the caller, and only for the stations' own reach: the function refuses a
    // polygon outside the disks of the stations the caller's scope shows (a probe for incidents).
    const [pl] = await q<{ person_id: number; id: number; areas: number[] }>(
      `select u.person_id, u.id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'planner' group by 1, 2`)
    const [{ id: district }] = await q<{ id: number }>(`select id from areas where level = 'district'`)
    const scope = { userId: pl.person_id, role: 'planner' as const, areaIds: pl.areas, accountId: pl.id, username: 'planner' }
    const probe = (polygon: string) => withScope(t.db.pool, scope, (c) => c.query(
      `select inside from area_station_coverage_incidents_road($1, $2, $3, array['psych_legal'], 300, null, ST_GeomFromText($4, 4326))`,
      [pl.areas.length === 1 ? pl.areas[0] : district, fromIso, toIso, polygon]))
    const [far] = await q<{ wkt: string }>(
      `select ST_AsText(ST_Buffer(ST_Centroid(i.geom), 0.00001)) wkt from incidents i
       where not exists (select 1 from stations s where s.type = 'psych_legal' and ST_DWithin(s.geom::geography, i.geom::geography, 400))
       order by i.id limit 1`)
    expect(far).toBeDefined()
    await expect(probe(far.wkt)).rejects.toThrow(/outside the service disks/)
  })

  it('lists as uncovered every building straight-line distance leaves out, and more', async () => {
    const straight = (await planner.json('/api/stations/uncovered?type=psych_legal&radius=800')).body
    const road = (await planner.json('/api/stations/uncovered?type=psych_legal&radius=800&distance=road')).body
    expect(straight.distance).toBe('straight')
    expect(road.distance).toBe('road')
    const roadIds = new Set(road.features.map((f: any) => f.id))
    for (const f of straight.features) expect(roadIds.has(f.id)).toBe(true)
    expect(road.features.length).toBeGreaterThan(straight.features.length)
    const c = (await cov(planner, 'type=psych_legal&radius=800&incidents=false&distance=road')).body
    expect(road.features.reduce((s: number, f: any) => s + f.properties.households, 0)).toBe(c.households_total - c.households_covered)
  })

  it('covers a building next to a station on its road at the access leg, not a metre less; a new road is used at once', async () => {
    // A building with households and no mediation room within 300 m; its nearest road and the point
    // of that road nearest to its centroid (metres, UTM 48N).
    const [b] = await q<{ id: number; community: number; d: number; lon: number; lat: number }>(`
      with b as (
        select b.id, b.community_id community, ST_Transform(ST_Centroid(b.geom), 32648) c from buildings b
        where b.households > 0 and not exists (select 1 from stations s where s.type = 'mediation_room'
          and ST_DWithin(ST_Transform(s.geom, 32648), ST_Transform(ST_Centroid(b.geom), 32648), 300))
        order by b.id limit 1
      ), p as (
        select b.*, (select ST_ClosestPoint(ST_Transform(r.geom, 32648), b.c) from roads r
                     order by ST_Transform(r.geom, 32648) <-> b.c limit 1) p from b
      )
      select id, community, ST_Distance(c, p) d, ST_X(ST_Transform(p, 4326)) lon, ST_Y(ST_Transform(p, 4326)) lat from p`)
    expect(b.d).toBeGreaterThan(1)
    const [{ id: station }] = await q<{ id: number }>(
      `insert into stations (type, name, geom, service_radius_m, micro_grid_id, grid_id, community_id, street_id)
       values ('mediation_room', 'road test station', ST_SetSRID(ST_MakePoint($1, $2), 4326), 800, 0, 0, 0, 0) returning id`,
      [b.lon, b.lat],
    )
    let road: number | undefined
    try {
      const uncovered = async (radius: number) =>
        (await planner.json(`/api/stations/uncovered?type=mediation_room&area=${b.community}&radius=${radius}&distance=road`)).body.features.map((f: any) => f.id) as number[]
      // The station stands on the road (no access leg); the building's leg is its distance to the road.
      expect(await uncovered(b.d + 0.5)).not.toContain(b.id)
      expect(await uncovered(b.d - 0.5)).toContain(b.id)

      // Another building within 400 m in a straight line that the network leaves out at 400 m …
      const far = await uncovered(400)
      const [other] = await q<{ id: number; lon: number; lat: number; d: number }>(`
        select b.id, ST_X(ST_Centroid(b.geom)) lon, ST_Y(ST_Centroid(b.geom)) lat,
          ST_Distance(ST_Transform(ST_Centroid(b.geom), 32648), ST_Transform(s.geom, 32648)) d
        from buildings b, stations s
        where s.id = $1 and b.id = any($2::int[]) and ST_DWithin(ST_Transform(ST_Centroid(b.geom), 32648), ST_Transform(s.geom, 32648), 390)
        order by b.id limit 1`, [station, far])
      expect(other).toBeDefined()
      // … is reached once a footpath runs straight from the station to it.
      ;[{ id: road }] = await q<{ id: number }>(
        `insert into roads (kind, name, geom) values ('residential', 'road test path', ST_MakeLine(ST_SetSRID(ST_MakePoint($1, $2), 4326), ST_SetSRID(ST_MakePoint($3, $4), 4326))) returning id`,
        [b.lon, b.lat, other.lon, other.lat],
      )
      expect(await uncovered(400)).not.toContain(other.id)
    } finally {
      if (road !== undefined) await q(`delete from roads where id = $1`, [road])
      await q(`delete from stations where id = $1`, [station])
    }
  })

  it('draws road service areas inside the straight-line disks widened by the corridor', async () => {
    const fc = await planner.json('/api/stations/service-areas?type=psych_legal&group=station&radius=600&distance=road')
    expect(fc.status).toBe(200)
    expect(fc.body.distance).toBe('road')
    expect(fc.body.features.length).toBeGreaterThan(0)
    for (const f of fc.body.features) {
      expect(f.properties.radius).toBe(600)
      const [r] = await q<{ inside: boolean; ratio: number }>(
        `with sa as (select ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326), 32648) g),
              s as (select ST_Transform(geom, 32648) g from stations where id = $2)
         select ST_Within(sa.g, ST_Buffer(s.g, 600 + 40 + 1, 32)) inside, ST_Area(sa.g) / (pi() * 600 * 600) ratio from sa, s`,
        [JSON.stringify(f.geometry), f.properties.station_id],
      )
      expect(r.inside, String(f.id)).toBe(true)
      // A corridor along the roads, not the disk.
      expect(r.ratio).toBeGreaterThan(0.05)
      expect(r.ratio).toBeLessThan(0.9)
    }
    const byType = (await planner.json('/api/stations/service-areas?type=psych_legal,police_post&distance=road')).body
    expect(byType.features.map((f: any) => f.id).sort()).toEqual(['police_post', 'psych_legal'])
    expect((await planner.json('/api/stations/service-areas?type=psych_legal')).body.distance).toBe('straight')
  })
})
