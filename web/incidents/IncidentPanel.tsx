import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { formatDateTime } from '../app/format.ts'
import { areaDetailQuery } from '../areas/queries.ts'
import { colorOf, css, INCIDENT_COLORS } from '../map/colors.ts'
import { errorText } from './errors.ts'
import { IncidentEditForm, MoveControls } from './IncidentEdit.tsx'
import { IncidentHistory } from './IncidentHistory.tsx'
import { incidentDetailQuery } from './queries.ts'
import type { IncidentSelection } from './useIncidentSelection.ts'
import { WorkflowActions, type Worker } from './WorkflowActions.tsx'

/** Statuses before dispatching (an incident in a later one without an assignee predates assignment records). */
const NOT_YET_DISPATCHED: readonly string[] = ['reported', 'accepted', 'returned']

interface Props {
  selection: IncidentSelection
  incidentTypes: string[]
  width: number
  /** A move is under way (the map is picking the new location). */
  moving: boolean
  moveTarget: [number, number] | null
  onChoose(id: number): void
  onClose(): void
  onMoveStart(): void
  onMoveEnd(): void
}

/** Side panel of one incident: facts, deadline and overdue flag, edit/move, workflow buttons and history. */
export function IncidentPanel({ selection, incidentTypes, width, moving, moveTarget, onChoose, onClose, onMoveStart, onMoveEnd }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const detailQ = useQuery(incidentDetailQuery(selection.id))
  const d = detailQ.data
  const grid = useQuery(areaDetailQuery(d?.grid_id))
  const micro = useQuery(areaDetailQuery(d?.micro_grid_id))
  const [editing, setEditing] = useState<number | null>(null)
  // The dispatch targets: the workers of the incident's grid and of its micro-grid (micro-grid leaders).
  const workers = useMemo<Worker[]>(() => {
    const all = [...(grid.data?.workers ?? []), ...(micro.data?.workers ?? [])]
    return all.filter((w, i) => all.findIndex((x) => x.id === w.id) === i)
  }, [grid.data, micro.data])

  const close = (
    <button type="button" className="icon-button" onClick={onClose} aria-label={t('panel.close')} title={t('panel.close')} data-testid="incident-close">
      ×
    </button>
  )
  if (!d) {
    const err = selection.error ?? detailQ.error
    return (
      <aside className="panel incident-panel" style={{ width }} data-testid="incident-panel">
        <div className="panel-title">
          <h2>{t('incident.panelTitle')}</h2>
          {close}
        </div>
        <p className="hint" data-testid="incident-panel-message">
          {err ? (selection.error ? t('incident.notFound') : errorText(t, err)) : t('incident.loading')}
        </p>
      </aside>
    )
  }
  const isClosed = d.status === 'closed'
  const dt = (iso: string | null) => (iso ? formatDateTime(iso, lang) : '—')
  return (
    <aside className="panel incident-panel" style={{ width }} data-testid="incident-panel" data-incident-id={d.id} data-status={d.status}>
      {selection.candidates.length > 1 && (
        <div className="same-spot" data-testid="same-spot">
          <span className="muted">{t('incident.sameSpot', { n: selection.candidates.length })}</span>
          {selection.candidates.map((c, i) => (
            <button key={c.id} type="button" className={`link ${c.id === d.id ? 'active' : ''}`} onClick={() => onChoose(c.id)}>
              {i + 1}
            </button>
          ))}
        </div>
      )}
      <div className="panel-title">
        <span className="swatch dot" style={{ background: css(colorOf(INCIDENT_COLORS, d.type)) }} />
        <h2 data-testid="incident-type">{t(`incidentType.${d.type}`, { defaultValue: d.type })}</h2>
        {close}
      </div>
      <div className="badges">
        <span className={`badge status status-${d.status}`} data-testid="incident-status">
          {t(`incident.status.${d.status}`)}
        </span>
        {d.overdue && (
          <span className="badge overdue" data-testid="incident-overdue">
            {t('incident.overdue')}
          </span>
        )}
      </div>
      <dl className="facts">
        <dt>{t('incident.id')}</dt>
        <dd>#{d.id}</dd>
        <dt>{t('incident.deadline')}</dt>
        <dd className={d.overdue ? 'overdue-text' : ''} data-testid="incident-deadline">{dt(d.deadline_at)}</dd>
        <dt>{t('incident.reportedAt')}</dt>
        <dd>{dt(d.reported_at)}</dd>
        {d.closed_at && (
          <>
            <dt>{t('incident.closedAt')}</dt>
            <dd>{dt(d.closed_at)}</dd>
          </>
        )}
        <dt>{t('incident.source')}</dt>
        <dd>{t(`incident.sourceType.${d.source}`, { defaultValue: d.source })}</dd>
        <dt>{t('incident.reporter')}</dt>
        <dd>{d.reporter_name ?? '—'}</dd>
        <dt>{t('incident.phone')}</dt>
        <dd>{d.reporter_phone ?? '—'}</dd>
        <dt>{t('incident.grid')}</dt>
        <dd data-testid="incident-grid" data-grid-id={d.grid_id}>{grid.data?.name ?? `#${d.grid_id}`}</dd>
        <dt>{t('incident.microGrid')}</dt>
        <dd>{micro.data?.name ?? `#${d.micro_grid_id}`}</dd>
        <dt>{d.partner_unit ? t('incident.partnerUnit') : t('incident.assignee')}</dt>
        <dd data-testid="incident-assignee">
          {d.assignee ? d.assignee.name : d.partner_unit ? t(`incident.partner.${d.partner_unit}`) : NOT_YET_DISPATCHED.includes(d.status) ? t('incident.notDispatched') : '—'}
        </dd>
      </dl>
      <p className="description" data-testid="incident-description">
        {d.description || <span className="muted">{t('incident.noDescription')}</span>}
      </p>
      {!isClosed && editing !== d.id && !moving && (
        <div className="row">
          <button type="button" className="button" onClick={() => setEditing(d.id)} data-testid="incident-edit-button">
            {t('incident.edit')}
          </button>
          <button type="button" className="button" onClick={onMoveStart} data-testid="incident-move-button">
            {t('incident.move')}
          </button>
        </div>
      )}
      {!isClosed && editing === d.id && <IncidentEditForm key={`edit-${d.id}`} detail={d} incidentTypes={incidentTypes} onDone={() => setEditing(null)} />}
      {!isClosed && moving && <MoveControls detail={d} target={moveTarget} onEnd={onMoveEnd} />}
      <h3>{t('incident.workflow')}</h3>
      <WorkflowActions key={`workflow-${d.id}`} detail={d} workers={workers} />
      <h3>{t('incident.history')}</h3>
      <IncidentHistory detail={d} workers={workers} />
    </aside>
  )
}
