import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { errorText } from './errors.ts'
import { TypeAndDescription } from './fields.tsx'
import { editIncident, incidentDetailQuery, refreshAfterWrite, type IncidentChanges, type IncidentDetail } from './queries.ts'

/** Edits an open incident's type and description; the API's message is shown on 403/409/422. */
export function IncidentEditForm({ detail, incidentTypes, onDone }: { detail: IncidentDetail; incidentTypes: string[]; onDone(): void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [type, setType] = useState(detail.type)
  const [description, setDescription] = useState(detail.description)
  const save = useMutation({
    mutationFn: () => {
      const changes: IncidentChanges = {}
      if (type !== detail.type) changes.type = type
      if (description !== detail.description) changes.description = description
      return editIncident(detail.id, changes)
    },
    onSuccess: async (updated) => {
      await refreshAfterWrite(qc, updated)
      onDone()
    },
    onError: () => qc.invalidateQueries({ queryKey: incidentDetailQuery(detail.id).queryKey }),
  })
  const unchanged = type === detail.type && description === detail.description
  return (
    <form
      className="incident-form"
      data-testid="incident-edit"
      onSubmit={(e) => {
        e.preventDefault()
        if (!unchanged) save.mutate()
      }}
    >
      <TypeAndDescription types={incidentTypes.includes(detail.type) ? incidentTypes : [detail.type, ...incidentTypes]} type={type} description={description} onType={setType} onDescription={setDescription} testId="edit" />
      <div className="row">
        <button type="submit" className="button primary" disabled={unchanged || save.isPending} data-testid="edit-save">
          {t('incident.save')}
        </button>
        <button type="button" className="button" onClick={onDone}>
          {t('incident.cancel')}
        </button>
      </div>
      {save.error && <p className="form-error" role="alert" data-testid="edit-error">{errorText(t, save.error)}</p>}
    </form>
  )
}

/** While a move is under way: the prompt, then the picked point with confirm/cancel. */
export function MoveControls({ detail, target, onEnd }: { detail: IncidentDetail; target: [number, number] | null; onEnd(): void }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const move = useMutation({
    mutationFn: (to: [number, number]) => editIncident(detail.id, { lon: to[0], lat: to[1] }),
    onSuccess: async (updated) => {
      await refreshAfterWrite(qc, updated)
      onEnd()
    },
  })
  return (
    <div className="note move-note" data-testid="move-controls">
      {target ? (
        <>
          <p>{t('incident.moveTo', { lon: target[0].toFixed(6), lat: target[1].toFixed(6) })}</p>
          <div className="row">
            <button type="button" className="button primary" disabled={move.isPending} onClick={() => move.mutate(target)} data-testid="move-confirm">
              {t('incident.confirmMove')}
            </button>
            <button type="button" className="button" onClick={onEnd}>
              {t('incident.cancel')}
            </button>
          </div>
        </>
      ) : (
        <div className="row">
          <span>{t('incident.movePrompt')}</span>
          <button type="button" className="button" onClick={onEnd}>
            {t('incident.cancel')}
          </button>
        </div>
      )}
      {move.error && <p className="form-error" role="alert" data-testid="move-error">{errorText(t, move.error)}</p>}
    </div>
  )
}
