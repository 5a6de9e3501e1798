/** Seeded pseudo-random numbers: mulberry32 plus small helpers. No Math.random anywhere. */

/** FNV-1a 32-bit hash of a string (used to derive independent sub-streams). */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Rng {
  private a: number
  private spare: number | null = null

  constructor(seed: number) {
    this.a = seed >>> 0
  }

  /** Independent stream for one stage, so changing one stage never shifts another. */
  static derive(seed: number, label: string): Rng {
    const h = hashString(label)
    return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ h) >>> 0)
  }

  /** Uniform in [0, 1). mulberry32. */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0
    let t = this.a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Uniform in [a, b). */
  range(a: number, b: number): number {
    return a + (b - a) * this.next()
  }

  /** Integer in [a, b] inclusive. */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(arr: readonly T[]): T {
    return arr[Math.floor(this.next() * arr.length)]
  }

  /** Standard normal (Box-Muller, cached pair). */
  gauss(): number {
    if (this.spare !== null) {
      const s = this.spare
      this.spare = null
      return s
    }
    let u = this.next()
    if (u < 1e-12) u = 1e-12
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }

  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = arr[i]
      arr[i] = arr[j]
      arr[j] = tmp
    }
    return arr
  }

  /** Index drawn from small explicit weights. */
  weighted(weights: readonly number[]): number {
    let total = 0
    for (const w of weights) total += w
    let r = this.next() * total
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]
      if (r < 0) return i
    }
    return weights.length - 1
  }
}

/** Cumulative sums of weights (last element = total). */
export function buildCdf(weights: ArrayLike<number>): Float64Array {
  const cdf = new Float64Array(weights.length)
  let s = 0
  for (let i = 0; i < weights.length; i++) {
    s += weights[i]
    cdf[i] = s
  }
  return cdf
}

/** Index i with cdf[i-1] <= u*total < cdf[i]. */
export function sampleCdf(cdf: Float64Array, u: number): number {
  const x = u * cdf[cdf.length - 1]
  let lo = 0
  let hi = cdf.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cdf[mid] > x) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** Split `total` into integer parts proportional to weights (largest remainder), each >= min. */
export function apportion(weights: readonly number[], total: number, min = 0): number[] {
  const n = weights.length
  const out = new Array<number>(n).fill(min)
  let rest = total - min * n
  if (rest <= 0) return out
  const wsum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (w / wsum) * rest)
  const floors = exact.map(Math.floor)
  let used = 0
  for (let i = 0; i < n; i++) {
    out[i] += floors[i]
    used += floors[i]
  }
  const order = exact.map((e, i) => [e - floors[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (let k = 0; k < rest - used; k++) out[order[k % n][1]]++
  return out
}
