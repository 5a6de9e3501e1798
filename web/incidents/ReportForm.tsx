import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { INCIDENT_SOURCES, type IncidentSource } from '../../geo-data/generate/types.ts'
import { errorText } from './errors.ts'
import { TypeAndDescription } from './fields.tsx'
import { refreshAfterWrite, reportIncident, type IncidentDetail, type NewIncident } from './queries.ts'

interface Props {
  incidentTypes: string[]
  /** The point picked on the map, or null until the user clicks. */
  point: [number, number] | null
  width: number
  onCancel(): void
  onCreated(detail: IncidentDetail): void
}

/** The report form beside the map: the picked point, type, description, source and optional reporter. */
export function ReportForm({ incidentTypes, point, width, onCancel, onCreated }: Props) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [type, setType] = useState(incidentTypes[0] ?? '')
  const [description, setDescription] = useState('')
  // Grid workers report mostly what they find walking their grid.
  const [source, setSource] = useState<IncidentSource>('patrol')
  const [name, setName] = useState('')
  const [phone, setPhone] = useState('')
  const submit = useMutation({
    mutationFn: (at: [number, number]) => {
      const body: NewIncident = { type, lon: at[0], lat: at[1], description: description.trim(), source }
      if (name.trim()) body.reporter_name = name.trim()
      if (phone.trim()) body.reporter_phone = phone.trim()
      return reportIncident(body)
    },
    onSuccess: async (created) => {
      await refreshAfterWrite(qc, created)
      onCreated(created)
    },
  })
  return (
    <aside className="panel incident-panel" style={{ width }} data-testid="report-form">
      <div className="panel-title">
        <h2>{t('incident.form.title')}</h2>
        <button type="button" className="icon-button" onClick={onCancel} aria-label={t('incident.cancel')} title={t('incident.cancel')}>
          ×
        </button>
      </div>
      <form
        className="incident-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (point) submit.mutate(point)
        }}
      >
        <div className="field">
          <span>{t('incident.form.location')}</span>
          {point ? (
            <span data-testid="report-location">
              <strong>{t('incident.form.picked', { lon: point[0].toFixed(6), lat: point[1].toFixed(6) })}</strong>
              <span className="muted"> · {t('incident.form.repick')}</span>
            </span>
          ) : (
            <span className="pick-hint" data-testid="report-location-hint">{t('incident.form.pickHint')}</span>
          )}
        </div>
        <TypeAndDescription
          types={incidentTypes}
          type={type}
          description={description}
          onType={setType}
          onDescription={setDescription}
          placeholder={t('incident.form.placeholder')}
          testId="report"
        />
        <label className="field">
          <span>{t('incident.source')}</span>
          <select value={source} onChange={(e) => setSource(e.target.value as IncidentSource)} data-testid="report-source">
            {INCIDENT_SOURCES.map((s) => (
              <option key={s} value={s}>
                {t(`incident.sourceType.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('incident.form.reporterName')}</span>
          <input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="report-name" />
        </label>
        <label className="field">
          <span>{t('incident.form.reporterPhone')}</span>
          <input value={phone} maxLength={20} inputMode="tel" onChange={(e) => setPhone(e.target.value)} data-testid="report-phone" />
        </label>
        <div className="row">
          <button type="submit" className="button primary" disabled={!point || !type || submit.isPending} data-testid="report-submit">
            {t('incident.form.submit')}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            {t('incident.cancel')}
          </button>
        </div>
        {submit.error && <p className="form-error" role="alert" data-testid="report-error">{errorText(t, submit.error)}</p>}
      </form>
    </aside>
  )
}
