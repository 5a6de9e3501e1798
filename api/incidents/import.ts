import { sql } from 'drizzle-orm'
import { INCIDENT_SOURCES, type IncidentSource } from '../../geo-data/generate/types.ts'
import type { SessionUser } from '../auth/service.ts'
import { ApiFailure } from '../lib/errors.ts'
import { parseLonLat, readCsvRecords, type ImportCrs } from '../lib/import.ts'
import type { RequestTx } from '../lib/scope.ts'
import { FUTURE_SKEW_MS, insertIncidents, PHONE_RE } from './service.ts'
import { incidentTypeCatalog } from './types.ts'

/** Columns an import can fill; `lon`, `lat` and `type` are required. */
export const IMPORT_FIELDS = ['lon', 'lat', 'type', 'description', 'reported_at', 'source', 'reporter_name', 'reporter_phone'] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]
export type ColumnMapping = Partial<Record<ImportField, string>>

/** Header names recognised without a mapping (English and Chinese). */
const DEFAULT_HEADERS: Record<ImportField, string[]> = {
  lon: ['lon', 'lng', 'longitude', 'x', '经度'],
  lat: ['lat', 'latitude', 'y', '纬度'],
  type: ['type', 'incident_type', '类型', '事件类型'],
  description: ['description', 'desc', 'text', '描述', '事件描述', '内容'],
  reported_at: ['reported_at', 'time', 'date', 'datetime', '时间', '上报时间'],
  source: ['source', '来源'],
  reporter_name: ['reporter_name', 'reporter', '上报人'],
  reporter_phone: ['reporter_phone', 'phone', '电话', '联系电话'],
}

export const MAX_IMPORT_ROWS = 50_000

export interface ImportOptions {
  mapping?: ColumnMapping
  /** Coordinates as given: WGS84 (GPS, Tianditu) or GCJ-02 (Amap, Tencent), converted to WGS84. */
  crs: ImportCrs
  /** Check and report only; write nothing. */
  dryRun: boolean
  /** Import nothing when any row is rejected. */
  allOrNothing: boolean
}

export interface Rejected {
  row: number
  reason: string
}

export interface ImportResult {
  imported: number
  rejected: Rejected[]
  /** The first rows as they would be stored (dry run), with their micro-grid. */
  preview?: { row: number; type: string; lon: number; lat: number; reported_at: string; micro_grid_id: number }[]
  /** Rows that passed every check and would be written (dry run, or an all-or-nothing import refused). */
  would_import?: number
  ids?: number[]
}

interface Candidate {
  row: number
  type: string
  lon: number
  lat: number
  reported_at: string
  description: string
  source: IncidentSource
  reporter_name: string | null
  reporter_phone: string | null
}

/** A time as written in a file: ISO-8601 with an offset, or a local Asia/Shanghai date/time. */
function parseTime(s: string): Date | null {
  const t = s.trim()
  if (!t) return null
  const local = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t)
  if (local) {
    const [, y, mo, d, h = '0', mi = '0', se = '0'] = local
    const pad = (v: string) => v.padStart(2, '0')
    const date = new Date(`${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(se)}+08:00`)
    if (Number.isNaN(date.getTime())) return null
    // Reject dates that do not exist (2026-02-31 would roll over into March).
    const shanghai = new Date(date.getTime() + 8 * 3600_000)
    if (shanghai.getUTCFullYear() !== Number(y) || shanghai.getUTCMonth() + 1 !== Number(mo) || shanghai.getUTCDate() !== Number(d)) return null
    return date
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const date = new Date(t)
    return Number.isNaN(date.getTime()) ? null : date
  }
  return null
}

/** Parse the CSV text into candidates and per-row rejections (rows are numbered from 1 after the header). */
export function parseIncidentCsv(text: string, types: Map<string, string>, opts: ImportOptions): { candidates: Candidate[]; rejected: Rejected[] } {
  const records = readCsvRecords(text, MAX_IMPORT_ROWS)
  const header = records[0].map((h) => h.trim())
  const column = {} as Record<ImportField, number>
  for (const field of IMPORT_FIELDS) {
    const wanted = opts.mapping?.[field]
    const i = wanted !== undefined ? header.indexOf(wanted) : header.findIndex((h) => DEFAULT_HEADERS[field].includes(h.toLowerCase()))
    if (wanted !== undefined && i < 0) throw new ApiFailure(400, 'invalid_mapping', `mapping.${field}: no column "${wanted.slice(0, 60)}" in the header`)
    column[field] = i
  }
  const missing = (['lon', 'lat', 'type'] as const).filter((f) => column[f] < 0)
  if (missing.length) throw new ApiFailure(400, 'invalid_mapping', `no column for ${missing.join(', ')}: name them in the header (${missing.map((f) => DEFAULT_HEADERS[f][0]).join(', ')}) or map them`)

  const now = Date.now()
  const candidates: Candidate[] = []
  const rejected: Rejected[] = []
  records.slice(1).forEach((cells, k) => {
    const row = k + 1
    const get = (f: ImportField) => (column[f] >= 0 ? (cells[column[f]] ?? '').trim() : '')
    const reject = (reason: string) => rejected.push({ row, reason })
    const at = parseLonLat(get('lon'), get('lat'), opts.crs)
    if ('reason' in at) return reject(at.reason)
    const { lon, lat } = at
    const typeText = get('type')
    const type = types.get(typeText) ?? types.get(typeText.toLowerCase())
    if (!type) return reject(`unknown incident type "${typeText.slice(0, 40)}"`)
    let reportedAt = new Date(now)
    if (get('reported_at')) {
      const t = parseTime(get('reported_at'))
      if (!t) return reject(`reported_at "${get('reported_at').slice(0, 40)}" is not a date/time (YYYY-MM-DD[ HH:mm[:ss]] in Asia/Shanghai, or ISO-8601 with offset)`)
      if (t.getTime() > now + FUTURE_SKEW_MS) return reject('reported_at is in the future')
      reportedAt = t
    }
    const sourceText = get('source') || 'walk_in'
    if (!(INCIDENT_SOURCES as readonly string[]).includes(sourceText)) return reject(`source must be one of ${INCIDENT_SOURCES.join(', ')}`)
    const phone = get('reporter_phone')
    if (phone && !PHONE_RE.test(phone)) return reject('reporter_phone is not a phone number')
    const description = get('description')
    if (description.length > 2000) return reject('description longer than 2,000 characters')
    candidates.push({
      row,
      type,
      lon,
      lat,
      reported_at: reportedAt.toISOString(),
      description,
      source: sourceText as IncidentSource,
      reporter_name: get('reporter_name').slice(0, 100) || null,
      reporter_phone: phone || null,
    })
  })
  return { candidates, rejected }
}

/**
 * Import incidents from CSV in one statement set inside the request's transaction: rows are staged,
 * located in PostGIS (outside the district or the user's areas → rejected with the reason), and
 * the accepted ones inserted together with their history — all of them or, on any failure, none.
 */
export async function importIncidents(tx: RequestTx, user: SessionUser, text: string, opts: ImportOptions): Promise<ImportResult> {
  const catalog = await incidentTypeCatalog(tx)
  const types = new Map<string, string>()
  for (const t of catalog) for (const name of [t.code, t.name_zh, t.name_en.toLowerCase()]) types.set(name, t.code)
  const retired = new Set(catalog.filter((t) => !t.active).map((t) => t.code))
  const { candidates, rejected } = parseIncidentCsv(text, types, opts)

  // Locate every candidate at once; scope as RLS will judge it (admins: everything).
  const { rows: located } = await tx.execute<{ row: number; micro_grid_id: number | null; in_scope: boolean }>(sql`
    select c.row, l.micro_grid_id,
      coalesce(array[l.street_id, l.community_id, l.grid_id, l.micro_grid_id] && (select app_case_scope()), true) as in_scope
    from json_to_recordset(${JSON.stringify(candidates.map(({ row, lon, lat }) => ({ row, lon, lat })))}::json) as c(row int, lon float8, lat float8)
    left join lateral locate_areas(ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)) l on true`)
  const where = new Map(located.map((r) => [r.row, r]))
  const accepted: (Candidate & { micro_grid_id: number })[] = []
  for (const c of candidates) {
    const l = where.get(c.row)
    if (retired.has(c.type)) rejected.push({ row: c.row, reason: `incident type "${c.type}" is retired and takes no new reports` })
    else if (!l?.micro_grid_id) rejected.push({ row: c.row, reason: 'outside every micro-grid of the district' })
    else if (!l.in_scope) rejected.push({ row: c.row, reason: 'outside your areas' })
    else accepted.push({ ...c, micro_grid_id: l.micro_grid_id })
  }
  rejected.sort((a, b) => a.row - b.row)

  if (opts.dryRun || (opts.allOrNothing && rejected.length > 0)) {
    return {
      imported: 0,
      rejected,
      would_import: accepted.length,
      preview: accepted.slice(0, 20).map(({ row, type, lon, lat, reported_at, micro_grid_id }) => ({ row, type, lon, lat, reported_at, micro_grid_id })),
    }
  }
  const ids = await insertIncidents(tx, user, accepted.map(({ micro_grid_id: _m, row: _r, ...rest }) => rest), { source: 'import' })
  return { imported: ids.length, rejected, ids }
}
