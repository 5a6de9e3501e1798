/**
 * Patrol task SQL (issue 5): reads as JSON text built in PostgreSQL, and the checks a task's
 * grid, members, micro-grids and checkpoints must pass. Everything runs in the request's
 * transaction, so row-level security (0021_patrols.sql) decides what exists for the caller.
 */
import { sql, type SQL } from 'drizzle-orm'
import { isoUtc } from '../incidents/queries.ts'
import { ApiFailure } from '../lib/errors.ts'
import type { RequestTx } from '../lib/scope.ts'
import type { CheckpointInput } from './schemas.ts'
import type { z } from '@hono/zod-openapi'

type Checkpoint = z.infer<typeof CheckpointInput>

/** SQL: the tasks matching `where` (over `patrol_tasks t`) as one JSON array text, by day, shift, id. */
export function tasksJsonSql(where: SQL): SQL {
  return sql`
    select coalesce(json_agg(json_build_object(
      'id', t.id, 'grid', t.grid_id, 'community', t.community_id, 'street', t.street_id,
      'day', to_char(t.day, 'YYYY-MM-DD'), 'shift', t.shift, 'status', t.status, 'lead', t.person_id,
      'window', json_build_object('start', ${isoUtc(sql`patrol_shift_start(t.day, t.shift)`)}, 'end', ${isoUtc(sql`patrol_shift_end(t.day, t.shift)`)}),
      'members', (select coalesce(json_agg(json_build_object('id', m.person_id, 'name', p.name, 'role', p.role)
                    order by m.person_id <> t.person_id, m.person_id), '[]'::json)
                  from patrol_task_members m left join people p on p.id = m.person_id where m.task_id = t.id),
      'micro_grids', to_json(t.micro_grid_ids),
      'checkpoints', (select coalesce(json_agg(json_build_object('seq', c.seq, 'kind', c.kind, 'reason', c.reason, 'ref_id', c.ref_id,
                        'lon', round(ST_X(c.geom)::numeric, 7), 'lat', round(ST_Y(c.geom)::numeric, 7)) order by c.seq), '[]'::json)
                      from patrol_checkpoints c where c.task_id = t.id),
      'notes', t.notes
    ) order by t.day, t.shift, t.id), '[]'::json)::text as tasks
    from patrol_tasks t
    where ${where}`
}

/** One task as JSON text, or null when it does not exist for the caller. */
export async function readTask(tx: RequestTx, id: number): Promise<string | null> {
  const { rows } = await tx.execute<{ tasks: string }>(tasksJsonSql(sql`t.id = ${id}`))
  const text = rows[0].tasks
  return text === '[]' ? null : text.slice(1, -1)
}

/** The grid a task is for: visible, in scope and of level grid (404 / 422 otherwise). */
export async function requireGrid(tx: RequestTx, grid: number): Promise<void> {
  const { rows } = await tx.execute<{ level: string }>(sql`select level from areas where id = ${grid} and in_scope(path)`)
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${grid} does not exist`)
  if (rows[0].level !== 'grid') throw new ApiFailure(422, 'not_a_grid', `area ${grid} is a ${rows[0].level}, not a grid`)
}

/**
 * Check a task's members, micro-grids and checkpoints against its grid in one statement: each
 * member must be a person attached to the grid or an area inside it, each micro-grid a child of
 * the grid, each checkpoint inside the grid's polygon. Answers 422 with the first problem.
 */
export async function checkTaskParts(
  tx: RequestTx,
  grid: number,
  parts: { members?: number[]; microGrids?: number[]; checkpoints?: Checkpoint[] },
): Promise<void> {
  const members = parts.members ?? []
  const microGrids = parts.microGrids ?? []
  const lons = (parts.checkpoints ?? []).map((c) => c.lon)
  const lats = (parts.checkpoints ?? []).map((c) => c.lat)
  const { rows } = await tx.execute<{ bad_members: number[]; bad_micro_grids: number[]; outside: number[] }>(sql`
    with g as (select geom from areas where id = ${grid})
    select
      array(select m from unnest(${sql.param(members)}::int[]) m
            where not exists (select 1 from person_areas pa join areas a on a.id = pa.area_id
                              where pa.person_id = m and a.path @> array[${grid}]::int[])) as bad_members,
      array(select x from unnest(${sql.param(microGrids)}::int[]) x
            where not exists (select 1 from areas a where a.id = x and a.parent_id = ${grid} and a.level = 'micro_grid')) as bad_micro_grids,
      array(select k - 1 from unnest(${sql.param(lons)}::float8[], ${sql.param(lats)}::float8[]) with ordinality as p(lon, lat, k), g
            where not ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) order by k) as outside`)
  const r = rows[0]
  if (r.bad_members.length) throw new ApiFailure(422, 'not_a_member', `person ${r.bad_members.join(', ')} is not a worker of grid ${grid}`)
  if (r.bad_micro_grids.length) throw new ApiFailure(422, 'not_in_grid', `micro-grid ${r.bad_micro_grids.join(', ')} is not a micro-grid of grid ${grid}`)
  if (r.outside.length) throw new ApiFailure(422, 'outside_grid', `checkpoint ${r.outside.join(', ')} (from 0) lies outside grid ${grid}`)
}

/** SQL statements: replace a task's members (street, community and grid copied from the task). */
export function writeMembersSql(task: number, members: number[]): SQL[] {
  return [sql`delete from patrol_task_members where task_id = ${task} and person_id <> all (${sql.param(members)}::int[])`, sql`
    insert into patrol_task_members (task_id, street_id, community_id, grid_id, person_id)
    select t.id, t.street_id, t.community_id, t.grid_id, m from patrol_tasks t, unnest(${sql.param(members)}::int[]) m
    where t.id = ${task}
    on conflict (task_id, person_id) do nothing`]
}

/** SQL statements: replace a task's checkpoints by `cps`, in order (seq from 0). */
export function writeCheckpointsSql(task: number, cps: Checkpoint[]): SQL[] {
  return [sql`delete from patrol_checkpoints where task_id = ${task}`, sql`
    insert into patrol_checkpoints (task_id, street_id, community_id, grid_id, seq, kind, reason, ref_id, geom)
    select t.id, t.street_id, t.community_id, t.grid_id, c.k - 1, c.kind, c.reason, c.ref_id, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)
    from patrol_tasks t,
      unnest(${sql.param(cps.map((c) => c.kind))}::text[], ${sql.param(cps.map((c) => c.reason))}::text[],
             ${sql.param(cps.map((c) => c.ref_id ?? null))}::bigint[], ${sql.param(cps.map((c) => c.lon))}::float8[],
             ${sql.param(cps.map((c) => c.lat))}::float8[]) with ordinality as c(kind, reason, ref_id, lon, lat, k)
    where t.id = ${task}`]
}
