import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { ImportField } from '../../api/incidents/import.ts'
import { formatDateTime, formatNumber } from '../app/format.ts'
import { summariseCsv, type CsvSummary } from './csvHeader.ts'
import { errorText } from './errors.ts'
import { importIncidents, refreshAfterWrite, type ImportResult } from './queries.ts'

/** The importer's fields in its order; the two type checks below keep this list equal to the API's. */
const FIELDS = ['lon', 'lat', 'type', 'description', 'reported_at', 'source', 'reporter_name', 'reporter_phone'] as const satisfies readonly ImportField[]
const allFieldsListed: [Exclude<ImportField, (typeof FIELDS)[number]>] extends [never] ? true : false = true
void allFieldsListed
const REQUIRED: readonly ImportField[] = ['lon', 'lat', 'type']

type Mode = 'preview' | 'all' | 'valid'

/** CSV import: file, coordinate system, optional column mapping, preview (dry run), then all-or-nothing or valid rows. */
export function ImportDialog({ onClose }: { onClose(): void }) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const qc = useQueryClient()
  const dialog = useRef<HTMLDialogElement>(null)
  const [file, setFile] = useState<File | null>(null)
  const [summary, setSummary] = useState<CsvSummary | null>(null)
  const [readError, setReadError] = useState<string | null>(null)
  const [crs, setCrs] = useState<'wgs84' | 'gcj02'>('wgs84')
  const [mapping, setMapping] = useState<Partial<Record<ImportField, string>>>({})

  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])

  const run = useMutation({
    mutationFn: async (mode: Mode): Promise<{ mode: Mode; result: ImportResult }> => {
      const result = await importIncidents({
        file: file!,
        crs,
        mapping: Object.fromEntries(Object.entries(mapping).filter(([, col]) => col)) as Record<string, string>,
        dryRun: mode === 'preview',
        allOrNothing: mode === 'all',
      })
      return { mode, result }
    },
    onSuccess: async ({ mode, result }) => {
      if (mode !== 'preview' && result.imported > 0) await refreshAfterWrite(qc)
    },
  })

  const choose = async (f: File | null) => {
    setFile(f)
    setSummary(null)
    setReadError(null)
    setMapping({})
    run.reset()
    if (!f) return
    try {
      setSummary(await summariseCsv(f))
    } catch (err) {
      setReadError(t('incident.importDialog.readError', { message: (err as Error).message }))
    }
  }

  const n = (v: number) => formatNumber(v, lang)
  const out = run.data
  const rejected = out?.result.rejected ?? []
  return (
    <dialog ref={dialog} className="import-dialog" onCancel={onClose} onClose={onClose} data-testid="import-dialog">
      <div className="panel-title">
        <h2>{t('incident.importDialog.title')}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t('incident.importDialog.close')} title={t('incident.importDialog.close')}>
          ×
        </button>
      </div>
      <label className="field">
        <span>{t('incident.importDialog.file')}</span>
        <input type="file" accept=".csv,text/csv" onChange={(e) => void choose(e.target.files?.[0] ?? null)} data-testid="import-file" />
      </label>
      <p className="hint">{t('incident.importDialog.formatHint')}</p>
      {summary && (
        <p className="hint" data-testid="import-summary">
          {t('incident.importDialog.fileSummary', { cols: summary.header.length, rows: n(summary.rows) })}
        </p>
      )}
      {readError && <p className="form-error">{readError}</p>}
      <fieldset className="crs">
        <legend>{t('incident.importDialog.crs')}</legend>
        {(['wgs84', 'gcj02'] as const).map((c) => (
          <label key={c} className="check">
            <input type="radio" name="crs" value={c} checked={crs === c} onChange={() => setCrs(c)} data-testid={`import-crs-${c}`} />
            {t(`incident.importDialog.${c}`)}
          </label>
        ))}
      </fieldset>
      {summary && summary.header.length > 0 && (
        <details className="mapping">
          <summary>{t('incident.importDialog.mapping')}</summary>
          <table className="table" data-testid="import-mapping">
            <tbody>
              {FIELDS.map((f) => (
                <tr key={f}>
                  <td>
                    {t(`incident.field.${f}`)} <code className="muted">{f}</code>
                    {REQUIRED.includes(f) && <span className="muted"> · {t('incident.importDialog.required')}</span>}
                  </td>
                  <td>
                    <select value={mapping[f] ?? ''} onChange={(e) => setMapping((m) => ({ ...m, [f]: e.target.value }))} data-testid={`import-map-${f}`}>
                      <option value="">{t('incident.importDialog.auto')}</option>
                      {summary.header.map((h) => (
                        <option key={h} value={h}>
                          {h}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <div className="row">
        <button type="button" className="button" disabled={!file || run.isPending} onClick={() => run.mutate('preview')} data-testid="import-preview">
          {t('incident.importDialog.preview')}
        </button>
        <button type="button" className="button primary" disabled={!file || run.isPending} onClick={() => run.mutate('all')} data-testid="import-commit-all">
          {t('incident.importDialog.commitAll')}
        </button>
        <button type="button" className="button primary" disabled={!file || run.isPending} onClick={() => run.mutate('valid')} data-testid="import-commit-valid">
          {t('incident.importDialog.commitValid')}
        </button>
      </div>
      {run.isPending && <p className="hint">{t('incident.importDialog.working')}</p>}
      {run.error && <p className="form-error" role="alert" data-testid="import-error">{errorText(t, run.error)}</p>}
      {out && (
        <section className="import-result" data-testid="import-result" data-mode={out.mode} data-imported={out.result.imported} data-rejected={rejected.length}>
          <h3>
            {out.mode === 'preview'
              ? t('incident.importDialog.previewTitle', {
                  // The dry run lists at most 20 rows; the count is every data row not rejected.
                  n: n(out.result.would_import ?? (summary ? Math.max(0, summary.rows - rejected.length) : (out.result.preview?.length ?? 0))),
                  m: n(rejected.length),
                })
              : out.mode === 'all' && out.result.imported === 0 && rejected.length > 0
                ? t('incident.importDialog.nothingImported', { m: n(rejected.length) })
                : t('incident.importDialog.importedTitle', { n: n(out.result.imported), m: n(rejected.length) })}
          </h3>
          {rejected.length > 0 && (
            <>
              <h4>{t('incident.importDialog.rejected')}</h4>
              <div className="table-scroll">
                <table className="table" data-testid="import-rejected">
                  <thead>
                    <tr>
                      <th>{t('incident.importDialog.row')}</th>
                      <th>{t('incident.importDialog.reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rejected.map((r) => (
                      <tr key={r.row} data-row={r.row}>
                        <td>{r.row}</td>
                        <td>{r.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {out.mode === 'preview' && out.result.preview && out.result.preview.length > 0 && (
            <>
              <h4>{t('incident.importDialog.previewRows', { n: out.result.preview.length })}</h4>
              <div className="table-scroll">
                <table className="table" data-testid="import-preview-rows">
                  <thead>
                    <tr>
                      <th>{t('incident.importDialog.row')}</th>
                      <th>{t('incident.field.type')}</th>
                      <th>{t('incident.importDialog.lonLat')}</th>
                      <th>{t('incident.importDialog.time')}</th>
                      <th>{t('incident.importDialog.microGrid')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {out.result.preview.map((p) => (
                      <tr key={p.row}>
                        <td>{p.row}</td>
                        <td>{t(`incidentType.${p.type}`, { defaultValue: p.type })}</td>
                        <td>
                          {p.lon.toFixed(6)}, {p.lat.toFixed(6)}
                        </td>
                        <td>{formatDateTime(p.reported_at, lang)}</td>
                        <td>#{p.micro_grid_id}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
      )}
    </dialog>
  )
}
