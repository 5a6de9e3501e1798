/**
 * Workers of the grids (issue 7; docs/workers.md).
 *
 * GET /areas/:id/workers lists who covers an area: the people attached to it, to its ancestors and
 * to its descendants, as far as the caller's scope shows them (row-level security on people and
 * person_areas). PUT /areas/:id/workers assigns a grid's leader, members and micro-grid leaders
 * (admins, and commanders inside their street: policies of db/migrations/0028_workers.sql).
 * GET /people searches people by role and name for the pickers. No phone number is ever listed
 * here except by GET /people?phone=true, to the roles that may read people, and that read is audited.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { requireRole } from '../auth/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponses, forbidden, IdParam, newRouter, notFound } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'
import { areaInScope } from './queries.ts'

export const PERSON_ROLES = ['admin', 'commander', 'grid_leader', 'grid_member', 'micro_grid_leader', 'planner'] as const
type PersonRole = (typeof PERSON_ROLES)[number]

/** Order of the roles within one level of the list: who leads first. */
const ROLE_ORDER = ['commander', 'grid_leader', 'grid_member', 'micro_grid_leader', 'planner', 'admin'] as const

/** Roles whose accounts may read people's phone numbers (the readers of cases; planners do not). */
const PHONE_READERS = new Set(['admin', 'commander', 'grid_leader', 'grid_member'])

/** Most people GET /people answers with (a picker shows a page, the name filter narrows it). */
export const PEOPLE_LIMIT = 50

const LevelSchema = z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]])
const RoleSchema = z.enum(PERSON_ROLES)
const PersonId = z.number().int().positive().max(2_147_483_647)

export const CoveringWorker = z
  .object({
    id: z.number(),
    name: z.string(),
    role: RoleSchema,
    area: z.object({ id: z.number(), name: z.string(), level: LevelSchema }),
    relation: z.enum(['self', 'above', 'below']).openapi({ description: 'the area itself, one of its ancestors, or one of its descendants' }),
  })
  .openapi('CoveringWorker')
const CoveringWorkers = z
  .object({
    workers: z.array(CoveringWorker),
    below_counts: z.record(z.string(), z.number()).openapi({ description: 'links of people below the area, per role (also with below=count)' }),
  })
  .openapi('CoveringWorkers')

export const WorkersAssignment = z
  .object({
    leader: PersonId.nullable().optional().openapi({ description: 'the grid_leader person; replaces the grid’s current leader link; null removes it' }),
    members: z.array(PersonId).max(50).optional().openapi({ description: 'the grid_member people of the grid, all of them: links of others are removed' }),
    micro_grid_leaders: z
      .record(z.string().regex(/^[1-9]\d{0,9}$/, 'must be a micro-grid id'), PersonId.nullable())
      .optional()
      .openapi({ description: 'per micro-grid of this grid: its micro_grid_leader person (replaces the current one), or null to remove it' }),
  })
  .strict()
  .openapi('WorkersAssignment')
type Assignment = z.infer<typeof WorkersAssignment>

const PersonSchema = z
  .object({
    id: z.number(),
    name: z.string(),
    role: RoleSchema,
    phone: z.string().nullable().optional().openapi({ description: 'with phone=true, for admins, commanders, grid leaders and members' }),
    areas: z.array(z.object({ id: z.number(), name: z.string(), level: LevelSchema })),
  })
  .openapi('Person')

// ---------------------------------------------------------------------------------------------
// SQL

const levelRank = (col: SQL) => sql`array_position(array['district', 'street', 'community', 'grid', 'micro_grid']::text[], ${col})`
const roleRank = (col: SQL) => sql`array_position(${sql.raw(`array['${ROLE_ORDER.join("', '")}']::text[]`)}, ${col})`

/**
 * The people covering area `id`: attached to it (self), to an ancestor (above) or to a descendant
 * (below); by level from the top, then role, area code and name. `listBelow` false leaves the
 * descendants' people out of `workers` (a district has thousands); `below_counts` always counts
 * them per role. Run in the caller's scope: person_areas and people rows the caller may not read
 * are left out.
 */
export function coveringWorkersSql(id: number, listBelow: boolean): SQL {
  return sql`
    with t as (select id, path from areas where id = ${id}),
    w as (
      select pe.id, pe.name, pe.role, a.id as area_id, a.name as area_name, a.level, a.code,
        case when a.id = t.id then 'self' when a.id = any(t.path) then 'above' else 'below' end as relation
      from t, areas a
        join person_areas pa on pa.area_id = a.id
        join people pe on pe.id = pa.person_id
      where a.id = any(t.path) or a.path @> array[${id}]::integer[])
    select
      coalesce(json_agg(json_build_object(
        'id', w.id, 'name', w.name, 'role', w.role,
        'area', json_build_object('id', w.area_id, 'name', w.area_name, 'level', w.level),
        'relation', w.relation)
        order by ${levelRank(sql`w.level`)}, ${roleRank(sql`w.role`)}, w.code, w.name, w.id)
        filter (where ${listBelow}::boolean or w.relation <> 'below'), '[]'::json) as workers,
      (select coalesce(json_object_agg(x.role, x.n), '{}'::json)
        from (select w.role, count(*)::int as n from w where w.relation = 'below' group by w.role) x) as below_counts
    from w`
}

/** `%` and `_` of a user's search text taken literally in LIKE. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`

/** People of the caller's scope by role and name fragment, with the areas they are attached to. */
export function peopleSearchSql(f: { role?: PersonRole; q?: string }, withPhone: boolean): SQL {
  const where: SQL[] = [sql`true`]
  if (f.role) where.push(sql`pe.role = ${f.role}`)
  if (f.q) where.push(sql`pe.name ilike ${likePattern(f.q)}`)
  return sql`
    select pe.id, pe.name, pe.role, ${withPhone ? sql`pe.phone` : sql`null::text`} as phone,
      coalesce((select json_agg(json_build_object('id', a.id, 'name', a.name, 'level', a.level) order by ${levelRank(sql`a.level`)}, a.code)
        from person_areas pa join areas a on a.id = pa.area_id where pa.person_id = pe.id), '[]'::json) as areas
    from people pe
    where ${sql.join(where, sql` and `)}
    order by pe.name, pe.id
    limit ${PEOPLE_LIMIT}`
}

// ---------------------------------------------------------------------------------------------
// Service

/** The role a person must have for each kind of link. */
const NEEDED_ROLE = { leader: 'grid_leader', member: 'grid_member', micro_grid_leader: 'micro_grid_leader' } as const

/** The grid, when the caller may assign its workers: 404 outside the writable scope (like a missing id), 400 for another level. */
async function writableGrid(tx: RequestTx, id: number): Promise<{ id: number; name: string }> {
  const found = await tx.execute(areaInScope(id))
  const row =
    found.rows.length === 0
      ? undefined
      : (
          await tx.execute<{ id: number; name: string; level: AreaLevel; writable: boolean }>(sql`
            select id, name, level,
              current_setting('app.row_scope', true) = '*'
              or (current_setting('app.role', true) = 'commander' and not id = any(app_scope_ids())) as writable
            from areas where id = ${id}`)
        ).rows[0]
  if (!row || !row.writable) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
  if (row.level !== 'grid') throw new ApiFailure(400, 'not_a_grid', `area ${id} is a ${row.level}: workers are assigned on a grid (micro-grid leaders too)`)
  // Two assignments of one grid at once would each keep "their" leader: the second waits for the first.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('area_workers'), ${row.id})`)
  return row
}

/** Replace the links of `role` people to `area` by `keep` (people already checked to have that role). */
async function replaceLinks(tx: RequestTx, area: number, role: PersonRole, keep: number[]): Promise<void> {
  await tx.execute(sql`
    delete from person_areas pa using people pe
    where pa.area_id = ${area} and pe.id = pa.person_id and pe.role = ${role} and not pa.person_id = any(${sql.param(keep)}::integer[])`)
  if (keep.length === 0) return
  await tx.execute(sql`
    insert into person_areas (person_id, area_id)
    select p, ${area} from unnest(${sql.param(keep)}::integer[]) p
    where not exists (select 1 from person_areas x where x.person_id = p and x.area_id = ${area})`)
}

/**
 * Assign the workers of grid `gridId`: each given part replaces what the grid (or the named
 * micro-grid) had. Everything is checked before anything is written; a 4xx leaves no change.
 */
export async function assignWorkers(tx: RequestTx, gridId: number, a: Assignment): Promise<void> {
  const grid = await writableGrid(tx, gridId)
  const members = a.members === undefined ? undefined : [...new Set(a.members)]
  const micro = Object.entries(a.micro_grid_leaders ?? {}).map(([k, v]) => ({ area: Number(k), person: v }))

  const wanted = new Map<number, PersonRole>()
  const want = (person: number, role: PersonRole) => {
    const before = wanted.get(person)
    if (before && before !== role) throw new ApiFailure(400, 'wrong_role', `person ${person} cannot be both a ${before} and a ${role}`)
    wanted.set(person, role)
  }
  if (a.leader != null) want(a.leader, NEEDED_ROLE.leader)
  for (const m of members ?? []) want(m, NEEDED_ROLE.member)
  for (const m of micro) if (m.person !== null) want(m.person, NEEDED_ROLE.micro_grid_leader)

  if (micro.length > 0) {
    const ids = micro.map((m) => m.area)
    const { rows } = await tx.execute<{ id: number }>(sql`
      select id from areas where id = any(${sql.param(ids)}::integer[]) and parent_id = ${grid.id} and level = 'micro_grid'`)
    const ours = new Set(rows.map((r) => r.id))
    const stray = ids.filter((id) => !ours.has(id))
    if (stray.length > 0) throw new ApiFailure(400, 'not_a_micro_grid', `area ${stray.join(', ')} is not a micro-grid of grid ${grid.id} (${grid.name})`)
  }

  if (wanted.size > 0) {
    // People the caller may not read answer like missing ones.
    const { rows } = await tx.execute<{ id: number; name: string; role: PersonRole }>(sql`
      select id, name, role from people where id = any(${sql.param([...wanted.keys()])}::integer[])`)
    const found = new Map(rows.map((r) => [r.id, r]))
    const missing = [...wanted.keys()].filter((id) => !found.has(id))
    if (missing.length > 0) throw new ApiFailure(404, 'person_not_found', `person ${missing.join(', ')} does not exist`)
    const wrong = [...wanted].filter(([id, role]) => found.get(id)!.role !== role)
    if (wrong.length > 0) {
      const reasons = wrong.map(([id, role]) => `person ${id} (${found.get(id)!.name}) is a ${found.get(id)!.role}, not a ${role}`)
      throw new ApiFailure(400, 'wrong_role', reasons.join('; '))
    }
  }

  if (a.leader !== undefined) await replaceLinks(tx, grid.id, 'grid_leader', a.leader === null ? [] : [a.leader])
  if (members !== undefined) await replaceLinks(tx, grid.id, 'grid_member', members)
  for (const m of micro) await replaceLinks(tx, m.area, 'micro_grid_leader', m.person === null ? [] : [m.person])
}

async function coveringWorkers(tx: RequestTx, id: number, listBelow = true): Promise<z.infer<typeof CoveringWorkers>> {
  return (await tx.execute<z.infer<typeof CoveringWorkers>>(coveringWorkersSql(id, listBelow))).rows[0]
}

// ---------------------------------------------------------------------------------------------
// Routes

const listRoute = createRoute({
  method: 'get',
  path: '/areas/{id}/workers',
  tags: ['areas'],
  summary: 'Who covers an area: people attached to it, its ancestors and its descendants, within the caller’s scope',
  request: {
    params: IdParam,
    query: z.object({
      below: z.enum(['list', 'count']).default('list').openapi({ description: '`count`: the people below the area only as below_counts (for streets and the district)' }),
    }),
  },
  responses: {
    200: { description: 'The people, by level from the top, then role', content: { 'application/json': { schema: CoveringWorkers } } },
    ...notFound,
    ...errorResponses,
  },
})

const assignRoute = createRoute({
  method: 'put',
  path: '/areas/{id}/workers',
  tags: ['areas'],
  summary: 'Assign a grid’s leader, members and micro-grid leaders (admins; commanders inside their street)',
  description:
    'Each part given replaces what the grid (or micro-grid) had; parts left out are unchanged. A person must have the matching role ' +
    '(400 wrong_role); areas and people outside the caller’s scope answer 404. Answers the grid’s workers as GET does.',
  middleware: [requireRole('admin', 'commander')] as const,
  request: {
    params: IdParam,
    body: { required: true, content: { 'application/json': { schema: WorkersAssignment } } },
  },
  responses: {
    200: { description: 'The grid’s workers after the change', content: { 'application/json': { schema: CoveringWorkers } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const peopleRoute = createRoute({
  method: 'get',
  path: '/people',
  tags: ['people'],
  summary: 'People of the caller’s scope by role and name (for the pickers)',
  description: `At most ${PEOPLE_LIMIT}, by name. Phone numbers only when asked (phone=true), and only to admins, commanders, grid leaders and members; such reads are audited.`,
  request: {
    query: z.object({
      role: RoleSchema.optional(),
      q: z.string().trim().min(1).max(50).optional().openapi({ description: 'part of the name' }),
      phone: z.enum(['true', 'false']).optional().openapi({ description: '`true`: include phone numbers (roles that may read them; audited)' }),
    }),
  },
  responses: {
    200: { description: 'The people', content: { 'application/json': { schema: z.object({ people: z.array(PersonSchema) }) } } },
    ...errorResponses,
  },
})

export const workersRoutes = newRouter()
  .openapi(listRoute, async (c) => {
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    // Out of scope answers like a missing area.
    if ((await tx.execute(areaInScope(id))).rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${id} does not exist`)
    return c.json(await coveringWorkers(tx, id, c.req.valid('query').below === 'list'), 200)
  })
  .openapi(assignRoute, async (c) => {
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    await assignWorkers(tx, id, c.req.valid('json'))
    return c.json(await coveringWorkers(tx, id), 200)
  })
  .openapi(peopleRoute, async (c) => {
    const q = c.req.valid('query')
    const tx = c.get('tx')
    // Pickers need no phone numbers: they are read only on request, so each such read is a deliberate, audited one.
    const withPhone = q.phone === 'true' && PHONE_READERS.has(c.get('user').role)
    const { rows } = await tx.execute<z.infer<typeof PersonSchema>>(peopleSearchSql({ role: q.role, q: q.q }, withPhone))
    if (withPhone && rows.length > 0) await tx.auditRead('people', rows.map((r) => r.id), { phone: true })
    const people = rows.map(({ phone, ...rest }) => (withPhone ? { ...rest, phone } : rest))
    return c.json({ people }, 200)
  })
