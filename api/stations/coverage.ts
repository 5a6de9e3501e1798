/**
 * Station coverage (issue 6): how many households (and people, and incidents) of an area lie within
 * the service radius of the open stations of some types, per child area; the uncovered buildings
 * for a map layer; the stations' service areas. docs/stations.md has the definitions and choices.
 *
 * Demand is siting's (api/siting/queries.ts, demandTableSql): buildings with households, at their
 * centroid projected to EPSG:32648 in a transaction-local table with a GiST index, so "covered" here
 * and "covered_before" there are the same test. Distance is straight-line metres (`distance=straight`,
 * the default, all in SQL) or along the road network (`distance=road`: the graph and search in
 * api/lib/roadnet.ts, the covered set computed in the API and handed back to the same SQL).
 *
 * Roles: as siting (planners, commanders, admins). Grid leaders and members get 403: their scope is
 * one grid, and station coverage is a street/district planning view. Incidents are counts from a
 * SECURITY DEFINER function (db/migrations/0019_station_coverage.sql), never rows.
 */
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { resolvePeriod } from '../analytics/period.ts'
import { Instant } from '../incidents/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollectionSql, featureSql, GeometrySchema, jsonText } from '../lib/geojson.ts'
import { errorResponses, forbidden, newRouter, notFound, type Env } from '../lib/router.ts'
import { roadGraphOf } from '../lib/roadnet-load.ts'
import { demandTableSql, requirePlanningRole, resolveStudyArea, type AreaRow } from '../siting/queries.ts'
import { MAX_RADIUS } from '../siting/routes.ts'
import { coveredAlongRoads, coveredIdsSql, demandPoints, multiLineJson, reachedNetwork, ROAD_CORRIDOR_M, type RoadStation } from './roadcover.ts'

/** Most uncovered buildings one answer carries; more asks for a smaller area. */
export const MAX_UNCOVERED = 20_000

const DAY = 24 * 3600_000

const bad = (message: string) => new ApiFailure(400, 'invalid_request', message)

/** The buildings' column holding the area of a level (fixed identifiers, never from input). */
const BUILDING_COLUMN: Record<Exclude<AreaLevel, 'district'>, SQL> = {
  street: sql.raw('street_id'),
  community: sql.raw('community_id'),
  grid: sql.raw('grid_id'),
  micro_grid: sql.raw('micro_grid_id'),
}

const levelIndex = (l: AreaLevel) => AREA_LEVELS.indexOf(l)

const CommonQuery = {
  type: z.string().min(1).max(500).openapi({ description: 'station type code, or several comma-separated (covered = within reach of any open station of them)', example: 'psych_legal,police_post' }),
  radius: z.coerce.number().gt(0).max(MAX_RADIUS).optional().openapi({ description: `metres, 0 < radius ≤ ${MAX_RADIUS}; default: each station’s own service_radius_m`, example: 1000 }),
  area: z.coerce.number().int().positive().max(2_147_483_647).optional().openapi({ description: 'area id in your scope; default: your scope root (required when your account holds several areas)' }),
  distance: z.string().max(50).default('straight').openapi({ description: '`straight` (straight-line metres, EPSG:32648) or `road` (walking along the road network, access legs included; docs/stations.md)' }),
}

export const DISTANCES = ['straight', 'road'] as const
export type Distance = (typeof DISTANCES)[number]
const DistanceSchema = z.enum(DISTANCES).openapi({ description: 'the distance used: straight-line or along the road network' })

type Common = { type: string; radius?: number; area?: number; distance: string }

export interface Resolved {
  area: AreaRow
  types: string[]
  radius: number | null
  distance: Distance
}


/** Role, distance, station types (checked against station_types) and area of a request. */
async function resolveCommon(c: Context<Env>, q: Common): Promise<Resolved> {
  requirePlanningRole(c, 'station coverage')
  if (!(DISTANCES as readonly string[]).includes(q.distance)) {
    throw bad(`distance: 'straight' (straight-line metres) or 'road' (along the road network)`)
  }
  const types = [...new Set(q.type.split(',').map((s) => s.trim()).filter(Boolean))]
  if (types.length === 0) throw bad('type: give at least one station type code')
  const { rows } = await c.get('tx').execute<{ code: string }>(sql`select code from station_types where code = any(${sql.param(types)}::text[])`)
  const known = new Set(rows.map((r) => r.code))
  const unknown = types.filter((t) => !known.has(t))
  if (unknown.length) throw bad(`type: unknown station type${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 10).join(', ')}`)
  const area = await resolveStudyArea(c, q.area, 'your account has no area')
  return { area, types, radius: q.radius ?? null, distance: q.distance as Distance }
}

/**
 * Open stations of the types visible to the caller (RLS), wherever they stand: one across the
 * area's boundary still serves its households. Projected points with their radius.
 */
export function disksSql(r: Resolved): SQL {
  return sql`select point(ST_X(t.g), ST_Y(t.g)) as p, t.r
    from (select ST_Transform(geom, 32648) as g, ${r.radius === null ? sql`service_radius_m::float8` : sql`${r.radius}::float8`} as r
          from stations
          where type = any(${sql.param(r.types)}::text[]) and closed_on is null and (opened_on is null or opened_on <= current_date)) t`
}

/**
 * Demand numbered rows covered by any disk: one index probe of siting_demand per station, then
 * distinct buildings (overlapping disks count a building once).
 */
function coveredSql(r: Resolved): SQL {
  return sql`select distinct d.i from (${disksSql(r)}) s join siting_demand d on d.p <@ circle(s.p, s.r)`
}

/**
 * Households and population of siting_demand, covered or not, per child area of `level` (ROLLUP:
 * the row with a null child is the total). One pass over the demand joined to its buildings.
 * `covered` selects the covered demand indexes `i`: straight-line disks by default.
 */
export function coverageTotalsSql(r: Resolved, level: Exclude<AreaLevel, 'district'> | null, covered: SQL = coveredSql(r)): SQL {
  return sql`
    with covered as (${covered})
    select ${level ? sql`b.${BUILDING_COLUMN[level]}` : sql`null::int`} as child,
      sum(b.households)::float8 as hh, coalesce(sum(b.households) filter (where c.i is not null), 0)::float8 as hh_cov,
      sum(b.population)::float8 as pop, coalesce(sum(b.population) filter (where c.i is not null), 0)::float8 as pop_cov
    from siting_demand d join buildings b on b.id = d.id left join covered c on c.i = d.i
    group by rollup (1)`
}

/**
 * The covered demand as SQL rows of `i`: the straight-line disk join, or the indexes found along
 * the road network (siting_demand must be filled).
 */
async function coveredDemandSql(c: Context<Env>, r: Resolved): Promise<SQL> {
  if (r.distance === 'straight') return coveredSql(r)
  const tx = c.get('tx')
  const graph = await roadGraphOf(tx)
  const { rows: stations } = await tx.execute<RoadStation>(sql`select s.p[0] as x, s.p[1] as y, s.r from (${disksSql(r)}) s`)
  return coveredIdsSql(coveredAlongRoads(graph, stations, await demandPoints(tx)))
}

/** Fill siting_demand for the area (siting's own table and SQL). */
async function prepareDemand(c: Context<Env>, area: AreaRow) {
  const tx = c.get('tx')
  await tx.execute(sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`)
  for (const q of demandTableSql(area.level, area.id)) await tx.execute(q)
}

/**
 * The road service area drawn on the map (WGS84 multipolygon): each merged reached line buffered by
 * ROAD_CORRIDOR_M and unioned — ~7× faster than one ST_Buffer of the whole MultiLineString (0.2 s
 * against 1.3 s for the district's psych-legal reach, same polygon). `lines` is multiLineJson().
 */
function roadCorridorSql(lines: SQL): SQL {
  return sql`(select ST_Multi(ST_Transform(ST_Union(ST_Buffer(l.geom, ${ROAD_CORRIDOR_M}::float8, 4)), 4326))
    from ST_Dump(ST_LineMerge(ST_SetSRID(ST_GeomFromGeoJSON(${lines}), 32648))) l)`
}

/**
 * Incidents inside vs outside coverage (counts only, SECURITY DEFINER): straight-line disks
 * (0019), or with road distance the road service area of all the stations counted (0030) — the
 * polygon as the service-areas endpoint sends it (GeoJSON, 6 decimals), so "inside" means inside
 * what the map draws. No row: the area is not in the caller's scope.
 */
async function incidentSplit(c: Context<Env>, r: Resolved, period: { from: Date; to: Date; types?: string[] }) {
  const tx = c.get('tx')
  const args = sql`${r.area.id}::int, ${period.from.toISOString()}::timestamptz, ${period.to.toISOString()}::timestamptz,
    ${sql.param(r.types)}::text[], ${r.radius}::float8, ${period.types ? sql`${sql.param(period.types)}::text[]` : sql`null::text[]`}`
  if (r.distance === 'straight') {
    return (await tx.execute<{ inside: number; outside: number }>(sql`select inside, outside from area_station_coverage_incidents(${args})`)).rows
  }
  const { rows: stations } = await tx.execute<RoadStation>(sql`select s.p[0] as x, s.p[1] as y, s.r from (${disksSql(r)}) s`)
  const parts = reachedNetwork(await roadGraphOf(tx), stations)
  const reach = parts.length === 0 ? sql`null::geometry` : sql`ST_GeomFromGeoJSON(ST_AsGeoJSON(${roadCorridorSql(sql`${multiLineJson(parts)}`)}, 6))`
  return (await tx.execute<{ inside: number; outside: number }>(sql`select inside, outside from area_station_coverage_incidents_road(${args}, ${reach})`)).rows
}

/** The FeatureCollection member naming the distance used. */
const distanceMember = (r: Resolved) => sql`'distance', ${r.distance}::text`

const share = (covered: number, total: number) => (total > 0 ? Number((covered / total).toFixed(6)) : null)

const AreaInfo = z.object({ id: z.number(), name: z.string(), level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]) })

const ByArea = AreaInfo.extend({
  households_total: z.number(),
  households_covered: z.number(),
  population_total: z.number(),
  population_covered: z.number(),
  share: z.number().nullable().openapi({ description: 'households_covered / households_total; null without households' }),
})

export const CoverageResponse = z
  .object({
    area: AreaInfo,
    types: z.array(z.string()),
    radius: z.number().nullable().openapi({ description: 'the radius applied to every station; null: each station’s own service_radius_m' }),
    distance: DistanceSchema,
    stations: z.number().openapi({ description: 'open stations of the types counted (those your scope shows)' }),
    households_total: z.number(),
    households_covered: z.number(),
    households_share: z.number().nullable(),
    population_total: z.number(),
    population_covered: z.number(),
    population_share: z.number().nullable(),
    incidents: z
      .object({
        from: z.string(),
        to: z.string(),
        inside: z.number(),
        outside: z.number(),
        total: z.number(),
        share_inside: z.number().nullable(),
      })
      .nullable()
      .openapi({ description: 'incidents of the area reported in [from, to) inside vs outside coverage (counts only): within the radius in a straight line, or with distance=road inside the road service area (the corridor /service-areas draws); null with incidents=false' }),
    level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]).nullable().openapi({ description: 'level of by_area; null for a micro-grid (nothing below)' }),
    by_area: z.array(ByArea),
  })
  .openapi('StationCoverage')

const coverage = createRoute({
  method: 'get',
  path: '/coverage',
  tags: ['stations'],
  summary: 'Households, population and incidents of an area within reach of open stations of some types, per child area (planners, commanders, admins)',
  request: {
    query: z.object({
      ...CommonQuery,
      level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]).optional().openapi({ description: 'level of by_area, below the area’s; default: the next level down' }),
      from: Instant.optional().openapi({ description: 'incidents: period start (inclusive); default 365 days before `to`' }),
      to: Instant.optional().openapi({ description: 'incidents: period end (exclusive); default now' }),
      incident_type: z.string().max(2000).optional().openapi({ description: 'incidents: comma-separated incident type codes; default every type' }),
      incidents: z.enum(['true', 'false']).default('true').openapi({ description: 'false: skip the incident counts (the slower part at district scale)' }),
    }),
  },
  responses: {
    200: { description: 'Coverage totals and per child area', content: { 'application/json': { schema: CoverageResponse } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

export const UncoveredProperties = z.object({ id: z.number(), households: z.number(), population: z.number() })
const UncoveredCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    distance: DistanceSchema,
    features: z.array(z.object({ type: z.literal('Feature'), id: z.number(), geometry: GeometrySchema, properties: UncoveredProperties })),
  })
  .openapi('UncoveredBuildings')

const uncovered = createRoute({
  method: 'get',
  path: '/uncovered',
  tags: ['stations'],
  summary: `Buildings with households outside every open station’s reach, as GeoJSON (at most ${MAX_UNCOVERED.toLocaleString('en')})`,
  request: {
    query: z.object({
      ...CommonQuery,
      geometry: z.enum(['centroid', 'footprint']).default('centroid').openapi({ description: 'centroid points (small) or footprint polygons' }),
    }),
  },
  responses: {
    200: { description: 'FeatureCollection of uncovered buildings, by id', content: { 'application/json': { schema: UncoveredCollection } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const ServiceAreaProperties = z.object({
  type: z.string(),
  station_id: z.number().nullable().openapi({ description: 'group=station: the station; group=type: null' }),
  name: z.string().nullable(),
  stations: z.number().openapi({ description: 'stations whose disks make the polygon' }),
  radius: z.number().nullable().openapi({ description: 'metres; null when the stations of a type have different radii' }),
})
const ServiceAreaCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    distance: DistanceSchema,
    features: z.array(z.object({ type: z.literal('Feature'), id: z.union([z.number(), z.string()]), geometry: GeometrySchema, properties: ServiceAreaProperties })),
  })
  .openapi('ServiceAreas')

const serviceAreas = createRoute({
  method: 'get',
  path: '/service-areas',
  tags: ['stations'],
  summary: 'Service areas of the open stations of some types that reach the area (straight: disks of the radius; road: the network reachable within it, as a corridor), dissolved per type or one per station',
  request: {
    query: z.object({
      ...CommonQuery,
      group: z.enum(['type', 'station']).default('type').openapi({ description: 'type: one dissolved (multi)polygon per type; station: one disk per station' }),
    }),
  },
  responses: {
    200: { description: 'FeatureCollection of service-area polygons (WGS84)', content: { 'application/json': { schema: ServiceAreaCollection } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

export const stationCoverageRoutes = newRouter()
  .openapi(coverage, async (c) => {
    const q = c.req.valid('query')
    const r = await resolveCommon(c, q)
    const { area } = r
    const below = AREA_LEVELS.filter((l) => levelIndex(l) > levelIndex(area.level))
    if (q.level && !below.includes(q.level)) throw bad(`level: must be below the area’s level ${area.level} (${below.join(', ') || 'none'})`)
    const level = (q.level ?? below[0] ?? null) as Exclude<AreaLevel, 'district'> | null
    // The period is checked before the heavier work (a bad period answers 400 at once).
    let period: Awaited<ReturnType<typeof resolvePeriod>> | undefined
    if (q.incidents === 'true') {
      const to = q.to ?? new Date().toISOString()
      const from = q.from ?? new Date(Date.parse(to) - 365 * DAY).toISOString()
      period = await resolvePeriod(c.get('tx'), { from, to, type: q.incident_type })
    }
    await prepareDemand(c, area)
    const tx = c.get('tx')
    const { rows } = await tx.execute<{ child: number | null; hh: number; hh_cov: number; pop: number; pop_cov: number }>(coverageTotalsSql(r, level, await coveredDemandSql(c, r)))
    // ROLLUP's grand-total row is the one with no child (buildings always have their areas).
    const total = rows.find((x) => x.child === null) ?? { hh: 0, hh_cov: 0, pop: 0, pop_cov: 0 }
    const byChild = new Map(rows.filter((x) => x.child !== null).map((x) => [x.child!, x]))
    const { rows: stationRows } = await tx.execute<{ n: number }>(sql`select count(*)::int as n from (${disksSql(r)}) s`)
    let byArea: z.infer<typeof ByArea>[] = []
    if (level) {
      // Every child area, with or without buildings, so the client can draw them all.
      const { rows: children } = await tx.execute<{ id: number; name: string; level: AreaLevel }>(
        sql`select id, name, level from areas where level = ${level} and path @> array[${area.id}::int] order by id`,
      )
      byArea = children.map((a) => {
        const x = byChild.get(a.id)
        const hh = x?.hh ?? 0, hhCov = x?.hh_cov ?? 0
        return { id: a.id, name: a.name, level: a.level, households_total: hh, households_covered: hhCov, population_total: x?.pop ?? 0, population_covered: x?.pop_cov ?? 0, share: share(hhCov, hh) }
      })
    }
    let incidents: z.infer<typeof CoverageResponse>['incidents'] = null
    if (period) {
      const inc = await incidentSplit(c, r, period)
      // No row: the area left the caller's scope between the checks (it was just found in scope).
      if (inc.length === 0) throw new ApiFailure(404, 'not_found', `area ${area.id} does not exist`)
      const { inside, outside } = inc[0]
      incidents = { from: period.from.toISOString(), to: period.to.toISOString(), inside, outside, total: inside + outside, share_inside: share(inside, inside + outside) }
    }
    const hh = total.hh ?? 0, hhCov = total.hh_cov ?? 0, pop = total.pop ?? 0, popCov = total.pop_cov ?? 0
    return c.json(
      {
        area: { id: area.id, name: area.name, level: area.level },
        types: r.types,
        radius: r.radius,
        distance: r.distance,
        stations: stationRows[0].n,
        households_total: hh,
        households_covered: hhCov,
        households_share: share(hhCov, hh),
        population_total: pop,
        population_covered: popCov,
        population_share: share(popCov, pop),
        incidents,
        level,
        by_area: byArea,
      },
      200,
    )
  })
  .openapi(uncovered, async (c) => {
    const q = c.req.valid('query')
    const r = await resolveCommon(c, q)
    await prepareDemand(c, r.area)
    const tx = c.get('tx')
    await tx.execute(sql`create temp table station_uncovered on commit drop as
      select d.id from siting_demand d where d.i not in (${await coveredDemandSql(c, r)})`)
    const { rows: n } = await tx.execute<{ n: number }>(sql`select count(*)::int as n from station_uncovered`)
    if (n[0].n > MAX_UNCOVERED) {
      throw bad(`area: ${n[0].n.toLocaleString('en')} uncovered buildings, more than ${MAX_UNCOVERED.toLocaleString('en')} per answer; ask for a smaller area`)
    }
    const geom = q.geometry === 'footprint' ? sql`b.geom` : sql`ST_Centroid(b.geom)`
    const { rows } = await tx.execute<{ fc: string }>(sql`
      select ${featureCollectionSql(featureSql(sql`b.id`, geom, sql`json_build_object('id', b.id, 'households', b.households, 'population', b.population)`), sql`b.id`, distanceMember(r))} as fc
      from station_uncovered u join buildings b on b.id = u.id`)
    return jsonText<z.infer<typeof UncoveredCollection>>(c, rows[0].fc)
  })
  .openapi(serviceAreas, async (c) => {
    const q = c.req.valid('query')
    const r = await resolveCommon(c, q)
    const radius = r.radius === null ? sql`s.service_radius_m::float8` : sql`${r.radius}::float8`
    // Stations whose disk reaches the area (a network reach never leaves its station's disk).
    const reaching = sql`from stations s, (select ST_Transform(geom, 32648) as g from areas where id = ${r.area.id}) a
      where s.type = any(${sql.param(r.types)}::text[]) and s.closed_on is null and (s.opened_on is null or s.opened_on <= current_date)
        and ST_DWithin(ST_Transform(s.geom, 32648), a.g, ${radius})`
    const props = q.group === 'station'
      ? sql`json_build_object('type', t.type, 'station_id', t.id, 'name', t.name, 'stations', 1, 'radius', t.r)`
      : sql`json_build_object('type', t.type, 'station_id', null, 'name', null, 'stations', t.n, 'radius', t.r)`
    let source: SQL
    if (r.distance === 'road') {
      source = sql`(select t.id, t.type, t.name, t.n, t.r, ${roadCorridorSql(sql`t.lines`)} as g
        from json_to_recordset(${JSON.stringify(await roadServiceAreas(c, r, reaching, radius, q.group))}::json)
          as t(id text, type text, name text, n int, r float8, lines text)) t`
    } else {
      // Disks built in metres (EPSG:32648, 32 segments per quarter: < 0.05 % short of the true circle).
      const disks = sql`select s.id, s.type, s.name, ${radius} as r, ST_Buffer(ST_Transform(s.geom, 32648), ${radius}, 32) as g ${reaching}`
      source = q.group === 'station'
        ? sql`(select id, type, name, r, ST_Transform(g, 4326) as g from (${disks}) d) t`
        : sql`(select type as id, type, count(*)::int as n, case when min(r) = max(r) then min(r) end as r, ST_Multi(ST_Transform(ST_Union(g), 4326)) as g
               from (${disks}) d group by type) t`
    }
    const id = r.distance === 'road' && q.group === 'station' ? sql`t.id::int` : sql`t.id`
    const { rows } = await c.get('tx').execute<{ fc: string }>(sql`
      select ${featureCollectionSql(featureSql(id, sql`t.g`, props), id, distanceMember(r))} as fc from ${source}`)
    return jsonText<z.infer<typeof ServiceAreaCollection>>(c, rows[0].fc)
  })

/**
 * Road service areas before buffering: per station (group=station) or per type (one multi-source
 * search), the reachable parts of the network as a MultiLineString in metres. A station or type
 * that reaches no road is left out.
 */
async function roadServiceAreas(c: Context<Env>, r: Resolved, reaching: SQL, radius: SQL, group: 'type' | 'station') {
  const tx = c.get('tx')
  const graph = await roadGraphOf(tx)
  const { rows: stations } = await tx.execute<RoadStation & { id: number; type: string; name: string }>(sql`
    select s.id, s.type, s.name, ST_X(ST_Transform(s.geom, 32648)) as x, ST_Y(ST_Transform(s.geom, 32648)) as y, ${radius} as r
    ${reaching} order by s.id`)
  const groups = group === 'station'
    ? stations.map((s) => ({ id: String(s.id), type: s.type, name: s.name as string | null, members: [s] }))
    : [...new Set(stations.map((s) => s.type))].map((type) => ({ id: type, type, name: null, members: stations.filter((s) => s.type === type) }))
  const out = []
  for (const g of groups) {
    const parts = reachedNetwork(graph, g.members)
    if (parts.length === 0) continue
    const radii = new Set(g.members.map((s) => s.r))
    out.push({ id: g.id, type: g.type, name: g.name, n: g.members.length, r: radii.size === 1 ? g.members[0].r : null, lines: multiLineJson(parts) })
  }
  return out
}
