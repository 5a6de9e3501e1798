import type { LineString, MultiPolygon, Polygon, Position } from 'geojson'

/** The polygons of a Polygon or MultiPolygon, each as its rings. */
export const polygonsOf = (g: Polygon | MultiPolygon): Position[][][] => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates)

/** Even-odd test of one ring (screen-scale accuracy is enough for picking what the user clicked). */
function inRing([x, y]: Position, ring: Position[]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

/** Is the point inside the polygon (inside an outer ring and outside that polygon's holes)? */
export function containsPoint(g: Polygon | MultiPolygon, p: Position): boolean {
  return polygonsOf(g).some(([outer, ...holes]) => inRing(p, outer) && !holes.some((h) => inRing(p, h)))
}

/** Do segments a–b and c–d cross (touching at an end counts)? */
function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const side = (p: Position, q: Position, r: Position) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))
  return side(a, b, c) !== side(a, b, d) && side(c, d, a) !== side(c, d, b)
}

/** How many times the line crosses the boundary (every ring) of the polygon. */
export function boundaryCrossings(line: LineString, g: Polygon | MultiPolygon): number {
  let n = 0
  const pts = line.coordinates
  for (const rings of polygonsOf(g))
    for (const ring of rings)
      for (let i = 1; i < pts.length; i++)
        for (let j = 1; j < ring.length; j++) if (segmentsCross(pts[i - 1], pts[i], ring[j - 1], ring[j])) n++
  return n
}

/**
 * The area a drawn split line cuts: of those whose boundary it crosses at least twice (in and out
 * again), the one holding the middle of the line, else the one crossed most; undefined when the
 * line cuts none. A line across a grid usually also touches its neighbours, so one crossing is
 * not enough.
 */
export function crossedArea<T extends { id: number; geometry: Polygon | MultiPolygon }>(line: LineString, areas: T[]): T | undefined {
  const crossed = areas.map((a) => ({ a, n: boundaryCrossings(line, a.geometry) })).filter((c) => c.n >= 2)
  const middle = middleOf(line)
  return (crossed.find((c) => containsPoint(c.a.geometry, middle)) ?? crossed.sort((x, y) => y.n - x.n)[0])?.a
}

/** The middle of the line's middle segment. */
function middleOf(line: LineString): Position {
  const c = line.coordinates
  const k = Math.max(1, Math.floor(c.length / 2))
  const [a, b] = [c[k - 1], c[k] ?? c[k - 1]]
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]
}

/**
 * The line with both ends pushed `deg` further along their segments. A split line snapped to end
 * exactly on an area's edge then still crosses it, whatever rounding the coordinates went through.
 */
export function stretchEnds(line: LineString, deg = 1e-5): LineString {
  const c = line.coordinates
  if (c.length < 2) return line
  const push = (from: Position, to: Position): Position => {
    const len = Math.hypot(to[0] - from[0], to[1] - from[1])
    return len === 0 ? to : [to[0] + ((to[0] - from[0]) / len) * deg, to[1] + ((to[1] - from[1]) / len) * deg]
  }
  return { type: 'LineString', coordinates: [push(c[1], c[0]), ...c.slice(1, -1), push(c.at(-2)!, c.at(-1)!)] }
}

/** The distinct vertices of the areas' rings (for snapping a split line to sub-area corners). */
export function verticesOf(areas: { geometry: Polygon | MultiPolygon }[]): Position[] {
  const seen = new Map<string, Position>()
  for (const a of areas) for (const rings of polygonsOf(a.geometry)) for (const ring of rings) for (const p of ring) seen.set(`${p[0]},${p[1]}`, p)
  return [...seen.values()]
}

/** The geometry with polygon `part` replaced by `polygon` (a MultiPolygon keeps its other parts). */
export function replacePart(g: Polygon | MultiPolygon, part: number, polygon: Polygon): Polygon | MultiPolygon {
  if (g.type === 'Polygon') return polygon
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((p, i) => (i === part ? polygon.coordinates : p)) }
}

/** How far (degrees, ≈ 10 cm) a rounded coordinate may lie from the exact vertex it stands for. */
const EXACT_TOLERANCE_DEG = 1e-6

/**
 * A lookup from rounded coordinates (the map's layers give 6 decimals, the edit's answers 7) back
 * to the exact vertices they stand for, so an op sends the stored corners a user did not move
 * instead of moving every shared edge of the area by a few centimetres.
 */
export function exactVertexLookup(vertices: Position[]): (p: Position) => Position {
  const cell = (v: number) => Math.round(v / EXACT_TOLERANCE_DEG)
  const cells = new Map<string, Position[]>()
  for (const v of vertices) {
    const k = `${cell(v[0])},${cell(v[1])}`
    cells.set(k, [...(cells.get(k) ?? []), v])
  }
  return (p) => {
    let best = p
    let bestD = EXACT_TOLERANCE_DEG
    const [cx, cy] = [cell(p[0]), cell(p[1])]
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const v of cells.get(`${cx + dx},${cy + dy}`) ?? []) {
          const d = Math.hypot(v[0] - p[0], v[1] - p[1])
          if (d < bestD) {
            best = v
            bestD = d
          }
        }
    return best
  }
}

/** The geometry with every vertex passed through `exact`. */
export function withExactVertices<G extends Polygon | MultiPolygon>(g: G, exact: (p: Position) => Position): G {
  const rings = (rs: Position[][]) => rs.map((r) => r.map(exact))
  return (g.type === 'Polygon' ? { ...g, coordinates: rings(g.coordinates) } : { ...g, coordinates: g.coordinates.map(rings) }) as G
}
