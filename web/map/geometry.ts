import type { MultiPolygon, Polygon, Position } from 'geojson'

type Ring = Position[]

function ringArea(ring: Ring): number {
  let a = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) a += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
  return a / 2
}

function ringCentroid(ring: Ring): [number, number] {
  const a = ringArea(ring)
  if (Math.abs(a) < 1e-14) return [ring[0][0], ring[0][1]]
  let cx = 0
  let cy = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
    cx += (ring[j][0] + ring[i][0]) * f
    cy += (ring[j][1] + ring[i][1]) * f
  }
  return [cx / (6 * a), cy / (6 * a)]
}

/** Area-weighted centroid of the largest part's outer ring (good enough for label anchors). */
export function labelPoint(geom: Polygon | MultiPolygon): [number, number] {
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates
  let best = polys[0][0]
  for (const p of polys) if (Math.abs(ringArea(p[0])) > Math.abs(ringArea(best))) best = p[0]
  return ringCentroid(best)
}

/** Grows a bbox outward to a coarse lattice so nearby views share one cached request. */
export function snapBbox(b: readonly number[], step = 0.005): [number, number, number, number] {
  const down = (v: number) => Math.floor(v / step) * step
  const up = (v: number) => Math.ceil(v / step) * step
  return [down(b[0]), down(b[1]), up(b[2]), up(b[3])]
}

/**
 * Bbox of a polygon grown to at least `minSpanDeg` on each side (0.002° ≈ 200 m), so framing a
 * 1 m² sliver shows the grids around it instead of zooming into one pixel of it.
 */
export function bboxOf(geom: Polygon | MultiPolygon, minSpanDeg = 0.002): [number, number, number, number] {
  const polys = geom.type === 'Polygon' ? [geom.coordinates] : geom.coordinates
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity]
  for (const p of polys)
    for (const [x, y] of p[0]) {
      w = Math.min(w, x)
      s = Math.min(s, y)
      e = Math.max(e, x)
      n = Math.max(n, y)
    }
  const padX = Math.max(0, minSpanDeg - (e - w)) / 2
  const padY = Math.max(0, minSpanDeg - (n - s)) / 2
  return [w - padX, s - padY, e + padX, n + padY]
}
