import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../incidents/errors.ts'
import { importStations, refreshAfterStationWrite, type StationImportResult } from './queries.ts'

/** Station import: a CSV or GeoJSON file, its coordinate system, a dry run listing every rejected record, then the all-or-nothing commit. */
export function StationImportDialog({ onClose }: { onClose(): void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const dialog = useRef<HTMLDialogElement>(null)
  const [file, setFile] = useState<File | null>(null)
  const [crs, setCrs] = useState<'wgs84' | 'gcj02'>('wgs84')
  useEffect(() => {
    const d = dialog.current
    if (d && !d.open) d.showModal()
  }, [])
  const run = useMutation({
    mutationFn: async (dryRun: boolean): Promise<{ dryRun: boolean; result: StationImportResult }> => ({ dryRun, result: await importStations({ file: file!, crs, dryRun }) }),
    onSuccess: async ({ result }) => {
      if (result.imported > 0) await refreshAfterStationWrite(qc)
    },
  })
  const out = run.data
  const rejected = out?.result.rejected ?? []
  return (
    <dialog ref={dialog} className="import-dialog" onCancel={onClose} onClose={onClose} data-testid="station-import-dialog">
      <div className="panel-title">
        <h2>{t('stations.import.title')}</h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t('panel.close')} title={t('panel.close')}>×</button>
      </div>
      <label className="field">
        <span>{t('stations.import.file')}</span>
        <input
          type="file"
          accept=".csv,.geojson,.json,text/csv,application/geo+json"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null)
            run.reset()
          }}
          data-testid="station-import-file"
        />
      </label>
      <p className="hint">{t('stations.import.formatHint')}</p>
      <fieldset className="crs">
        <legend>{t('incident.importDialog.crs')}</legend>
        {(['wgs84', 'gcj02'] as const).map((c) => (
          <label key={c} className="check">
            <input type="radio" name="station-crs" value={c} checked={crs === c} onChange={() => setCrs(c)} data-testid={`station-import-crs-${c}`} />
            {t(`incident.importDialog.${c}`)}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button type="button" className="button" disabled={!file || run.isPending} onClick={() => run.mutate(true)} data-testid="station-import-check">{t('stations.import.check')}</button>
        <button type="button" className="button primary" disabled={!file || run.isPending || !out?.dryRun || rejected.length > 0 || out.result.would_import === 0} onClick={() => run.mutate(false)} data-testid="station-import-commit">
          {t('stations.import.commit')}
        </button>
      </div>
      {run.isPending && <p className="hint">{t('incident.importDialog.working')}</p>}
      {run.error && <p className="form-error" role="alert">{errorText(t, run.error)}</p>}
      {out && (
        <section className="import-result" data-testid="station-import-result" data-dry-run={out.dryRun} data-imported={out.result.imported} data-rejected={rejected.length} data-would-import={out.result.would_import}>
          <h3>
            {out.dryRun
              ? t('stations.import.checked', { n: out.result.would_import, m: rejected.length })
              : out.result.imported > 0
                ? t('stations.import.imported', { n: out.result.imported })
                : t('stations.import.nothing', { m: rejected.length })}
          </h3>
          {rejected.length > 0 && (
            <div className="table-scroll">
              <table className="table" data-testid="station-import-rejected">
                <thead>
                  <tr>
                    <th>{t('stations.import.index')}</th>
                    <th>{t('incident.importDialog.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rejected.map((r) => (
                    <tr key={r.index}>
                      <td>{r.index}</td>
                      <td>{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </dialog>
  )
}
