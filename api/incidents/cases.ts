import { createRoute, z } from '@hono/zod-openapi'
import { INCIDENT_SOURCES, INCIDENT_STATUSES } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { GeometrySchema, jsonText } from '../lib/geojson.ts'
import { readUploadedText } from '../lib/import.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import { IMPORT_FIELDS, importIncidents } from './import.ts'
import { Instant, requireCaseReader } from './routes.ts'
import { createIncident, FUTURE_SKEW_MS, loadIncident, PHONE_RE, transitionIncident, updateIncident } from './service.ts'
import { PARTNER_UNITS } from './workflow.ts'

// One incident at a time: detail, report, edit/move, workflow, CSV import (lists are in routes.ts).

const Lon = z.number().min(-180).max(180)
const Lat = z.number().min(-90).max(90)
const notNullIsland = (b: { lon?: number; lat?: number }) => !(b.lon === 0 && b.lat === 0)
const Text = (max: number) => z.string().max(max)
const ReporterPhone = z.string().regex(PHONE_RE, 'must be a phone number').nullable().optional()

const NewIncidentBody = z
  .object({
    type: z.string().min(1).max(64),
    lon: Lon,
    lat: Lat,
    description: Text(2000).default(''),
    source: z.enum(INCIDENT_SOURCES).default('walk_in'),
    reported_at: Instant.optional().refine((s) => !s || Date.parse(s) <= Date.now() + FUTURE_SKEW_MS, 'must not be in the future'),
    reporter_name: Text(100).nullable().optional(),
    reporter_phone: ReporterPhone,
  })
  .refine(notNullIsland, { message: '(0, 0) is not a location', path: ['lon'] })
  .openapi('NewIncident')

const IncidentChangesBody = z
  .object({
    type: z.string().min(1).max(64).optional(),
    description: Text(2000).optional(),
    lon: Lon.optional(),
    lat: Lat.optional(),
    reporter_name: Text(100).nullable().optional(),
    reporter_phone: ReporterPhone,
  })
  .refine((b) => (b.lon === undefined) === (b.lat === undefined), { message: 'give lon and lat together', path: ['lon'] })
  .refine(notNullIsland, { message: '(0, 0) is not a location', path: ['lon'] })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change')
  .openapi('IncidentChanges')

const TransitionBody = z
  .object({
    to: z.enum(INCIDENT_STATUSES),
    comment: Text(2000).default(''),
    assignee_id: z.number().int().positive().max(2_147_483_647).optional(),
    partner_unit: z.enum(PARTNER_UNITS).optional(),
  })
  .openapi('IncidentTransition')

export const IncidentDetail = z
  .object({
    id: z.number(),
    type: z.string(),
    status: z.enum(INCIDENT_STATUSES),
    source: z.enum(INCIDENT_SOURCES),
    description: z.string(),
    reporter_name: z.string().nullable(),
    reporter_phone: z.string().nullable(),
    reported_at: z.string(),
    closed_at: z.string().nullable(),
    updated_at: z.string().nullable(),
    deadline_at: z.string(),
    overdue: z.boolean(),
    assignee: z.object({ id: z.number(), name: z.string() }).nullable(),
    partner_unit: z.enum(PARTNER_UNITS).nullable(),
    micro_grid_id: z.number(),
    grid_id: z.number(),
    community_id: z.number(),
    street_id: z.number(),
    geometry: GeometrySchema,
    history: z.array(
      z.object({
        at: z.string(),
        username: z.string().nullable(),
        from: z.string().nullable(),
        to: z.string(),
        comment: z.string(),
        detail: z
          .object({
            source: z.string().optional(),
            edited: z.array(z.string()).optional(),
            assignee_id: z.number().nullable().optional(),
            partner_unit: z.string().nullable().optional(),
          })
          .nullable(),
      }),
    ),
  })
  .openapi('IncidentDetail')

const IncidentIdParam = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
})

const conflict = { 409: errorResponse('Not allowed in the incident’s current status') } as const
const unprocessable = { 422: errorResponse('Outside the district') } as const

const getIncident = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['incidents'],
  summary: 'One incident with its deadline, assignee and history (audited; not for planners)',
  request: { params: IncidentIdParam },
  responses: { 200: { description: 'The incident', content: { 'application/json': { schema: IncidentDetail } } }, ...forbidden, ...notFound, ...errorResponses },
})

const postIncident = createRoute({
  method: 'post',
  path: '/',
  tags: ['incidents'],
  summary: 'Report an incident at a point; its micro-grid, grid, community and street come from the location',
  request: { body: { required: true, content: { 'application/json': { schema: NewIncidentBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: IncidentDetail } } }, ...forbidden, ...unprocessable, ...errorResponses },
})

const patchIncident = createRoute({
  method: 'patch',
  path: '/{id}',
  tags: ['incidents'],
  summary: 'Edit or move an open incident (a move re-assigns its areas)',
  request: { params: IncidentIdParam, body: { required: true, content: { 'application/json': { schema: IncidentChangesBody } } } },
  responses: { 200: { description: 'Updated', content: { 'application/json': { schema: IncidentDetail } } }, ...forbidden, ...notFound, ...conflict, ...unprocessable, ...errorResponses },
})

const postTransition = createRoute({
  method: 'post',
  path: '/{id}/transitions',
  tags: ['incidents'],
  summary: 'Move an incident along the workflow (reported → accepted → dispatched → handled → verified → closed; returned)',
  request: { params: IncidentIdParam, body: { required: true, content: { 'application/json': { schema: TransitionBody } } } },
  responses: { 200: { description: 'Moved', content: { 'application/json': { schema: IncidentDetail } } }, ...forbidden, ...notFound, ...conflict, ...errorResponses },
})

const ImportForm = z
  .object({
    file: z.any().openapi({ type: 'string', format: 'binary', description: 'CSV with a header row (UTF-8)' }),
    mapping: z.string().optional().openapi({ description: `JSON object from field (${IMPORT_FIELDS.join(', ')}) to column name; by default columns are found by name (lon/经度, lat/纬度, type/类型, …)` }),
    crs: z.enum(['wgs84', 'gcj02']).optional().openapi({ description: 'coordinates of the file; gcj02 (Amap, Tencent) is converted to WGS84' }),
    dry_run: z.enum(['true', 'false']).optional().openapi({ description: 'true: check and preview only, write nothing' }),
    all_or_nothing: z.enum(['true', 'false']).optional().openapi({ description: 'true: import nothing when any row is rejected' }),
  })
  .openapi('IncidentImportForm')

const ImportResultSchema = z
  .object({
    imported: z.number(),
    rejected: z.array(z.object({ row: z.number(), reason: z.string() })),
    preview: z.array(z.object({ row: z.number(), type: z.string(), lon: z.number(), lat: z.number(), reported_at: z.string(), micro_grid_id: z.number() })).optional(),
    would_import: z.number().optional().openapi({ description: 'dry run (or a refused all-or-nothing import): rows that passed every check' }),
    ids: z.array(z.number()).optional(),
  })
  .openapi('IncidentImportResult')

const MappingSchema = z.partialRecord(z.enum(IMPORT_FIELDS), z.string().min(1).max(100))

const importRoute = createRoute({
  method: 'post',
  path: '/import',
  tags: ['incidents'],
  summary: 'Import incidents from CSV (multipart): rows located in PostGIS, rejected rows reported with their reason, accepted rows written together',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: ImportForm } } } },
  responses: { 200: { description: 'Result', content: { 'application/json': { schema: ImportResultSchema } } }, ...forbidden, ...errorResponses },
})


export const incidentCasesRoutes = newRouter()
  .openapi(getIncident, async (c) => {
    requireCaseReader(c)
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    const detail = await loadIncident(tx, id)
    await tx.auditRead('incidents', [id], { kind: 'detail' })
    return jsonText<z.infer<typeof IncidentDetail>>(c, detail)
  })
  .openapi(postIncident, async (c) => {
    requireCaseReader(c)
    const tx = c.get('tx')
    const id = await createIncident(tx, c.get('user'), c.req.valid('json'))
    return jsonText<z.infer<typeof IncidentDetail>, 201>(c, await loadIncident(tx, id), 201)
  })
  .openapi(patchIncident, async (c) => {
    requireCaseReader(c)
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    await updateIncident(tx, c.get('user'), id, c.req.valid('json'))
    return jsonText<z.infer<typeof IncidentDetail>>(c, await loadIncident(tx, id))
  })
  .openapi(postTransition, async (c) => {
    requireCaseReader(c)
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    await transitionIncident(tx, c.get('user'), id, c.req.valid('json'))
    return jsonText<z.infer<typeof IncidentDetail>>(c, await loadIncident(tx, id))
  })
  .openapi(importRoute, async (c) => {
    requireCaseReader(c)
    const form = c.req.valid('form')
    let mapping: z.infer<typeof MappingSchema> | undefined
    if (form.mapping) {
      let raw: unknown
      try {
        raw = JSON.parse(form.mapping)
      } catch {
        throw new ApiFailure(400, 'invalid_request', 'mapping: not JSON')
      }
      const parsed = MappingSchema.safeParse(raw)
      if (!parsed.success) throw new ApiFailure(400, 'invalid_request', `mapping: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
      mapping = parsed.data
    }
    const text = await readUploadedText(form.file)
    const result = await importIncidents(c.get('tx'), c.get('user'), text, {
      mapping,
      crs: form.crs ?? 'wgs84',
      dryRun: form.dry_run === 'true',
      allOrNothing: form.all_or_nothing === 'true',
    })
    return c.json(result, 200)
  })
