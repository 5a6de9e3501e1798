import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { requireRole } from '../auth/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'

/**
 * The incident-type catalogue (db/migrations/0014_incident_types_admin.sql): every signed-in user
 * reads it (through /api/config), admins add, rename, re-time and retire types here. Types are
 * never deleted: incidents keep referring to them.
 */

/** The binary incident points carry a one-byte type index; 255 means "unknown". */
export const MAX_INCIDENT_TYPES = 250

const CODE = /^[a-z][a-z0-9_]{1,39}$/
export const TypeCode = z.string().regex(CODE, 'a type code is 2–40 lowercase letters, digits or _, starting with a letter')

/** A comma-separated list of type codes; whether each exists is checked against the table (checkIncidentTypes). */
export const TypeCodeList = z
  .string()
  .max(2000)
  .transform((s, ctx) => {
    const items = [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))]
    const bad = items.filter((x) => !CODE.test(x))
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `unknown incident type: ${bad.slice(0, 3).join(', ').slice(0, 80)}` })
      return z.NEVER
    }
    return items
  })
  .openapi({ type: 'string', description: 'comma-separated incident type codes (GET /api/config lists them)' })

export const IncidentTypeInfo = z
  .object({
    code: z.string(),
    name_zh: z.string(),
    name_en: z.string(),
    deadline_hours: z.number(),
    active: z.boolean(),
  })
  .openapi('IncidentType')
export type IncidentTypeInfo = z.infer<typeof IncidentTypeInfo>

/** The whole catalogue in its fixed order (incident_type_codes()). */
export async function incidentTypeCatalog(tx: RequestTx): Promise<IncidentTypeInfo[]> {
  const { rows } = await tx.execute<IncidentTypeInfo>(
    sql`select code, name_zh, name_en, deadline_hours, active from incident_types order by position`,
  )
  return rows
}

/** 400 unless every code names a type (retired ones included: old incidents keep their type). */
export async function checkIncidentTypes(tx: RequestTx, codes: string[]): Promise<void> {
  if (codes.length === 0) return
  const { rows } = await tx.execute<{ code: string }>(sql`select code from incident_types where code = any(${sql.param(codes)}::text[])`)
  const unknown = codes.filter((t) => !rows.some((r) => r.code === t))
  if (unknown.length) throw new ApiFailure(400, 'invalid_request', `type: unknown incident type: ${unknown.slice(0, 3).join(', ').slice(0, 80)}`)
}

/** 400 unless `code` names a type that still takes new reports. */
export async function requireActiveType(tx: RequestTx, code: string): Promise<void> {
  const { rows } = await tx.execute<{ active: boolean }>(sql`select active from incident_types where code = ${code}`)
  if (rows.length === 0) throw new ApiFailure(400, 'invalid_request', `type: unknown incident type "${code.slice(0, 60)}"`)
  if (!rows[0].active) throw new ApiFailure(400, 'invalid_request', `type: incident type "${code}" is retired and takes no new reports`)
}

const Name = (max: number) => z.string().trim().min(1).max(max)
const Deadline = z.number().int().min(1).max(24 * 365).openapi({ description: 'hours from report to the deadline' })

const NewType = z
  .object({ code: TypeCode, name_zh: Name(40), name_en: Name(60), deadline_hours: Deadline })
  .openapi('NewIncidentType')

const TypeChanges = z
  .object({ name_zh: Name(40).optional(), name_en: Name(60).optional(), deadline_hours: Deadline.optional(), active: z.boolean().optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change')
  .openapi('IncidentTypeChanges')

const AdminIncidentType = IncidentTypeInfo.extend({ incidents: z.number().openapi({ description: 'incidents of this type (all areas)' }) }).openapi(
  'AdminIncidentType',
)

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } }) as const
const conflict = { 409: errorResponse('A type with this code or name exists, or the catalogue is full') } as const

const listTypes = createRoute({
  method: 'get',
  path: '/incident-types',
  tags: ['admin'],
  summary: 'The incident-type catalogue with incident counts (admins only)',
  middleware: [requireRole('admin')] as const,
  responses: { 200: json(z.array(AdminIncidentType), 'Types in their fixed order'), ...forbidden, ...errorResponses },
})

const createType = createRoute({
  method: 'post',
  path: '/incident-types',
  tags: ['admin'],
  summary: 'Add an incident type (admins only); it is appended to the order',
  middleware: [requireRole('admin')] as const,
  request: { body: { content: { 'application/json': { schema: NewType } }, required: true } },
  responses: { 201: json(AdminIncidentType, 'The new type'), ...conflict, ...forbidden, ...errorResponses },
})

const updateType = createRoute({
  method: 'patch',
  path: '/incident-types/{code}',
  tags: ['admin'],
  summary: 'Rename, re-time, retire or reinstate an incident type (admins only)',
  middleware: [requireRole('admin')] as const,
  request: {
    params: z.object({ code: TypeCode }),
    body: { content: { 'application/json': { schema: TypeChanges } }, required: true },
  },
  responses: { 200: json(AdminIncidentType, 'The changed type'), ...conflict, ...notFound, ...forbidden, ...errorResponses },
})

const adminSelect = (where: ReturnType<typeof sql>) => sql`
  select t.code, t.name_zh, t.name_en, t.deadline_hours, t.active, coalesce(n.n, 0) as incidents
  from incident_types t
  left join (select i.type, count(*)::int as n from incidents i group by i.type) n on n.type = t.code
  where ${where} order by t.position`

/** Names must stay unique per language, so a CSV column naming a type maps to exactly one. */
async function requireFreeNames(tx: RequestTx, names: { name_zh?: string; name_en?: string }, except: string | null) {
  const { rows } = await tx.execute<{ code: string }>(sql`
    select code from incident_types
    where code is distinct from ${except} and (name_zh = ${names.name_zh ?? null} or lower(name_en) = lower(${names.name_en ?? null}))`)
  if (rows.length) throw new ApiFailure(409, 'conflict', `type "${rows[0].code}" already has this name`)
}

export const incidentTypeAdminRoutes = newRouter()
  .openapi(listTypes, async (c) => {
    const { rows } = await c.get('tx').execute<z.infer<typeof AdminIncidentType>>(adminSelect(sql`true`))
    return c.json(rows, 200)
  })
  .openapi(createType, async (c) => {
    const b = c.req.valid('json')
    const tx = c.get('tx')
    // One writer at a time appends: positions stay dense and unique without a retry loop.
    await tx.execute(sql`lock table incident_types in share row exclusive mode`)
    const { rows: existing } = await tx.execute<{ n: number; taken: boolean }>(
      sql`select count(*)::int as n, bool_or(code = ${b.code}) as taken from incident_types`,
    )
    if (existing[0].taken) throw new ApiFailure(409, 'conflict', `incident type "${b.code}" exists`)
    if (existing[0].n >= MAX_INCIDENT_TYPES) throw new ApiFailure(409, 'conflict', `the catalogue holds at most ${MAX_INCIDENT_TYPES} types`)
    await requireFreeNames(tx, b, null)
    await tx.execute(sql`
      insert into incident_types (code, name_zh, name_en, deadline_hours, position)
      values (${b.code}, ${b.name_zh}, ${b.name_en}, ${b.deadline_hours}, (select coalesce(max(position), 0) + 1 from incident_types))`)
    const { rows } = await tx.execute<z.infer<typeof AdminIncidentType>>(adminSelect(sql`t.code = ${b.code}`))
    return c.json(rows[0], 201)
  })
  .openapi(updateType, async (c) => {
    const { code } = c.req.valid('param')
    const b = c.req.valid('json')
    const tx = c.get('tx')
    await requireFreeNames(tx, b, code)
    const set = [
      b.name_zh !== undefined && sql`name_zh = ${b.name_zh}`,
      b.name_en !== undefined && sql`name_en = ${b.name_en}`,
      b.deadline_hours !== undefined && sql`deadline_hours = ${b.deadline_hours}`,
      b.active !== undefined && sql`active = ${b.active}`,
    ].filter((x) => x !== false)
    const { rows: changed } = await tx.execute(sql`update incident_types set ${sql.join(set, sql`, `)} where code = ${code} returning code`)
    if (changed.length === 0) throw new ApiFailure(404, 'not_found', `incident type "${code}" does not exist`)
    const { rows } = await tx.execute<z.infer<typeof AdminIncidentType>>(adminSelect(sql`t.code = ${code}`))
    return c.json(rows[0], 200)
  })
