import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../incidents/errors.ts'
import { draftValues, StationFields, type StationDraft } from './StationFields.tsx'
import { refreshAfterStationWrite, registerStation, type StationDetail } from './queries.ts'

/** Registering a station: the point picked on the map, then its record; a blank radius takes the type's default. */
export function StationForm({ point, onCancel, onCreated }: { point: [number, number] | null; onCancel(): void; onCreated(s: StationDetail): void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [draft, setDraft] = useState<StationDraft>({ type: 'self_governance', name: '', radius: '', openedOn: '', capacity: '', notes: '' })
  const submit = useMutation({
    mutationFn: (at: [number, number]) => {
      const { service_radius_m, ...rest } = draftValues(draft)
      return registerStation({ ...rest, lon: at[0], lat: at[1], ...(service_radius_m === undefined ? {} : { service_radius_m }) })
    },
    onSuccess: async (created) => {
      await refreshAfterStationWrite(qc, created)
      onCreated(created)
    },
  })
  return (
    <form
      className="incident-form station-form"
      data-testid="station-form"
      onSubmit={(e) => {
        e.preventDefault()
        if (point) submit.mutate(point)
      }}
    >
      <h3>{t('stations.addTitle')}</h3>
      <div className="field">
        <span>{t('stations.field.location')}</span>
        {point ? (
          <span data-testid="station-location"><strong>{point[0].toFixed(6)}, {point[1].toFixed(6)}</strong> <span className="muted">· {t('stations.repick')}</span></span>
        ) : (
          <span className="pick-hint">{t('stations.pickHint')}</span>
        )}
      </div>
      <StationFields draft={draft} onChange={(p) => setDraft((d) => ({ ...d, ...p }))} radiusPlaceholder={t('stations.typeDefault')} />
      <div className="row">
        <button type="submit" className="button primary" disabled={!point || !draft.name.trim() || submit.isPending} data-testid="station-submit">{t('stations.register')}</button>
        <button type="button" className="button" onClick={onCancel}>{t('stations.cancel')}</button>
      </div>
      {submit.error && <p className="form-error" role="alert" data-testid="station-form-error">{errorText(t, submit.error)}</p>}
    </form>
  )
}
