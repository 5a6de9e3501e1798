/**
 * Walks along the road network for POST /api/patrols/route (issue 5): the distance matrix the order
 * is found on, and afterwards the path of each leg (api/lib/roadnet.ts: the stop, its access leg to
 * the nearest road, along roads, the access leg off it, the next stop). Planar EPSG:32648 metres
 * inside; the database transforms the points in and the paths back out, one statement each.
 */
import { sql } from 'drizzle-orm'
import { edgeCount, RoadSearch, snapToRoad, type RoadGraph, type RoadSnap } from '../lib/roadnet.ts'
import { roadGraphOf } from '../lib/roadnet-load.ts'
import type { RequestTx } from '../lib/scope.ts'
import type { LonLat } from './route.ts'

/** The stops of a walk on the network: where each is (metres), where it joins the roads, and the matrix between them. */
export interface RoadStops {
  graph: RoadGraph
  xy: [number, number][]
  snaps: RoadSnap[]
  matrix: number[][]
}

/** One leg of a walk: indexes into the walk's points, its length and its path. */
export interface Leg {
  from: number
  to: number
  distance_m: number
  path: LonLat[]
}

/**
 * Walking distances between the points along the road network: one search per point. Null — straight
 * lines — when there are fewer than two points or no roads, a point lies more than 1 km from every
 * road, or two points' roads do not connect.
 */
export async function roadStops(tx: RequestTx, points: LonLat[]): Promise<RoadStops | null> {
  if (points.length < 2) return null
  const graph = await roadGraphOf(tx)
  if (edgeCount(graph) === 0) return null
  const { rows } = await tx.execute<{ x: number; y: number }>(sql`
    select ST_X(p) as x, ST_Y(p) as y
    from unnest(${sql.param(points.map((p) => p[0]))}::float8[], ${sql.param(points.map((p) => p[1]))}::float8[]) with ordinality as u(lon, lat, k),
      ST_Transform(ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), 32648) as p
    order by u.k`)
  const xy = rows.map((r) => [r.x, r.y] as [number, number])
  const snaps = xy.map(([x, y]) => snapToRoad(graph, x, y))
  if (snaps.some((s) => s === null)) return null
  const search = new RoadSearch(graph)
  const matrix = snaps.map((from, i) => {
    search.run([{ snap: from!, offset: 0 }], Number.POSITIVE_INFINITY)
    return snaps.map((to, j) => (i === j ? 0 : search.costAt(to!)))
  })
  if (!matrix.every((row) => row.every(Number.isFinite))) return null
  return { graph, xy, snaps: snaps as RoadSnap[], matrix }
}

/**
 * The road path of each leg of a walk visiting the stops in `walk` order (indexes into the stops), in
 * planar metres: the stop, its snap point, the nodes, the next snap point, the next stop. Each leg's
 * search stops at that leg's cost, so the path's length is the matrix entry the order was chosen on.
 */
function legPaths(stops: RoadStops, walk: number[]): number[][] {
  const search = new RoadSearch(stops.graph)
  const out: number[][] = []
  for (let k = 1; k < walk.length; k++) {
    const a = walk[k - 1], b = walk[k]
    const d = stops.matrix[a][b]
    search.run([{ snap: stops.snaps[a], offset: 0 }], d + 1e-6 * (1 + d))
    const along = search.pathTo(stops.snaps[b])
    if (!along) throw new Error(`roadwalk: no path for a leg the matrix measured (${a} → ${b})`)
    out.push([...stops.xy[a], ...along, ...stops.xy[b]])
  }
  return out
}

/** Planar paths (EPSG:32648 metres, flat) back to [lon, lat] in one statement, 7 decimals (~1 cm). */
async function toLonLat(tx: RequestTx, paths: number[][]): Promise<LonLat[][]> {
  const xs: number[] = [], ys: number[] = []
  for (const p of paths) for (let k = 0; k < p.length; k += 2) xs.push(p[k]), ys.push(p[k + 1])
  const { rows } = await tx.execute<{ lon: number; lat: number }>(sql`
    select round(ST_X(g)::numeric, 7)::float8 as lon, round(ST_Y(g)::numeric, 7)::float8 as lat
    from unnest(${sql.param(xs)}::float8[], ${sql.param(ys)}::float8[]) with ordinality as u(x, y, k),
      ST_Transform(ST_SetSRID(ST_MakePoint(u.x, u.y), 32648), 4326) as g
    order by u.k`)
  let at = 0
  return paths.map((p) => Array.from({ length: p.length / 2 }, () => {
    const r = rows[at++]
    return [r.lon, r.lat] as LonLat
  }))
}

/** The legs of a walk visiting the stops in `walk` order, along roads; leg k joins the walk's points k and k + 1. */
export async function roadLegs(tx: RequestTx, stops: RoadStops, walk: number[]): Promise<Leg[]> {
  const paths = await toLonLat(tx, legPaths(stops, walk))
  return paths.map((path, k) => ({ from: k, to: k + 1, distance_m: round1(stops.matrix[walk[k]][walk[k + 1]]), path }))
}

/** Metres to one decimal, as the route's length. */
export const round1 = (m: number) => Math.round(m * 10) / 10
