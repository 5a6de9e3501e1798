import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AreaDetail } from '../app/client.ts'
import { formatDateTime, formatNumber, localDay } from '../app/format.ts'
import { areaHistoryQuery, type AsOf } from './history.ts'

/**
 * Boundary history of the area in the panel (issue 7): its versions (valid from, who, why, what
 * changed) and "as of a date": the children's boundaries on that day drawn over today's.
 */
export function HistoryPanel({ detail: d, asOf }: { detail: AreaDetail; asOf: AsOf }) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const [open, setOpen] = useState(false)
  const history = useQuery({ ...areaHistoryQuery(d.id), enabled: open })
  const versions = history.data?.features ?? []
  return (
    <details className="history-panel" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)} data-testid="area-history">
      <summary>{t('history.title')}</summary>
      {history.error && <p className="hint error">{t('app.error')}: {history.error.message}</p>}
      <ol className="versions" data-testid="area-versions" data-count={versions.length}>
        {versions.map((v) => (
          <li key={v.properties.version} data-version={v.properties.version}>
            <strong>v{v.properties.version}</strong> {t(`history.change.${v.properties.change}`)} · {formatDateTime(v.properties.valid_from, lang)}
            {v.properties.valid_to ? ` – ${formatDateTime(v.properties.valid_to, lang)}` : ` · ${t('history.current')}`}
            <div className="hint">
              {v.properties.name} · {formatNumber(Math.round(v.properties.area_m2), lang)} m²
              {v.properties.changed_by && ` · ${v.properties.changed_by}`}
              {v.properties.reason && ` · ${v.properties.reason === 'initial' ? t('history.initial') : v.properties.reason}`}
            </div>
          </li>
        ))}
      </ol>
      {d.children.length > 0 && (
        <div className="row as-of">
          <label>
            {t('history.asOf')}
            <input type="date" value={asOf.day ?? ''} max={localDay()} onChange={(e) => asOf.set(e.target.value || null)} data-testid="as-of-day" />
          </label>
          {asOf.day && (
            <button type="button" className="link" onClick={() => asOf.set(null)}>
              {t('coverage.clear')}
            </button>
          )}
        </div>
      )}
      {asOf.day && asOf.children && (
        <p className="hint" data-testid="as-of-summary" data-count={asOf.children.features.length}>
          {t('history.asOfSummary', { day: asOf.day, then: asOf.children.features.length, now: d.children.length })}
        </p>
      )}
    </details>
  )
}
