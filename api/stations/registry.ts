/**
 * The station registry (issue 6): one station's record, registering, editing, moving, closing and
 * reopening, and importing a CSV or GeoJSON file. Everyone reads the stations of their scope
 * (GET /api/stations, api/stations/routes.ts); admins, commanders and planners manage them, inside
 * their scope (requirePlanningRole here, the stations policies of db/migrations/0024). Writes are
 * audited by the table's triggers (db/migrations/0005_audit.sql). docs/stations.md, "Registry".
 */
import { createRoute, z } from '@hono/zod-openapi'
import { STATION_TYPES } from '../../geo-data/generate/types.ts'
import { errorResponse, errorResponses, forbidden, IdParam, newRouter, notFound } from '../lib/router.ts'
import { jsonText } from '../lib/geojson.ts'
import { readUploadedText } from '../lib/import.ts'
import { MAX_RADIUS } from '../siting/routes.ts'
import { requirePlanningRole } from '../siting/queries.ts'
import { importStations, isCalendarDate, STATION_IMPORT_FIELDS } from './import.ts'
import { createStation, loadStation, updateStation } from './service.ts'

const Lon = z.number().min(-180).max(180)
const Lat = z.number().min(-90).max(90)
const notNullIsland = (b: { lon?: number; lat?: number }) => !(b.lon === 0 && b.lat === 0)
const DateOnly = z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD').openapi({ example: '2026-05-01' })
const Radius = z.number().gt(0, `must be > 0 metres`).max(MAX_RADIUS, `must be ≤ ${MAX_RADIUS} metres`)
const Name = z.string().trim().min(1, 'must not be empty').max(100)
const Capacity = z.number().int().min(0).max(1_000_000)
const Notes = z.string().max(2000)

const NewStationBody = z
  .object({
    type: z.enum(STATION_TYPES),
    name: Name,
    lon: Lon,
    lat: Lat,
    service_radius_m: Radius.optional().openapi({ description: 'metres; default: the type’s default_service_radius_m' }),
    opened_on: DateOnly.nullable().optional(),
    capacity: Capacity.nullable().optional(),
    notes: Notes.nullable().optional(),
  })
  .refine(notNullIsland, { message: '(0, 0) is not a location', path: ['lon'] })
  .openapi('NewStation')

const StationChangesBody = z
  .object({
    type: z.enum(STATION_TYPES).optional(),
    name: Name.optional(),
    service_radius_m: Radius.optional(),
    opened_on: DateOnly.nullable().optional(),
    capacity: Capacity.nullable().optional(),
    notes: Notes.nullable().optional(),
    lon: Lon.optional(),
    lat: Lat.optional(),
    closed_on: DateOnly.nullable().optional().openapi({ description: 'a date (not after today) closes the station; null reopens it' }),
  })
  .refine((b) => (b.lon === undefined) === (b.lat === undefined), { message: 'give lon and lat together', path: ['lon'] })
  .refine(notNullIsland, { message: '(0, 0) is not a location', path: ['lon'] })
  .refine((b) => Object.keys(b).length > 0, 'nothing to change')
  .openapi('StationChanges')

const AreaRef = z.object({ id: z.number(), name: z.string().nullable() })

export const StationDetail = z
  .object({
    id: z.number(),
    type: z.enum(STATION_TYPES),
    name: z.string(),
    lon: z.number(),
    lat: z.number(),
    service_radius_m: z.number(),
    default_radius_m: z.number(),
    opened_on: z.string().nullable(),
    closed_on: z.string().nullable(),
    state: z.enum(['open', 'planned', 'closed']).openapi({ description: 'closed: closed_on set; planned: opens after today; else open' }),
    capacity: z.number().nullable(),
    notes: z.string().nullable(),
    micro_grid: AreaRef,
    grid: AreaRef,
    community: AreaRef,
    street: AreaRef,
  })
  .openapi('StationDetail')

const ImportForm = z
  .object({
    file: z.any().openapi({ type: 'string', format: 'binary', description: `CSV with a header (${STATION_IMPORT_FIELDS.join(', ')}; the first four required) or a GeoJSON FeatureCollection of Points with those properties (UTF-8)` }),
    format: z.enum(['csv', 'geojson']).optional().openapi({ description: 'default: geojson when the file name ends in .geojson/.json or its text starts with `{`, else csv' }),
    crs: z.enum(['wgs84', 'gcj02']).optional().openapi({ description: 'coordinates of the file; gcj02 (Amap, Tencent) is converted to WGS84' }),
    dry_run: z.enum(['true', 'false']).optional().openapi({ description: 'true: check and report only, write nothing' }),
  })
  .openapi('StationImportForm')

const ImportResultSchema = z
  .object({
    imported: z.number(),
    rejected: z.array(z.object({ index: z.number(), reason: z.string() })).openapi({ description: 'index counts from 1: the CSV data row after the header, or the n-th feature' }),
    would_import: z.number(),
    preview: z.array(
      z.object({ index: z.number(), type: z.string(), name: z.string(), lon: z.number(), lat: z.number(), service_radius_m: z.number().nullable(), micro_grid_id: z.number() }),
    ),
    ids: z.array(z.number()),
  })
  .openapi('StationImportResult')

const placeErrors = { 403: errorResponse('Not a managing role, or the location is outside your areas'), 422: errorResponse('Outside the district') } as const

const getStation = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['stations'],
  summary: 'One station: type, name, location, radius, dates, capacity, notes and its areas',
  request: { params: IdParam },
  responses: { 200: { description: 'The station', content: { 'application/json': { schema: StationDetail } } }, ...notFound, ...errorResponses },
})

const postStation = createRoute({
  method: 'post',
  path: '/',
  tags: ['stations'],
  summary: 'Register a station at a point (admins, commanders, planners; its areas come from the location)',
  request: { body: { required: true, content: { 'application/json': { schema: NewStationBody } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: StationDetail } } }, ...placeErrors, ...errorResponses },
})

const patchStation = createRoute({
  method: 'patch',
  path: '/{id}',
  tags: ['stations'],
  summary: 'Edit, move (lon+lat), close (closed_on) or reopen (closed_on: null) a station',
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: StationChangesBody } } } },
  responses: { 200: { description: 'Updated', content: { 'application/json': { schema: StationDetail } } }, ...placeErrors, ...notFound, ...errorResponses },
})

const importRoute = createRoute({
  method: 'post',
  path: '/import',
  tags: ['stations'],
  summary: 'Import stations from CSV or GeoJSON (multipart): every rejected record with its reason; all written, or none',
  request: { body: { required: true, content: { 'multipart/form-data': { schema: ImportForm } } } },
  responses: { 200: { description: 'Result', content: { 'application/json': { schema: ImportResultSchema } } }, ...forbidden, ...errorResponses },
})

export const stationRegistryRoutes = newRouter()
  .openapi(getStation, async (c) => {
    const { id } = c.req.valid('param')
    return jsonText<z.infer<typeof StationDetail>>(c, await loadStation(c.get('tx'), id))
  })
  .openapi(postStation, async (c) => {
    requirePlanningRole(c, 'registering stations')
    const tx = c.get('tx')
    const id = await createStation(tx, c.req.valid('json'))
    return jsonText<z.infer<typeof StationDetail>, 201>(c, await loadStation(tx, id), 201)
  })
  .openapi(patchStation, async (c) => {
    requirePlanningRole(c, 'editing stations')
    const { id } = c.req.valid('param')
    const tx = c.get('tx')
    await updateStation(tx, id, c.req.valid('json'))
    return jsonText<z.infer<typeof StationDetail>>(c, await loadStation(tx, id))
  })
  .openapi(importRoute, async (c) => {
    requirePlanningRole(c, 'importing stations')
    const form = c.req.valid('form')
    const text = await readUploadedText(form.file, 'CSV or GeoJSON file', 'invalid_file')
    const name = form.file instanceof File ? form.file.name.toLowerCase() : ''
    const format = form.format ?? (/\.(geo)?json$/.test(name) || /^\uFEFF?\s*\{/.test(text) ? 'geojson' : 'csv')
    const result = await importStations(c.get('tx'), text, { format, crs: form.crs ?? 'wgs84', dryRun: form.dry_run === 'true' })
    return c.json(result, 200)
  })
