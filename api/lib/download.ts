/** CSV and GeoJSON downloads: RFC 4180 fields built in SQL, a file response with its name and length. */
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql, type SQL } from 'drizzle-orm'

export const ExportFormat = z.enum(['csv', 'geojson']).openapi({ description: 'csv (UTF-8 with BOM, RFC 4180) or geojson' })
export type ExportFormat = z.infer<typeof ExportFormat>

/** UTF-8 byte-order mark: without it Excel reads a CSV in the local code page and garbles Chinese. */
export const CSV_BOM = '\uFEFF'

const CSV_TYPE = 'text/csv; charset=utf-8; header=present'
const GEOJSON_TYPE = 'application/geo+json; charset=utf-8'

/**
 * SQL: a text value as one RFC 4180 field, always quoted (inner quotes doubled; commas and line
 * breaks stay inside the quotes). A value starting with = + - @ (or tab / CR) gets a leading `'`, so
 * a spreadsheet shows it as text instead of evaluating a formula (OWASP "CSV injection"). NULL → NULL.
 */
export const csvText = (value: SQL) =>
  sql`'"' || replace(case when left(${value}, 1) = any (array['=', '+', '-', '@', chr(9), chr(13)]) then '''' || ${value} else ${value} end, '"', '""') || '"'`

/** SQL: one CSV record of text fields ending in CRLF; a NULL field is written empty. */
export const csvRecord = (fields: SQL[]) => sql`array_to_string(array[${sql.join(fields, sql`, `)}]::text[], ',', '') || chr(13) || chr(10)`

/** The header record of a CSV (column names are constants of this code, never input). */
export const csvHeader = (names: readonly string[]) => `${CSV_BOM}${names.join(',')}\r\n`

/** Today's date in Asia/Shanghai (the users' calendar), `YYYY-MM-DD`, for file names. */
export const shanghaiDate = (d = new Date()) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(d)

/** A download response: the body's parts sent in order as UTF-8, with a file name and its exact length. */
export function download(c: Context, parts: string[], format: ExportFormat, basename: string, headers: Record<string, string> = {}) {
  const chunks = parts.map((p) => Buffer.from(p, 'utf8'))
  let next = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++])
      else controller.close()
    },
  })
  return c.body(body, 200, {
    'Content-Type': format === 'csv' ? CSV_TYPE : GEOJSON_TYPE,
    'Content-Disposition': `attachment; filename="${basename}.${format === 'csv' ? 'csv' : 'geojson'}"`,
    'Content-Length': String(chunks.reduce((n, b) => n + b.length, 0)),
    'Cache-Control': 'no-store',
    ...headers,
  })
}

/** OpenAPI responses of a download in either format. */
export const downloadResponses = (description: string) => ({
  200: {
    description,
    headers: { 'Content-Disposition': { schema: { type: 'string' as const }, description: 'attachment; filename="….csv|geojson"' } },
    content: {
      'text/csv': { schema: z.string().openapi({ description: 'UTF-8 with BOM, header row, CRLF, RFC 4180 quoting' }) },
      'application/geo+json': { schema: z.string().openapi({ description: 'GeoJSON FeatureCollection (WGS84)' }) },
    },
  },
})
