import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import { errorText } from '../incidents/errors.ts'
import { aggregateQuery, weekOf, type ComplianceBy, type ComplianceGroup } from './queries.ts'

const BYS: ComplianceBy[] = ['member', 'grid', 'day']

interface Props {
  area: number | undefined
  day: string
  live: boolean
  /** The person the playback shows alone, if any. */
  focus: number | undefined
  /** A click on a member's row: show only that person's tracks (again: everyone). */
  onFocus(person: number | undefined): void
}

/** Highest mean score first; groups without a scored task last. */
const byScore = (a: ComplianceGroup, b: ComplianceGroup) => (b.score_mean ?? -1) - (a.score_mean ?? -1)

/**
 * Statistics of the area's patrol tasks (GET /api/patrols/compliance) for the page's day or its week,
 * by member, grid or day: tasks, checkpoints visited, distance, time and mean score, best first.
 */
export function StatsPanel({ area, day, live, focus, onFocus }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const [period, setPeriod] = useState<'day' | 'week'>('day')
  const [by, setBy] = useState<ComplianceBy>('member')
  const { from, to } = period === 'day' ? { from: day, to: day } : weekOf(day)
  const stats = useQuery(aggregateQuery(area, from, to, by, live))
  const groups = stats.data ? [...stats.data.groups].sort(byScore) : []
  return (
    <section className="patrol-stats" data-testid="patrol-stats" data-from={from} data-to={to} data-by={by} data-count={stats.data ? groups.length : undefined}>
      <h3>{t('patrolStats.title')}</h3>
      <div className="row">
        <div className="segmented" role="group" aria-label={t('patrolStats.period')}>
          {(['day', 'week'] as const).map((x) => (
            <button key={x} type="button" className={period === x ? 'active' : ''} aria-pressed={period === x} onClick={() => setPeriod(x)} data-testid={`stats-period-${x}`}>
              {t(`patrolStats.periodOf.${x}`)}
            </button>
          ))}
        </div>
        <div className="segmented" role="group" aria-label={t('patrolStats.by')}>
          {BYS.map((x) => (
            <button key={x} type="button" className={by === x ? 'active' : ''} aria-pressed={by === x} onClick={() => setBy(x)} data-testid={`stats-by-${x}`}>
              {t(`patrolStats.byOf.${x}`)}
            </button>
          ))}
        </div>
      </div>
      {stats.error && <p className="form-error" role="alert">{errorText(t, stats.error)}</p>}
      {stats.data && groups.length === 0 && <p className="hint">{t('patrolStats.none')}</p>}
      {groups.length > 0 && (
        <table className="table compact stats-table">
          <thead>
            <tr>
              <th>{t(`patrolStats.byOf.${by}`)}</th>
              <th>{t('patrolStats.tasks')}</th>
              <th>{t('patrolStats.checkpoints')}</th>
              <th>{t('patrolStats.distance')}</th>
              <th>{t('patrolStats.time')}</th>
              <th>{t('patrolStats.score')}</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => {
              const person = by === 'member' ? Number(g.key) : undefined
              const chosen = person !== undefined && person === focus
              return (
                <tr
                  key={String(g.key)}
                  data-key={g.key}
                  className={`${person !== undefined ? 'clickable' : ''}${chosen ? ' selected' : ''}`}
                  onClick={person !== undefined ? () => onFocus(chosen ? undefined : person) : undefined}
                  title={person !== undefined ? t(chosen ? 'patrolStats.showAll' : 'patrolStats.showOnly') : undefined}
                >
                  <td>{g.label ?? g.key}</td>
                  <td data-col="tasks">{g.tasks}</td>
                  <td data-col="checkpoints">{g.checkpoints_visited}/{g.checkpoints_total}</td>
                  <td data-col="distance">{formatNumber(g.distance_m / 1000, lang, 1)} km</td>
                  <td data-col="time">{Math.round(g.duration_s / 60)} {t('patrolStats.min')}</td>
                  <td data-col="score">{g.score_mean === null ? '–' : formatNumber(g.score_mean, lang, 1)}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}
