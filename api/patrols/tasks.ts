/** Patrol tasks (issue 5): list, read, create, change and delete; grid leaders plan, members read. */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { jsonText } from '../lib/geojson.ts'
import { errorResponse, errorResponses, forbidden, IdParam, newRouter, notFound } from '../lib/router.ts'
import { checkTaskParts, readTask, requireGrid, tasksJsonSql, writeCheckpointsSql, writeMembersSql } from './queries.ts'
import { Day, dayRange, Id, MAX_RANGE_DAYS, requireCaseReader, requirePatrolPlanner, STATUSES, TaskCreate, TaskPatch, TaskSchema, TRANSITIONS, type TaskStatus } from './schemas.ts'

const invalid = { 422: errorResponse('A member, micro-grid or checkpoint that does not fit the grid') } as const
const conflict = { 409: errorResponse('Not allowed in the task’s status') } as const

const ListQuery = z
  .object({
    area: Id.optional().openapi({ description: 'an area of any level: the tasks of its grids' }),
    grid: Id.optional().openapi({ description: 'alias of area for one grid' }),
    person: Id.optional().openapi({ description: 'only tasks this person is a member of' }),
    day: Day.optional(),
    from: Day.optional(),
    to: Day.optional(),
    status: z.enum(STATUSES).optional(),
  })
  .refine((q) => (q.day === undefined) !== (q.from === undefined && q.to === undefined), { message: 'give day, or from and to', path: ['day'] })
  .refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'give both from and to', path: ['from'] })
  .refine((q) => !(q.area !== undefined && q.grid !== undefined), { message: 'give area or grid, not both', path: ['grid'] })

const listTasks = createRoute({
  method: 'get',
  path: '/tasks',
  tags: ['patrols'],
  summary: `Patrol tasks of the caller's areas (or of one area) for a day or a period of ≤ ${MAX_RANGE_DAYS} days`,
  request: { query: ListQuery },
  responses: {
    200: { description: 'Tasks by day, shift, id', content: { 'application/json': { schema: z.object({ tasks: z.array(TaskSchema) }) } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const getTask = createRoute({
  method: 'get',
  path: '/tasks/{id}',
  tags: ['patrols'],
  summary: 'One patrol task with its members and checkpoints',
  request: { params: IdParam },
  responses: { 200: { description: 'The task', content: { 'application/json': { schema: TaskSchema } } }, ...forbidden, ...notFound, ...errorResponses },
})

const createTask = createRoute({
  method: 'post',
  path: '/tasks',
  tags: ['patrols'],
  summary: 'Plan a patrol task (status planned): grid, day, shift, members, checkpoints in walking order',
  description:
    'Members must be workers attached to the grid (or an area inside it), micro-grids children of the grid, checkpoints inside the grid polygon: otherwise 422 with the reason.',
  request: { body: { required: true, content: { 'application/json': { schema: TaskCreate } } } },
  responses: { 201: { description: 'The task', content: { 'application/json': { schema: TaskSchema } } }, ...invalid, ...forbidden, ...notFound, ...errorResponses },
})

const patchTask = createRoute({
  method: 'patch',
  path: '/tasks/{id}',
  tags: ['patrols'],
  summary: 'Change members, lead, micro-grids, checkpoints (planned tasks only), notes, or the status',
  description: 'Status: planned → in_progress | done | missed; in_progress → done | missed; done and missed are final (409 otherwise).',
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: TaskPatch } } } },
  responses: { 200: { description: 'The task', content: { 'application/json': { schema: TaskSchema } } }, ...conflict, ...invalid, ...forbidden, ...notFound, ...errorResponses },
})

const deleteTask = createRoute({
  method: 'delete',
  path: '/tasks/{id}',
  tags: ['patrols'],
  summary: 'Delete a planned task (409 once it started)',
  request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...conflict, ...forbidden, ...notFound, ...errorResponses },
})

/** The lead (given, or the first member) and the member list with the lead in it. */
function leadAndMembers(members: number[], lead?: number): { lead: number; members: number[] } {
  const unique = [...new Set(members)]
  const l = lead ?? unique[0]
  if (!unique.includes(l)) throw new ApiFailure(422, 'lead_not_member', `lead ${l} is not one of the members`)
  return { lead: l, members: unique }
}

export const taskRoutes = newRouter()
  .openapi(listTasks, async (c) => {
    requireCaseReader(c)
    const q = c.req.valid('query')
    const tx = c.get('tx')
    const area = q.area ?? q.grid
    if (area !== undefined) {
      const { rows } = await tx.execute(sql`select 1 from areas where id = ${area} and in_scope(path)`)
      if (rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${area} does not exist`)
    }
    const { from, to } = q.day ? { from: q.day, to: q.day } : dayRange(q.from!, q.to!)
    const where = sql.join(
      [
        sql`t.day between ${from}::date and ${to}::date`,
        area !== undefined ? sql`t.grid_id in (select a.id from areas a where a.path @> array[${area}]::int[] and a.level = 'grid')` : sql`true`,
        q.person !== undefined ? sql`exists (select 1 from patrol_task_members m where m.task_id = t.id and m.person_id = ${q.person})` : sql`true`,
        q.status !== undefined ? sql`t.status = ${q.status}` : sql`true`,
      ],
      sql` and `,
    )
    const { rows } = await tx.execute<{ tasks: string }>(tasksJsonSql(where))
    return jsonText<{ tasks: z.infer<typeof TaskSchema>[] }>(c, `{"tasks":${rows[0].tasks}}`)
  })
  .openapi(getTask, async (c) => {
    requireCaseReader(c)
    const { id } = c.req.valid('param')
    const task = await readTask(c.get('tx'), id)
    if (!task) throw new ApiFailure(404, 'not_found', `patrol task ${id} does not exist`)
    return jsonText<z.infer<typeof TaskSchema>>(c, task)
  })
  .openapi(createTask, async (c) => {
    requirePatrolPlanner(c)
    const body = c.req.valid('json')
    const tx = c.get('tx')
    await requireGrid(tx, body.grid)
    const { lead, members } = leadAndMembers(body.members, body.lead)
    const microGrids = [...new Set(body.micro_grids ?? [])]
    await checkTaskParts(tx, body.grid, { members, microGrids, checkpoints: body.checkpoints })
    // street_id and community_id are set from the grid by the patrol_tasks_areas trigger.
    const { rows } = await tx.execute<{ id: number }>(sql`
      insert into patrol_tasks (street_id, community_id, grid_id, person_id, day, shift, status, micro_grid_ids, notes)
      values (0, 0, ${body.grid}, ${lead}, ${body.day}::date, ${body.shift}, 'planned', ${sql.param(microGrids)}::int[], ${body.notes ?? ''})
      returning id`)
    const id = rows[0].id
    for (const q of [...writeMembersSql(id, members), ...writeCheckpointsSql(id, body.checkpoints)]) await tx.execute(q)
    await tx.execute(sql`set constraints patrol_tasks_lead_is_member immediate`)
    return jsonText<z.infer<typeof TaskSchema>, 201>(c, (await readTask(tx, id))!, 201)
  })
  .openapi(patchTask, async (c) => {
    requirePatrolPlanner(c)
    const { id } = c.req.valid('param')
    const patch = c.req.valid('json')
    const tx = c.get('tx')
    const { rows } = await tx.execute<{ grid_id: number; status: TaskStatus; person_id: number; members: number[] }>(sql`
      select t.grid_id, t.status, t.person_id, array(select m.person_id from patrol_task_members m where m.task_id = t.id order by 1) as members
      from patrol_tasks t where t.id = ${id} for update`)
    if (rows.length === 0) throw new ApiFailure(404, 'not_found', `patrol task ${id} does not exist`)
    const task = rows[0]
    const replan = patch.members !== undefined || patch.lead !== undefined || patch.micro_grids !== undefined || patch.checkpoints !== undefined
    if (replan && task.status !== 'planned') {
      throw new ApiFailure(409, 'not_editable', `task ${id} is ${task.status}: members, micro-grids and checkpoints change only while it is planned`)
    }
    if (patch.status !== undefined && patch.status !== task.status && !TRANSITIONS[task.status].includes(patch.status)) {
      const next = TRANSITIONS[task.status]
      throw new ApiFailure(409, 'illegal_transition', `a ${task.status} task cannot become ${patch.status}${next.length ? ` (allowed: ${next.join(', ')})` : ' (it is final)'}`)
    }
    const team = patch.members !== undefined || patch.lead !== undefined ? leadAndMembers(patch.members ?? task.members, patch.lead ?? (patch.members ? undefined : task.person_id)) : null
    const microGrids = patch.micro_grids ? [...new Set(patch.micro_grids)] : undefined
    await checkTaskParts(tx, task.grid_id, { members: team?.members, microGrids, checkpoints: patch.checkpoints })
    await tx.execute(sql`
      update patrol_tasks set
        person_id = ${team?.lead ?? task.person_id},
        micro_grid_ids = coalesce(${microGrids ? sql`${sql.param(microGrids)}::int[]` : sql`null`}, micro_grid_ids),
        notes = coalesce(${patch.notes ?? null}, notes),
        status = ${patch.status ?? task.status}
      where id = ${id}`)
    if (team) for (const q of writeMembersSql(id, team.members)) await tx.execute(q)
    if (patch.checkpoints) for (const q of writeCheckpointsSql(id, patch.checkpoints)) await tx.execute(q)
    await tx.execute(sql`set constraints patrol_tasks_lead_is_member immediate`)
    return jsonText<z.infer<typeof TaskSchema>>(c, (await readTask(tx, id))!)
  })
  .openapi(deleteTask, async (c) => {
    requirePatrolPlanner(c)
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    const { rows } = await tx.execute<{ status: TaskStatus }>(sql`select status from patrol_tasks where id = ${id} for update`)
    if (rows.length === 0) throw new ApiFailure(404, 'not_found', `patrol task ${id} does not exist`)
    if (rows[0].status !== 'planned') throw new ApiFailure(409, 'not_editable', `task ${id} is ${rows[0].status}: only planned tasks are deleted`)
    // The members' rows go with the task (on delete cascade); the lead key is checked at commit.
    await tx.execute(sql`delete from patrol_tasks where id = ${id}`)
    return c.body(null, 204)
  })
