/**
 * Walking order of patrol checkpoints (issue 5): nearest neighbour, then 2-opt (and or-opt), on a
 * distance matrix — along the road network (routes.ts builds it) or straight-line (great-circle).
 * Pure: no database, unit-tested against brute force.
 */

export type LonLat = [number, number]

const EARTH_RADIUS_M = 6_371_008.8

/** Great-circle distance in metres (haversine on the mean earth radius; within 0.5 % of the ellipsoid). */
export function haversineM(a: LonLat, b: LonLat): number {
  const rad = Math.PI / 180
  const dLat = (b[1] - a[1]) * rad
  const dLon = (b[0] - a[0]) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

export interface TourOptions {
  /** Keep index 0 first (the walk starts there); otherwise any point may start. */
  fixedStart?: boolean
  /** Come back to the first point at the end (a closed loop). */
  loop?: boolean
}

/** Length of a walk visiting `order` under the distance matrix `d`. */
export function tourLength(d: number[][], order: number[], loop = false): number {
  let sum = 0
  for (let k = 1; k < order.length; k++) sum += d[order[k - 1]][order[k]]
  if (loop && order.length > 1) sum += d[order[order.length - 1]][order[0]]
  return sum
}

/** Nearest-neighbour order from `start`: always walk to the closest point not yet visited. */
export function nearestNeighbour(d: number[][], start = 0): number[] {
  const n = d.length
  const seen = new Uint8Array(n)
  const order = [start]
  seen[start] = 1
  for (let k = 1; k < n; k++) {
    const last = order[order.length - 1]
    let best = -1
    for (let j = 0; j < n; j++) if (!seen[j] && (best < 0 || d[last][j] < d[last][best])) best = j
    seen[best] = 1
    order.push(best)
  }
  return order
}

/**
 * 2-opt: reverse the stretch order[i..j] while that shortens the walk, until no reversal does.
 * For an open walk the ends have no outgoing edge, so reversing a prefix moves the start (only
 * allowed without fixedStart) and reversing a suffix moves the end.
 */
export function twoOpt(d: number[][], input: number[], opts: TourOptions = {}): number[] {
  const order = input.slice()
  const n = order.length
  if (n < 3) return order
  const loop = !!opts.loop
  // In a loop the start stays put (rotating a loop changes nothing); an open walk may move it unless fixed.
  const first = loop || opts.fixedStart ? 1 : 0
  const edge = (a: number, b: number) => (a < 0 || b < 0 ? 0 : d[a][b])
  const at = (k: number) => (k < 0 ? (loop ? order[n - 1] : -1) : k >= n ? (loop ? order[0] : -1) : order[k])
  const eps = 1e-9
  let improved = true
  while (improved) {
    improved = false
    for (let i = first; i < n - 1; i++) {
      for (let j = i + 1; j < n; j++) {
        if (loop && i === 1 && j === n - 1) continue // reverses everything but the start: the same loop
        const a = at(i - 1)
        const b = order[i]
        const c = order[j]
        const e = at(j + 1)
        const delta = edge(a, c) + edge(b, e) - edge(a, b) - edge(c, e)
        if (delta < -eps) {
          for (let l = i, r = j; l < r; l++, r--) [order[l], order[r]] = [order[r], order[l]]
          improved = true
        }
      }
    }
  }
  return order
}

/**
 * Or-opt: move a run of 1–3 consecutive points (either way round) to another gap of the walk
 * while that shortens it. 2-opt alone stops at walks that need a point carried elsewhere (up to
 * ~14 % over the optimum on 3–8 points in the unit tests); the two together reach it far more often.
 */
export function orOpt(d: number[][], input: number[], opts: TourOptions = {}): number[] {
  let order = input.slice()
  const n = order.length
  if (n < 3) return order
  const loop = !!opts.loop
  const keepFirst = loop || !!opts.fixedStart
  let improved = true
  while (improved) {
    improved = false
    const before = tourLength(d, order, loop)
    search: for (let len = 1; len <= 3; len++) {
      for (let i = keepFirst ? 1 : 0; i + len <= n; i++) {
        const run = order.slice(i, i + len)
        const rest = [...order.slice(0, i), ...order.slice(i + len)]
        for (let k = keepFirst ? 1 : 0; k <= rest.length; k++) {
          if (k === i) continue
          for (const piece of len > 1 ? [run, [...run].reverse()] : [run]) {
            const cand = [...rest.slice(0, k), ...piece, ...rest.slice(k)]
            if (tourLength(d, cand, loop) < before - 1e-9) {
              order = cand
              improved = true
              break search
            }
          }
        }
      }
    }
  }
  return order
}

/** 2-opt and or-opt in turn until neither shortens the walk. */
function localSearch(d: number[][], order: number[], opts: TourOptions): number[] {
  let cur = order
  for (;;) {
    const len = tourLength(d, cur, opts.loop)
    cur = orOpt(d, twoOpt(d, cur, opts), opts)
    if (tourLength(d, cur, opts.loop) >= len - 1e-9) return cur
  }
}

/**
 * The shortest walk found for a distance matrix: nearest neighbour from each possible first point
 * (index 0 only when the start is fixed; for a loop every start, rotated back to begin at 0), each
 * improved by 2-opt and or-opt; the best is kept. O(n³) per start, fine for ≤ 50 checkpoints.
 */
export function orderWalk(d: number[][], opts: TourOptions = {}): number[] {
  const n = d.length
  if (n === 0) return []
  const starts = opts.fixedStart ? [0] : Array.from({ length: n }, (_, i) => i)
  let best: number[] = []
  let bestLen = Infinity
  for (const s of starts) {
    let order = nearestNeighbour(d, s)
    if (opts.loop) {
      const z = order.indexOf(0)
      order = [...order.slice(z), ...order.slice(0, z)]
    }
    order = localSearch(d, order, opts)
    const len = tourLength(d, order, opts.loop)
    if (len < bestLen - 1e-9) {
      best = order
      bestLen = len
    }
  }
  return best
}

/** Default walking speed: 1.2 m/s (~4.3 km/h, a patrol's pace with stops excluded). */
export const WALKING_SPEED_MPS = 1.2

export interface PatrolRoute {
  /** Indices into the input points, in walking order. */
  order: number[]
  length_m: number
  walking_s: number
}

/**
 * Order points into a walk with its length and walking time at `speed` m/s: on the distance matrix
 * `d` when given (e.g. along roads), otherwise on straight lines between the points. With
 * `keepOrder` the points are walked as given (a saved task, or the leader's own order): only measured.
 */
export function planRoute(points: LonLat[], opts: TourOptions & { speed?: number; keepOrder?: boolean } = {}, matrix?: number[][]): PatrolRoute {
  const d = matrix ?? points.map((a) => points.map((b) => haversineM(a, b)))
  const order = opts.keepOrder ? points.map((_, i) => i) : orderWalk(d, opts)
  const length = tourLength(d, order, opts.loop)
  const speed = opts.speed ?? WALKING_SPEED_MPS
  return { order, length_m: Math.round(length * 10) / 10, walking_s: Math.round(length / speed) }
}
