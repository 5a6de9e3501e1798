/**
 * Station coverage along the road network (`distance=road`, issue 6): which demand points lie
 * within a station's radius of walking along the roads, and the reachable network drawn as service
 * areas. The graph and the search are api/lib/roadnet.ts; the model is in docs/stations.md.
 */
import { sql, type SQL } from 'drizzle-orm'
import { forEachReached, indexSnaps, RoadSearch, snapToRoad, type RoadGraph, type RoadSource } from '../lib/roadnet.ts'
import type { RequestTx } from '../lib/scope.ts'
import { float64s } from '../siting/queries.ts'

/** Half-width of the corridor drawn around the reachable network, metres. */
export const ROAD_CORRIDOR_M = 40

/** The demand points of siting_demand (projected), in demand order. */
export async function demandPoints(tx: RequestTx): Promise<{ x: Float64Array; y: Float64Array }> {
  const { rows: [d] } = await tx.execute<{ x: Buffer; y: Buffer }>(sql`select
    coalesce(string_agg(float8send(p[0]), ''::bytea order by i), ''::bytea) as x,
    coalesce(string_agg(float8send(p[1]), ''::bytea order by i), ''::bytea) as y
    from siting_demand`)
  return { x: float64s(d.x), y: float64s(d.y) }
}

/** A station as the network search needs it: projected point (metres) and radius. */
export interface RoadStation extends Record<string, unknown> {
  x: number
  y: number
  r: number
}

/**
 * Demand indexes (siting_demand.i) within reach along the network of some station: network
 * distance (access legs included) ≤ that station's radius. One multi-source search: each station
 * starts at −radius, and a point is covered when its cost is ≤ 0.
 */
export function coveredAlongRoads(g: RoadGraph, stations: RoadStation[], demand: { x: Float64Array; y: Float64Array }): number[] {
  const snaps = Array.from(demand.x, (x, i) => snapToRoad(g, x, demand.y[i]))
  const sources: RoadSource[] = []
  for (const s of stations) {
    const snap = snapToRoad(g, s.x, s.y)
    if (snap) sources.push({ snap, offset: -s.r })
  }
  const search = new RoadSearch(g)
  search.run(sources, 0)
  const covered: number[] = []
  forEachReached(search, indexSnaps(g, snaps), 0, (i) => covered.push(i))
  return covered.sort((a, b) => a - b)
}

/** SQL rows of the covered demand indexes, for the same aggregates as the straight-line path. */
export function coveredIdsSql(covered: number[]): SQL {
  return sql`select unnest(${sql.param(covered)}::int[]) as i`
}

/**
 * The reachable parts of the network of a group of stations (each within its own radius), as
 * segments [x0, y0, x1, y1, …] in metres; empty when none of them is near a road.
 */
export function reachedNetwork(g: RoadGraph, stations: RoadStation[]): number[] {
  const sources: RoadSource[] = []
  for (const s of stations) {
    const snap = snapToRoad(g, s.x, s.y)
    if (snap) sources.push({ snap, offset: -s.r })
  }
  if (sources.length === 0) return []
  const search = new RoadSearch(g)
  search.run(sources, 0)
  return search.reachedParts(0)
}

const dm = (v: number) => Math.round(v * 10) / 10

/** Segments as a GeoJSON MultiLineString (metres to 0.1 m; EPSG:32648 to be set by the caller). */
export function multiLineJson(parts: number[]): string {
  const lines: number[][][] = []
  for (let k = 0; k + 3 < parts.length; k += 4) lines.push([[dm(parts[k]), dm(parts[k + 1])], [dm(parts[k + 2]), dm(parts[k + 3])]])
  return JSON.stringify({ type: 'MultiLineString', coordinates: lines })
}
