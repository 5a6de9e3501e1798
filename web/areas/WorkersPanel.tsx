import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AreaDetail } from '../app/client.ts'
import type { User } from '../auth/queries.ts'
import { areaWorkersQuery, canAssignWorkers, peopleQuery, useAssignWorkers, type AreaWorkers, type CoveringWorker, type Person, type WorkersAssignment } from './workers.ts'

/** Levels whose people below are listed one by one (a grid's micro-grid leaders); above them, counts per role. */
const LIST_BELOW: ReadonlySet<string> = new Set(['grid', 'micro_grid'])

/** Roles in the order the API lists them (api/areas/workers.ts ROLE_ORDER). */
const ROLE_ORDER = ['commander', 'grid_leader', 'grid_member', 'micro_grid_leader', 'planner', 'admin']
const rank = (role: string) => ROLE_ORDER.indexOf(role)

interface Props {
  detail: AreaDetail
  user: User
}

/**
 * "Who covers this area" for everyone (people attached to the area, above and below it, as far as
 * the user's scope shows them) and, for admins and commanders on a grid or micro-grid, a compact
 * editor: the leader, the members and the micro-grid leaders (docs/workers.md).
 */
export function WorkersPanel({ detail: d, user }: Props) {
  const { t } = useTranslation()
  const list = useQuery(areaWorkersQuery(d.id, LIST_BELOW.has(d.level)))
  const [editing, setEditing] = useState(false)
  const editable = canAssignWorkers(user, d)
  const data = list.data
  return (
    <section className="workers-panel" data-testid="area-workers-panel">
      <div className="row workers-head">
        <h3>{t('workers.title')}</h3>
        {editable && data && (
          <button type="button" className="button" aria-expanded={editing} onClick={() => setEditing(!editing)} data-testid="workers-edit">
            {editing ? t('workers.done') : t('workers.edit')}
          </button>
        )}
      </div>
      {list.error ? (
        <p className="hint">{`${t('app.error')}: ${list.error.message}`}</p>
      ) : !data ? (
        <p className="hint">{t('app.loading')}</p>
      ) : (
        <>
          {editable && editing && <WorkersEditor detail={d} workers={data.workers} />}
          <CoveringList data={data} />
        </>
      )}
    </section>
  )
}

function CoveringList({ data }: { data: AreaWorkers }) {
  const { t } = useTranslation()
  const listed = data.workers
  // People below the area that are not listed one by one (below=count) are shown as counts per role.
  const counts = listed.some((w) => w.relation === 'below') ? [] : Object.entries(data.below_counts).sort((a, b) => rank(a[0]) - rank(b[0]))
  if (listed.length === 0 && counts.length === 0) return <p className="hint">{t('workers.none')}</p>
  return (
    <ul className="workers" data-testid="area-workers">
      {listed.map((w) => (
        <li key={`${w.id}:${w.area.id}`} data-relation={w.relation} data-role={w.role}>
          {w.name} <span className="muted">{t(`role.${w.role}`, { defaultValue: w.role })}</span>
          {w.relation !== 'self' && (
            <span className="muted">
              {' · '}
              {t(`workers.${w.relation}`)} {w.area.name}
            </span>
          )}
        </li>
      ))}
      {counts.map(([role, n]) => (
        <li key={role} className="muted" data-relation="below" data-role={role}>
          {t('workers.belowCount', { role: t(`role.${role}`, { defaultValue: role }), n })}
        </li>
      ))}
    </ul>
  )
}

/** The editor: every change is saved at once (PUT on the grid; a micro-grid's leader through its grid). */
function WorkersEditor({ detail: d, workers }: { detail: AreaDetail; workers: CoveringWorker[] }) {
  const { t } = useTranslation()
  const [q, setQ] = useState('')
  const assign = useAssignWorkers()
  const isGrid = d.level === 'grid'
  const grid = isGrid ? d.id : d.parent
  const leaders = useQuery(peopleQuery('grid_leader', q, isGrid))
  const members = useQuery(peopleQuery('grid_member', q, isGrid))
  const microLeaders = useQuery(peopleQuery('micro_grid_leader', q))
  if (grid === null) return null
  const self = (role: string) => workers.filter((w) => w.relation === 'self' && w.role === role)
  const save = (body: WorkersAssignment) => assign.mutate({ grid, body })
  const microLeaderOf = (area: number) => workers.find((w) => w.area.id === area && w.role === 'micro_grid_leader')
  const currentMembers = self('grid_member')
  const micros = isGrid ? d.children.filter((c) => c.level === 'micro_grid') : []
  return (
    <div className="workers-editor" data-testid="workers-editor">
      <input type="search" placeholder={t('workers.search')} value={q} onChange={(e) => setQ(e.target.value)} data-testid="workers-search" />
      {isGrid ? (
        <>
          <label className="workers-field">
            {t('role.grid_leader')}
            <PersonSelect current={self('grid_leader')[0]} candidates={leaders.data?.people} onChange={(id) => save({ leader: id })} testId="workers-leader" />
          </label>
          <div className="workers-field">
            {t('workers.members')}
            <ul className="workers">
              {currentMembers.map((m) => (
                <li key={m.id}>
                  {m.name}{' '}
                  <button type="button" className="link" onClick={() => save({ members: currentMembers.filter((x) => x.id !== m.id).map((x) => x.id) })} data-testid="workers-member-remove">
                    {t('workers.remove')}
                  </button>
                </li>
              ))}
            </ul>
            <PersonSelect
              candidates={members.data?.people.filter((p) => !currentMembers.some((m) => m.id === p.id))}
              placeholder={t('workers.addMember')}
              onChange={(id) => id !== null && save({ members: [...currentMembers.map((m) => m.id), id] })}
              testId="workers-member-add"
            />
          </div>
          {micros.length > 0 && (
            <details className="workers-field">
              <summary>{t('workers.microLeaders', { n: micros.length })}</summary>
              {micros.map((m) => (
                <label key={m.id} className="workers-field">
                  {m.name}
                  <PersonSelect current={microLeaderOf(m.id)} candidates={microLeaders.data?.people} onChange={(id) => save({ micro_grid_leaders: { [m.id]: id } })} />
                </label>
              ))}
            </details>
          )}
        </>
      ) : (
        <label className="workers-field">
          {t('role.micro_grid_leader')}
          <PersonSelect current={self('micro_grid_leader')[0]} candidates={microLeaders.data?.people} onChange={(id) => save({ micro_grid_leaders: { [d.id]: id } })} testId="workers-leader" />
        </label>
      )}
      {assign.isPending && <p className="hint">{t('workers.saving')}</p>}
      {assign.error && <p className="error">{assign.error.message}</p>}
    </div>
  )
}

interface PersonSelectProps {
  /** The person holding the post now (kept among the options); none: a vacancy. */
  current?: { id: number; name: string }
  candidates?: Person[]
  /** Shown as the empty option instead of "vacant" (an add picker, which never removes). */
  placeholder?: string
  onChange(id: number | null): void
  testId?: string
}

function PersonSelect({ current, candidates, placeholder, onChange, testId }: PersonSelectProps) {
  const { t } = useTranslation()
  const others = (candidates ?? []).filter((p) => p.id !== current?.id)
  return (
    <select
      value={current ? String(current.id) : ''}
      onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
      data-testid={testId}
    >
      <option value="">{placeholder ?? t('workers.vacant')}</option>
      {current && <option value={current.id}>{current.name}</option>}
      {others.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name} · {p.areas.length ? p.areas.map((a) => a.name).join('、') : t('workers.unassigned')}
        </option>
      ))}
    </select>
  )
}
