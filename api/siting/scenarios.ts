/**
 * Saved siting scenarios (issue 6): a solved request and its result, kept on the server so a planner
 * finds them in any browser and colleagues with the same area in scope can compare them.
 *
 *   GET    /siting/scenarios?area=   the scenarios in scope (of the area and inside it), newest first, as summaries
 *   GET    /siting/scenarios/:id     one with its full request and result
 *   POST   /siting/scenarios         { name, request, result } → 201
 *   DELETE /siting/scenarios/:id     its creator or an admin → 204
 *
 * Row-level security (db/migrations/0027_siting_scenarios.sql) decides what is visible and who may
 * write; the API adds the shapes, the roles (403 for grid leaders and members, as for solving),
 * a size limit, and tells "not yours" (403) from "not there" (404) on delete.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound, type Env } from '../lib/router.ts'
import { requirePlanningRole, resolveStudyArea } from './queries.ts'
import { SolveRequest, SolveResponse } from './routes.ts'

/** Largest scenario body, bytes: a 5,000-candidate request with its answer fits with room to spare. */
export const MAX_SCENARIO_BYTES = 2 * 1024 * 1024
/** Most scenarios one list answers (newest first). */
const LIST_LIMIT = 200

const Id = z.coerce.number().int().positive().max(2_147_483_647)

const Creator = z.object({ id: z.number(), username: z.string() })

const ScenarioSummary = z
  .object({
    id: z.number(),
    name: z.string(),
    created_by: Creator,
    created_at: z.string(),
    area: z.object({ id: z.number(), name: z.string() }),
    model: z.enum(['mclp', 'lscp', 'pmedian']),
    stationType: z.string(),
    radius: z.number(),
    distance: z.enum(['straight', 'road']).openapi({ description: 'the distance the scenario was solved with' }),
    k: z.number().nullable(),
    target: z.number().nullable(),
    sites: z.number().openapi({ description: 'number of new sites' }),
    covered_before: z.number().openapi({ description: 'households within reach of a kept station' }),
    covered_after: z.number().openapi({ description: 'households within reach of a kept station or a new site' }),
    share_before: z.number(),
    share_after: z.number(),
    objective: z.number(),
    objective_before: z.number(),
  })
  .openapi('SitingScenarioSummary')

const Scenario = ScenarioSummary.extend({ request: SolveRequest, result: SolveResponse }).openapi('SitingScenario')

const NewScenario = z
  .object({
    name: z.string().trim().min(1).max(200),
    request: SolveRequest,
    result: SolveResponse,
  })
  .strict()
  .openapi('NewSitingScenario')

const summaryColumns = sql`s.id, s.name, s.created_by, s.created_by_name, s.created_at, s.area_id, a.name as area_name,
  s.request->>'model' as model, s.request->>'stationType' as station_type, (s.request->>'radius')::float8 as radius,
  coalesce(s.result->>'distance', 'straight') as distance,
  (s.request->>'k')::float8 as k, (s.request->>'target')::float8 as target,
  jsonb_array_length(s.result->'sites') as sites, (s.result->>'covered_before')::float8 as covered_before,
  (s.result->>'covered_after')::float8 as covered_after, (s.result->>'share_before')::float8 as share_before,
  (s.result->>'share_after')::float8 as share_after, (s.result->>'objective')::float8 as objective,
  (s.result->>'objective_before')::float8 as objective_before`

interface SummaryRow extends Record<string, unknown> {
  id: number
  name: string
  created_by: number
  created_by_name: string
  created_at: Date | string
  area_id: number
  area_name: string
  model: 'mclp' | 'lscp' | 'pmedian'
  station_type: string
  radius: number
  distance: 'straight' | 'road'
  k: number | null
  target: number | null
  sites: number
  covered_before: number
  covered_after: number
  share_before: number
  share_after: number
  objective: number
  objective_before: number
}

const summaryOf = (r: SummaryRow): z.infer<typeof ScenarioSummary> => ({
  id: r.id,
  name: r.name,
  created_by: { id: r.created_by, username: r.created_by_name },
  created_at: new Date(r.created_at).toISOString(),
  area: { id: r.area_id, name: r.area_name },
  model: r.model,
  stationType: r.station_type,
  radius: r.radius,
  distance: r.distance,
  k: r.k,
  target: r.target,
  sites: r.sites,
  covered_before: r.covered_before,
  covered_after: r.covered_after,
  share_before: r.share_before,
  share_after: r.share_after,
  objective: r.objective,
  objective_before: r.objective_before,
})

const list = createRoute({
  method: 'get',
  path: '/scenarios',
  tags: ['siting'],
  summary: 'Saved siting scenarios in your scope, newest first (planners, commanders, admins)',
  request: { query: z.object({ area: Id.optional().openapi({ description: 'only scenarios of this area and the areas inside it' }) }) },
  responses: {
    200: { description: 'Summaries (no full result)', content: { 'application/json': { schema: z.object({ scenarios: z.array(ScenarioSummary) }) } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const one = createRoute({
  method: 'get',
  path: '/scenarios/{id}',
  tags: ['siting'],
  summary: 'One saved siting scenario with its request and result',
  request: { params: z.object({ id: Id }) },
  responses: {
    200: { description: 'The scenario', content: { 'application/json': { schema: Scenario } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

/** 413 before the body is parsed: the app's 10 MB limit is far more than a scenario needs. */
const scenarioBodyLimit: MiddlewareHandler<Env> = bodyLimit({
  maxSize: MAX_SCENARIO_BYTES,
  onError: () => {
    throw new ApiFailure(413, 'payload_too_large', `a scenario is at most ${MAX_SCENARIO_BYTES} bytes`)
  },
})

const create = createRoute({
  method: 'post',
  path: '/scenarios',
  tags: ['siting'],
  summary: 'Save a solved siting scenario (its request and the answer of POST /siting/solve)',
  middleware: [scenarioBodyLimit] as const,
  request: { body: { content: { 'application/json': { schema: NewScenario } }, required: true } },
  responses: {
    201: { description: 'Saved', content: { 'application/json': { schema: ScenarioSummary } } },
    ...forbidden,
    ...notFound,
    413: errorResponse('Scenario too large'),
    ...errorResponses,
  },
})

const remove = createRoute({
  method: 'delete',
  path: '/scenarios/{id}',
  tags: ['siting'],
  summary: 'Delete a saved siting scenario (its creator or an admin)',
  request: { params: z.object({ id: Id }) },
  responses: {
    204: { description: 'Deleted' },
    403: errorResponse('Not the creator (and not an admin), or a role that does not site stations'),
    ...notFound,
    ...errorResponses,
  },
})

const missing = (id: number) => new ApiFailure(404, 'not_found', `scenario ${id} does not exist`)

export const sitingScenarioRoutes = newRouter()
  .openapi(list, async (c) => {
    requirePlanningRole(c, 'siting')
    const { area } = c.req.valid('query')
    // An area outside the scope answers 404 like a missing one (resolveStudyArea).
    if (area !== undefined) await resolveStudyArea(c, area, '')
    const { rows } = await c.get('tx').execute<SummaryRow>(sql`select ${summaryColumns}
      from siting_scenarios s join areas a on a.id = s.area_id
      ${area !== undefined ? sql`where a.path @> array[${area}::int]` : sql``}
      order by s.created_at desc, s.id desc limit ${LIST_LIMIT}`)
    return c.json({ scenarios: rows.map(summaryOf) }, 200)
  })
  .openapi(one, async (c) => {
    requirePlanningRole(c, 'siting')
    const { id } = c.req.valid('param')
    const { rows } = await c.get('tx').execute<SummaryRow & { request: unknown; result: unknown }>(sql`select ${summaryColumns}, s.request, s.result
      from siting_scenarios s join areas a on a.id = s.area_id where s.id = ${id}`)
    if (rows.length === 0) throw missing(id)
    const r = rows[0]
    return c.json({ ...summaryOf(r), request: r.request as z.infer<typeof SolveRequest>, result: r.result as z.infer<typeof SolveResponse> }, 200)
  })
  .openapi(create, async (c) => {
    requirePlanningRole(c, 'siting')
    const user = c.get('user')
    const b = c.req.valid('json')
    if (b.request.model !== b.result.model) throw new ApiFailure(400, 'invalid_request', `result.model: ${b.result.model} does not answer a ${b.request.model} request`)
    if (b.request.area !== undefined && b.request.area !== b.result.area.id) {
      throw new ApiFailure(400, 'invalid_request', `result.area.id: ${b.result.area.id} is not the request's area ${b.request.area}`)
    }
    // The scenario belongs to the area it was solved for, which must be in scope (404 otherwise).
    const area = await resolveStudyArea(c, b.result.area.id, '')
    const { rows } = await c.get('tx').execute<SummaryRow>(sql`with s as (
        insert into siting_scenarios (name, created_by, created_by_name, area_id, request, result)
        values (${b.name}, ${user.id}, ${user.username}, ${area.id}, ${JSON.stringify(b.request)}::jsonb, ${JSON.stringify(b.result)}::jsonb)
        returning *
      )
      select ${summaryColumns} from s join areas a on a.id = s.area_id`)
    return c.json(summaryOf(rows[0]), 201)
  })
  .openapi(remove, async (c) => {
    requirePlanningRole(c, 'siting')
    const user = c.get('user')
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    const { rows } = await tx.execute<{ created_by: number }>(sql`select created_by from siting_scenarios where id = ${id}`)
    if (rows.length === 0) throw missing(id)
    if (rows[0].created_by !== user.id && user.role !== 'admin') throw new ApiFailure(403, 'not_creator', `scenario ${id} was saved by another account; only its creator or an admin deletes it`)
    const del = await tx.execute(sql`delete from siting_scenarios where id = ${id}`)
    if (del.rowCount === 0) throw missing(id)
    return c.body(null, 204)
  })
