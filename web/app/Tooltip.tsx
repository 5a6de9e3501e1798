import type { PickingInfo } from '@deck.gl/core'
import { useTranslation } from 'react-i18next'
import type { IncidentPoints } from '../incidents/decode.ts'
import type { AreaFeature, StationFeature } from './client.ts'
import { formatDate, formatNumber } from './format.ts'

interface Props {
  info: PickingInfo
  incidents?: IncidentPoints
  incidentTypes: string[]
}

/** Hover card for areas (name, level, households), stations and incident points. */
export function Tooltip({ info, incidents, incidentTypes }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const id = info.layer?.id
  let body: React.ReactNode = null
  if (id === 'area-children' && info.object) {
    const p = (info.object as AreaFeature).properties
    body = (
      <>
        <strong>{p.name}</strong>
        <span className="muted">{t(`level.${p.level}`)} · {p.code}</span>
        <span>{t('tooltip.households')}: {formatNumber(p.households, lang)}</span>
        <span>{t('tooltip.population')}: {formatNumber(p.population, lang)}</span>
      </>
    )
  } else if (id === 'stations' && info.object) {
    const p = (info.object as StationFeature).properties
    body = (
      <>
        <strong>{p.name}</strong>
        <span className="muted">{t(`stationType.${p.type}`, { defaultValue: p.type })}</span>
        <span>{t('tooltip.serviceRadius', { m: formatNumber(p.service_radius_m, lang) })}</span>
        {p.opened_on && <span>{t('tooltip.opened')}: {formatDate(p.opened_on, lang)}</span>}
      </>
    )
  } else if (id === 'incidents' && incidents && info.index >= 0 && info.index < incidents.length) {
    const ty = incidentTypes[incidents.typeIndex[info.index]] ?? '?'
    body = (
      <>
        <strong>{t(`incidentType.${ty}`, { defaultValue: ty })}</strong>
        <span className="muted">{t('incident.clickForDetails')}</span>
      </>
    )
  }
  if (!body) return null
  return (
    <div className="tooltip" style={{ left: info.x + 14, top: info.y + 14 }} data-testid="tooltip">
      {body}
    </div>
  )
}
