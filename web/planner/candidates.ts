/**
 * Candidate sites the planner brings (issue 6: "drawn by the planner, imported, or generated"):
 * reading a GeoJSON or CSV file in the browser into points, with every row that is not a usable
 * point rejected with its reason. Whether a point lies inside the area is the server's check
 * (POST /api/siting/solve answers 400 naming the candidates' indexes); `rowsOfIndexes` maps those
 * indexes back to the file's rows.
 */

/** Most candidates one request may carry (api/siting/routes.ts MAX_CANDIDATES). */
export const MAX_CANDIDATES = 5000

export interface CandidatePoint {
  lon: number
  lat: number
  /** Where it came from in the file: CSV data row (1 = the first after the header) or feature number, from 1. */
  row?: number
}

export type RejectReason = 'notNumber' | 'outOfRange' | 'zero' | 'notPoint' | 'tooMany'

export interface Rejected {
  row: number
  reason: RejectReason
}

export interface ParsedCandidates {
  points: CandidatePoint[]
  rejected: Rejected[]
  /** The file itself could not be read as either format (then points and rejected are empty). */
  error?: 'noColumns' | 'badGeoJson' | 'empty'
}

const LON_NAMES = ['lon', 'lng', 'long', 'longitude', 'x', '经度']
const LAT_NAMES = ['lat', 'latitude', 'y', '纬度']

/** One lon/lat pair checked like the server's importers: numbers, in range, not (0, 0). */
function checkPoint(lon: unknown, lat: unknown): RejectReason | null {
  const x = typeof lon === 'string' ? (lon.trim() === '' ? NaN : Number(lon)) : lon
  const y = typeof lat === 'string' ? (lat.trim() === '' ? NaN : Number(lat)) : lat
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return 'notNumber'
  if (Math.abs(x) > 180 || Math.abs(y) > 90) return 'outOfRange'
  if (x === 0 && y === 0) return 'zero'
  return null
}

/** Adds a point or its rejection, keeping at most MAX_CANDIDATES points. */
function collect(out: ParsedCandidates, row: number, lon: unknown, lat: unknown) {
  const reason = checkPoint(lon, lat)
  if (reason) out.rejected.push({ row, reason })
  else if (out.points.length >= MAX_CANDIDATES) out.rejected.push({ row, reason: 'tooMany' })
  else out.points.push({ lon: Number(lon), lat: Number(lat), row })
}

/** Points of a GeoJSON FeatureCollection, Feature, Point or MultiPoint; other geometries are rejected by feature number. */
export function parseGeoJsonCandidates(text: string): ParsedCandidates {
  const out: ParsedCandidates = { points: [], rejected: [] }
  let doc: any
  try {
    doc = JSON.parse(text)
  } catch {
    return { ...out, error: 'badGeoJson' }
  }
  const features: any[] = doc?.type === 'FeatureCollection' && Array.isArray(doc.features) ? doc.features
    : doc?.type === 'Feature' ? [doc]
    : doc && typeof doc.type === 'string' ? [{ geometry: doc }]
    : []
  if (features.length === 0) return { ...out, error: doc?.type === 'FeatureCollection' ? 'empty' : 'badGeoJson' }
  features.forEach((f, n) => {
    const g = f?.geometry
    if (g?.type === 'Point' && Array.isArray(g.coordinates)) collect(out, n + 1, g.coordinates[0], g.coordinates[1])
    else if (g?.type === 'MultiPoint' && Array.isArray(g.coordinates)) for (const c of g.coordinates) collect(out, n + 1, c?.[0], c?.[1])
    else out.rejected.push({ row: n + 1, reason: 'notPoint' })
  })
  return out
}

/**
 * Points of a CSV: a header naming the lon and lat columns (lon/lng/longitude/经度, lat/latitude/纬度),
 * or, without one, the first two columns as lon, lat. Parsed with csv-parse (the server importers'
 * parser, loaded only when a file is chosen).
 */
export async function parseCsvCandidates(text: string): Promise<ParsedCandidates> {
  const { parse } = await import('csv-parse/browser/esm/sync')
  const records: string[][] = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true })
  if (records.length === 0) return { points: [], rejected: [], error: 'empty' }
  const head = records[0].map((h) => h.toLowerCase())
  const lonCol = head.findIndex((h) => LON_NAMES.includes(h))
  const latCol = head.findIndex((h) => LAT_NAMES.includes(h))
  const headed = lonCol >= 0 && latCol >= 0
  if (!headed && checkPoint(records[0][0], records[0][1]) !== null && records[0].some((h) => /[a-z\u4e00-\u9fff]/i.test(h))) {
    return { points: [], rejected: [], error: 'noColumns' }
  }
  const out: ParsedCandidates = { points: [], rejected: [] }
  const rows = headed ? records.slice(1) : records
  rows.forEach((r, n) => collect(out, n + 1, r[headed ? lonCol : 0], r[headed ? latCol : 1]))
  return out
}

/** Reads a chosen file: GeoJSON when its name ends in .geojson/.json or its text starts with `{`, else CSV. */
export async function parseCandidateFile(file: File): Promise<ParsedCandidates> {
  const text = await file.text()
  const geojson = /\.(geo)?json$/i.test(file.name) || text.trimStart().startsWith('{')
  return geojson ? parseGeoJsonCandidates(text) : parseCsvCandidates(text)
}

/**
 * The file rows of the candidates a solve error names by index ("… outside area 3 (…) at indexes
 * 0, 4"), so the planner can find them in the file; null when the message names none.
 */
export function rowsOfIndexes(message: string, points: CandidatePoint[]): number[] | null {
  const m = /at indexes ([\d, ]+)/.exec(message)
  if (!m) return null
  return m[1].split(',').map((s) => Number(s.trim())).filter((i) => Number.isInteger(i) && points[i]?.row !== undefined).map((i) => points[i].row!)
}
