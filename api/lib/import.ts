/** Pieces every file import shares (incidents, stations): reading the upload, CSV records, coordinates. */
import { parse } from 'csv-parse/sync'
import gcoord from 'gcoord'
import { ApiFailure } from './errors.ts'

/** Coordinates as a file gives them: WGS84 (GPS, Tianditu) or GCJ-02 (Amap, Tencent). */
export type ImportCrs = 'wgs84' | 'gcj02'

/** The uploaded form field as UTF-8 text; anything else is a 400 (`code` names the failure for the client). */
export async function readUploadedText(file: unknown, what = 'CSV', code = 'invalid_csv'): Promise<string> {
  if (!(file instanceof File)) throw new ApiFailure(400, 'invalid_request', `file: attach the ${what} as the form field "file"`)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer())
  } catch {
    throw new ApiFailure(400, code, 'the file is not UTF-8 text')
  }
}

/**
 * The records of a CSV text (BOM dropped, cells trimmed, ragged rows allowed, empty lines skipped;
 * web/incidents/csvHeader.ts parses with the same options, so row numbers agree). The first record
 * is the header; a file without a data row, or with more than `maxRows`, is refused.
 */
export function readCsvRecords(text: string, maxRows: number): string[][] {
  let records: string[][]
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][]
  } catch (err) {
    throw new ApiFailure(400, 'invalid_csv', `not a readable CSV file: ${(err as Error).message.slice(0, 200)}`)
  }
  if (records.length < 2) throw new ApiFailure(400, 'invalid_csv', 'the file needs a header row and at least one data row')
  if (records.length - 1 > maxRows) throw new ApiFailure(413, 'too_many_rows', `at most ${maxRows} rows per import`)
  return records
}

/**
 * A location from a file's lon/lat (text or numbers) in WGS84, or the reason it is not one:
 * not numbers, out of range (with a hint when the columns look swapped), or (0, 0). GCJ-02 input
 * is converted with gcoord after the range checks.
 */
export function parseLonLat(lonIn: unknown, latIn: unknown, crs: ImportCrs): { lon: number; lat: number } | { reason: string } {
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN)
  let lon = num(lonIn)
  let lat = num(latIn)
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return { reason: 'lon/lat must be numbers' }
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return { reason: lon >= -90 && lon <= 90 && lat >= -180 && lat <= 180 ? 'lon/lat out of range (swapped columns?)' : 'lon/lat out of range' }
  }
  if (lon === 0 && lat === 0) return { reason: '(0, 0) is not a location' }
  if (crs === 'gcj02') [lon, lat] = gcoord.transform([lon, lat], gcoord.GCJ02, gcoord.WGS84) as [number, number]
  return { lon, lat }
}
