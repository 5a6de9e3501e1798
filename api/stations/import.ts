/**
 * Station import (issue 6): a CSV with a header (type, name, lon, lat[, service_radius_m, opened_on,
 * capacity, notes]) or a GeoJSON FeatureCollection of Points with those properties. Every record is
 * checked (fields, location, scope, duplicates); a dry run reports the rejected ones and how many
 * would be written; a commit writes all of them in the request's transaction, or none when any
 * record is rejected. Reading the upload, CSV records and coordinates (WGS84 or GCJ-02) are the
 * incident import's helpers (api/lib/import.ts).
 */
import { sql } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { parseLonLat, readCsvRecords, type ImportCrs } from '../lib/import.ts'
import type { RequestTx } from '../lib/scope.ts'
import { MAX_RADIUS } from '../siting/routes.ts'
import { insertStations, locatePoints, placeProblem, type NewStation } from './service.ts'

export const STATION_IMPORT_FIELDS = ['type', 'name', 'lon', 'lat', 'service_radius_m', 'opened_on', 'capacity', 'notes'] as const
type Field = (typeof STATION_IMPORT_FIELDS)[number]

/** Header names recognised (English and Chinese), compared lower-case. */
const HEADERS: Record<Field, string[]> = {
  type: ['type', 'station_type', '类型', '站点类型'],
  name: ['name', '名称', '站点名称'],
  lon: ['lon', 'lng', 'longitude', 'x', '经度'],
  lat: ['lat', 'latitude', 'y', '纬度'],
  service_radius_m: ['service_radius_m', 'radius', '服务半径', '半径'],
  opened_on: ['opened_on', 'opened', '开放日期', '启用日期'],
  capacity: ['capacity', '容量'],
  notes: ['notes', 'note', '备注'],
}
const REQUIRED: readonly Field[] = ['type', 'name', 'lon', 'lat']

export const MAX_STATION_ROWS = 5_000
/** An open station of the same type and name this close (metres) is taken to be the same station. */
export const DUPLICATE_M = 50

export interface StationImportOptions {
  format: 'csv' | 'geojson'
  crs: ImportCrs
  dryRun: boolean
}

/** A refused record: `index` counts from 1 (the CSV's data row after the header, or the n-th feature). */
export interface RejectedRecord {
  index: number
  reason: string
}

export interface StationImportResult {
  imported: number
  rejected: RejectedRecord[]
  /** Records that passed every check (a dry run, or a commit refused because some were rejected). */
  would_import: number
  /** The first accepted records as they would be stored, with their micro-grid. */
  preview: { index: number; type: string; name: string; lon: number; lat: number; service_radius_m: number | null; micro_grid_id: number }[]
  ids: number[]
}

type RawRecord = Partial<Record<Field, unknown>>
type Candidate = NewStation & { index: number }

/** The records of a CSV text, keyed by field (columns found by header name). */
function csvRecords(text: string): RawRecord[] {
  const records = readCsvRecords(text, MAX_STATION_ROWS)
  const header = records[0].map((h) => h.trim().toLowerCase())
  const column = Object.fromEntries(STATION_IMPORT_FIELDS.map((f) => [f, header.findIndex((h) => HEADERS[f].includes(h))])) as Record<Field, number>
  const missing = REQUIRED.filter((f) => column[f] < 0)
  if (missing.length) throw new ApiFailure(400, 'invalid_mapping', `no column for ${missing.join(', ')}: the header needs ${REQUIRED.join(', ')}`)
  return records.slice(1).map((cells) =>
    Object.fromEntries(STATION_IMPORT_FIELDS.filter((f) => column[f] >= 0).map((f) => [f, (cells[column[f]] ?? '').trim()])),
  )
}

/** The features of a GeoJSON FeatureCollection as records; a feature that is not a Point gets lon/lat it cannot pass. */
function geojsonRecords(text: string): RawRecord[] {
  let doc: unknown
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    throw new ApiFailure(400, 'invalid_geojson', `not JSON: ${(err as Error).message.slice(0, 200)}`)
  }
  const fc = doc as { type?: unknown; features?: unknown }
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new ApiFailure(400, 'invalid_geojson', 'expected a GeoJSON FeatureCollection')
  if (fc.features.length === 0) throw new ApiFailure(400, 'invalid_geojson', 'the collection has no features')
  if (fc.features.length > MAX_STATION_ROWS) throw new ApiFailure(413, 'too_many_rows', `at most ${MAX_STATION_ROWS} features per import`)
  return fc.features.map((f: { geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> | null }) => {
    const props = f?.properties && typeof f.properties === 'object' ? f.properties : {}
    const point = f?.geometry?.type === 'Point' && Array.isArray(f.geometry.coordinates) ? (f.geometry.coordinates as unknown[]) : null
    return {
      ...Object.fromEntries(STATION_IMPORT_FIELDS.filter((k) => k !== 'lon' && k !== 'lat').map((k) => [k, props[k]])),
      lon: point ? point[0] : 'not a Point',
      lat: point ? point[1] : 'not a Point',
    }
  })
}

const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim())

/** A calendar date `YYYY-MM-DD` that exists (2026-02-31 does not). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

/** One record checked field by field: a candidate, or the first reason it cannot be one. */
function checkRecord(r: RawRecord, index: number, types: Map<string, string>, crs: ImportCrs): Candidate | string {
  const typeText = text(r.type)
  const type = types.get(typeText) ?? types.get(typeText.toLowerCase())
  if (!type) return `unknown station type "${typeText.slice(0, 40)}"`
  const name = text(r.name)
  if (!name) return 'name is empty'
  if (name.length > 100) return 'name longer than 100 characters'
  if (r.lon === 'not a Point') return 'geometry is not a Point'
  const at = parseLonLat(r.lon, r.lat, crs)
  if ('reason' in at) return at.reason
  let radius: number | null = null
  if (text(r.service_radius_m)) {
    radius = Number(text(r.service_radius_m))
    if (!Number.isFinite(radius) || radius <= 0 || radius > MAX_RADIUS) return `service_radius_m must be a number of metres, 0 < radius ≤ ${MAX_RADIUS}`
  }
  const opened = text(r.opened_on)
  if (opened && !isCalendarDate(opened)) return `opened_on "${opened.slice(0, 40)}" is not a date (YYYY-MM-DD)`
  let capacity: number | null = null
  if (text(r.capacity)) {
    capacity = Number(text(r.capacity))
    if (!Number.isInteger(capacity) || capacity < 0 || capacity > 1_000_000) return 'capacity must be a whole number ≥ 0'
  }
  const notes = text(r.notes)
  if (notes.length > 2000) return 'notes longer than 2,000 characters'
  return { index, type, name, lon: at.lon, lat: at.lat, service_radius_m: radius, opened_on: opened || null, capacity, notes: notes || null }
}

/** Metres between two WGS84 points (equirectangular; exact enough at the duplicate distance). */
function metresBetween(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const k = 111_320
  return Math.hypot((a.lon - b.lon) * k * Math.cos(((a.lat + b.lat) / 2) * (Math.PI / 180)), (a.lat - b.lat) * k)
}

/**
 * Check every record of the file and, unless it is a dry run or some record was rejected, insert
 * them all in one statement. Locations and scope are judged in PostGIS as the stations trigger and
 * policy will judge them; an open station of the same type and name within DUPLICATE_M metres,
 * already registered or earlier in the file, rejects the record (importing a file twice adds nothing).
 */
export async function importStations(tx: RequestTx, fileText: string, opts: StationImportOptions): Promise<StationImportResult> {
  const records = opts.format === 'geojson' ? geojsonRecords(fileText) : csvRecords(fileText)
  const { rows: catalog } = await tx.execute<{ code: string; name_zh: string; name_en: string }>(sql`select code, name_zh, name_en from station_types`)
  const types = new Map<string, string>()
  for (const t of catalog) for (const n of [t.code, t.name_zh, t.name_en.toLowerCase()]) types.set(n, t.code)

  const rejected: RejectedRecord[] = []
  const candidates: Candidate[] = []
  records.forEach((r, i) => {
    const checked = checkRecord(r, i + 1, types, opts.crs)
    if (typeof checked === 'string') rejected.push({ index: i + 1, reason: checked })
    else candidates.push(checked)
  })

  const located = await locatePoints(tx, candidates.map((c) => ({ key: c.index, lon: c.lon, lat: c.lat })))
  const { rows: existing } = await tx.execute<{ index: number; id: number }>(sql`
    select c.index, s.id
    from json_to_recordset(${JSON.stringify(candidates.map(({ index, type, name, lon, lat }) => ({ index, type, name, lon, lat })))}::json)
      as c(index int, type text, name text, lon float8, lat float8)
    cross join lateral (
      select s.id from stations s
      where s.type = c.type and s.name = c.name and s.closed_on is null
        and ST_DWithin(s.geom::geography, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)::geography, ${DUPLICATE_M})
      order by s.id limit 1) s`)
  const registered = new Map(existing.map((e) => [e.index, e.id]))

  const accepted: (Candidate & { micro_grid_id: number })[] = []
  for (const c of candidates) {
    const l = located.get(c.index)
    const problem = placeProblem(l)
    const twin = accepted.find((a) => a.type === c.type && a.name === c.name && metresBetween(a, c) <= DUPLICATE_M)
    if (problem) rejected.push({ index: c.index, reason: problem })
    else if (registered.has(c.index)) rejected.push({ index: c.index, reason: `station ${registered.get(c.index)} of this type and name is already registered within ${DUPLICATE_M} m` })
    else if (twin) rejected.push({ index: c.index, reason: `repeats record ${twin.index} (same type and name within ${DUPLICATE_M} m)` })
    else accepted.push({ ...c, micro_grid_id: l!.micro_grid_id! })
  }
  rejected.sort((a, b) => a.index - b.index)

  const preview = accepted.slice(0, 20).map(({ index, type, name, lon, lat, service_radius_m, micro_grid_id }) => ({
    index, type, name, lon, lat, service_radius_m: service_radius_m ?? null, micro_grid_id,
  }))
  if (opts.dryRun || rejected.length > 0) return { imported: 0, rejected, would_import: accepted.length, preview, ids: [] }
  const ids = await insertStations(tx, accepted.map(({ index: _i, micro_grid_id: _m, ...s }) => s))
  return { imported: ids.length, rejected, would_import: accepted.length, preview, ids }
}
