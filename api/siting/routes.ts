/**
 * POST /siting/solve (issue 6): where the next k stations of a type go (maximal covering), how
 * few reach a target share (set covering), or which k minimise the household-weighted distance
 * (p-median), with each site's marginal gain and, on request, the exact optimum and the heuristic's
 * gap. Demand and candidates come from PostGIS (queries.ts), the heuristics from solver.ts, the MIPs
 * from exact.ts; docs/siting.md has the models and the choices.
 *
 * Roles: planners (the main users), commanders and admins. Grid leaders and members get 403:
 * siting is a street/district planning decision, and their one grid is too small a region for it.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { STATION_TYPES } from '../../geo-data/generate/types.ts'
import { Instant } from '../incidents/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import { roadGraphOf } from '../lib/roadnet-load.ts'
import { resolvePeriod } from '../analytics/period.ts'
import { lscpLp, mclpLp, pmedianLp, solveMipInWorker, type ExactResult } from './exact.ts'
import {
  incidentWeights, loadInstance, microGridIncidentsSql, outsideSql, prepareTables, requirePlanningRole, resolveStudyArea,
  type CandidateSpec,
} from './queries.ts'
import { pmedianCost, solveLscpGreedy, solveMclpGreedy, solvePmedianHeuristic, totalWeight, type SiteChoice } from './solver.ts'

/** Most candidates per request (given or generated). */
export const MAX_CANDIDATES = 5000
/** Largest service radius, metres. */
export const MAX_RADIUS = 10_000
/** Most candidate × demand pairs a request may load (~200 MB with distances); estimated before loading. */
export const MAX_PAIRS = 20_000_000
/** Longest exact solve a request may ask for, seconds (HiGHS blocks the server thread meanwhile). */
export const MAX_EXACT_SECONDS = 30


const Lon = z.number().min(-180).max(180)
const Lat = z.number().min(-90).max(90)
const Position = z.tuple([Lon, Lat]).rest(z.number())
const PointFeature = z.object({
  type: z.literal('Feature'),
  geometry: z.object({ type: z.literal('Point'), coordinates: Position }),
  properties: z.record(z.string(), z.unknown()).nullable().optional(),
})
const Candidates = z
  .union([
    z.object({ type: z.literal('FeatureCollection'), features: z.array(PointFeature).min(1).max(MAX_CANDIDATES) }),
    z.object({ type: z.literal('MultiPoint'), coordinates: z.array(Position).min(1).max(MAX_CANDIDATES) }),
  ])
  .openapi({ description: `candidate sites (WGS84): a FeatureCollection of Point features or a MultiPoint geometry, 1–${MAX_CANDIDATES}; indexes in answers and errors count from 0 in this order` })

export const SolveRequest = z
  .object({
    model: z.enum(['mclp', 'lscp', 'pmedian']).openapi({ description: 'mclp: k new sites covering the most demand; lscp: fewest new sites reaching `target`; pmedian: k new sites with the least weighted mean distance' }),
    stationType: z.enum(STATION_TYPES),
    radius: z.number().gt(0).max(MAX_RADIUS).openapi({ description: `service radius in metres (0 < radius ≤ ${MAX_RADIUS}); for pmedian the distance cap`, example: 1000 }),
    distance: z.enum(['straight', 'road']).default('straight').openapi({ description: 'straight: straight-line metres (EPSG:32648); road: walking along the road network, access legs included (docs/stations.md)' }),
    k: z.number().int().min(1).max(MAX_CANDIDATES).optional().openapi({ description: 'new sites (mclp, pmedian); at most the number of candidates' }),
    target: z.number().gt(0).max(1).optional().openapi({ description: 'lscp: share of the demand to cover, kept stations included, in (0, 1]' }),
    area: z.number().int().positive().max(2_147_483_647).optional().openapi({ description: 'area id in your scope; default: your scope root' }),
    candidates: Candidates.optional(),
    generate: z
      .object({
        method: z.enum(['buildings', 'lattice']),
        count: z.number().int().min(1).max(MAX_CANDIDATES).default(2000).openapi({ description: 'buildings: how many building centroids (a fixed pseudo-random sample when the area has more)' }),
        spacing: z.number().min(25).max(5000).default(250).openapi({ description: 'lattice: cell size in metres' }),
      })
      .optional()
      .openapi({ description: 'generated candidates when `candidates` is absent; default: 2,000 building centroids' }),
    weight: z.enum(['households', 'incidents']).default('households').openapi({ description: 'incidents: households plus each micro-grid’s incidents of the period, shared by households' }),
    from: Instant.optional().openapi({ description: 'weight=incidents: period start; default 365 days before `to`' }),
    to: Instant.optional().openapi({ description: 'weight=incidents: period end; default now' }),
    type: z.string().max(2000).optional().openapi({ description: 'weight=incidents: comma-separated incident types' }),
    exact: z.boolean().default(false).openapi({ description: 'also solve the MIP with HiGHS and report the heuristic’s gap' }),
    time_limit: z.number().min(1).max(MAX_EXACT_SECONDS).default(20).openapi({ description: `exact solver time limit, seconds (≤ ${MAX_EXACT_SECONDS})` }),
  })
  .strict()
  .openapi('SitingRequest')

const Site = z.object({
  lon: z.number(),
  lat: z.number(),
  candidate: z.number().openapi({ description: 'index of the candidate (request order, or generation order)' }),
  gain: z.number().openapi({ description: 'mclp/lscp: weight newly covered given the sites before it; pmedian: metres taken off the weighted mean distance' }),
})

const ExactInfo = z.object({
  status: z.enum(['optimal', 'time_limit', 'infeasible', 'too_large', 'error']),
  objective: z.number().nullable(),
  bound: z.number().nullable().openapi({ description: 'HiGHS’s proven bound on the optimum (same units as objective)' }),
  seconds: z.number(),
  sites: z.array(Site),
})

export const SolveResponse = z
  .object({
    model: z.enum(['mclp', 'lscp', 'pmedian']),
    distance: z.enum(['straight', 'road']).openapi({ description: 'the distance every coverage and p-median figure uses' }),
    area: z.object({ id: z.number(), name: z.string(), level: z.string() }),
    sites: z.array(Site),
    households: z.number().openapi({ description: 'households of the area’s buildings (the demand)' }),
    covered_before: z.number().openapi({ description: 'households within radius of a kept station' }),
    covered_after: z.number().openapi({ description: 'households within radius of a kept station or a chosen site' }),
    share_before: z.number(),
    share_after: z.number(),
    objective: z.number().openapi({ description: 'mclp: weight newly covered; lscp: number of sites; pmedian: weighted mean distance (m, capped at radius)' }),
    objective_before: z.number().openapi({ description: 'the same with the kept stations only (mclp/lscp: 0)' }),
    exact_objective: z.number().optional(),
    gap: z.number().optional().openapi({ description: 'relative gap of the heuristic to the exact objective (0 = as good)' }),
    exact: ExactInfo.optional(),
    counts: z.object({ demand: z.number(), candidates: z.number(), kept_stations: z.number(), pairs: z.number() }),
    ms: z.object({ load: z.number(), heuristic: z.number(), exact: z.number().nullable() }),
  })
  .openapi('SitingResult')

const solve = createRoute({
  method: 'post',
  path: '/solve',
  tags: ['siting'],
  summary: 'Place new stations: maximal covering, set covering to a target share, or p-median (planners, commanders, admins)',
  request: { body: { content: { 'application/json': { schema: SolveRequest } }, required: true } },
  responses: {
    200: { description: 'Chosen sites in order with their marginal gains', content: { 'application/json': { schema: SolveResponse } } },
    ...forbidden,
    ...notFound,
    422: errorResponse('Set-covering target unreachable with these candidates'),
    ...errorResponses,
  },
})

type Body = z.infer<typeof SolveRequest>

const bad = (message: string) => new ApiFailure(400, 'invalid_request', message)

/** Model-specific fields the schema cannot express alone. */
function checkFields(b: Body) {
  if (b.model === 'lscp') {
    if (b.target === undefined) throw bad('target: required for lscp (a share in (0, 1])')
    if (b.k !== undefined) throw bad('k: not used by lscp (it finds the number of sites)')
  } else {
    if (b.k === undefined) throw bad(`k: required for ${b.model}`)
    if (b.target !== undefined) throw bad(`target: only for lscp`)
  }
  if (b.candidates && b.generate) throw bad('candidates: give candidates or generate, not both')
  if (b.weight !== 'incidents' && (b.from || b.to || b.type)) throw bad('from/to/type: only with weight=incidents')
}


function candidateSpec(b: Body): CandidateSpec {
  if (b.candidates) {
    const pts = b.candidates.type === 'MultiPoint' ? b.candidates.coordinates : b.candidates.features.map((f) => f.geometry.coordinates)
    return { kind: 'given', lon: pts.map((p) => p[0]), lat: pts.map((p) => p[1]) }
  }
  const g = b.generate ?? { method: 'buildings' as const, count: 2000, spacing: 250 }
  return g.method === 'buildings' ? { kind: 'buildings', count: g.count } : { kind: 'lattice', spacing: g.spacing, limit: MAX_CANDIDATES }
}

const round = (v: number, digits = 6) => Number(v.toFixed(digits))

export const sitingRoutes = newRouter().openapi(solve, async (c) => {
  const user = c.get('user')
  requirePlanningRole(c, 'siting')
  const b = c.req.valid('json')
  checkFields(b)
  const tx = c.get('tx')
  const t0 = performance.now()
  const area = await resolveStudyArea(c, b.area, 'your account has no area to site in')
  const spec = candidateSpec(b)
  if (spec.kind === 'given') {
    const { rows } = await tx.execute<{ ord: number }>(outsideSql(area.id, spec.lon, spec.lat))
    if (rows.length > 0) {
      const list = rows.map((r) => r.ord)
      throw bad(`candidates: ${list.length} outside area ${area.id} (${area.name}) at indexes ${list.slice(0, 20).join(', ')}${list.length > 20 ? ', …' : ''}`)
    }
  }
  let period: Awaited<ReturnType<typeof resolvePeriod>> | undefined
  if (b.weight === 'incidents') {
    const to = b.to ?? new Date().toISOString()
    const from = b.from ?? new Date(Date.parse(to) - 365 * 24 * 3600_000).toISOString()
    period = await resolvePeriod(tx, { from, to, type: b.type })
  }
  const { demand, candidates: m } = await prepareTables(tx, area, spec)
  if (spec.kind === 'lattice' && m > MAX_CANDIDATES) throw bad(`generate.spacing: a ${spec.spacing} m lattice puts more than ${MAX_CANDIDATES} candidates in the area; use a wider spacing`)
  if (m === 0) throw bad('candidates: none in the area (no buildings with households, or the lattice is coarser than the area)')
  if (b.k !== undefined && b.k > m) throw bad(`k: ${b.k} is more than the ${m} candidates`)
  // Pairs if demand were spread evenly: refuses what would not fit in memory before loading it.
  const estimate = demand * m * Math.min(1, (Math.PI * b.radius * b.radius) / Math.max(area.m2, 1))
  if (estimate > MAX_PAIRS) {
    throw bad(`radius: about ${Math.round(estimate).toLocaleString('en')} candidate × building pairs (more than ${MAX_PAIRS.toLocaleString('en')}); use a smaller radius or fewer candidates`)
  }
  const roads = b.distance === 'road' ? await roadGraphOf(tx) : undefined
  const inst = await loadInstance(tx, { stationType: b.stationType, radius: b.radius, pmedian: b.model === 'pmedian', m, roads })
  if (period) {
    const { rows } = await tx.execute<{ id: number; n: number }>(microGridIncidentsSql(period.from.toISOString(), period.to.toISOString(), period.types))
    const w = incidentWeights(inst.households, inst.microGrids, new Map(rows.map((r) => [r.id, r.n])))
    inst.cover.weights = w
    if (inst.distance) inst.distance.weights = w
  }
  const tLoad = performance.now()

  const W = totalWeight(inst.cover)
  let sites: SiteChoice[]
  let objective: number
  let objectiveBefore = 0
  let exactResult: ExactResult | undefined
  let tHeur: number
  if (b.model === 'mclp') {
    const h = solveMclpGreedy(inst.cover, b.k!)
    tHeur = performance.now()
    sites = h.sites
    objective = h.objective
    if (b.exact) exactResult = await exactSafely(() => solveMipInWorker(mclpLp(inst.cover, b.k!), { timeLimit: b.time_limit, start: sites.map((s) => s.candidate) }))
  } else if (b.model === 'lscp') {
    const h = solveLscpGreedy(inst.cover, b.target!)
    tHeur = performance.now()
    if (!h.feasible) {
      throw new ApiFailure(422, 'infeasible_target', `target ${b.target} cannot be reached: kept stations and all ${m} candidates together cover at most ${(h.maxShare * 100).toFixed(2)} % of the demand (share ${round(h.maxShare, 6)})`)
    }
    sites = h.sites
    objective = h.objective
    if (b.exact) exactResult = await exactSafely(() => solveMipInWorker(lscpLp(inst.cover, b.target!), { timeLimit: b.time_limit, start: sites.map((s) => s.candidate) }))
  } else {
    const dist = inst.distance!
    const h = solvePmedianHeuristic(dist, b.k!)
    tHeur = performance.now()
    // Weighted means (metres) rather than totals: comparable across areas and weightings.
    const mean = (total: number) => (W > 0 ? total / W : 0)
    sites = h.sites.map((s) => ({ candidate: s.candidate, gain: mean(s.gain) }))
    objective = mean(h.objective)
    objectiveBefore = mean(pmedianCost(dist, []))
    if (b.exact) {
      exactResult = await exactSafely(() => solveMipInWorker(pmedianLp(dist, b.k!), { timeLimit: b.time_limit, start: h.sites.map((s) => s.candidate) }))
      if (exactResult.objective !== null) exactResult.objective = mean(exactResult.objective)
      if (exactResult.bound !== null) exactResult.bound = mean(exactResult.bound)
    }
  }
  const tEnd = performance.now()

  const households = (chosen: readonly number[]) => {
    const hit = Uint8Array.from(inst.cover.coveredBefore)
    for (const j of chosen) for (let p = inst.cover.start[j]; p < inst.cover.start[j + 1]; p++) hit[inst.cover.idx[p]] = 1
    let s = 0
    for (let i = 0; i < hit.length; i++) if (hit[i]) s += inst.households[i]
    return s
  }
  const totalHouseholds = inst.households.reduce((s, h) => s + h, 0)
  const coveredBefore = households([])
  const coveredAfter = households(sites.map((s) => s.candidate))
  const site = (s: SiteChoice) => ({ lon: inst.candidates.lon[s.candidate], lat: inst.candidates.lat[s.candidate], candidate: s.candidate, gain: round(s.gain) })
  const answer: z.infer<typeof SolveResponse> = {
    model: b.model,
    distance: b.distance,
    area: { id: area.id, name: area.name, level: area.level },
    sites: sites.map(site),
    households: totalHouseholds,
    covered_before: coveredBefore,
    covered_after: coveredAfter,
    share_before: totalHouseholds > 0 ? round(coveredBefore / totalHouseholds) : 0,
    share_after: totalHouseholds > 0 ? round(coveredAfter / totalHouseholds) : 0,
    objective: round(objective),
    objective_before: round(objectiveBefore),
    counts: { demand, candidates: m, kept_stations: inst.keptStations, pairs: inst.pairs },
    ms: { load: Math.round(tLoad - t0), heuristic: Math.round(tHeur - tLoad), exact: exactResult ? Math.round(tEnd - tHeur) : null },
  }
  if (exactResult) {
    answer.exact = {
      status: exactResult.status,
      objective: exactResult.objective === null ? null : round(exactResult.objective),
      bound: exactResult.bound === null ? null : round(exactResult.bound),
      seconds: round(exactResult.seconds, 3),
      sites: exactResult.sites.map((j) => site({ candidate: j, gain: 0 })),
    }
    if (exactResult.objective !== null) {
      answer.exact_objective = round(exactResult.objective)
      const e = exactResult.objective
      // Relative shortfall of the heuristic: maximisation for mclp, minimisation otherwise.
      const gap = b.model === 'mclp' ? (e > 0 ? (e - objective) / e : 0) : e > 0 ? (objective - e) / e : objective > 0 ? 1 : 0
      answer.gap = round(Math.max(0, gap))
    }
  }
  return c.json(answer, 200)
})

/** The exact solve never fails the request: a solver error becomes status `error`. */
async function exactSafely(run: () => Promise<ExactResult>): Promise<ExactResult> {
  try {
    return await run()
  } catch (err) {
    return { status: 'error', objective: null, sites: [], bound: null, seconds: 0, rows: 0, nonzeros: 0, message: (err as Error).message }
  }
}
