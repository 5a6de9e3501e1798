import { useTranslation } from 'react-i18next'
import { STATION_TYPES } from '../../geo-data/generate/types.ts'

export type StationType = (typeof STATION_TYPES)[number]

/** What the register and edit forms hold, as typed (numbers as text until submitted). */
export interface StationDraft {
  type: StationType
  name: string
  radius: string
  openedOn: string
  capacity: string
  notes: string
}

/** The draft's fields as the API takes them: blank radius → the type's default (new) or unchanged (edit); blanks → null. */
export function draftValues(d: StationDraft) {
  return {
    type: d.type,
    name: d.name.trim(),
    service_radius_m: d.radius.trim() ? Number(d.radius) : undefined,
    opened_on: d.openedOn || null,
    capacity: d.capacity.trim() ? Number(d.capacity) : null,
    notes: d.notes.trim() || null,
  }
}

/** Type, name, service radius, opening date, capacity and notes: shared by the register and edit forms. */
export function StationFields({ draft, onChange, radiusPlaceholder }: { draft: StationDraft; onChange(patch: Partial<StationDraft>): void; radiusPlaceholder?: string }) {
  const { t } = useTranslation()
  return (
    <>
      <label className="field">
        <span>{t('stations.field.type')}</span>
        <select value={draft.type} onChange={(e) => onChange({ type: e.target.value as StationType })} data-testid="station-type">
          {STATION_TYPES.map((ty) => (
            <option key={ty} value={ty}>{t(`stationType.${ty}`)}</option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('stations.field.name')}</span>
        <input value={draft.name} maxLength={100} required onChange={(e) => onChange({ name: e.target.value })} data-testid="station-name" />
      </label>
      <div className="row">
        <label className="field inline">
          <span>{t('stations.field.radius')}</span>
          <input type="number" min={1} max={10000} step="any" value={draft.radius} placeholder={radiusPlaceholder} onChange={(e) => onChange({ radius: e.target.value })} data-testid="station-radius" />
        </label>
        <label className="field inline">
          <span>{t('stations.field.capacity')}</span>
          <input type="number" min={0} step={1} value={draft.capacity} onChange={(e) => onChange({ capacity: e.target.value })} data-testid="station-capacity" />
        </label>
      </div>
      <label className="field">
        <span>{t('stations.field.openedOn')}</span>
        <input type="date" value={draft.openedOn} onChange={(e) => onChange({ openedOn: e.target.value })} data-testid="station-opened" />
      </label>
      <label className="field">
        <span>{t('stations.field.notes')}</span>
        <textarea rows={2} maxLength={2000} value={draft.notes} onChange={(e) => onChange({ notes: e.target.value })} data-testid="station-notes" />
      </label>
    </>
  )
}
