import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from '../incidents/errors.ts'
import { colorOf, css, STATION_COLORS } from '../map/colors.ts'
import { draftValues, StationFields, type StationDraft } from './StationFields.tsx'
import { editStation, refreshAfterStationWrite, shanghaiToday, stationDetailQuery, type StationChanges, type StationDetail } from './queries.ts'

interface Props {
  id: number
  /** Admins, commanders and planners edit; everyone else reads. */
  canManage: boolean
  /** A move is under way: the map is picking the new location. */
  moving: boolean
  moveTarget: [number, number] | null
  /** Absent where the map cannot pick a new place (the main map): no move button. */
  onMoveStart?(): void
  onMoveEnd(): void
  onClose(): void
}

/** One station: its record, and for managers edit, move (pick the new place on the map, confirm), close and reopen. */
export function StationPanel({ id, canManage, moving, moveTarget, onMoveStart, onMoveEnd, onClose }: Props) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const q = useQuery(stationDetailQuery(id))
  const [editing, setEditing] = useState(false)
  const write = useMutation({
    mutationFn: (changes: StationChanges) => editStation(id, changes),
    onSuccess: async (updated) => {
      await refreshAfterStationWrite(qc, updated)
      setEditing(false)
      onMoveEnd()
    },
  })
  const s = q.data
  return (
    <section className="station-panel" data-testid="station-panel" data-station-id={s?.id} data-state={s?.state} data-radius={s?.service_radius_m}>
      <div className="panel-title">
        {s && <span className="swatch dot" style={{ background: css(colorOf(STATION_COLORS, s.type)) }} />}
        <h3 data-testid="station-title">{s ? s.name : t('stations.loading')}</h3>
        <button type="button" className="icon-button" onClick={onClose} aria-label={t('panel.close')} title={t('panel.close')} data-testid="station-close-panel">×</button>
      </div>
      {q.error && <p className="form-error">{errorText(t, q.error)}</p>}
      {s && !editing && (
        <>
          <span className={`badge state-${s.state}`} data-testid="station-state">{t(`stations.state.${s.state}`)}</span>
          <dl className="facts">
            <dt>{t('stations.field.type')}</dt>
            <dd>{t(`stationType.${s.type}`)}</dd>
            <dt>{t('stations.field.radius')}</dt>
            <dd data-testid="station-radius-value">{t('stations.metres', { m: s.service_radius_m })}{s.service_radius_m === s.default_radius_m ? ` · ${t('stations.typeDefault')}` : ''}</dd>
            <dt>{t('stations.field.openedOn')}</dt>
            <dd>{s.opened_on ?? '—'}</dd>
            {s.closed_on && (
              <>
                <dt>{t('stations.field.closedOn')}</dt>
                <dd data-testid="station-closed-on">{s.closed_on}</dd>
              </>
            )}
            <dt>{t('stations.field.capacity')}</dt>
            <dd>{s.capacity ?? '—'}</dd>
            <dt>{t('stations.field.location')}</dt>
            <dd>{s.lon.toFixed(6)}, {s.lat.toFixed(6)}</dd>
            <dt>{t('stations.field.area')}</dt>
            <dd>{[s.community.name, s.grid.name, s.micro_grid.name].filter(Boolean).join(' › ')}</dd>
          </dl>
          {s.notes && <p className="description">{s.notes}</p>}
          {canManage && !moving && (
            <div className="row">
              <button type="button" className="button" onClick={() => setEditing(true)} data-testid="station-edit">{t('stations.edit')}</button>
              {onMoveStart && <button type="button" className="button" onClick={onMoveStart} data-testid="station-move">{t('stations.move')}</button>}
              {s.closed_on ? (
                <button type="button" className="button" disabled={write.isPending} onClick={() => write.mutate({ closed_on: null })} data-testid="station-reopen">{t('stations.reopen')}</button>
              ) : (
                <button type="button" className="button" disabled={write.isPending} onClick={() => write.mutate({ closed_on: shanghaiToday() })} data-testid="station-close">{t('stations.close')}</button>
              )}
            </div>
          )}
          {moving && (
            <div className="note move-note" data-testid="station-move-controls">
              {moveTarget ? (
                <>
                  <p>{t('stations.moveTo', { lon: moveTarget[0].toFixed(6), lat: moveTarget[1].toFixed(6) })}</p>
                  <div className="row">
                    <button type="button" className="button primary" disabled={write.isPending} onClick={() => write.mutate({ lon: moveTarget[0], lat: moveTarget[1] })} data-testid="station-move-confirm">
                      {t('stations.confirmMove')}
                    </button>
                    <button type="button" className="button" onClick={onMoveEnd}>{t('stations.cancel')}</button>
                  </div>
                </>
              ) : (
                <div className="row">
                  <span>{t('stations.movePrompt')}</span>
                  <button type="button" className="button" onClick={onMoveEnd}>{t('stations.cancel')}</button>
                </div>
              )}
            </div>
          )}
        </>
      )}
      {s && editing && <StationEditForm key={s.id} station={s} pending={write.isPending} onSave={(c) => write.mutate(c)} onCancel={() => setEditing(false)} />}
      {write.error && <p className="form-error" role="alert" data-testid="station-error">{errorText(t, write.error)}</p>}
    </section>
  )
}

/** The record's editable fields; only what changed is sent. */
function StationEditForm({ station: s, pending, onSave, onCancel }: { station: StationDetail; pending: boolean; onSave(c: StationChanges): void; onCancel(): void }) {
  const { t } = useTranslation()
  const [draft, setDraft] = useState<StationDraft>({
    type: s.type, name: s.name, radius: String(s.service_radius_m), openedOn: s.opened_on ?? '', capacity: s.capacity === null ? '' : String(s.capacity), notes: s.notes ?? '',
  })
  const v = draftValues(draft)
  const changes: StationChanges = {}
  if (v.type !== s.type) changes.type = v.type
  if (v.name !== s.name) changes.name = v.name
  if (v.service_radius_m !== undefined && v.service_radius_m !== s.service_radius_m) changes.service_radius_m = v.service_radius_m
  if (v.opened_on !== s.opened_on) changes.opened_on = v.opened_on
  if (v.capacity !== s.capacity) changes.capacity = v.capacity
  if (v.notes !== s.notes) changes.notes = v.notes
  const unchanged = Object.keys(changes).length === 0
  return (
    <form
      className="incident-form"
      data-testid="station-edit-form"
      onSubmit={(e) => {
        e.preventDefault()
        if (!unchanged) onSave(changes)
      }}
    >
      <StationFields draft={draft} onChange={(p) => setDraft((d) => ({ ...d, ...p }))} />
      <div className="row">
        <button type="submit" className="button primary" disabled={unchanged || pending} data-testid="station-save">{t('stations.save')}</button>
        <button type="button" className="button" onClick={onCancel}>{t('stations.cancel')}</button>
      </div>
    </form>
  )
}
