/**
 * Station siting heuristics (issue 6): maximal covering (MCLP), set covering to a target share
 * (LSCP) and p-median, over compact typed-array instances. Pure functions, no database: the
 * instance comes from api/siting/queries.ts (PostGIS) or from a generator (tests, bench), and the
 * exact MIP in api/siting/exact.ts solves the same instance. docs/siting.md has the formulations.
 *
 * Instance design: demand points are indexed 0..n-1 with weights in a Float64Array; each candidate
 * j lists the demand it reaches in CSR form (`idx[start[j] .. start[j+1])`, an Int32Array). That is
 * the only per-pair data MCLP/LSCP need (2,000 candidates × ~3,000 reachable buildings ≈ 6 M pairs
 * = 24 MB), and every gain evaluation is a linear scan of one candidate's slice. p-median adds one
 * Float64Array of distances aligned with `idx`, kept only for pairs that can improve a demand
 * point's current distance (see DistanceInstance): a full matrix (2,000 × 100,000 × 8 bytes = 1.6 GB)
 * never exists.
 *
 * Every function is deterministic: ties go to the lower candidate index and sums run in index order.
 */

/** Coverage instance for MCLP and LSCP. */
export interface CoverInstance {
  /** w_i ≥ 0 of each demand point (households, optionally incident-weighted). */
  weights: Float64Array
  /** 1 when a kept (existing) station already covers demand point i: counted as covered, never as gain. */
  coveredBefore: Uint8Array
  /** CSR offsets, length candidates + 1. */
  start: Int32Array
  /** Demand indices reached by each candidate, ascending within a candidate. */
  idx: Int32Array
}

/**
 * p-median instance with distances truncated at a cap (the request's radius): a demand point's cost
 * is its distance to the nearest open station — kept or new — but never more than the cap.
 * `base[i]` = min(distance to the nearest kept station, cap); pairs (i, j) are stored only when
 * d_ij < base[i], since a farther candidate can never serve i better than what it already has.
 */
export interface DistanceInstance {
  weights: Float64Array
  base: Float64Array
  start: Int32Array
  idx: Int32Array
  /** d_ij in metres, aligned with idx. */
  dist: Float64Array
}

/** One chosen candidate and what it adds given the sites before it in the list. */
export interface SiteChoice {
  candidate: number
  /** MCLP/LSCP: weight newly covered; p-median: decrease of the total weighted distance. */
  gain: number
}

export interface HeuristicResult {
  /** Chosen sites in greedy order over the final set, so the gains add up to the improvement. */
  sites: SiteChoice[]
  /** MCLP: weight covered by the new sites; LSCP: number of sites; p-median: total weighted distance. */
  objective: number
  /** Candidate gain evaluations (the work CELF saves; the bench compares it with plain greedy). */
  evaluations: number
  /** Improving swaps made by the local search. */
  swaps: number
}

export const candidateCount = (inst: { start: Int32Array }) => inst.start.length - 1

/** Σ w_i over all demand. */
export function totalWeight(inst: { weights: Float64Array }): number {
  let s = 0
  for (let i = 0; i < inst.weights.length; i++) s += inst.weights[i]
  return s
}

/** Weight already covered by kept stations. */
export function weightCoveredBefore(inst: CoverInstance): number {
  let s = 0
  for (let i = 0; i < inst.weights.length; i++) if (inst.coveredBefore[i]) s += inst.weights[i]
  return s
}

/** Weight covered by the kept stations and the given candidates together. */
export function weightCovered(inst: CoverInstance, sites: readonly number[]): number {
  const hit = Uint8Array.from(inst.coveredBefore)
  for (const j of sites) for (let p = inst.start[j]; p < inst.start[j + 1]; p++) hit[inst.idx[p]] = 1
  let s = 0
  for (let i = 0; i < hit.length; i++) if (hit[i]) s += inst.weights[i]
  return s
}

/** Total weighted (truncated) distance with the kept stations and the given candidates open. */
export function pmedianCost(inst: DistanceInstance, sites: readonly number[]): number {
  const cur = Float64Array.from(inst.base)
  for (const j of sites) {
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) if (inst.dist[p] < cur[inst.idx[p]]) cur[inst.idx[p]] = inst.dist[p]
  }
  let s = 0
  for (let i = 0; i < cur.length; i++) s += inst.weights[i] * cur[i]
  return s
}

// ---------------------------------------------------------------------------------------------
// A max-heap of (key, candidate) ordered by key descending, then candidate ascending: the order
// plain greedy scans in, so lazy greedy picks exactly what plain greedy picks, ties included.

class GainHeap {
  private key: Float64Array
  private id: Int32Array
  size = 0
  constructor(capacity: number) {
    this.key = new Float64Array(capacity)
    this.id = new Int32Array(capacity)
  }
  private above(a: number, b: number) {
    return this.key[a] > this.key[b] || (this.key[a] === this.key[b] && this.id[a] < this.id[b])
  }
  private swap(a: number, b: number) {
    const k = this.key[a], i = this.id[a]
    this.key[a] = this.key[b]; this.id[a] = this.id[b]
    this.key[b] = k; this.id[b] = i
  }
  push(key: number, id: number) {
    let n = this.size++
    this.key[n] = key
    this.id[n] = id
    while (n > 0) {
      const parent = (n - 1) >> 1
      if (!this.above(n, parent)) break
      this.swap(n, parent)
      n = parent
    }
  }
  topKey() { return this.key[0] }
  topId() { return this.id[0] }
  pop() {
    this.size--
    if (this.size === 0) return
    this.key[0] = this.key[this.size]
    this.id[0] = this.id[this.size]
    let n = 0
    for (;;) {
      const l = 2 * n + 1, r = l + 1
      let best = n
      if (l < this.size && this.above(l, best)) best = l
      if (r < this.size && this.above(r, best)) best = r
      if (best === n) return
      this.swap(n, best)
      n = best
    }
  }
}

/**
 * Greedy selection of up to `k` candidates maximising a monotone submodular gain. With `lazy`,
 * CELF (Leskovec et al. 2007): a candidate's last computed gain bounds its current one, so only
 * the top of a heap is re-evaluated each round. `gain(j)` is evaluated against the state that
 * `take(j)` updates. Stops early when `done()` holds or no candidate gains anything.
 */
function greedy(
  m: number,
  k: number,
  gain: (j: number) => number,
  take: (j: number) => void,
  opts: { lazy: boolean; done?: () => boolean; exclude?: Uint8Array },
): { picks: SiteChoice[]; evaluations: number } {
  const picks: SiteChoice[] = []
  let evaluations = 0
  if (!opts.lazy) {
    const taken = new Uint8Array(m)
    while (picks.length < k && !opts.done?.()) {
      let best = -1, bestGain = 0
      for (let j = 0; j < m; j++) {
        if (taken[j] || opts.exclude?.[j]) continue
        const g = gain(j)
        evaluations++
        if (g > bestGain) (best = j), (bestGain = g)
      }
      if (best < 0) break
      taken[best] = 1
      take(best)
      picks.push({ candidate: best, gain: bestGain })
    }
    return { picks, evaluations }
  }
  const heap = new GainHeap(m)
  const stamp = new Int32Array(m)
  for (let j = 0; j < m; j++) {
    if (opts.exclude?.[j]) continue
    const g = gain(j)
    evaluations++
    if (g > 0) heap.push(g, j)
  }
  while (picks.length < k && heap.size > 0 && !opts.done?.()) {
    const j = heap.topId()
    if (stamp[j] === picks.length) {
      const g = heap.topKey()
      heap.pop()
      take(j)
      picks.push({ candidate: j, gain: g })
      continue
    }
    heap.pop()
    const g = gain(j)
    evaluations++
    stamp[j] = picks.length
    if (g > 0) heap.push(g, j)
  }
  return { picks, evaluations }
}

// ---------------------------------------------------------------------------------------------
// Coverage models

/** Cover counts: kept stations count once (so removing a new site never uncovers their demand). */
function coverState(inst: CoverInstance) {
  const count = new Int32Array(inst.weights.length)
  for (let i = 0; i < count.length; i++) count[i] = inst.coveredBefore[i]
  const gain = (j: number) => {
    let s = 0
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) if (count[inst.idx[p]] === 0) s += inst.weights[inst.idx[p]]
    return s
  }
  const add = (j: number, d: 1 | -1) => {
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) count[inst.idx[p]] += d
  }
  return { count, gain, add }
}

/** `set` (of m candidates) ordered greedily: each site with its gain given the ones before it. */
function sequenceSet(m: number, set: readonly number[], gain: (j: number) => number, take: (j: number) => void): SiteChoice[] {
  const exclude = new Uint8Array(m).fill(1)
  for (const j of set) exclude[j] = 0
  const { picks } = greedy(m, set.length, gain, take, { lazy: false, exclude })
  // A site that adds nothing (possible after swaps in degenerate instances) still belongs to the answer.
  const seen = new Set(picks.map((p) => p.candidate))
  for (const j of [...set].sort((a, b) => a - b)) if (!seen.has(j)) picks.push({ candidate: j, gain: 0 })
  return picks
}

/** The final cover set ordered greedily (each site's gain given the ones before it). */
function sequenceCover(inst: CoverInstance, set: readonly number[]): SiteChoice[] {
  const st = coverState(inst)
  return sequenceSet(candidateCount(inst), set, st.gain, (j) => st.add(j, 1))
}

/**
 * MCLP heuristic: CELF lazy greedy for `k` new sites, then 1-swap local search (best improving
 * swap of one chosen site for one unchosen candidate, repeated until none improves or `maxPasses`).
 * `lazy: false` runs plain greedy (the baseline the tests and bench compare against).
 */
export function solveMclpGreedy(
  inst: CoverInstance,
  k: number,
  opts: { lazy?: boolean; localSearch?: boolean; maxPasses?: number } = {},
): HeuristicResult {
  const m = candidateCount(inst)
  if (!Number.isInteger(k) || k < 1) throw new RangeError('k must be a positive integer')
  const st = coverState(inst)
  const { picks, evaluations } = greedy(m, Math.min(k, m), st.gain, (j) => st.add(j, 1), { lazy: opts.lazy ?? true })
  const chosen = picks.map((p) => p.candidate)
  // Fill up to k with the lowest-index unused candidates when nothing more gains (k sites were asked for).
  const inSet = new Uint8Array(m)
  for (const j of chosen) inSet[j] = 1
  for (let j = 0; chosen.length < Math.min(k, m) && j < m; j++) if (!inSet[j]) (inSet[j] = 1), chosen.push(j)
  let swaps = 0
  let evals = evaluations
  if (opts.localSearch ?? true) {
    // Every swap (chosen position a out, unchosen t in) is scored in ONE scan of all pairs per pass:
    // t regains what nobody covers (g0) plus what only the site at position a covers (extra[a]),
    // and loses loss[a]. (Scanning all t once per chosen site cost k scans per pass: 18.7 s at
    // 100,000 buildings × 2,000 candidates, 8.5 M pairs.) The best swap is the same as that of the
    // k-scan order: ties go to the lower position a, then the lower candidate t.
    const n = inst.weights.length
    const kk = chosen.length
    const owner = new Int32Array(n)
    const loss = new Float64Array(kk)
    const extra = new Float64Array(kk)
    const maxPasses = opts.maxPasses ?? 50
    for (let pass = 0; pass < maxPasses; pass++) {
      owner.fill(-1)
      loss.fill(0)
      for (let a = 0; a < kk; a++) {
        const s = chosen[a]
        for (let p = inst.start[s]; p < inst.start[s + 1]; p++) {
          const i = inst.idx[p]
          // count 1 on demand s reaches: s is its only cover (kept stations count once, so never here).
          if (st.count[i] === 1) (owner[i] = a), (loss[a] += inst.weights[i])
        }
      }
      let bestDelta = 1e-9, bestOut = -1, bestIn = -1
      for (let t = 0; t < m; t++) {
        if (inSet[t]) continue
        let g0 = 0
        extra.fill(0)
        for (let p = inst.start[t]; p < inst.start[t + 1]; p++) {
          const i = inst.idx[p]
          const c = st.count[i]
          if (c === 0) g0 += inst.weights[i]
          else if (c === 1 && owner[i] >= 0) extra[owner[i]] += inst.weights[i]
        }
        evals += kk
        for (let a = 0; a < kk; a++) {
          const delta = g0 + extra[a] - loss[a]
          if (delta > bestDelta || (delta === bestDelta && bestOut >= 0 && a < bestOut)) (bestDelta = delta), (bestOut = a), (bestIn = t)
        }
      }
      if (bestOut < 0) break
      st.add(chosen[bestOut], -1)
      inSet[chosen[bestOut]] = 0
      st.add(bestIn, 1)
      inSet[bestIn] = 1
      chosen[bestOut] = bestIn
      swaps++
    }
  }
  const sites = sequenceCover(inst, chosen)
  return { sites, objective: sites.reduce((s, p) => s + p.gain, 0), evaluations: evals, swaps }
}

export type LscpResult =
  | (HeuristicResult & { feasible: true; coveredWeight: number })
  | { feasible: false; maxShare: number; coveredWeight: number }

/**
 * LSCP heuristic: the fewest new sites so that kept + new stations cover at least `target` (a share
 * of the total weight). CELF greedy until the target is met, then redundancy removal: sites whose
 * removal keeps the target met are dropped, the least useful first; then, while the MCLP heuristic
 * (greedy + swaps) with one site fewer still meets the target, that smaller set. Infeasible targets answer the
 * largest share every candidate together reaches.
 */
export function solveLscpGreedy(inst: CoverInstance, target: number): LscpResult {
  if (!(target > 0 && target <= 1)) throw new RangeError('target must be in (0, 1]')
  const m = candidateCount(inst)
  const total = totalWeight(inst)
  // Relative tolerance: a target of 1 must be met despite float sums in another order.
  const need = target * total * (1 - 1e-12)
  const st = coverState(inst)
  let covered = weightCoveredBefore(inst)
  const { picks, evaluations } = greedy(m, m, st.gain, (j) => {
    covered += st.gain(j)
    st.add(j, 1)
  }, { lazy: true, done: () => covered >= need })
  if (covered < need) {
    return { feasible: false, maxShare: total > 0 ? covered / total : 0, coveredWeight: covered }
  }
  const chosen = picks.map((p) => p.candidate)
  // Redundancy removal, last-added (smallest gain) first.
  for (let a = chosen.length - 1; a >= 0; a--) {
    const s = chosen[a]
    let loss = 0
    for (let p = inst.start[s]; p < inst.start[s + 1]; p++) if (st.count[inst.idx[p]] === 1) loss += inst.weights[inst.idx[p]]
    if (covered - loss >= need) {
      st.add(s, -1)
      covered -= loss
      chosen.splice(a, 1)
    }
  }
  // One site fewer: the best (k − 1)-site cover the MCLP heuristic finds may still meet the target
  // where greedy's did not need to (greedy overshoots with early big sites).
  let best = chosen
  let swaps = 0
  let evals = evaluations
  const before = weightCoveredBefore(inst)
  while (best.length > 1) {
    const fewer = solveMclpGreedy(inst, best.length - 1)
    evals += fewer.evaluations
    if (before + fewer.objective < need) break
    best = fewer.sites.map((p) => p.candidate)
    covered = before + fewer.objective
    swaps += fewer.swaps
  }
  const sites = sequenceCover(inst, best)
  return { feasible: true, sites, objective: sites.length, evaluations: evals, swaps, coveredWeight: covered }
}

/** Largest share of the total weight that kept stations plus every candidate reach. */
export function maxCoverShare(inst: CoverInstance): number {
  const total = totalWeight(inst)
  return total > 0 ? weightCovered(inst, Array.from({ length: candidateCount(inst) }, (_, j) => j)) / total : 0
}

// ---------------------------------------------------------------------------------------------
// p-median

/** Nearest and second-nearest open facility per demand point (kept stations are one facility, -1). */
function assignments(inst: DistanceInstance, chosen: readonly number[]) {
  const n = inst.weights.length
  const d1 = Float64Array.from(inst.base)
  const who = new Int32Array(n).fill(-1)
  const d2 = Float64Array.from(inst.base)
  for (const j of chosen) {
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) {
      const i = inst.idx[p], d = inst.dist[p]
      if (d < d1[i] || (d === d1[i] && who[i] >= 0 && j < who[i])) {
        d2[i] = d1[i]
        d1[i] = d
        who[i] = j
      } else if (d < d2[i]) d2[i] = d
    }
  }
  return { d1, d2, who }
}

/** The final p-median set ordered greedily, with each site's decrease of the total weighted distance. */
function sequencePmedian(inst: DistanceInstance, set: readonly number[]): SiteChoice[] {
  const cur = Float64Array.from(inst.base)
  const gain = (j: number) => {
    let s = 0
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) {
      const i = inst.idx[p]
      if (inst.dist[p] < cur[i]) s += inst.weights[i] * (cur[i] - inst.dist[p])
    }
    return s
  }
  const take = (j: number) => {
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) if (inst.dist[p] < cur[inst.idx[p]]) cur[inst.idx[p]] = inst.dist[p]
  }
  return sequenceSet(candidateCount(inst), set, gain, take)
}

/** The best improving Teitz–Bart swap: position `out` of `chosen` replaced by candidate `in` (out −1: none improves). */
interface Swap {
  out: number
  in: number
  evaluations: number
}

/**
 * Every swap (chosen position a out, unchosen t in) scored in ONE scan of all pairs per pass. Without
 * the site at a, demand it served falls back to its second-nearest facility d2; so t's saving is
 * g0(t) = Σ w·max(0, d1 − d) over its pairs, plus, for pairs whose demand a serves, the correction
 * w·(max(0, d2 − d) − max(0, d1 − d)) added to extra[a]. The delta is g0 + extra[a] − loss[a].
 * The per-site order (bestSwapPerSite, k scans of all pairs per pass) found the same swaps with
 * the same tie-break — lower position a, then lower t — but took 1.2 s of a 2.0 s straight-line
 * request at district scale, r = 1,500 m, 3.4 M pairs (docs/siting.md).
 */
function bestSwapOneScan(inst: DistanceInstance, chosen: readonly number[], inSet: Uint8Array): Swap {
  const m = candidateCount(inst), kk = chosen.length
  const { d1, d2, who } = assignments(inst, chosen)
  const posOf = new Int32Array(m).fill(-1)
  chosen.forEach((s, a) => (posOf[s] = a))
  const loss = new Float64Array(kk)
  for (let i = 0; i < who.length; i++) if (who[i] >= 0) loss[posOf[who[i]]] += inst.weights[i] * (d2[i] - d1[i])
  const extra = new Float64Array(kk)
  const touched = new Int32Array(kk)
  const touchedBy = new Int32Array(kk).fill(-1)
  let bestDelta = 1e-9 * Math.max(1, totalWeight(inst)), out = -1, into = -1, evaluations = 0
  for (let t = 0; t < m; t++) {
    if (inSet[t]) continue
    let g0 = 0, nTouched = 0
    for (let p = inst.start[t]; p < inst.start[t + 1]; p++) {
      const i = inst.idx[p], d = inst.dist[p]
      if (d >= d2[i]) continue
      const w = inst.weights[i]
      const near = d < d1[i] ? d1[i] - d : 0
      g0 += w * near
      if (who[i] < 0) continue
      const a = posOf[who[i]]
      if (touchedBy[a] !== t) (touchedBy[a] = t), (touched[nTouched++] = a)
      extra[a] += w * (d2[i] - d - near)
    }
    evaluations += kk
    for (let a = 0; a < kk; a++) {
      const delta = g0 + extra[a] - loss[a]
      if (delta > bestDelta || (delta === bestDelta && out >= 0 && a < out)) (bestDelta = delta), (out = a), (into = t)
    }
    for (let q = 0; q < nTouched; q++) extra[touched[q]] = 0
  }
  return { out, in: into, evaluations }
}

/** The same search one chosen site at a time (k scans of all pairs per pass): the baseline the bench compares with. */
function bestSwapPerSite(inst: DistanceInstance, chosen: readonly number[], inSet: Uint8Array): Swap {
  const m = candidateCount(inst)
  const { d1, d2, who } = assignments(inst, chosen)
  let bestDelta = 1e-9 * Math.max(1, totalWeight(inst)), out = -1, into = -1, evaluations = 0
  for (let a = 0; a < chosen.length; a++) {
    const s = chosen[a]
    // Cost without s: d2 where s was nearest. `d1` is patched in place and restored.
    let loss = 0
    for (let p = inst.start[s]; p < inst.start[s + 1]; p++) {
      const i = inst.idx[p]
      if (who[i] === s) (loss += inst.weights[i] * (d2[i] - d1[i])), (d1[i] = d2[i])
    }
    for (let t = 0; t < m; t++) {
      if (inSet[t]) continue
      let g = 0
      for (let p = inst.start[t]; p < inst.start[t + 1]; p++) {
        const i = inst.idx[p]
        if (inst.dist[p] < d1[i]) g += inst.weights[i] * (d1[i] - inst.dist[p])
      }
      evaluations++
      if (g - loss > bestDelta) (bestDelta = g - loss), (out = a), (into = t)
    }
    for (let p = inst.start[s]; p < inst.start[s + 1]; p++) {
      const i = inst.idx[p]
      if (who[i] === s) d1[i] = inst.dist[p]
    }
  }
  return { out, in: into, evaluations }
}

/**
 * p-median heuristic: k new sites added greedily (CELF: the decrease of Σ w_i·d_i is submodular),
 * then Teitz–Bart vertex interchange — the best swap of a chosen site for an unchosen candidate,
 * repeated while it lowers the total. Removing s moves the demand s served to its second-nearest
 * facility, so one swap evaluation is one scan of the candidate's pairs.
 */
export function solvePmedianHeuristic(
  inst: DistanceInstance,
  k: number,
  opts: { lazy?: boolean; localSearch?: boolean; maxPasses?: number; oneScan?: boolean } = {},
): HeuristicResult {
  const m = candidateCount(inst)
  if (!Number.isInteger(k) || k < 1) throw new RangeError('k must be a positive integer')
  const cur = Float64Array.from(inst.base)
  const gainOf = (j: number) => {
    let s = 0
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) {
      const i = inst.idx[p]
      if (inst.dist[p] < cur[i]) s += inst.weights[i] * (cur[i] - inst.dist[p])
    }
    return s
  }
  const take = (j: number) => {
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) if (inst.dist[p] < cur[inst.idx[p]]) cur[inst.idx[p]] = inst.dist[p]
  }
  const { picks, evaluations } = greedy(m, Math.min(k, m), gainOf, take, { lazy: opts.lazy ?? true })
  const chosen = picks.map((p) => p.candidate)
  const inSet = new Uint8Array(m)
  for (const j of chosen) inSet[j] = 1
  for (let j = 0; chosen.length < Math.min(k, m) && j < m; j++) if (!inSet[j]) (inSet[j] = 1), chosen.push(j)
  let evals = evaluations
  let swaps = 0
  if (opts.localSearch ?? true) {
    const maxPasses = opts.maxPasses ?? 50
    const search = (opts.oneScan ?? true) ? bestSwapOneScan : bestSwapPerSite
    for (let pass = 0; pass < maxPasses; pass++) {
      const best = search(inst, chosen, inSet)
      evals += best.evaluations
      if (best.out < 0) break
      inSet[chosen[best.out]] = 0
      inSet[best.in] = 1
      chosen[best.out] = best.in
      swaps++
    }
  }
  const sites = sequencePmedian(inst, chosen)
  return { sites, objective: pmedianCost(inst, chosen), evaluations: evals, swaps }
}

// ---------------------------------------------------------------------------------------------
// Instances from points (tests, bench, and the API's in-memory checks)

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Candidate → demand pairs within `radius` (planar metres; distance = sqrt(dx² + dy²) ≤ radius, the
 * arithmetic of PostGIS's point-to-point ST_Distance), in CSR form with each candidate's demand in
 * ascending order. Candidates are bucketed in a grid of cells at least `radius` wide (so a 3 × 3
 * block of cells holds everything within reach; at most ~1 M cells), then demand is scanned in
 * index order, once to count and once to fill, so memory is the pairs themselves. This is the
 * siting pair join (api/siting/queries.ts loads the projected points from PostGIS): the 8.5 M pairs
 * of 100,000 buildings × 2,000 candidates in 0.2–0.8 s, where the same join in SQL took 1.0–2.6 s
 * (docs/siting.md). `withDistance: false` leaves `dist` empty.
 */
export function pairsWithin(
  dx: ArrayLike<number>, dy: ArrayLike<number>, cx: ArrayLike<number>, cy: ArrayLike<number>, radius: number, withDistance = true,
): { start: Int32Array; idx: Int32Array; dist: Float64Array } {
  const n = dx.length, m = cx.length
  const start = new Int32Array(m + 1)
  if (n === 0 || m === 0) return { start, idx: new Int32Array(0), dist: new Float64Array(0) }
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity
  for (let j = 0; j < m; j++) {
    if (cx[j] < minX) minX = cx[j]
    if (cx[j] > maxX) maxX = cx[j]
    if (cy[j] < minY) minY = cy[j]
    if (cy[j] > maxY) maxY = cy[j]
  }
  const cell = Math.max(radius, (maxX - minX) / 1024, (maxY - minY) / 1024, 1e-9)
  const cols = Math.floor((maxX - minX) / cell) + 1, rows = Math.floor((maxY - minY) / cell) + 1
  // Candidates sorted into cells (counting sort): cellStart[c] .. cellStart[c + 1] in `items`.
  const cellStart = new Int32Array(cols * rows + 1)
  const cellOf = new Int32Array(m)
  for (let j = 0; j < m; j++) {
    const c = Math.floor((cx[j] - minX) / cell) * rows + Math.floor((cy[j] - minY) / cell)
    cellOf[j] = c
    cellStart[c + 1]++
  }
  for (let c = 0; c < cols * rows; c++) cellStart[c + 1] += cellStart[c]
  const items = new Int32Array(m)
  const next = cellStart.slice(0, cols * rows)
  for (let j = 0; j < m; j++) items[next[cellOf[j]]++] = j

  let idx = new Int32Array(0), dist = new Float64Array(0)
  const pos = new Int32Array(m)
  for (let pass = 0; pass < 2; pass++) {
    const fill = pass === 1
    for (let i = 0; i < n; i++) {
      const x = dx[i], y = dy[i]
      const gx = Math.floor((x - minX) / cell), gy = Math.floor((y - minY) / cell)
      const a1 = Math.min(cols - 1, gx + 1), b0 = Math.max(0, gy - 1), b1 = Math.min(rows - 1, gy + 1)
      if (b0 > b1) continue
      for (let a = Math.max(0, gx - 1); a <= a1; a++) {
        for (let q = cellStart[a * rows + b0]; q < cellStart[a * rows + b1 + 1]; q++) {
          const j = items[q]
          const ex = x - cx[j], ey = y - cy[j]
          const d = Math.sqrt(ex * ex + ey * ey)
          if (d > radius) continue
          if (fill) {
            const p = pos[j]++
            idx[p] = i
            if (withDistance) dist[p] = d
          } else start[j + 1]++
        }
      }
    }
    if (!fill) {
      for (let j = 0; j < m; j++) start[j + 1] += start[j]
      pos.set(start.subarray(0, m))
      idx = new Int32Array(start[m])
      if (withDistance) dist = new Float64Array(start[m])
    }
  }
  return { start, idx, dist }
}

export interface SyntheticInstance {
  cover: CoverInstance
  distance: DistanceInstance
  /** Planar coordinates (metres), for plotting and checks. */
  demand: { x: Float64Array; y: Float64Array }
  candidates: { x: Float64Array; y: Float64Array }
}

/**
 * A seeded random instance on a `size` × `size` m square: demand clustered around a few centres
 * (like compounds), weights 1–200 households, candidates uniform, `kept` existing stations.
 */
export function syntheticInstance(opts: { seed: number; demand: number; candidates: number; kept: number; radius: number; size: number }): SyntheticInstance {
  const r = rng(opts.seed)
  const centres = Array.from({ length: 12 }, () => [r() * opts.size, r() * opts.size, 200 + r() * opts.size * 0.15])
  const n = opts.demand
  const x = new Float64Array(n), y = new Float64Array(n), w = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    if (r() < 0.7) {
      const c = centres[Math.floor(r() * centres.length)]
      const a = r() * 2 * Math.PI, d = Math.sqrt(r()) * c[2]
      x[i] = Math.min(opts.size, Math.max(0, c[0] + d * Math.cos(a)))
      y[i] = Math.min(opts.size, Math.max(0, c[1] + d * Math.sin(a)))
    } else {
      x[i] = r() * opts.size
      y[i] = r() * opts.size
    }
    w[i] = 1 + Math.floor(r() * 200)
  }
  const cx = Float64Array.from({ length: opts.candidates }, () => r() * opts.size)
  const cy = Float64Array.from({ length: opts.candidates }, () => r() * opts.size)
  const kx = Array.from({ length: opts.kept }, () => r() * opts.size)
  const ky = Array.from({ length: opts.kept }, () => r() * opts.size)
  const kept = pairsWithin(x, y, kx, ky, opts.radius)
  const coveredBefore = new Uint8Array(n)
  const base = new Float64Array(n).fill(opts.radius)
  for (let p = 0; p < kept.idx.length; p++) {
    coveredBefore[kept.idx[p]] = 1
    base[kept.idx[p]] = Math.min(base[kept.idx[p]], kept.dist[p])
  }
  const pairs = pairsWithin(x, y, cx, cy, opts.radius)
  return {
    cover: { weights: w, coveredBefore, start: pairs.start, idx: pairs.idx },
    distance: distanceInstance(w, base, pairs),
    demand: { x, y },
    candidates: { x: cx, y: cy },
  }
}

/** Keep only the pairs that can improve a demand point's base distance (d_ij < base_i). */
export function distanceInstance(weights: Float64Array, base: Float64Array, pairs: { start: Int32Array; idx: Int32Array; dist: Float64Array }): DistanceInstance {
  const m = pairs.start.length - 1
  const start = new Int32Array(m + 1)
  let n = 0
  for (let j = 0; j < m; j++) {
    for (let p = pairs.start[j]; p < pairs.start[j + 1]; p++) if (pairs.dist[p] < base[pairs.idx[p]]) n++
    start[j + 1] = n
  }
  const idx = new Int32Array(n), dist = new Float64Array(n)
  let q = 0
  for (let j = 0; j < m; j++) {
    for (let p = pairs.start[j]; p < pairs.start[j + 1]; p++) {
      if (pairs.dist[p] < base[pairs.idx[p]]) (idx[q] = pairs.idx[p]), (dist[q] = pairs.dist[p]), q++
    }
  }
  return { weights, base, start, idx, dist }
}
