import { describe, expect, it } from 'vitest'
import { haversineM, nearestNeighbour, orOpt, orderWalk, planRoute, tourLength, twoOpt, type LonLat } from '../../api/patrols/route.ts'

/** A small deterministic generator (mulberry32), so every run checks the same instances. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Euclidean distance matrix of random points in a 1000 × 1000 square. */
function instance(n: number, seed: number): number[][] {
  const r = rng(seed)
  const p = Array.from({ length: n }, () => [r() * 1000, r() * 1000])
  return p.map((a) => p.map((b) => Math.hypot(a[0] - b[0], a[1] - b[1])))
}

function* permutations(items: number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield items
    return
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)]
    for (const p of permutations(rest)) yield [items[i], ...p]
  }
}

/** The optimum by trying every order (index 0 first when the start is fixed or the walk is a loop). */
function bruteForce(d: number[][], opts: { fixedStart?: boolean; loop?: boolean }): number {
  const n = d.length
  let best = Infinity
  if (opts.fixedStart || opts.loop) {
    for (const p of permutations(Array.from({ length: n - 1 }, (_, i) => i + 1))) best = Math.min(best, tourLength(d, [0, ...p], opts.loop))
  } else {
    for (const p of permutations(Array.from({ length: n }, (_, i) => i))) best = Math.min(best, tourLength(d, p, false))
  }
  return best
}

const isPermutation = (order: number[], n: number) => [...order].sort((a, b) => a - b).every((v, i) => v === i) && order.length === n

describe('patrol route ordering (nearest neighbour, 2-opt, or-opt)', () => {
  const variants = [{ name: 'open walk, free start', opts: {} }, { name: 'open walk from a fixed start', opts: { fixedStart: true } }, { name: 'closed loop', opts: { loop: true } }]

  for (const { name, opts } of variants) {
    it(`${name}: within 8 % of brute force on 150 instances of 3–8 points, optimal on ≥ 95 %, never below it`, () => {
      let optimal = 0
      let worst = 1
      let runs = 0
      for (let n = 3; n <= 8; n++) {
        for (let s = 0; s < 25; s++) {
          const d = instance(n, n * 1000 + s)
          const order = orderWalk(d, opts)
          expect(isPermutation(order, n)).toBe(true)
          if ('fixedStart' in opts || 'loop' in opts) expect(order[0]).toBe(0)
          const got = tourLength(d, order, opts.loop)
          const best = bruteForce(d, opts)
          expect(got).toBeGreaterThanOrEqual(best - 1e-6)
          worst = Math.max(worst, got / best)
          if (got <= best + 1e-6) optimal++
          runs++
        }
      }
      expect(worst).toBeLessThan(1.08)
      expect(optimal / runs).toBeGreaterThanOrEqual(0.95)
    })
  }

  it('2-opt leaves no improving reversal and never lengthens the nearest-neighbour walk', () => {
    for (let s = 0; s < 40; s++) {
      const d = instance(12, 77 + s)
      const nn = nearestNeighbour(d, 0)
      const opt = twoOpt(d, nn, { fixedStart: true })
      const len = tourLength(d, opt)
      expect(len).toBeLessThanOrEqual(tourLength(d, nn) + 1e-9)
      for (let i = 1; i < 11; i++) {
        for (let j = i + 1; j < 12; j++) {
          const alt = [...opt.slice(0, i), ...opt.slice(i, j + 1).reverse(), ...opt.slice(j + 1)]
          expect(tourLength(d, alt)).toBeGreaterThanOrEqual(len - 1e-6)
        }
      }
    }
  })

  it('or-opt alone moves a misplaced point to the gap where it belongs', () => {
    // Points on a line at 0, 10, 20, 30 and one at 5 visited last from a fixed start at 0:
    // 0 → 10 → 20 → 30 → 5 is 55; the best walk 0 → 5 → 10 → 20 → 30 is 30.
    const x = [0, 10, 20, 30, 5]
    const d = x.map((a) => x.map((b) => Math.abs(a - b)))
    const moved = orOpt(d, [0, 1, 2, 3, 4], { fixedStart: true })
    expect(moved[0]).toBe(0)
    expect(tourLength(d, moved)).toBe(30)
  })

  it('untangles a crossing: four corners of a square walked as a loop go round the edge', () => {
    const d = [
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ].map((a, _, all) => all.map((b) => Math.hypot(a[0] - b[0], a[1] - b[1])))
    const crossed = [0, 1, 2, 3]
    const order = twoOpt(d, crossed, { loop: true })
    expect(tourLength(d, order, true)).toBeCloseTo(4, 9)
    expect(tourLength(d, crossed, true)).toBeCloseTo(2 + 2 * Math.SQRT2, 9)
  })

  it('measures length on the sphere and walking time at the given speed', () => {
    // 0.01° of latitude ≈ 1,111.95 m on the mean-radius sphere.
    expect(haversineM([104, 30], [104, 30.01])).toBeCloseTo(1111.95, 1)
    const pts: LonLat[] = [
      [104, 30],
      [104, 30.02],
      [104, 30.01],
    ]
    const r = planRoute(pts, { fixedStart: true })
    expect(r.order).toEqual([0, 2, 1])
    expect(r.length_m).toBeCloseTo(2223.9, 0)
    expect(r.walking_s).toBe(Math.round(r.length_m / 1.2))
    expect(planRoute(pts, { fixedStart: true, speed: 2 }).walking_s).toBe(Math.round(r.length_m / 2))
    const loop = planRoute(pts, { loop: true })
    expect(loop.length_m).toBeCloseTo(4447.8, 0)
  })

  it('walks the points as given with keepOrder: only measured, on the given matrix', () => {
    const pts: LonLat[] = [
      [104, 30],
      [104, 30.02],
      [104, 30.01],
    ]
    const kept = planRoute(pts, { keepOrder: true })
    expect(kept.order).toEqual([0, 1, 2])
    expect(kept.length_m).toBeCloseTo(haversineM(pts[0], pts[1]) + haversineM(pts[1], pts[2]), 0)
    expect(kept.length_m).toBeGreaterThan(planRoute(pts).length_m)
    const d = [[0, 5, 1], [5, 0, 2], [1, 2, 0]]
    expect(planRoute(pts, { keepOrder: true, loop: true }, d)).toEqual({ order: [0, 1, 2], length_m: 8, walking_s: Math.round(8 / 1.2) })
  })

  it('handles one and two points', () => {
    expect(planRoute([[104, 30]]).order).toEqual([0])
    expect(planRoute([[104, 30]]).length_m).toBe(0)
    expect(planRoute([[104, 30], [104, 30.001]], { fixedStart: true }).order).toEqual([0, 1])
  })
})
