import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { PARTNER_UNITS, TRANSITIONS, type PartnerUnit } from '../../api/incidents/workflow.ts'
import { errorText } from './errors.ts'
import { incidentDetailQuery, refreshAfterWrite, transitionIncident, type IncidentDetail, type IncidentStatus, type TransitionRequest } from './queries.ts'

export interface Worker {
  id: number
  name: string
  role: string
}

/** Dispatch target as an option value: `w:<person id>` or `p:<partner unit>`. */
type Target = `w:${number}` | `p:${PartnerUnit}` | ''

/**
 * The workflow buttons allowed from the incident's status (the API's own TRANSITIONS table), a
 * comment, and for dispatching a grid worker of the incident's grid or a partner unit.
 */
export function WorkflowActions({ detail, workers }: { detail: IncidentDetail; workers: Worker[] }) {
  const { t } = useTranslation()
  const qc = useQueryClient()
  const [comment, setComment] = useState('')
  const [target, setTarget] = useState<Target>('')
  const allowed = TRANSITIONS[detail.status]
  const move = useMutation({
    mutationFn: (to: IncidentStatus) => {
      const body: TransitionRequest = { to, comment }
      if (to === 'dispatched' && target.startsWith('w:')) body.assignee_id = Number(target.slice(2))
      if (to === 'dispatched' && target.startsWith('p:')) body.partner_unit = target.slice(2) as PartnerUnit
      return transitionIncident(detail.id, body)
    },
    onSuccess: async (updated) => {
      setComment('')
      setTarget('')
      await refreshAfterWrite(qc, updated)
    },
    // A 409 usually means someone else moved the case meanwhile: show its current status (the message stays).
    onError: () => qc.invalidateQueries({ queryKey: incidentDetailQuery(detail.id).queryKey }),
  })

  if (allowed.length === 0) return <p className="hint" data-testid="workflow-final">{t('incident.final')}</p>
  return (
    <div className="workflow" data-testid="workflow">
      <textarea
        className="comment"
        rows={2}
        maxLength={2000}
        placeholder={t('incident.comment')}
        aria-label={t('incident.comment')}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        data-testid="workflow-comment"
      />
      {allowed.includes('dispatched') && (
        <label className="field-row">
          <span>{t('incident.dispatchTo')}</span>
          <select value={target} onChange={(e) => setTarget(e.target.value as Target)} data-testid="dispatch-target">
            <option value="">{t('incident.chooseTarget')}</option>
            {workers.length > 0 && (
              <optgroup label={t('incident.workers')}>
                {workers.map((w) => (
                  <option key={w.id} value={`w:${w.id}`}>
                    {w.name} · {t(`role.${w.role}`, { defaultValue: w.role })}
                  </option>
                ))}
              </optgroup>
            )}
            <optgroup label={t('incident.partners')}>
              {PARTNER_UNITS.map((u) => (
                <option key={u} value={`p:${u}`}>
                  {t(`incident.partner.${u}`)}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
      )}
      <div className="row">
        {allowed.map((to) => (
          <button
            key={to}
            type="button"
            className={`button ${to === 'returned' ? 'danger' : 'primary'}`}
            disabled={move.isPending || (to === 'dispatched' && !target)}
            onClick={() => move.mutate(to)}
            data-testid={`transition-${to}`}
          >
            {t(`incident.action.${to}`)}
          </button>
        ))}
      </div>
      {move.error && (
        <p className="form-error" role="alert" data-testid="workflow-error">
          {errorText(t, move.error)}
        </p>
      )}
    </div>
  )
}
