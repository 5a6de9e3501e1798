import type { TFunction } from 'i18next'
import type { Suggestion } from './queries.ts'

/** A detail figure as text (absent: empty). */
const str = (v: Suggestion['detail'][string] | undefined) => (v === null || v === undefined ? '' : String(v))

/**
 * Why a checkpoint is suggested, in the user's language: the API's stable `reason_code` and the
 * figures in `detail` put into the sentence of web/app/i18n.ts `patrolReason` (incident and station
 * types by their translated names). The API's English `reason` is for other API users.
 */
export function reasonText(t: TFunction, s: Suggestion, lang: string): string {
  const d = s.detail
  const typeName = (code: string) => t(`incidentType.${code}`, { defaultValue: code })
  const sep = lang.startsWith('zh') ? '、' : ', '
  switch (s.reason_code) {
    case 'hotspot':
      return t('patrolReason.hotspot', { incidents: d.incidents, days: d.days, day: d.day, eps: d.eps_m, type: typeName(str(d.top_type)) })
    case 'open_incidents':
      return t('patrolReason.open_incidents', {
        incidents: d.incidents, building: str(d.building_name), compound: str(d.compound), since: d.since,
        types: (Array.isArray(d.types) ? d.types : []).map(typeName).join(sep),
      })
    case 'open_incident':
      return t('patrolReason.open_incident', { type: typeName(Array.isArray(d.types) ? d.types[0] : ''), since: d.since })
    case 'not_visited':
      return t('patrolReason.not_visited', { micro_grid: str(d.micro_grid_name), days: d.days, day: d.day })
    case 'station':
      return t('patrolReason.station', {
        station: str(d.station_name),
        type: t(`stationType.${str(d.type)}`, { defaultValue: str(lang.startsWith('zh') ? d.type_zh : d.type_en) }),
      })
    default:
      return s.reason
  }
}
