import { useTranslation } from 'react-i18next'
import { ApiError } from '../app/api.ts'
import type { AreaDetail } from '../app/client.ts'
import { formatNumber } from '../app/format.ts'
import { css, IMPORT_ACTION_COLORS } from '../map/colors.ts'
import { childLevel, type AreaImport, type ImportField, type ImportProblem } from './areaImport.ts'
import { ProblemList } from './ProblemList.tsx'

/** The importer's fields in its order (IMPORT_FIELDS in api/areas/import-check.ts); the check below keeps them equal. */
const FIELDS = ['name', 'code', 'households'] as const satisfies readonly ImportField[]
const allFieldsListed: [Exclude<ImportField, (typeof FIELDS)[number]>] extends [never] ? true : false = true
void allFieldsListed

interface Props {
  detail: AreaDetail
  state: AreaImport
  /** Frame a problem that has a place on the map. */
  onFocus(problem: ImportProblem): void
}

/**
 * Boundary import of the selected area's children (issue 7; docs/import.md, "In the app"): file,
 * coordinate system and column mapping; each change previews again (POST /api/areas/import), the
 * map draws the features by action and the problems by kind, the list names every problem, and
 * "commit" is offered only when nothing blocks. Not modal: the map stays usable beside it.
 */
export function AreaImportDialog({ detail: d, state: s, onFocus }: Props) {
  const { t, i18n } = useTranslation()
  const n = (v: number) => formatNumber(v, i18n.language)
  const level = t(`level.${childLevel(d.level) ?? 'micro_grid'}`)
  const pv = s.preview
  const summary = pv?.summary
  const columns = summary?.file_columns ?? []
  const blocking = s.problems.filter((p) => p.properties.blocking)
  const warnings = s.problems.filter((p) => !p.properties.blocking)

  return (
    <section className="area-import import-dialog" data-testid="area-import" aria-label={t('areaImport.title', { level })}>
      <div className="area-import-head">
        <h3>{t('areaImport.title', { level })}</h3>
        <button type="button" className="icon-button" onClick={s.close} aria-label={t('areaImport.close')} title={t('areaImport.close')} data-testid="area-import-close">
          ×
        </button>
      </div>
      <p className="hint">{t('areaImport.formatHint', { level })}</p>
      <label className="field">
        <span>{t('areaImport.file')}</span>
        <input
          key={s.fileKey}
          type="file"
          accept=".geojson,.json,.zip,application/geo+json,application/json,application/zip"
          onChange={(e) => s.choose(e.target.files?.[0] ?? null)}
          data-testid="area-import-file"
        />
      </label>
      <fieldset className="crs">
        <legend>{t('areaImport.crs')}</legend>
        {(['wgs84', 'gcj02'] as const).map((c) => (
          <label key={c} className="check">
            <input type="radio" name="area-import-crs" value={c} checked={s.crs === c} onChange={() => s.setCrs(c)} data-testid={`area-import-crs-${c}`} />
            {t(`areaImport.${c}`)}
          </label>
        ))}
      </fieldset>
      <details className="mapping" open={s.previewError instanceof ApiError && s.previewError.code === 'invalid_mapping'}>
        <summary>{t('areaImport.mapping')}</summary>
        <datalist id="area-import-columns">
          {columns.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <table className="table" data-testid="area-import-mapping">
          <tbody>
            {FIELDS.map((f) => (
              <tr key={f}>
                <td>
                  {t(`areaImport.field.${f}`)} <code className="muted">{f}</code>
                  {f !== 'households' && <span className="muted"> · {t('areaImport.required')}</span>}
                </td>
                <td>
                  <input
                    type="text"
                    list="area-import-columns"
                    value={s.mapping[f] ?? ''}
                    placeholder={t('areaImport.columnPlaceholder', { column: summary?.columns[f] ?? t('areaImport.notFound') })}
                    onChange={(e) => s.setMapping(f, e.target.value)}
                    data-testid={`area-import-map-${f}`}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {columns.length > 0 && <p className="hint">{t('areaImport.columnsInFile', { columns: columns.join(', ') })}</p>}
      </details>
      {s.previewing && <p className="hint">{t('areaImport.previewing')}</p>}
      {s.previewError && (
        <p className="form-error" role="alert" data-testid="area-import-error" data-code={s.previewError instanceof ApiError ? s.previewError.code : undefined}>
          {s.previewError.message}
        </p>
      )}
      {s.committed && (
        <p className="coverage-summary good" data-testid="area-import-result">
          {t('areaImport.done', { inserted: n(s.committed.inserted.length), updated: n(s.committed.updated.length), removed: n(s.committed.removed.length) })}
          <span className="hint">
            {t('areaImport.relocated', {
              incidents: n(s.committed.relocated.incidents ?? 0),
              buildings: n(s.committed.relocated.buildings ?? 0),
              stations: n(s.committed.relocated.stations ?? 0),
              people: n((s.committed.relocated.people_links ?? 0) + (s.committed.relocated.user_links ?? 0)),
              tasks: n(s.committed.relocated.patrol_tasks ?? 0),
            })}
          </span>
        </p>
      )}
      {s.commitError && <p className="form-error" role="alert" data-testid="area-import-commit-error">{s.commitError.message}</p>}
      {pv && summary && (
        <div
          className="area-import-preview"
          data-testid="area-import-summary"
          data-features={summary.features}
          data-insert={summary.insert}
          data-update={summary.update}
          data-remove={summary.remove.length}
          data-blocking={summary.blocking}
          data-warnings={summary.warnings}
          data-committable={summary.committable}
        >
          <p className="hint">
            {t('areaImport.fileInfo', { format: summary.format, crs: summary.crs, encoding: summary.encoding ? ` · ${summary.encoding}` : '', n: n(summary.features) })}
          </p>
          <p className="area-import-counts" data-testid="area-import-counts">
            <span className="swatch" style={{ background: css(IMPORT_ACTION_COLORS.insert) }} />
            {t('areaImport.insert')} {n(summary.insert)}
            {' · '}
            <span className="swatch" style={{ background: css(IMPORT_ACTION_COLORS.update) }} />
            {t('areaImport.update')} {n(summary.update)}
            {' · '}
            {t('areaImport.remove')} {n(summary.remove.length)}
          </p>
          {summary.remove.length > 0 && (
            <p className="hint" data-testid="area-import-removes">
              {t('areaImport.removes')}
              {summary.remove.map((r) => `${r.name} (${r.code})`).join('、')}
            </p>
          )}
          <p className={`coverage-summary ${blocking.length ? 'bad' : 'good'}`}>
            {s.problems.length === 0 ? t('areaImport.noProblems') : (
              <>
                <span>{t('areaImport.blocking', { n: n(blocking.length) })}</span>
                <span>{t('areaImport.warnings', { n: n(warnings.length) })}</span>
              </>
            )}
          </p>
          {s.problems.length > 0 && (
            <ProblemList problems={s.problems} selected={s.selectedProblem} onSelect={s.select} onFocus={onFocus} testId="area-import-problems" />
          )}
          {!summary.committable && <p className="hint error">{t('areaImport.blockedHint')}</p>}
        </div>
      )}
      <div className="row">
        <button
          type="button"
          className="button primary"
          disabled={!summary?.committable || s.previewing || s.committing}
          onClick={s.commit}
          data-testid="area-import-commit"
        >
          {s.committing ? t('areaImport.committing') : t('areaImport.commit')}
        </button>
        <button type="button" className="button" disabled={!s.file && !pv && !s.previewError} onClick={s.discard} data-testid="area-import-discard">
          {t('areaImport.discard')}
        </button>
      </div>
    </section>
  )
}
