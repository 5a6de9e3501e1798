import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql } from 'drizzle-orm'
import { INCIDENT_SOURCES, INCIDENT_STATUSES, type AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { GeometrySchema, jsonText } from '../lib/geojson.ts'
import { areaInScope } from '../areas/queries.ts'
import { BboxParam, errorResponses, forbidden, newRouter, notFound, type Env } from '../lib/router.ts'
import { checkIncidentTypes, TypeCodeList } from './types.ts'
import { decodeCursor, encodeCursor, incidentPage, incidentPointsBinary, type IncidentFilter } from './queries.ts'

/** A comma-separated list whose every item must be one of `allowed`. */
const listOf = (allowed: readonly string[], what: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const items = s.split(',').map((x) => x.trim()).filter(Boolean)
      const bad = items.filter((x) => !allowed.includes(x))
      if (bad.length) {
        ctx.addIssue({ code: 'custom', message: `unknown ${what}: ${bad.slice(0, 3).join(', ').slice(0, 80)}` })
        return z.NEVER
      }
      return items
    })
    .openapi({ type: 'string', description: `comma-separated ${what}s: ${allowed.join(', ')}` })

export const Instant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date or date-time')
  .openapi({ example: '2026-01-01T00:00:00Z' })

/** The incident filter's query fields (list, points, density: api/analytics/density.ts). */
export const FilterFields = z.object({
    bbox: BboxParam.optional(),
    type: TypeCodeList.optional(),
    status: listOf(INCIDENT_STATUSES, 'status').optional(),
    source: listOf(INCIDENT_SOURCES, 'source').optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    area: z.coerce.number().int().positive().max(2_147_483_647).optional(),
})
export const fromBeforeTo = (q: { from?: string; to?: string }) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to)
export const fromBeforeToError = { message: '`from` must be before `to`', path: ['from'] }
const FilterQuery = FilterFields.refine(fromBeforeTo, fromBeforeToError)
const ListQuery = FilterFields.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
}).refine(fromBeforeTo, fromBeforeToError)

export const IncidentProperties = z
  .object({
    id: z.number(),
    type: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    source: z.enum(INCIDENT_SOURCES),
    reported_at: z.string(),
    closed_at: z.string().nullable(),
    description: z.string(),
    micro_grid_id: z.number(),
    grid_id: z.number(),
    community_id: z.number(),
    street_id: z.number(),
  })
  .openapi('IncidentProperties')

export const IncidentPage = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), id: z.number(), geometry: GeometrySchema, properties: IncidentProperties })),
    next_cursor: z.string().nullable(),
  })
  .openapi('IncidentPage')

const listIncidents = createRoute({
  method: 'get',
  path: '/',
  tags: ['incidents'],
  summary: 'Incidents of the user’s scope, newest first, paginated with a cursor (each page read is audited; not for planners)',
  request: {
    query: ListQuery,
  },
  responses: {
    200: { description: 'A page of incidents', content: { 'application/json': { schema: IncidentPage } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const incidentPoints = createRoute({
  method: 'get',
  path: '/points',
  tags: ['incidents'],
  summary: 'All matching incident locations, packed binary for map layers',
  description: 'Body: Float32 lon[n], Float32 lat[n], Uint8 typeIndex[n] (little-endian; n = X-Count; typeIndex indexes /api/config incidentTypes).',
  request: { query: FilterQuery },
  responses: {
    200: { description: 'Packed points', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

/** Planners see aggregates (area detail, statistics), never individual incidents. */
export function requireCaseReader(c: Context<Env>) {
  if (c.get('user').role === 'planner') throw new ApiFailure(403, 'aggregates_only', 'planners see incident aggregates, not individual incidents')
}

/** The filter of a request: an `area` looked up through RLS (404 outside the scope), else the user's scope areas. */
export async function resolveFilter(c: Context<Env>, q: z.infer<typeof FilterFields>): Promise<IncidentFilter> {
  const f: IncidentFilter = { bbox: q.bbox, types: q.type, statuses: q.status, sources: q.source, from: q.from, to: q.to }
  if (q.type) await checkIncidentTypes(c.get('tx'), q.type)
  if (q.area !== undefined) {
    const { rows } = await c.get('tx').execute<{ level: AreaLevel }>(areaInScope(q.area))
    if (rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${q.area} does not exist`)
    f.area = { id: q.area, level: rows[0].level }
  } else if (c.get('user').role !== 'admin') {
    const { rows } = await c.get('tx').execute<{ level: AreaLevel; ids: number[] }>(
      sql`select level, array_agg(id) as ids from areas where id = any(${sql.param(c.get('user').areaIds)}::int[]) and in_scope(path) group by level`,
    )
    f.scope = Object.fromEntries(rows.map((r) => [r.level, r.ids]))
  }
  return f
}

export const incidentsRoutes = newRouter()
  .openapi(listIncidents, async (c) => {
    requireCaseReader(c)
    const q = c.req.valid('query')
    const after = q.cursor ? decodeCursor(q.cursor) : undefined
    if (after === null) throw new ApiFailure(400, 'invalid_request', 'cursor: not a cursor this API returned')
    const f = await resolveFilter(c, q)
    const tx = c.get('tx')
    // A page is at most a few hundred rows read newest first along an index. Under the row policy
    // the planner may pick a parallel backward scan with Gather Merge for multi-value filters
    // (type=a,b&status=c,d: ~290 ms at 1 M incidents against 0.9 ms serial); workers never pay off here.
    await tx.execute(sql`select set_config('max_parallel_workers_per_gather', '0', true)`)
    const { rows } = await tx.execute<{ fc: string; n: number; last_t: string; last_id: number; ids: number[] }>(incidentPage(f, q.limit, after))
    const r = rows[0]
    if (r.n > 0) await tx.auditRead('incidents', r.ids)
    const next = r.n === q.limit ? encodeCursor({ t: r.last_t, id: r.last_id }) : null
    // Append next_cursor inside the collection PostgreSQL serialised (its text ends with `}`).
    return jsonText<z.infer<typeof IncidentPage>>(c, `${r.fc.slice(0, -1)}, "next_cursor" : ${JSON.stringify(next)}}`)
  })
  .openapi(incidentPoints, async (c) => {
    requireCaseReader(c)
    const f = await resolveFilter(c, c.req.valid('query'))
    const { rows } = await c.get('tx').execute<{ n: number; xs: Buffer; ys: Buffer; ts: Buffer }>(incidentPointsBinary(f))
    const { n, xs, ys, ts } = rows[0]
    const out = Buffer.alloc(n * 9)
    xs.swap32().copy(out, 0)
    ys.swap32().copy(out, n * 4)
    for (let i = 0; i < n; i++) out[n * 8 + i] = ts[i * 2 + 1]
    return c.body(out, 200, { 'Content-Type': 'application/octet-stream', 'X-Count': String(n) }) as never
  })
