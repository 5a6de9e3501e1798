import { describe, expect, it } from 'vitest'
import {
  contiguityWeights,
  distanceBandWeights,
  fdrThreshold,
  giStar,
  hotspotClasses,
  twoSidedP,
} from '../../api/analytics/gistar.ts'
import { bhKept, denseWeights, naiveClasses, naiveGiStar, upperTail } from '../helpers/gistar-naive.ts'

/** Queen neighbours (indices) on a cols × rows lattice, row-major. */
function queenLattice(cols: number, rows: number): number[][] {
  return Array.from({ length: cols * rows }, (_, i) => {
    const [c, r] = [i % cols, Math.floor(i / cols)]
    const out: number[] = []
    for (let dr = -1; dr <= 1; dr++)
      for (let dc = -1; dc <= 1; dc++)
        if ((dr || dc) && c + dc >= 0 && c + dc < cols && r + dr >= 0 && r + dr < rows) out.push((r + dr) * cols + c + dc)
    return out
  })
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const closeTo = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 9) => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < a.length; i++) expect(a[i], `index ${i}`).toBeCloseTo(b[i], digits)
}

describe('Gi* on a hand-computed 3 × 3 lattice (queen contiguity)', () => {
  // Counts, row-major:      1  2  1
  //                         2 10  2
  //                         1  2  1
  // n = 9, Σx = 22, X̄ = 22/9, Σx² = 120, S² = 120/9 − (22/9)² = 596/81, S = √596 / 9.
  // Corner (index 0): neighbourhood {0, 1, 3, 4}, W = 4, Σ w x = 1 + 2 + 2 + 10 = 15,
  //   numerator 15 − 4·22/9 = 47/9, spread (n W − W²)/(n − 1) = (36 − 16)/8 = 5/2,
  //   z = (47/9) / ((√596/9) √(5/2)) = 47 / √1490 ≈ 1.21760.
  // Edge (index 1): neighbourhood {0, 1, 2, 3, 4, 5}, W = 6, Σ w x = 18, numerator 18 − 132/9 = 30/9,
  //   spread (54 − 36)/8 = 9/4, z = (30/9) / ((√596/9) · 3/2) = 20 / √596 ≈ 0.81923.
  // Centre (index 4): its neighbourhood is the whole region (W = n), n W − W² = 0: degenerate, z = 0.
  const x = [1, 2, 1, 2, 10, 2, 1, 2, 1]
  const g = giStar(x, contiguityWeights(x, queenLattice(3, 3)))

  it('matches the worked values', () => {
    expect(g.z[0]).toBeCloseTo(47 / Math.sqrt(1490), 12)
    expect(g.z[1]).toBeCloseTo(20 / Math.sqrt(596), 12)
    expect(g.z[4]).toBe(0)
    expect(g.p[4]).toBe(1)
    expect(g.mean).toBeCloseTo(22 / 9, 12)
    expect(g.sd).toBeCloseTo(Math.sqrt(596) / 9, 12)
    // Symmetric lattice, symmetric answers.
    for (const corner of [2, 6, 8]) expect(g.z[corner]).toBeCloseTo(g.z[0], 12)
    for (const edge of [3, 5, 7]) expect(g.z[edge]).toBeCloseTo(g.z[1], 12)
    // p = P(|Z| ≥ 1.2176) ≈ 0.2234: not significant.
    expect(g.p[0]).toBeCloseTo(0.22337, 4)
    expect(hotspotClasses(g.z, g.p, false)).toEqual(Array(9).fill('none'))
  })

  it('agrees with the naive dense-matrix implementation', () => {
    const W = denseWeights(9, (i, j) => queenLattice(3, 3)[i].includes(j))
    const naive = naiveGiStar(x, W)
    closeTo(g.z, naive.z, 12)
  })
})

describe('Gi* against the naive implementation', () => {
  it('agrees on random lattices with clustered counts, queen contiguity', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed)
      const [cols, rows] = [5 + Math.floor(r() * 10), 4 + Math.floor(r() * 10)]
      const lattice = queenLattice(cols, rows)
      // A hot block in one corner and a cold zone elsewhere, plus noise.
      const x = lattice.map((_, i) => {
        const [c, rr] = [i % cols, Math.floor(i / cols)]
        const base = c < 3 && rr < 3 ? 20 : c > cols - 3 ? 0 : 5
        return Math.max(0, Math.round(base + (r() - 0.5) * 6))
      })
      const g = giStar(x, contiguityWeights(x, lattice))
      const naive = naiveGiStar(x, denseWeights(x.length, (i, j) => lattice[i].includes(j)))
      closeTo(g.z, naive.z, 9)
      for (let i = 0; i < x.length; i++) expect(g.p[i]).toBeCloseTo(naive.p[i], 6)
      for (const fdr of [false, true]) expect(hotspotClasses(g.z, g.p, fdr)).toEqual(naiveClasses(naive.z, naive.p, fdr))
      expect(hotspotClasses(g.z, g.p, false).filter((c) => c.startsWith('hot')).length).toBeGreaterThan(0)
    }
  })

  it('agrees on scattered points with a distance band', () => {
    const r = rng(42)
    const n = 300
    const px = Array.from({ length: n }, () => r() * 3000)
    const py = Array.from({ length: n }, () => r() * 2000)
    const x = px.map((v, i) => Math.round((v < 800 && py[i] < 700 ? 12 : 3) + r() * 4))
    for (const d of [50, 180, 400, 2500]) {
      const w = distanceBandWeights(x, px, py, d)
      const W = denseWeights(n, (i, j) => Math.hypot(px[i] - px[j], py[i] - py[j]) <= d)
      expect(Array.from(w.w)).toEqual(W.map((row) => row.reduce((a, b) => a + b, 0)))
      const naive = naiveGiStar(x, W)
      const g = giStar(x, w)
      closeTo(g.z, naive.z, 9)
      expect(hotspotClasses(g.z, g.p, true)).toEqual(naiveClasses(naive.z, naive.p, true))
    }
  })

  it('counts a point exactly d away as a neighbour (distance ≤ d, like ST_DWithin)', () => {
    const w = distanceBandWeights([1, 1, 1], [0, 300, 700], [0, 0, 0], 300)
    expect(Array.from(w.w)).toEqual([2, 2, 1])
  })

  it('copes with a centroid thousands of kilometres away (no cell array over the extent)', () => {
    const w = distanceBandWeights([1, 2, 3, 4], [0, 40, 80, 9e6], [0, 30, 0, -7e6], 50)
    expect(Array.from(w.w)).toEqual([2, 3, 2, 1])
    expect(Array.from(w.wx)).toEqual([3, 6, 5, 4])
  })
})

describe('degenerate cases give z = 0, p = 1, class none', () => {
  const check = (g: ReturnType<typeof giStar>) => {
    for (let i = 0; i < g.z.length; i++) {
      expect(g.z[i]).toBe(0)
      expect(g.p[i]).toBe(1)
    }
    expect(hotspotClasses(g.z, g.p, false).every((c) => c === 'none')).toBe(true)
  }

  it('fewer than 3 areas', () => {
    check(giStar([], contiguityWeights([], [])))
    check(giStar([4], contiguityWeights([4], [[]])))
    check(giStar([0, 9], contiguityWeights([0, 9], [[1], [0]])))
  })

  it('all counts equal (S = 0), zero counts included', () => {
    for (const v of [0, 7]) {
      const x = Array(12).fill(v)
      check(giStar(x, contiguityWeights(x, queenLattice(4, 3))))
    }
  })

  it('areas whose only neighbour is themselves', () => {
    const x = [1, 5, 9, 2]
    const g = giStar(x, contiguityWeights(x, [[], [2], [1], []]))
    expect([g.z[0], g.z[3]]).toEqual([0, 0])
    expect([g.p[0], g.p[3]]).toEqual([1, 1])
    expect(Number.isFinite(g.z[1]) && g.z[1] !== 0).toBe(true)
    // A distance band shorter than every gap: everyone is alone.
    check(giStar(x, distanceBandWeights(x, [0, 100, 200, 300], [0, 0, 0, 0], 50)))
  })

  it('never answers NaN', () => {
    const x = [0, 0, 0, 1e308, 1e308]
    const g = giStar(x, contiguityWeights(x, [[1], [0, 2], [1, 3], [2, 4], [3]]))
    for (const v of [...g.z, ...g.p]) expect(Number.isNaN(v)).toBe(false)
  })
})

describe('p-values', () => {
  it('are two-sided normal tails, to 1e-7 relative, far into the tails', () => {
    for (const z of [0.01, 0.5, 1, 1.2816, 1.6449, 1.96, 2.5758, 3, 4, 6, 8, 10, 15, -1.96, -4]) {
      const exact = 2 * upperTail(Math.abs(z))
      expect(Math.abs(twoSidedP(z) - exact) / exact, `z = ${z}`).toBeLessThan(2e-7)
    }
    expect(twoSidedP(0)).toBe(1)
    expect(twoSidedP(1.959964)).toBeCloseTo(0.05, 6)
    expect(twoSidedP(2.575829)).toBeCloseTo(0.01, 6)
    expect(twoSidedP(1.644854)).toBeCloseTo(0.1, 6)
  })
})

describe('classes and the false discovery rate', () => {
  it('classes by p < 0.01 / 0.05 / 0.10 and the sign of z', () => {
    const z = [3, 2.2, 1.7, 1.5, -1.7, -2.2, -3, 0]
    const p = z.map(twoSidedP)
    expect(hotspotClasses(z, p, false)).toEqual(['hot99', 'hot95', 'hot90', 'none', 'cold90', 'cold95', 'cold99', 'none'])
  })

  it('Benjamini–Hochberg: the largest k with p_(k) ≤ k α / n sets the cut (step-up)', () => {
    const p = [0.0009, 0.008, 0.039, 0.041, 0.042, 0.058, 0.074, 0.205, 0.212, 0.216]
    // α = 0.01: k·α/n = 0.001, 0.002, …: only p_(1) = 0.0009 passes.
    expect(fdrThreshold(p, 0.01)).toBe(0.0009)
    // α = 0.05: 0.005, 0.01, 0.015, …: p_(2) = 0.008 is the last to pass.
    expect(fdrThreshold(p, 0.05)).toBe(0.008)
    // α = 0.10: 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, …: p_(3), p_(4) fail, p_(5), p_(6) pass: cut 0.058.
    expect(fdrThreshold(p, 0.1)).toBe(0.058)
    expect(fdrThreshold([0.5, 0.9], 0.05)).toBe(-Infinity)
    const z = p.map((_, i) => (i % 2 ? -1 : 1))
    expect(hotspotClasses(z, p, true)).toEqual(['hot99', 'cold95', 'hot90', 'cold90', 'hot90', 'cold90', 'none', 'none', 'none', 'none'])
    expect(hotspotClasses(z, p, false)).toEqual(['hot99', 'cold99', 'hot95', 'cold95', 'hot95', 'cold90', 'hot90', 'none', 'none', 'none'])
    expect(naiveClasses(z, p, true)).toEqual(hotspotClasses(z, p, true))
    expect([...bhKept(p, 0.1)].sort()).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('never adds significance, on many random sets of p-values', () => {
    const rank = (c: string) => (c === 'none' ? 0 : Number(c.slice(-2)))
    const r = rng(7)
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(r() * 60)
      const z = Array.from({ length: n }, () => (r() - 0.5) * 8)
      const p = z.map(twoSidedP)
      const plain = hotspotClasses(z, p, false)
      const fdr = hotspotClasses(z, p, true)
      expect(fdr).toEqual(naiveClasses(z, p, true))
      for (let i = 0; i < n; i++) {
        expect(rank(fdr[i])).toBeLessThanOrEqual(rank(plain[i]))
        if (fdr[i] !== 'none') expect(fdr[i].slice(0, 3)).toBe(plain[i].slice(0, 3))
      }
    }
  })
})
