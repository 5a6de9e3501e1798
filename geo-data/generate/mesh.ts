/**
 * The jittered, gently warped quad mesh every geometry is built from.
 *
 * Vertices V[i][j] (i = 0..W east, j = 0..H north) live in a local metric frame (metres, x east,
 * y north) centred on the district centre. Cell (i, j) is the convex quad
 * V[i][j], V[i+1][j], V[i+1][j+1], V[i][j+1]. Every area ring is a walk along mesh vertices, so
 * neighbouring areas share exactly the same vertex coordinates and tile without gaps or overlaps.
 *
 * "Parameter space" (s, t) in [0, W] x [0, H]: cell (floor(s), floor(t)) at local (u, v) = fractional
 * parts, mapped bilinearly. Anything with 0 < u, v < 1 lies strictly inside its cell.
 */
import type { LonLat } from './types.ts'
import { Rng } from './rng.ts'

export const CENTER_LON = 104.27
export const CENTER_LAT = 30.56

const PHI = (CENTER_LAT * Math.PI) / 180
/** Metres per degree at the district centre (WGS84 series). */
export const M_PER_DEG_LAT = 111132.92 - 559.82 * Math.cos(2 * PHI) + 1.175 * Math.cos(4 * PHI)
export const M_PER_DEG_LON = 111412.84 * Math.cos(PHI) - 93.5 * Math.cos(3 * PHI)

/** Round to 1e-7 degrees (~1 cm): compact, exact JSON round-trip, identical for shared vertices. */
export function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7
}

export function toLonLat(x: number, y: number): LonLat {
  return [round7(CENTER_LON + x / M_PER_DEG_LON), round7(CENTER_LAT + y / M_PER_DEG_LAT)]
}

export function fromLonLat(lon: number, lat: number): [number, number] {
  return [(lon - CENTER_LON) * M_PER_DEG_LON, (lat - CENTER_LAT) * M_PER_DEG_LAT]
}

export interface Mesh {
  W: number
  H: number
  /** Nominal cell size (m). */
  cell: number
  x: Float64Array
  y: Float64Array
  /** Rounded lon/lat of every vertex (what the rings use). */
  ll: LonLat[]
}

export function vid(m: Mesh, i: number, j: number): number {
  return j * (m.W + 1) + i
}

export function buildMesh(W: number, H: number, cell: number, seed: number): Mesh {
  const rng = Rng.derive(seed, 'mesh')
  const n = (W + 1) * (H + 1)
  const x = new Float64Array(n)
  const y = new Float64Array(n)
  // Smooth warp: a few long-wavelength sines (slopes well below 1, so cells stay convex).
  const ph = Array.from({ length: 6 }, () => rng.range(0, 2 * Math.PI))
  const a1 = cell * 1.3
  const a2 = cell * 0.6
  const l1 = cell * 9
  const l2 = cell * 5.5
  const jitter = cell * 0.08
  const ox = (W * cell) / 2
  const oy = (H * cell) / 2
  for (let j = 0; j <= H; j++) {
    for (let i = 0; i <= W; i++) {
      const bx = i * cell - ox
      const by = j * cell - oy
      // Slight cell-size variation (denser towards the old town centre in the west).
      const sx = bx * (1 + 0.04 * Math.sin(bx / (cell * 14) + ph[4]))
      const sy = by * (1 + 0.04 * Math.sin(by / (cell * 12) + ph[5]))
      let wx = sx + a1 * Math.sin(by / l1 + ph[0]) + a2 * Math.sin((bx + by) / l2 + ph[1])
      let wy = sy + a1 * Math.sin(bx / l1 + ph[2]) + a2 * Math.sin((bx - by) / l2 + ph[3])
      wx += rng.range(-jitter, jitter)
      wy += rng.range(-jitter, jitter)
      const k = j * (W + 1) + i
      x[k] = wx
      y[k] = wy
    }
  }
  const ll: LonLat[] = new Array(n)
  for (let k = 0; k < n; k++) ll[k] = toLonLat(x[k], y[k])
  const mesh: Mesh = { W, H, cell, x, y, ll }
  assertConvex(mesh)
  return mesh
}

/** Every cell must be a strictly convex CCW quad (checked on the rounded lon/lat too). */
function assertConvex(m: Mesh): void {
  for (let j = 0; j < m.H; j++) {
    for (let i = 0; i < m.W; i++) {
      const q = [vid(m, i, j), vid(m, i + 1, j), vid(m, i + 1, j + 1), vid(m, i, j + 1)]
      for (let k = 0; k < 4; k++) {
        const a = q[k]
        const b = q[(k + 1) % 4]
        const c = q[(k + 2) % 4]
        const cr = (m.x[b] - m.x[a]) * (m.y[c] - m.y[b]) - (m.y[b] - m.y[a]) * (m.x[c] - m.x[b])
        if (!(cr > 1)) throw new Error(`mesh cell ${i},${j} is not convex`)
      }
    }
  }
}

/** Metric position of parameter-space point (s, t), written into out[0], out[1]. */
export function paramToXY(m: Mesh, s: number, t: number, out: Float64Array | number[]): void {
  let i = Math.floor(s)
  let j = Math.floor(t)
  if (i >= m.W) i = m.W - 1
  if (i < 0) i = 0
  if (j >= m.H) j = m.H - 1
  if (j < 0) j = 0
  cellUvToXY(m, i, j, s - i, t - j, out)
}

export function cellUvToXY(m: Mesh, i: number, j: number, u: number, v: number, out: Float64Array | number[]): void {
  const W1 = m.W + 1
  const k00 = j * W1 + i
  const k10 = k00 + 1
  const k01 = k00 + W1
  const k11 = k01 + 1
  const a = (1 - u) * (1 - v)
  const b = u * (1 - v)
  const c = u * v
  const d = (1 - u) * v
  out[0] = a * m.x[k00] + b * m.x[k10] + c * m.x[k11] + d * m.x[k01]
  out[1] = a * m.y[k00] + b * m.y[k10] + c * m.y[k11] + d * m.y[k01]
}

const tmp = new Float64Array(2)
export function cellUvToLonLat(m: Mesh, i: number, j: number, u: number, v: number): LonLat {
  cellUvToXY(m, i, j, u, v, tmp)
  return toLonLat(tmp[0], tmp[1])
}

export interface CellRect {
  /** Cell index bounds: cells i0..i1-1 x j0..j1-1. */
  i0: number
  j0: number
  i1: number
  j1: number
}

/** Closed CCW ring along the border of a cell rectangle, every mesh vertex on it included. */
export function rectRing(m: Mesh, r: CellRect): LonLat[] {
  const ring: LonLat[] = []
  for (let i = r.i0; i <= r.i1; i++) ring.push(m.ll[vid(m, i, r.j0)])
  for (let j = r.j0 + 1; j <= r.j1; j++) ring.push(m.ll[vid(m, r.i1, j)])
  for (let i = r.i1 - 1; i >= r.i0; i--) ring.push(m.ll[vid(m, i, r.j1)])
  for (let j = r.j1 - 1; j >= r.j0; j--) ring.push(m.ll[vid(m, r.i0, j)])
  // copy pairs so consumers can't alias-mutate shared vertices
  return ring.map((p) => [p[0], p[1]] as LonLat)
}
