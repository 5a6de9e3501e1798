/** What the browser reads of a CSV before uploading it: the header columns and the number of data rows. */
export interface CsvSummary {
  header: string[]
  rows: number
}

/**
 * Parses the file with the same parser and options as the server's importer (csv-parse, trimmed,
 * ragged rows allowed, empty lines skipped), so the row count here matches the server's numbering.
 * The parser is loaded only when a file is chosen.
 */
export async function summariseCsv(file: File): Promise<CsvSummary> {
  const [{ parse }, text] = await Promise.all([import('csv-parse/browser/esm/sync'), file.text()])
  const records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true })
  return { header: (records[0] ?? []).map((h) => h.trim()).filter(Boolean), rows: Math.max(0, records.length - 1) }
}
