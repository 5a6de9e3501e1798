/**
 * Patrol compliance and coverage (issue 5): per task, aggregated by member, grid, day or week, and
 * the share of micro-grids walked per area. Each request is one SQL statement over the functions
 * of 0021_patrols.sql (patrol_compliance, patrol_coverage); formulas in docs/patrols.md.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { featureCollection, jsonText } from '../lib/geojson.ts'
import { errorResponses, forbidden, IdParam, newRouter, notFound } from '../lib/router.ts'
import { trackReadSettings } from '../tracks/queries.ts'
import { Day, dayRange, Id, MAX_RANGE_DAYS, requireCaseReader } from './schemas.ts'

/** Defaults of a visit and of the time target (docs/patrols.md). */
export const VISIT_RADIUS_M = 30
export const VISIT_DWELL_S = 60
export const TARGET_DAY_MINUTES = 120
export const TARGET_EVENING_MINUTES = 60
/** Score weights: checkpoints visited, micro-grids entered, time on patrol against the target. */
export const SCORE_WEIGHTS = { checkpoints: 0.5, micro_grids: 0.3, time: 0.2 } as const

const Params = z.object({
  radius: z.coerce.number().min(5).max(500).default(VISIT_RADIUS_M).openapi({ description: 'metres around a checkpoint that count as being there' }),
  dwell: z.coerce.number().int().min(0).max(3600).default(VISIT_DWELL_S).openapi({ description: 'seconds a member must spend within the radius' }),
  target_day: z.coerce.number().int().min(1).max(600).default(TARGET_DAY_MINUTES).openapi({ description: 'minutes on patrol expected of a day shift' }),
  target_evening: z.coerce.number().int().min(1).max(300).default(TARGET_EVENING_MINUTES).openapi({ description: 'minutes on patrol expected of an evening shift' }),
})
type ParamsT = z.infer<typeof Params>

const ComplianceSchema = z
  .object({
    task: z.number(),
    grid: z.number(),
    day: z.string(),
    shift: z.string(),
    status: z.string(),
    window: z.object({ start: z.string(), end: z.string() }),
    members: z.array(z.number()),
    checkpoints_visited: z.number(),
    checkpoints_total: z.number(),
    micro_grids_entered: z.number(),
    micro_grids_total: z.number(),
    distance_m: z.number(),
    duration_s: z.number(),
    target_s: z.number(),
    score: z.number().openapi({ description: '0–100: 100 × (0.5 × checkpoint share + 0.3 × micro-grid share + 0.2 × min(1, duration / target))' }),
    score_parts: z.object({ checkpoints: z.number(), micro_grids: z.number(), time: z.number(), weights: z.record(z.string(), z.number()) }),
    rule: z.object({ radius_m: z.number(), dwell_s: z.number() }),
    checkpoints: z.array(z.object({ seq: z.number(), kind: z.string(), visited: z.boolean(), dwell_s: z.number(), arrived: z.string().nullable(), nearest_m: z.number().nullable() })),
    member_stats: z.array(z.object({ person: z.number(), fixes: z.number(), distance_m: z.number(), duration_s: z.number() })),
  })
  .openapi('PatrolCompliance')

const taskCompliance = createRoute({
  method: 'get',
  path: '/tasks/{id}/compliance',
  tags: ['patrols'],
  summary: 'Compliance of one task: checkpoints visited, micro-grids entered, distance, time on patrol, score',
  request: { params: IdParam, query: Params },
  responses: { 200: { description: 'Compliance', content: { 'application/json': { schema: ComplianceSchema } } }, ...forbidden, ...notFound, ...errorResponses },
})

const BY = ['member', 'grid', 'day', 'week'] as const

const AggregateQuery = Params.extend({
  area: Id.openapi({ description: 'an area of any level: the tasks of its grids' }),
  from: Day,
  to: Day,
  by: z.enum(BY).default('grid'),
})

const GroupSchema = z
  .object({
    key: z.union([z.number(), z.string()]).openapi({ description: 'people.id (member), areas.id (grid), YYYY-MM-DD (day; week: its Monday)' }),
    label: z.string().nullable(),
    tasks: z.number(),
    done: z.number(),
    missed: z.number(),
    open: z.number().openapi({ description: 'planned or in progress' }),
    checkpoints_visited: z.number(),
    checkpoints_total: z.number(),
    micro_grids_entered: z.number(),
    micro_grids_total: z.number(),
    distance_m: z.number(),
    duration_s: z.number(),
    score_mean: z.number().nullable(),
  })
  .openapi('PatrolComplianceGroup')

const aggregateCompliance = createRoute({
  method: 'get',
  path: '/compliance',
  tags: ['patrols'],
  summary: `Compliance of an area's tasks over a period (≤ ${MAX_RANGE_DAYS} days), by member, grid, day or week`,
  description: 'by=member: each member of a task gets its checkpoints and micro-grids, and their own distance and time; otherwise a task counts once (distance and time of its longest-walking member).',
  request: { query: AggregateQuery },
  responses: {
    200: {
      description: 'Groups',
      content: { 'application/json': { schema: z.object({ area: z.number(), from: z.string(), to: z.string(), by: z.enum(BY), groups: z.array(GroupSchema) }) } },
    },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const LEVELS = ['street', 'community', 'grid', 'micro_grid'] as const
const LEVEL_DEPTH: Record<string, number> = { district: 1, street: 2, community: 3, grid: 4, micro_grid: 5 }

const CoverageQuery = z.object({
  area: Id,
  from: Day,
  to: Day,
  level: z.enum(LEVELS).default('grid').openapi({ description: 'the areas to report, inside `area` (or `area` itself at its own level)' }),
})

const CoverageSchema = featureCollection('PatrolCoverage', z.object({ name: z.string(), level: z.string(), micro_grids: z.number(), visited: z.number(), share: z.number() }))

const coverage = createRoute({
  method: 'get',
  path: '/coverage',
  tags: ['patrols'],
  summary: 'Share of micro-grids with at least one track fix in the period, per area of a level (choropleth; planners too)',
  request: { query: CoverageQuery },
  responses: {
    200: {
      description: 'Areas with micro_grids, visited and share',
      content: {
        'application/json': { schema: CoverageSchema },
      },
    },
    ...notFound,
    ...errorResponses,
  },
})

/** SQL: patrol_compliance over the task ids `tasks` (an int[] expression) with the request's rule. */
const complianceOf = (tasks: SQL, p: ParamsT) =>
  sql`patrol_compliance(${tasks}, ${p.radius}::float8, ${p.dwell}::int, ${p.target_day * 60}::int, ${p.target_evening * 60}::int)`

/** SQL: one task's compliance as JSON text (no row when the task is not visible). */
export function taskComplianceSql(id: number, p: ParamsT): SQL {
  return sql`
    select json_build_object(
      'task', c.task_id, 'grid', c.grid_id, 'day', to_char(c.day, 'YYYY-MM-DD'), 'shift', c.shift, 'status', c.status,
      'window', json_build_object('start', to_char(patrol_shift_start(c.day, c.shift) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                  'end', to_char(patrol_shift_end(c.day, c.shift) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
      'members', c.members,
      'checkpoints_visited', c.checkpoints_visited, 'checkpoints_total', c.checkpoints_total,
      'micro_grids_entered', c.micro_grids_entered, 'micro_grids_total', c.micro_grids_total,
      'distance_m', c.distance_m, 'duration_s', c.duration_s, 'target_s', c.target_s, 'score', c.score,
      'score_parts', json_build_object('checkpoints', c.checkpoint_part, 'micro_grids', c.micro_grid_part, 'time', c.time_part,
                                       'weights', ${JSON.stringify(SCORE_WEIGHTS)}::json),
      'rule', json_build_object('radius_m', ${p.radius}::float8, 'dwell_s', ${p.dwell}::int),
      'checkpoints', c.checkpoints, 'member_stats', c.member_stats
    )::text as compliance
    from ${complianceOf(sql`array[${id}]::int[]`, p)} c`
}

/** The group key, label and per-row distance/time of an aggregate, by `by` (fixed SQL per choice). */
function grouping(by: (typeof BY)[number]) {
  switch (by) {
    case 'member':
      return {
        from: sql`cross join lateral jsonb_to_recordset(c.member_stats) as ms(person int, distance_m float8, duration_s float8)`,
        key: sql`ms.person`,
        label: sql`(select p.name from people p where p.id = g.key)`,
        distance: sql`ms.distance_m`,
        duration: sql`ms.duration_s`,
      }
    case 'grid':
      return { from: sql``, key: sql`c.grid_id`, label: sql`(select a.name from areas a where a.id = g.key)`, distance: sql`c.distance_m`, duration: sql`c.duration_s` }
    case 'day':
      return { from: sql``, key: sql`to_char(c.day, 'YYYY-MM-DD')`, label: sql`null::text`, distance: sql`c.distance_m`, duration: sql`c.duration_s` }
    case 'week':
      return { from: sql``, key: sql`to_char(date_trunc('week', c.day), 'YYYY-MM-DD')`, label: sql`null::text`, distance: sql`c.distance_m`, duration: sql`c.duration_s` }
  }
}

/** SQL: an area's tasks of [from, to] (their compliance) grouped by member, grid, day or week, as JSON text. */
export function aggregateComplianceSql(area: number, from: string, to: string, by: (typeof BY)[number], p: ParamsT): SQL {
  const g = grouping(by)
  const tasks = sql`array(select t.id from patrol_tasks t
    where t.grid_id in (select a.id from areas a where a.path @> array[${area}]::int[] and a.level = 'grid')
      and t.day between ${from}::date and ${to}::date)`
  return sql`
    with c as (select * from ${complianceOf(tasks, p)}),
    r as (
      select ${g.key} as key, c.status, c.checkpoints_visited, c.checkpoints_total, c.micro_grids_entered, c.micro_grids_total,
        ${g.distance} as distance_m, ${g.duration} as duration_s, c.score
      from c ${g.from}
    ),
    g as (
      select r.key, count(*)::int as tasks,
        (count(*) filter (where r.status = 'done'))::int as done, (count(*) filter (where r.status = 'missed'))::int as missed,
        (count(*) filter (where r.status in ('planned', 'in_progress')))::int as open,
        sum(r.checkpoints_visited)::int as checkpoints_visited, sum(r.checkpoints_total)::int as checkpoints_total,
        sum(r.micro_grids_entered)::int as micro_grids_entered, sum(r.micro_grids_total)::int as micro_grids_total,
        round(sum(r.distance_m)::numeric, 1)::float8 as distance_m, round(sum(r.duration_s))::int as duration_s,
        round(avg(r.score)::numeric, 1)::float8 as score_mean
      from r group by r.key
    )
    select coalesce(json_agg(json_build_object('key', g.key, 'label', ${g.label}, 'tasks', g.tasks, 'done', g.done, 'missed', g.missed, 'open', g.open,
      'checkpoints_visited', g.checkpoints_visited, 'checkpoints_total', g.checkpoints_total,
      'micro_grids_entered', g.micro_grids_entered, 'micro_grids_total', g.micro_grids_total,
      'distance_m', g.distance_m, 'duration_s', g.duration_s, 'score_mean', g.score_mean) order by g.key), '[]'::json)::text as groups
    from g`
}

/** SQL: coverage of an area's sub-areas as a FeatureCollection text (patrol_coverage of 0021). */
export function coverageSql(area: number, from: string, to: string, level: string): SQL {
  return sql`
    select json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
      'type', 'Feature', 'id', v.id, 'geometry', v.geom::json,
      'properties', json_build_object('name', v.name, 'level', v.level, 'micro_grids', v.micro_grids, 'visited', v.visited, 'share', v.share)
    ) order by v.id), '[]'::json))::text as fc
    from patrol_coverage(${area}, (${from}::date::timestamp at time zone 'Asia/Shanghai'),
                         ((${to}::date + 1)::timestamp at time zone 'Asia/Shanghai'), ${level}) v`
}

export const complianceRoutes = newRouter()
  .openapi(taskCompliance, async (c) => {
    requireCaseReader(c)
    const { id } = c.req.valid('param')
    const p = c.req.valid('query')
    const tx = c.get('tx')
    await tx.execute(trackReadSettings)
    const { rows } = await tx.execute<{ compliance: string }>(taskComplianceSql(id, p))
    if (rows.length === 0) throw new ApiFailure(404, 'not_found', `patrol task ${id} does not exist`)
    const members = (JSON.parse(rows[0].compliance) as { members: number[] }).members
    await tx.auditRead('track_points', members, { kind: 'patrol_compliance', task: id })
    return jsonText<z.infer<typeof ComplianceSchema>>(c, rows[0].compliance)
  })
  .openapi(aggregateCompliance, async (c) => {
    requireCaseReader(c)
    const q = c.req.valid('query')
    dayRange(q.from, q.to)
    const tx = c.get('tx')
    const { rows: area } = await tx.execute(sql`select 1 from areas where id = ${q.area} and in_scope(path)`)
    if (area.length === 0) throw new ApiFailure(404, 'not_found', `area ${q.area} does not exist`)
    await tx.execute(trackReadSettings)
    const { rows } = await tx.execute<{ groups: string }>(aggregateComplianceSql(q.area, q.from, q.to, q.by, q))
    return jsonText<{ area: number; from: string; to: string; by: (typeof BY)[number]; groups: z.infer<typeof GroupSchema>[] }>(
      c,
      `{"area":${q.area},"from":${JSON.stringify(q.from)},"to":${JSON.stringify(q.to)},"by":${JSON.stringify(q.by)},"groups":${rows[0].groups}}`,
    )
  })
  .openapi(coverage, async (c) => {
    const q = c.req.valid('query')
    dayRange(q.from, q.to)
    const tx = c.get('tx')
    const { rows: area } = await tx.execute<{ level: string }>(sql`select level from areas where id = ${q.area} and in_scope(path)`)
    if (area.length === 0) throw new ApiFailure(404, 'not_found', `area ${q.area} does not exist`)
    if (LEVEL_DEPTH[q.level] < LEVEL_DEPTH[area[0].level]) {
      throw new ApiFailure(400, 'invalid_request', `level: ${q.level} is above area ${q.area} (a ${area[0].level})`)
    }
    await tx.execute(trackReadSettings)
    const { rows } = await tx.execute<{ fc: string }>(coverageSql(q.area, q.from, q.to, q.level))
    return jsonText<z.infer<typeof CoverageSchema>>(c, rows[0].fc)
  })
