import { useTranslation } from 'react-i18next'
import { formatDateTime } from '../app/format.ts'
import type { IncidentDetail } from './queries.ts'
import type { Worker } from './WorkflowActions.tsx'

/** Every change of the incident, oldest first: who, when, from → to (or what was edited), comment. */
export function IncidentHistory({ detail, workers }: { detail: IncidentDetail; workers: Worker[] }) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const status = (s: string) => t(`incident.status.${s}`, { defaultValue: s })
  const nameOf = (id: number) => workers.find((w) => w.id === id)?.name ?? (detail.assignee?.id === id ? detail.assignee.name : `#${id}`)
  if (detail.history.length === 0) return <p className="hint">{t('incident.noHistory')}</p>
  return (
    <ol className="history" data-testid="incident-history">
      {detail.history.map((e, i) => {
        const edited = e.from === e.to && e.detail?.edited
        return (
          <li key={i} data-to={e.to}>
            <div className="history-head">
              <span className="muted">{formatDateTime(e.at, lang)}</span>
              <span className="muted">{e.username ?? '—'}</span>
            </div>
            <div>
              {edited ? (
                t('incident.edited', { fields: edited.map((f) => t(`incident.field.${f}`, { defaultValue: f })).join('、') })
              ) : (
                <>
                  {e.from && <span className={`status status-${e.from}`}>{status(e.from)}</span>}
                  {e.from && <span className="arrow"> → </span>}
                  <span className={`status status-${e.to}`}>{status(e.to)}</span>
                  {e.detail?.source === 'import' && <span className="muted"> {t('incident.viaImport')}</span>}
                  {e.detail?.assignee_id != null && <span> · {nameOf(e.detail.assignee_id)}</span>}
                  {e.detail?.partner_unit && <span> · {t(`incident.partner.${e.detail.partner_unit}`, { defaultValue: e.detail.partner_unit })}</span>}
                </>
              )}
            </div>
            {e.comment && <div className="history-comment">{e.comment}</div>}
          </li>
        )
      })}
    </ol>
  )
}
