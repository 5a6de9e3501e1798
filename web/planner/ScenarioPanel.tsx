import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { User } from '../auth/queries.ts'
import type { ScenarioSummary } from './queries.ts'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** The objective in its unit: households for mclp, sites for lscp, metres of mean distance for p-median. */
function objectiveText(t: (k: string) => string, s: ScenarioSummary) {
  if (s.model === 'pmedian') return `${s.objective_before.toFixed(0)} → ${s.objective.toFixed(0)} ${t('planner.metres')}`
  if (s.model === 'lscp') return `${s.objective} ${t('planner.sites')}`
  return `+${Math.round(s.objective).toLocaleString()} ${t('planner.households')}`
}

/**
 * Saved scenarios of the area: open one on the map (its sites, service areas and coverage before →
 * after), tick two or more to compare them side by side (one column each), remove one's own.
 */
export function ScenarioPanel(props: {
  scenarios: ScenarioSummary[]
  user: User
  openedId: number | undefined
  onOpen: (id: number) => void
  onRemove: (id: number) => void
  removing: boolean
}) {
  const { t } = useTranslation()
  const [compared, setCompared] = useState<number[]>([])
  const toggle = (id: number) => setCompared((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id]))
  const columns = props.scenarios.filter((s) => compared.includes(s.id))
  const rows: [string, (s: ScenarioSummary) => string][] = [
    [t('scenarioCompare.model'), (s) => t(`planner.model.${s.model}`)],
    [t('planner.stationType'), (s) => t(`stationType.${s.stationType}`)],
    [t('scenarioCompare.radius'), (s) => `${s.radius} m`],
    [t('planner.distance'), (s) => t(`planner.distanceName.${s.distance}`)],
    [t('scenarioCompare.kOrTarget'), (s) => (s.k !== null ? String(s.k) : s.target !== null ? pct(s.target) : '–')],
    [t('scenarioCompare.coveredBefore'), (s) => `${s.covered_before.toLocaleString()} (${pct(s.share_before)})`],
    [t('scenarioCompare.coveredAfter'), (s) => `${s.covered_after.toLocaleString()} (${pct(s.share_after)})`],
    [t('scenarioCompare.objective'), (s) => objectiveText(t, s)],
    [t('planner.sites'), (s) => String(s.sites)],
  ]
  return (
    <section data-testid="scenarios">
      <h3>{t('planner.scenarios')}</h3>
      <table className="table compact">
        <thead>
          <tr>
            <th title={t('scenarioCompare.compare')}>⇄</th>
            <th>{t('planner.scenario')}</th>
            <th>{t('planner.savedBy')}</th>
            <th>{t('planner.after')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.scenarios.map((s) => (
            <tr key={s.id} data-scenario-id={s.id} className={props.openedId === s.id ? 'selected' : ''}>
              <td><input type="checkbox" checked={compared.includes(s.id)} onChange={() => toggle(s.id)} aria-label={t('scenarioCompare.compare')} data-testid="scenario-compare" /></td>
              <td title={new Date(s.created_at).toLocaleString()}>
                <button type="button" className="link" onClick={() => props.onOpen(s.id)} data-testid="scenario-open">{s.name} · {s.radius} m · {t(`planner.distanceName.${s.distance}`)}</button>
              </td>
              <td data-testid="scenario-by">{s.created_by.username}</td>
              <td>{pct(s.share_after)}</td>
              <td>
                {(s.created_by.id === props.user.id || props.user.role === 'admin') && (
                  <button type="button" className="link" onClick={() => props.onRemove(s.id)} disabled={props.removing} aria-label={t('planner.remove')} data-testid="scenario-remove">×</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {columns.length > 0 && (
        <div className="scenario-compare">
          {columns.length < 2 && <p className="hint">{t('scenarioCompare.pickMore')}</p>}
          <table className="table compact" data-testid="scenario-compare-table">
            <thead>
              <tr>
                <th />
                {columns.map((s) => <th key={s.id} data-scenario-id={s.id}>{s.name}</th>)}
              </tr>
            </thead>
            <tbody>
              {rows.map(([label, cell]) => (
                <tr key={label}>
                  <th>{label}</th>
                  {columns.map((s) => <td key={s.id}>{cell(s)}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
