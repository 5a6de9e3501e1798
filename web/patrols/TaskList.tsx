import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { formatNumber } from '../app/format.ts'
import { errorText } from '../incidents/errors.ts'
import { complianceQuery, patchTask, type PatrolTask } from './queries.ts'

/** Where each status may go next (api/patrols/schemas.ts TRANSITIONS). */
const NEXT: Record<PatrolTask['status'], PatrolTask['status'][]> = {
  planned: ['in_progress', 'done', 'missed'],
  in_progress: ['done', 'missed'],
  done: [],
  missed: [],
}

export type Compliance = Awaited<ReturnType<NonNullable<ReturnType<typeof complianceQuery>['queryFn']>>>

interface Props {
  tasks: PatrolTask[]
  live: boolean
  canPlan: boolean
  selected?: number
  onSelect(id: number | undefined): void
}

/**
 * The day's patrol tasks of the area with what the tracks show (GET /api/patrols/tasks/:id/compliance):
 * score with its parts, checkpoints visited, micro-grids entered, distance and time; a leader moves a
 * task on (start, done, missed). A click on a task draws its planned walk on the map.
 */
export function TaskList({ tasks, live, canPlan, selected, onSelect }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const qc = useQueryClient()
  const compliance = useQueries({ queries: tasks.map((task) => complianceQuery(task.id, live)) })
  const status = useMutation({
    mutationFn: ({ id, to }: { id: number; to: PatrolTask['status'] }) => patchTask(id, { status: to }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['patrols'] }),
  })
  if (tasks.length === 0) return <p className="hint" data-testid="patrol-tasks" data-count={0}>{t('patrol.noTasks')}</p>
  return (
    <ul className="task-list" data-testid="patrol-tasks" data-count={tasks.length}>
      {tasks.map((task, i) => {
        const c = compliance[i].data
        const open = selected === task.id
        return (
          <li key={task.id} className={open ? 'selected' : ''} data-task={task.id} data-score={c?.score} data-status={task.status}>
            <button type="button" className="task-head" onClick={() => onSelect(open ? undefined : task.id)} aria-expanded={open}>
              <span className={`status status-${task.status}`}>{t(`patrol.status.${task.status}`)}</span>
              <span>{t(`patrol.shift.${task.shift}`)} · {task.members.map((m) => m.name ?? `#${m.id}`).join('、')}</span>
              <span className="score">{c ? `${formatNumber(c.score, lang, 1)} ${t('patrol.points')}` : '…'}</span>
            </button>
            {c && (
              <p className="hint">
                {t('patrol.complianceLine', {
                  visited: c.checkpoints_visited, total: c.checkpoints_total, entered: c.micro_grids_entered, grids: c.micro_grids_total,
                  km: formatNumber(c.distance_m / 1000, lang, 1), min: Math.round(c.duration_s / 60),
                })}
              </p>
            )}
            {open && c && (
              <div className="task-detail" data-testid="task-detail">
                <p className="hint">
                  {t('patrol.scoreParts', {
                    checkpoints: Math.round(c.score_parts.checkpoints * 100), grids: Math.round(c.score_parts.micro_grids * 100),
                    time: Math.round(c.score_parts.time * 100), target: Math.round(c.target_s / 60),
                  })}
                </p>
                <ol className="checkpoint-list">
                  {task.checkpoints.map((cp) => {
                    const seen = c.checkpoints.find((x) => x.seq === cp.seq)
                    return (
                      <li key={cp.seq} className={seen?.visited ? 'visited' : ''} data-visited={seen?.visited ?? false}>
                        {cp.reason || t(`patrol.kind.${cp.kind}`)}
                        {seen && (seen.visited ? ` ✓ ${Math.round(seen.dwell_s)} s` : seen.nearest_m !== null ? ` · ${t('patrol.nearest', { m: Math.round(seen.nearest_m) })}` : ` · ${t('patrol.notReached')}`)}
                      </li>
                    )
                  })}
                </ol>
                {canPlan && NEXT[task.status].length > 0 && (
                  <div className="row">
                    {NEXT[task.status].map((to) => (
                      <button key={to} type="button" className="button" disabled={status.isPending} onClick={() => status.mutate({ id: task.id, to })} data-testid={`task-to-${to}`}>
                        {t(`patrol.to.${to}`)}
                      </button>
                    ))}
                  </div>
                )}
                {status.error && <p className="form-error" role="alert">{errorText(t, status.error)}</p>}
              </div>
            )}
          </li>
        )
      })}
    </ul>
  )
}
