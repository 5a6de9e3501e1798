import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import type { Kpis } from './types.ts'

const KEYS = ['new', 'open', 'overdue', 'closed', 'median_close_hours'] as const
/** For these a rise is bad news (drawn red); for `closed` a rise is good. */
const RISE_IS_BAD: Record<(typeof KEYS)[number], boolean> = { new: true, open: true, overdue: true, closed: false, median_close_hours: true }

/** KPI cards with the change against the previous equal period. */
export function KpiCards({ kpis }: { kpis?: Kpis }) {
  const { t, i18n } = useTranslation()
  return (
    <div className="kpis" data-testid="kpis">
      {KEYS.map((k) => {
        const v = kpis?.current[k]
        const ch = kpis?.change[k] ?? null
        const tone = ch === null || ch === 0 ? 'flat' : ch > 0 === RISE_IS_BAD[k] ? 'bad' : 'good'
        return (
          <div key={k} className="kpi" data-kpi={k}>
            <div className="kpi-label">{t(`commander.kpi.${k}`)}</div>
            <div className="kpi-value">{v === undefined ? '…' : v === null ? '–' : formatNumber(v, i18n.language)}</div>
            <div className={`kpi-change ${tone}`} title={t('commander.kpi.previous', { n: kpis?.previous[k] ?? '–' })}>
              {ch === null ? t('commander.kpi.noChange') : `${ch > 0 ? '▲' : ch < 0 ? '▼' : '■'} ${formatNumber(Math.abs(ch) * 100, i18n.language, 1)}%`}
            </div>
          </div>
        )
      })}
    </div>
  )
}
