/**
 * Getis-Ord Gi* with binary weights (self included), two-sided p-values, confidence classes and the
 * Benjamini–Hochberg false-discovery-rate cut-off; docs/analytics.md has the formulas. Pure
 * functions over arrays, so the unit tests can hold them against a naive implementation.
 */

/** Neighbourhood sums of binary weights, the area itself included (w_ii = 1). */
export interface Weights {
  /** W_i = Σ_j w_ij: the size of i's neighbourhood (binary weights, so also Σ_j w_ij²). */
  w: Float64Array
  /** Σ_j w_ij x_j: the count of i's neighbourhood. */
  wx: Float64Array
}

/** Queen contiguity: `neighbours[i]` are the indices of the areas sharing a boundary point with i (not i). */
export function contiguityWeights(x: ArrayLike<number>, neighbours: readonly (readonly number[])[]): Weights {
  const w = new Float64Array(x.length)
  const wx = new Float64Array(x.length)
  for (let i = 0; i < x.length; i++) {
    w[i] = 1 + neighbours[i].length
    let s = x[i]
    for (const j of neighbours[i]) s += x[j]
    wx[i] = s
  }
  return { w, wx }
}

/**
 * Distance band: j is a neighbour of i when their centroids (metres, a projected CRS) lie at most
 * `d` apart. Points are bucketed in d × d cells (a map, so a stray far-away centroid costs
 * nothing), and each looks only at the 3 × 3 cells around its own: linear in the number of pairs
 * within d, with no pair list kept.
 */
export function distanceBandWeights(x: ArrayLike<number>, px: ArrayLike<number>, py: ArrayLike<number>, d: number): Weights {
  const n = x.length
  const w = new Float64Array(n)
  const wx = new Float64Array(n)
  let minX = Infinity, minY = Infinity, maxX = -Infinity
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, px[i])
    maxX = Math.max(maxX, px[i])
    minY = Math.min(minY, py[i])
  }
  const cols = Math.floor((maxX - minX) / d) + 1
  const cx = new Float64Array(n)
  const cy = new Float64Array(n)
  const cells = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    cx[i] = Math.floor((px[i] - minX) / d)
    cy[i] = Math.floor((py[i] - minY) / d)
    const key = cy[i] * cols + cx[i]
    const cell = cells.get(key)
    if (cell) cell.push(i)
    else cells.set(key, [i])
  }
  for (let i = 0; i < n; i++) {
    let count = 0, sum = 0
    for (let gy = cy[i] - 1; gy <= cy[i] + 1; gy++) {
      for (let gx = Math.max(0, cx[i] - 1); gx <= Math.min(cols - 1, cx[i] + 1); gx++) {
        for (const j of cells.get(gy * cols + gx) ?? []) {
          const dx = px[j] - px[i], dy = py[j] - py[i]
          // As ST_DWithin measures it: the distance itself against d.
          if (Math.sqrt(dx * dx + dy * dy) <= d) {
            count++
            sum += x[j]
          }
        }
      }
    }
    w[i] = count
    wx[i] = sum
  }
  return { w, wx }
}

/**
 * Complementary error function, Chebyshev fit of Numerical Recipes (2nd ed., §6.2, `erfcc`):
 * fractional error below 1.2e-7 everywhere, tails included (p-values of 1e-20 keep their digits).
 */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
  return x >= 0 ? r : 2 - r
}

/** Two-sided p-value of a standard normal score: P(|Z| ≥ |z|). Exactly 1 at z = 0. */
export function twoSidedP(z: number): number {
  return z === 0 ? 1 : Math.min(1, erfc(Math.abs(z) / Math.SQRT2))
}

export interface GiStar {
  z: Float64Array
  p: Float64Array
  /** X̄ and S of the study region's counts. */
  mean: number
  sd: number
}

/**
 * Getis-Ord Gi* with binary weights, self included:
 *   z_i = (Σ_j w_ij x_j − X̄ W_i) / (S √((n W_i − W_i²) / (n − 1))),  X̄ = Σx / n,  S = √(Σx² / n − X̄²).
 * Degenerate cases answer z = 0, p = 1: fewer than 3 areas, all counts equal (S = 0), an area
 * whose only neighbour is itself (W_i = 1), or whose neighbourhood is the whole region (W_i = n).
 */
export function giStar(x: ArrayLike<number>, weights: Weights): GiStar {
  const n = x.length
  const z = new Float64Array(n)
  const p = new Float64Array(n).fill(1)
  let total = 0
  for (let i = 0; i < n; i++) total += x[i]
  const mean = n > 0 ? total / n : 0
  let ss = 0
  for (let i = 0; i < n; i++) ss += (x[i] - mean) ** 2
  // Two-pass variance: the same S as √(Σx²/n − X̄²), and exactly 0 when every count is equal.
  const sd = n > 0 ? Math.sqrt(ss / n) : 0
  if (n < 3 || !(sd > 0)) return { z, p, mean, sd }
  for (let i = 0; i < n; i++) {
    const W = weights.w[i]
    const spread = (n * W - W * W) / (n - 1)
    if (W <= 1 || !(spread > 0)) continue
    const zi = (weights.wx[i] - mean * W) / (sd * Math.sqrt(spread))
    if (!Number.isFinite(zi)) continue
    z[i] = zi
    p[i] = twoSidedP(zi)
  }
  return { z, p, mean, sd }
}

export const HOTSPOT_CLASSES = ['hot99', 'hot95', 'hot90', 'none', 'cold90', 'cold95', 'cold99'] as const
export type HotspotClass = (typeof HOTSPOT_CLASSES)[number]

/** Confidence levels, strictest first: (α, class when z > 0, class when z < 0). */
const LEVELS: readonly [number, HotspotClass, HotspotClass][] = [
  [0.01, 'hot99', 'cold99'],
  [0.05, 'hot95', 'cold95'],
  [0.1, 'hot90', 'cold90'],
]

/**
 * Benjamini–Hochberg cut-off for level α over all n p-values: p_(k) for the largest k with
 * p_(k) ≤ k α / n (p sorted ascending), or −∞ when there is none.
 */
export function fdrThreshold(p: ArrayLike<number>, alpha: number): number {
  const sorted = Float64Array.from(p).sort()
  const n = sorted.length
  for (let k = n; k >= 1; k--) if (sorted[k - 1] <= (k * alpha) / n) return sorted[k - 1]
  return -Infinity
}

/**
 * Class of each area: the strictest level α with p < α, hot or cold by the sign of z. With `fdr`,
 * an area keeps level α only if also p ≤ the Benjamini–Hochberg cut-off of α (as ArcGIS's Hot
 * Spot Analysis does), so the correction can only remove significance, never add it.
 */
export function hotspotClasses(z: ArrayLike<number>, p: ArrayLike<number>, fdr: boolean): HotspotClass[] {
  const cut = LEVELS.map(([alpha]) => (fdr ? fdrThreshold(p, alpha) : Infinity))
  return Array.from({ length: z.length }, (_, i) => {
    if (z[i] === 0) return 'none'
    const level = LEVELS.findIndex(([alpha], k) => p[i] < alpha && p[i] <= cut[k])
    return level < 0 ? 'none' : LEVELS[level][z[i] > 0 ? 1 : 2]
  })
}
