/**
 * A second Getis-Ord Gi*, written independently of api/analytics/hotspots.ts for the tests: a dense
 * n × n weight matrix, the textbook formula term by term (Σ w_ij² kept apart from Σ w_ij), another
 * normal tail (Marsaglia's series / Laplace's continued fraction) and Benjamini–Hochberg by ranks.
 * Quadratic in memory and time: for the small test district only.
 */

/** Dense binary weights with w_ii = 1: `near(i, j)` says whether j ≠ i is a neighbour of i. */
export function denseWeights(n: number, near: (i: number, j: number) => boolean): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j || near(i, j) ? 1 : 0)))
}

/** Upper tail Q(z) = P(Z > z) of the standard normal, for z ≥ 0. */
export function upperTail(z: number): number {
  const phi = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI)
  if (z < 3) {
    // Marsaglia (2004): Φ(z) = 1/2 + φ(z) (z + z³/3 + z⁵/(3·5) + …)
    let term = z
    let sum = z
    for (let k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
      term *= (z * z) / (2 * k + 1)
      sum += term
    }
    return 0.5 - phi * sum
  }
  // Laplace: Q(z) = φ(z) / (z + 1/(z + 2/(z + 3/(z + …)))), evaluated from the bottom.
  let f = z
  for (let k = 60; k >= 1; k--) f = z + k / f
  return phi / f
}

export interface NaiveGi {
  z: number[]
  p: number[]
}

/** Gi* straight from the formula over a dense weight matrix; degenerate cases give z = 0, p = 1. */
export function naiveGiStar(x: number[], W: number[][]): NaiveGi {
  const n = x.length
  const mean = x.reduce((a, b) => a + b, 0) / n
  const S = Math.sqrt(Math.max(0, x.reduce((a, b) => a + b * b, 0) / n - mean * mean))
  const z: number[] = []
  const p: number[] = []
  for (let i = 0; i < n; i++) {
    let sw = 0
    let sw2 = 0
    let swx = 0
    let others = 0
    for (let j = 0; j < n; j++) {
      sw += W[i][j]
      sw2 += W[i][j] * W[i][j]
      swx += W[i][j] * x[j]
      if (j !== i && W[i][j] !== 0) others++
    }
    const den = S * Math.sqrt((n * sw2 - sw * sw) / (n - 1))
    const degenerate = n < 3 || S < 1e-9 || others === 0 || !(den > 1e-12)
    const zi = degenerate ? 0 : (swx - mean * sw) / den
    z.push(zi)
    p.push(zi === 0 ? 1 : 2 * upperTail(Math.abs(zi)))
  }
  return { z, p }
}

const LEVELS = [
  { alpha: 0.01, hot: 'hot99', cold: 'cold99' },
  { alpha: 0.05, hot: 'hot95', cold: 'cold95' },
  { alpha: 0.1, hot: 'hot90', cold: 'cold90' },
] as const

/** Ids (indices) kept by Benjamini–Hochberg at level α: ranks 1..k* of the ascending p-values. */
export function bhKept(p: number[], alpha: number): Set<number> {
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  let kStar = 0
  order.forEach(([v], r) => {
    if (v <= ((r + 1) * alpha) / p.length) kStar = r + 1
  })
  // Ties with the k*-th p-value are kept too (they share its p).
  const cut = kStar ? order[kStar - 1][0] : -1
  return new Set(order.filter(([v]) => v <= cut).map(([, i]) => i))
}

/** Class of each area from its z and p, optionally through Benjamini–Hochberg per level. */
export function naiveClasses(z: number[], p: number[], fdr: boolean): string[] {
  const kept = LEVELS.map((l) => (fdr ? bhKept(p, l.alpha) : null))
  return z.map((zi, i) => {
    for (const [k, l] of LEVELS.entries()) {
      if (zi !== 0 && p[i] < l.alpha && (!kept[k] || kept[k]!.has(i))) return zi > 0 ? l.hot : l.cold
    }
    return 'none'
  })
}
