/**
 * Exact siting MIPs solved with HiGHS (the `highs` package: HiGHS compiled to WebAssembly, the
 * .wasm shipped inside the package, loaded once per process). Each model is written in CPLEX LP
 * text over the same instance the heuristics of api/siting/solver.ts use; docs/siting.md gives the
 * formulations. The heuristic's answer is passed in as a MIP start, so a solve cut short by the
 * time limit still reports a bound and never a worse incumbent.
 *
 * Before writing a coverage MIP the instance is reduced (none of this changes the optimum):
 * demand already covered by kept stations, of weight 0, or reached by no candidate is dropped, and
 * demand points reached by exactly the same candidates are merged into one row with their weights
 * summed — at district scale that leaves far fewer rows than buildings.
 *
 * HiGHS runs synchronously on the calling thread; callers bound it with `timeLimit` (seconds).
 */
import loadHighs, { type Highs } from 'highs'
import { Worker } from 'node:worker_threads'
import { candidateCount, totalWeight, weightCoveredBefore, type CoverInstance, type DistanceInstance } from './solver.ts'

let runtime: Promise<Highs> | undefined
/** The HiGHS runtime, instantiated on first use (async WASM compile) and shared afterwards. */
export function highsRuntime(): Promise<Highs> {
  runtime ??= loadHighs().catch((err) => {
    runtime = undefined // a failed load may be retried
    throw err
  })
  return runtime
}

export type ExactStatus = 'optimal' | 'time_limit' | 'infeasible' | 'too_large' | 'error'

export interface ExactResult {
  status: ExactStatus
  /** Best objective found (same units as the heuristic's); null when none. */
  objective: number | null
  /** Chosen candidates of the best solution found (ascending). */
  sites: number[]
  /** HiGHS's proven bound on the optimum (dual bound); null when not available. */
  bound: number | null
  seconds: number
  /** Rows and nonzeros of the model handed to HiGHS (after the reductions above). */
  rows: number
  nonzeros: number
  message?: string
}

/** Models larger than this (constraint matrix nonzeros) are not attempted: text and memory grow past use. */
export const MAX_EXACT_NONZEROS = 4_000_000

/** Demand rows of a coverage MIP: merged demand classes, each with its weight and covering candidates. */
export function coverRows(inst: CoverInstance): { weight: number[]; cands: Int32Array[] } {
  const n = inst.weights.length
  const m = candidateCount(inst)
  // Transpose the CSR: demand → candidates (ascending j, because j is scanned in order).
  const deg = new Int32Array(n + 1)
  for (let p = 0; p < inst.idx.length; p++) deg[inst.idx[p] + 1]++
  for (let i = 0; i < n; i++) deg[i + 1] += deg[i]
  const fill = deg.slice(0, n)
  const byDemand = new Int32Array(inst.idx.length)
  for (let j = 0; j < m; j++) for (let p = inst.start[j]; p < inst.start[j + 1]; p++) byDemand[fill[inst.idx[p]]++] = j
  const classes = new Map<string, number>()
  const weight: number[] = []
  const cands: Int32Array[] = []
  for (let i = 0; i < n; i++) {
    if (inst.coveredBefore[i] || inst.weights[i] <= 0 || deg[i] === deg[i + 1]) continue
    const list = byDemand.subarray(deg[i], deg[i + 1])
    const key = list.join(',')
    const c = classes.get(key)
    if (c === undefined) {
      classes.set(key, weight.length)
      weight.push(inst.weights[i])
      cands.push(list.slice())
    } else weight[c] += inst.weights[i]
  }
  return { weight, cands }
}

/** A coefficient as LP text: plain decimal, enough digits to keep household weights exact. */
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(15).replace(/\.?0+$/, ''))

/** `+ a x + b y …` over many lines (the LP reader takes long rows, but short lines read better in dumps). */
function terms(parts: string[]): string {
  const out: string[] = []
  for (let a = 0; a < parts.length; a += 40) out.push(' ' + parts.slice(a, a + 40).join(' '))
  return out.join('\n')
}

export interface CoverMip {
  lp: string
  rows: number
  nonzeros: number
  /** Constant added to the MIP objective to get the heuristic's units. */
  offset: number
  candidates: number
}

/**
 * MCLP:  max Σ_c w_c y_c  s.t.  y_c ≤ Σ_{j ∈ N(c)} x_j,  Σ_j x_j = k,  x binary, 0 ≤ y ≤ 1
 * (y need not be integer: for integer x the optimum puts y_c = min(1, Σ x_j) ∈ {0, 1}).
 */
export function mclpLp(inst: CoverInstance, k: number): CoverMip {
  const m = candidateCount(inst)
  const { weight, cands } = coverRows(inst)
  const lines = ['Maximize', ' obj:']
  lines.push(terms(weight.map((w, c) => `+ ${num(w)} y${c}`)) || ' 0 x0')
  lines.push('Subject To', ' sites:', terms(Array.from({ length: m }, (_, j) => `+ x${j}`)), ` = ${k}`)
  let nonzeros = m
  cands.forEach((list, c) => {
    lines.push(` r${c}: y${c}`, terms(Array.from(list, (j) => `- x${j}`)), ' <= 0')
    nonzeros += list.length + 1
  })
  lines.push('Bounds', ...weight.map((_, c) => ` 0 <= y${c} <= 1`), 'Binaries', terms(Array.from({ length: m }, (_, j) => `x${j}`)), 'End')
  return { lp: lines.join('\n'), rows: cands.length + 1, nonzeros, offset: 0, candidates: m }
}

/**
 * LSCP to a target share T:  min Σ_j x_j  s.t.  Σ_c w_c y_c ≥ T·W − W_before,  y_c ≤ Σ_{j ∈ N(c)} x_j,
 * x binary, 0 ≤ y ≤ 1 (W: total weight, W_before: weight kept stations already cover).
 */
export function lscpLp(inst: CoverInstance, target: number): CoverMip {
  const m = candidateCount(inst)
  const { weight, cands } = coverRows(inst)
  const need = target * totalWeight(inst) * (1 - 1e-12) - weightCoveredBefore(inst)
  const lines = ['Minimize', ' obj:', terms(Array.from({ length: m }, (_, j) => `+ x${j}`)), 'Subject To', ' target:']
  lines.push(terms(weight.map((w, c) => `+ ${num(w)} y${c}`)) || ' 0 x0', ` >= ${num(Math.max(0, need))}`)
  let nonzeros = weight.length
  cands.forEach((list, c) => {
    lines.push(` r${c}: y${c}`, terms(Array.from(list, (j) => `- x${j}`)), ' <= 0')
    nonzeros += list.length + 1
  })
  lines.push('Bounds', ...weight.map((_, c) => ` 0 <= y${c} <= 1`), 'Binaries', terms(Array.from({ length: m }, (_, j) => `x${j}`)), 'End')
  return { lp: lines.join('\n'), rows: cands.length + 1, nonzeros, offset: 0, candidates: m }
}

/**
 * p-median with truncated distances (base_i = min(nearest kept station, cap)):
 *   min Σ_i w_i base_i + Σ_{(i,j)} w_i (d_ij − base_i) z_ij
 *   s.t. Σ_j z_ij ≤ 1 (i),  z_ij ≤ x_j (strong linking),  Σ_j x_j = k,  x binary, z ≥ 0.
 * Only pairs with d_ij < base_i exist (DistanceInstance), so the leftover 1 − Σ_j z_ij is served at base_i.
 */
export function pmedianLp(inst: DistanceInstance, k: number): CoverMip {
  const m = candidateCount(inst)
  const n = inst.weights.length
  let offset = 0
  for (let i = 0; i < n; i++) offset += inst.weights[i] * inst.base[i]
  const rowsOf: string[][] = Array.from({ length: n }, () => [])
  const obj: string[] = []
  const link: string[] = []
  for (let j = 0; j < m; j++) {
    for (let p = inst.start[j]; p < inst.start[j + 1]; p++) {
      const i = inst.idx[p]
      if (inst.weights[i] <= 0) continue
      obj.push(`- ${num(inst.weights[i] * (inst.base[i] - inst.dist[p]))} z${p}`)
      rowsOf[i].push(`+ z${p}`)
      link.push(` l${p}: z${p} - x${j} <= 0`)
    }
  }
  const lines = ['Minimize', ' obj:', terms(obj) || ' 0 x0', 'Subject To', ' sites:', terms(Array.from({ length: m }, (_, j) => `+ x${j}`)), ` = ${k}`]
  let rows = 1
  rowsOf.forEach((r, i) => {
    if (r.length === 0) return
    lines.push(` a${i}:`, terms(r), ' <= 1')
    rows++
  })
  // One push per row: spreading a district's 1.5 M link rows as arguments overflows the call stack.
  for (const l of link) lines.push(l)
  lines.push('Binaries', terms(Array.from({ length: m }, (_, j) => `x${j}`)), 'End')
  return { lp: lines.join('\n'), rows: rows + link.length, nonzeros: m + 3 * link.length, offset, candidates: m }
}

const STATUS_NAMES: Record<number, ExactStatus> = { 7: 'optimal', 8: 'infeasible', 13: 'time_limit' }

/**
 * Solve a MIP written by mclpLp / lscpLp / pmedianLp. `start` (candidate indices) is offered as a
 * MIP start; HiGHS checks it, so a wrong one is ignored rather than trusted.
 */
export async function solveMip(mip: CoverMip, opts: { timeLimit: number; start?: readonly number[]; relGap?: number }): Promise<ExactResult> {
  const base = { rows: mip.rows, nonzeros: mip.nonzeros }
  if (mip.nonzeros > MAX_EXACT_NONZEROS) {
    return { status: 'too_large', objective: null, sites: [], bound: null, seconds: 0, ...base, message: `${mip.nonzeros.toLocaleString('en')} nonzeros > ${MAX_EXACT_NONZEROS.toLocaleString('en')}` }
  }
  const highs = await highsRuntime()
  const t0 = performance.now()
  const model = highs.createModel({ format: 'lp', data: mip.lp })
  try {
    // mip_rel_gap 1e-6 (default 1e-4): "optimal" must mean optimal to the household at district totals.
    model.options.set({ output_flag: false, time_limit: opts.timeLimit, mip_rel_gap: opts.relGap ?? 1e-6 })
    const names = Array.from({ length: mip.candidates }, (_, j) => `x${j}`)
    const cols = names.map((nm) => {
      try {
        return model.getColByName(nm)
      } catch {
        return -1 // a candidate in no row or objective term is absent from the parsed model
      }
    })
    if (opts.start) {
      // A partial start: HiGHS completes the continuous columns (y, z) itself.
      const indices: number[] = []
      const values: number[] = []
      const chosen = new Set(opts.start)
      cols.forEach((c, j) => {
        if (c >= 0) indices.push(c), values.push(chosen.has(j) ? 1 : 0)
      })
      try {
        model.setSolution({ indices, values })
      } catch {
        // An unusable start only costs time.
      }
    }
    model.run()
    const code = model.getModelStatus() as number
    const status = STATUS_NAMES[code] ?? 'error'
    const seconds = (performance.now() - t0) / 1000
    const primal = model.info.get('primal_solution_status') as number
    if (status === 'infeasible' || primal !== 2) {
      return { status: status === 'optimal' ? 'error' : status, objective: null, sites: [], bound: null, seconds, ...base }
    }
    const x = model.getSolution().colValue
    const sites: number[] = []
    cols.forEach((c, j) => {
      if (c >= 0 && x[c] > 0.5) sites.push(j)
    })
    const bound = Number(model.info.get('mip_dual_bound'))
    return {
      status,
      objective: model.getObjectiveValue() + mip.offset,
      sites,
      bound: Number.isFinite(bound) ? bound + mip.offset : null,
      seconds,
      ...base,
    }
  } finally {
    model.dispose()
  }
}

/**
 * solveMip on a worker thread: HiGHS runs synchronously, and a solve of up to `timeLimit` seconds
 * on the server's own thread would stall every other request. Each call starts a worker (HiGHS
 * loads in ~55 ms) that registers tsx and runs exact-worker.ts, as the server itself runs; a
 * worker that outlives its time limit by 30 s is stopped and answers `error`.
 */
export function solveMipInWorker(mip: CoverMip, opts: { timeLimit: number; start?: readonly number[]; relGap?: number }): Promise<ExactResult> {
  const base = { objective: null, sites: [], bound: null, seconds: 0, rows: mip.rows, nonzeros: mip.nonzeros }
  if (mip.nonzeros > MAX_EXACT_NONZEROS) return solveMip(mip, opts) // answers too_large without solving
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./exact-worker.mjs', import.meta.url), {
      workerData: { mip, opts: { ...opts, start: opts.start ? [...opts.start] : undefined } },
    })
    const timer = setTimeout(() => {
      void worker.terminate()
      resolve({ status: 'error', ...base, message: `the exact solver did not stop within ${opts.timeLimit + 30} s` })
    }, (opts.timeLimit + 30) * 1000)
    worker.once('message', (m: { result?: ExactResult; error?: string }) => {
      clearTimeout(timer)
      void worker.terminate()
      if (m.result) resolve(m.result)
      else reject(new Error(m.error ?? 'exact solver failed'))
    })
    worker.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
  })
}
