import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { colorOf, css, INCIDENT_COLORS } from '../map/colors.ts'
import { DETAIL_ZOOM } from '../map/useMapLayers.ts'
import { lastDays } from '../incidents/queries.ts'
import type { AppConfig } from './client.ts'
import { formatDateTime, formatNumber } from './format.ts'
import { updateSettings, type LayerVisibility, type Settings } from './settings.ts'

const LAYER_KEYS: (keyof LayerVisibility)[] = ['areas', 'grids', 'microGrids', 'stations', 'incidents', 'roads', 'buildings', 'labels']
const PERIODS = [7, 30, 90, 365]

interface Props {
  config?: AppConfig
  settings: Settings
  shownIncidents?: number
  zoom?: number
  gridCount: number
  /** False for planners: incidents are aggregates only, so their layer and filters are hidden. */
  readsCases: boolean
  /** A report is being made (its button shows as pressed). */
  reporting?: boolean
  /** The period the map's incidents cover (defaults to the last `periodDays` from now). */
  period?: { from: string; to: string }
  onReport?(): void
  onImport?(): void
}

/** Incident actions (report, import), layer toggles, incident period and type filter. */
export function LayerPanel({ config, settings, shownIncidents, zoom, gridCount, readsCases, reporting, onReport, onImport, period: shownPeriod }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const ownPeriod = useMemo(() => lastDays(settings.periodDays), [settings.periodDays])
  const period = shownPeriod ?? ownPeriod
  const setLayer = (k: keyof LayerVisibility, v: boolean) => updateSettings((s) => ({ layers: { ...s.layers, [k]: v } }))
  const toggleType = (ty: string, on: boolean) =>
    updateSettings((s) => ({ hiddenIncidentTypes: on ? s.hiddenIncidentTypes.filter((x) => x !== ty) : [...new Set([...s.hiddenIncidentTypes, ty])] }))
  const zoomedOut = zoom !== undefined && zoom < DETAIL_ZOOM

  return (
    <aside className="panel layer-panel" data-testid="layer-panel" data-grid-count={gridCount}>
      {readsCases && (onReport || onImport) && (
        <div className="incident-actions">
          {onReport && (
            <button type="button" className={`button report ${reporting ? 'pressed' : ''}`} aria-pressed={!!reporting} onClick={onReport} data-testid="report-button">
              ＋ {t('incident.report')}
            </button>
          )}
          {onImport && (
            <button type="button" className="button" onClick={onImport} data-testid="import-button">
              {t('incident.import')}
            </button>
          )}
        </div>
      )}
      <h2>{t('layers.title')}</h2>
      <ul className="toggles">
        {LAYER_KEYS.filter((k) => readsCases || k !== 'incidents').map((k) => (
          <li key={k} className={zoomedOut && (k === 'microGrids' || k === 'buildings') ? 'dim' : ''}>
            <label className="check">
              <input type="checkbox" checked={settings.layers[k]} onChange={(e) => setLayer(k, e.target.checked)} data-testid={`toggle-${k}`} />
              {t(`layers.${k}`)}
            </label>
          </li>
        ))}
      </ul>
      {!readsCases && <p className="hint" data-testid="aggregates-only">{t('layers.aggregatesOnly')}</p>}
      {readsCases && (
        <>
      <h3>{t('layers.period')}</h3>
      <select value={settings.periodDays} onChange={(e) => updateSettings({ periodDays: Number(e.target.value) })}>
        {PERIODS.map((n) => (
          <option key={n} value={n}>
            {t('layers.days', { n })}
          </option>
        ))}
      </select>
      <p className="hint">
        {formatDateTime(period.from, lang)} – {formatDateTime(period.to, lang)}
      </p>
      <h3>
        {t('layers.incidentTypes')}
        <span className="inline-actions">
          <button type="button" className="link" onClick={() => updateSettings({ hiddenIncidentTypes: [] })}>
            {t('layers.all')}
          </button>
          <button type="button" className="link" onClick={() => updateSettings({ hiddenIncidentTypes: [...(config?.incidentTypes ?? [])] })}>
            {t('layers.none')}
          </button>
        </span>
      </h3>
      <ul className="types">
        {(config?.incidentTypes ?? []).map((ty) => (
          <li key={ty}>
            <label className="check">
              <input type="checkbox" checked={!settings.hiddenIncidentTypes.includes(ty)} onChange={(e) => toggleType(ty, e.target.checked)} />
              <span className="swatch dot" style={{ background: css(colorOf(INCIDENT_COLORS, ty)) }} />
              {t(`incidentType.${ty}`, { defaultValue: ty })}
            </label>
          </li>
        ))}
      </ul>
      {shownIncidents !== undefined && (
        <p className="hint" data-testid="shown-incidents" data-count={shownIncidents}>
          {t('layers.shown', { n: formatNumber(shownIncidents, lang) })}
        </p>
      )}
        </>
      )}
    </aside>
  )
}
