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
 * The area a drawn split line cuts: the one whose boundary it crosses most often, at least twice
 * (in and out again); undefined when the line cuts none. A line across a grid usually also
 * touches its neighbours once, which is why one crossing is not enough.
 */
export function crossedArea<T extends { id: number; geometry: Polygon | MultiPolygon }>(line: LineString, areas: T[]): T | undefined {
  let best: T | undefined
  let most = 1
  for (const a of areas) {
    const n = boundaryCrossings(line, a.geometry)
    if (n > most) {
      best = a
      most = n
    }
  }
  return best
}

/** The geometry with polygon `part` replaced by `polygon` (a MultiPolygon keeps its other parts). */
export function replacePart(g: Polygon | MultiPolygon, part: number, polygon: Polygon): Polygon | MultiPolygon {
  if (g.type === 'Polygon') return polygon
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((p, i) => (i === part ? polygon.coordinates : p)) }
}
