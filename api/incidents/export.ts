/** CSV and GeoJSON export of the filtered incidents (issue 4); the per-area statistics export is in analytics/routes.ts. */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { featureSql } from '../lib/geojson.ts'
import { csvHeader, csvRecord, csvText, download, downloadResponses, ExportFormat, shanghaiDate } from '../lib/download.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import { incidentWhere, isoUtc, type IncidentFilter } from './queries.ts'
import { FilterFields, fromBeforeTo, fromBeforeToError, requireCaseReader, resolveFilter } from './routes.ts'

/** Most incidents one export may hold; a broader filter answers 400 asking for a narrower one. */
export const EXPORT_MAX_ROWS = 200_000
/** Rows fetched from the export cursor per round trip: bounds the row objects alive in Node. */
const BATCH_ROWS = 5_000

// ---------------------------------------------------------------------------------------------
// Incidents

const ExportQuery = FilterFields.extend({
  format: ExportFormat,
  max_rows: z.coerce
    .number()
    .int()
    .min(1)
    .max(EXPORT_MAX_ROWS)
    .default(EXPORT_MAX_ROWS)
    .openapi({ description: `refuse (400) rather than export more rows than this; at most and by default ${EXPORT_MAX_ROWS}` }),
}).refine(fromBeforeTo, fromBeforeToError)

const localTime = (col: SQL) => sql`to_char((${col}) at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')`
const deadline = sql`i.reported_at + make_interval(hours => t.deadline_hours)`

/**
 * The exported columns, in order: `kind` says how CSV writes them (text quoted and formula-safe)
 * and GeoJSON types them; `csvOnly` ones are the geometry in GeoJSON. No reporter name or phone:
 * an export leaves the system, so residents' personal data stays behind.
 */
const COLUMNS: { name: string; value: SQL; kind: 'text' | 'number' | 'boolean'; csvOnly?: boolean }[] = [
  { name: 'id', value: sql`i.id`, kind: 'number' },
  { name: 'type', value: sql`i.type`, kind: 'text' },
  { name: 'type_name_zh', value: sql`t.name_zh`, kind: 'text' },
  { name: 'status', value: sql`i.status`, kind: 'text' },
  { name: 'source', value: sql`i.source`, kind: 'text' },
  { name: 'reported_at', value: isoUtc(sql`i.reported_at`), kind: 'text' },
  { name: 'reported_at_local', value: localTime(sql`i.reported_at`), kind: 'text' },
  { name: 'closed_at', value: isoUtc(sql`i.closed_at`), kind: 'text' },
  { name: 'closed_at_local', value: localTime(sql`i.closed_at`), kind: 'text' },
  { name: 'deadline_at', value: isoUtc(deadline), kind: 'text' },
  { name: 'overdue', value: sql`(i.status <> 'closed' and now() > ${deadline})`, kind: 'boolean' },
  { name: 'lon', value: sql`round(ST_X(i.geom)::numeric, 6)`, kind: 'number', csvOnly: true },
  { name: 'lat', value: sql`round(ST_Y(i.geom)::numeric, 6)`, kind: 'number', csvOnly: true },
  { name: 'street_id', value: sql`i.street_id`, kind: 'number' },
  { name: 'street_name', value: sql`s.name`, kind: 'text' },
  { name: 'community_id', value: sql`i.community_id`, kind: 'number' },
  { name: 'community_name', value: sql`co.name`, kind: 'text' },
  { name: 'grid_id', value: sql`i.grid_id`, kind: 'number' },
  { name: 'grid_name', value: sql`g.name`, kind: 'text' },
  { name: 'micro_grid_id', value: sql`i.micro_grid_id`, kind: 'number' },
  { name: 'micro_grid_name', value: sql`m.name`, kind: 'text' },
  { name: 'description', value: sql`i.description`, kind: 'text' },
]
export const INCIDENT_CSV_COLUMNS = COLUMNS.map((col) => col.name)

/** SQL: one exported incident (alias `i` and its joins) as a CSV record or a GeoJSON Feature text. */
export function incidentExportLine(format: ExportFormat): SQL {
  if (format === 'csv') return csvRecord(COLUMNS.map((col) => (col.kind === 'text' ? csvText(col.value) : sql`(${col.value})::text`)))
  const props = COLUMNS.filter((col) => !col.csvOnly).map((col) => sql`${col.name}::text, ${col.value}`)
  return sql`${featureSql(sql`i.id`, sql`i.geom`, sql`json_build_object(${sql.join(props, sql`, `)})`)}::text`
}

/** SQL: the matching incidents, newest first, as `(id, line)`; at most `limit` rows. */
export function incidentExportRows(f: IncidentFilter, format: ExportFormat, limit: number): SQL {
  return sql`
    select i.id, ${incidentExportLine(format)} as line
    from incidents i
    join incident_types t on t.code = i.type
    left join areas s on s.id = i.street_id
    left join areas co on co.id = i.community_id
    left join areas g on g.id = i.grid_id
    left join areas m on m.id = i.micro_grid_id
    where ${incidentWhere(f)}
    order by i.reported_at desc, i.id desc
    limit ${limit}`
}

const tooMany = (n: number, max: number) =>
  new ApiFailure(
    400,
    'too_many_rows',
    `the filter matches ${n.toLocaleString('en')} incidents, more than the ${max.toLocaleString('en')} one export may hold: narrow it (period from/to, area, type, status or bbox)`,
  )

const exportIncidents = createRoute({
  method: 'get',
  path: '/export',
  tags: ['incidents'],
  summary: `Every incident matching the list filters, as a CSV or GeoJSON download (audited; not for planners; at most ${EXPORT_MAX_ROWS.toLocaleString('en')} rows)`,
  description:
    'Same filters and scope as GET /incidents, all rows newest first (no paging). No reporter name or phone. ' +
    `More than max_rows (default ${EXPORT_MAX_ROWS}) matching rows → 400 too_many_rows.`,
  request: { query: ExportQuery },
  responses: {
    ...downloadResponses('The matching incidents as a file'),
    ...forbidden,
    ...notFound,
    ...errorResponses,
    400: errorResponse('Invalid input, or more matching rows than an export may hold (too_many_rows)'),
  },
})

export const incidentExportRoutes = newRouter().openapi(exportIncidents, async (c) => {
  requireCaseReader(c)
  const q = c.req.valid('query')
  const f = await resolveFilter(c, q)
  const tx = c.get('tx')
  // Count first: a filter that is too broad is refused before any row is formatted.
  const { rows: counted } = await tx.execute<{ n: number }>(sql`select count(*)::int as n from incidents i where ${incidentWhere(f)}`)
  if (counted[0].n > q.max_rows) throw tooMany(counted[0].n, q.max_rows)

  // A cursor in the request's transaction: PostgreSQL formats every line, Node holds one batch of
  // row objects at a time and keeps only the text. The whole file is built before the answer, so
  // the transaction (and with it the scope) ends with the handler; rows are read once, not loaded.
  await tx.execute(sql`set local cursor_tuple_fraction = 1`) // every row is read: plan for all, not the first 10 %
  await tx.execute(sql`declare incident_export no scroll cursor for ${incidentExportRows(f, q.format, q.max_rows + 1)}`)
  const parts = [q.format === 'csv' ? csvHeader(INCIDENT_CSV_COLUMNS) : '{"type":"FeatureCollection","features":[']
  const ids: number[] = []
  for (;;) {
    const { rows } = await tx.execute<{ id: string; line: string }>(sql`fetch ${sql.raw(String(BATCH_ROWS))} from incident_export`)
    if (rows.length === 0) break
    for (const r of rows) ids.push(Number(r.id))
    // Rows inserted between the count and the cursor can push a filter over the cap.
    if (ids.length > q.max_rows) throw tooMany(ids.length, q.max_rows)
    const text = q.format === 'csv' ? rows.map((r) => r.line).join('') : rows.map((r) => r.line).join(',')
    parts.push(q.format === 'geojson' && ids.length > rows.length ? `,${text}` : text)
    if (rows.length < BATCH_ROWS) break
  }
  await tx.execute(sql`close incident_export`)
  if (q.format === 'geojson') parts.push(']}')

  const filter = Object.fromEntries(Object.entries({ type: q.type, status: q.status, source: q.source, area: q.area, bbox: q.bbox, from: q.from, to: q.to }).filter(([, v]) => v !== undefined))
  await tx.auditRead('incidents', ids, { export: q.format, filter })
  const name = `gridpulse-incidents${q.area !== undefined ? `-area${q.area}` : ''}-${shanghaiDate()}`
  return download(c, parts, q.format, name, { 'X-Count': String(ids.length) }) as never
})
