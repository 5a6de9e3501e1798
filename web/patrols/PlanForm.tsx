import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AreaDetail } from '../app/client.ts'
import { formatNumber } from '../app/format.ts'
import { errorText } from '../incidents/errors.ts'
import type { PlannedStop } from '../map/layers/tracks.ts'
import { createTask, orderRoute, suggestQuery, type Suggestion } from './queries.ts'

interface Props {
  grid: AreaDetail
  day: string
  /** The walk being planned, in order, for the map (empty when nothing is chosen). */
  onPlan(stops: PlannedStop[]): void
  onCreated(id: number): void
}

/**
 * Plan a patrol of a grid for a day (issue 5): suggested checkpoints with their reasons (hot spots,
 * open incidents, micro-grids not visited lately, stations), the leader keeps the ones they want,
 * orders them into a walk (length and walking time), picks members and shift, and creates the task.
 */
export function PlanForm({ grid, day, onPlan, onCreated }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const qc = useQueryClient()
  const [open, setOpen] = useState(false)
  const suggest = useQuery(suggestQuery(grid.id, day, open))
  const [chosen, setChosen] = useState<Set<number>>(new Set())
  const [order, setOrder] = useState<number[] | null>(null)
  const [route, setRoute] = useState<{ length_m: number; walking_s: number; distance: string } | null>(null)
  const members = grid.workers.filter((w) => w.role === 'grid_member' || w.role === 'grid_leader')
  const [picked, setPicked] = useState<Set<number>>(new Set())
  const [shift, setShift] = useState<'day' | 'evening'>('day')
  const suggestions: Suggestion[] = suggest.data?.suggestions ?? []

  // New suggestions: keep the first three of each kind, forget the old order.
  useEffect(() => {
    const firsts = new Map<string, number>()
    const keep = new Set<number>()
    suggestions.forEach((s, i) => {
      const n = firsts.get(s.kind) ?? 0
      if (n < 3) keep.add(i)
      firsts.set(s.kind, n + 1)
    })
    setChosen(keep)
    setOrder(null)
    setRoute(null)
  }, [suggest.data])
  useEffect(() => {
    const first = members.find((m) => m.role === 'grid_member')
    setPicked(new Set(first ? [first.id] : []))
  }, [grid.id])

  const stopsInOrder = (order ?? [...chosen].sort((a, b) => a - b)).filter((i) => chosen.has(i))
  useEffect(() => {
    onPlan(open ? stopsInOrder.map((i, k) => ({ lon: suggestions[i].lon, lat: suggestions[i].lat, n: k + 1 })) : [])
  }, [open, chosen, order, suggest.data])

  const toggle = (i: number) => {
    setChosen((c) => {
      const next = new Set(c)
      if (next.has(i)) next.delete(i)
      else next.add(i)
      return next
    })
    setOrder(null)
    setRoute(null)
  }
  const orderIt = useMutation({
    mutationFn: () => {
      const ids = [...chosen].sort((a, b) => a - b)
      return orderRoute(ids.map((i) => [suggestions[i].lon, suggestions[i].lat])).then((r) => ({ r, ids }))
    },
    onSuccess: ({ r, ids }) => {
      setOrder(r.order.map((k) => ids[k]))
      setRoute({ length_m: r.length_m, walking_s: r.walking_s, distance: r.distance })
    },
  })
  const create = useMutation({
    mutationFn: () =>
      createTask({
        grid: grid.id,
        day,
        shift,
        members: [...picked],
        checkpoints: stopsInOrder.map((i) => ({
          lon: suggestions[i].lon, lat: suggestions[i].lat, kind: suggestions[i].kind, reason: suggestions[i].reason, ref_id: suggestions[i].ref_id ?? null,
        })),
      }),
    onSuccess: (task) => {
      void qc.invalidateQueries({ queryKey: ['patrols', 'tasks'] })
      setOpen(false)
      onCreated(task.id)
    },
  })

  if (!open)
    return (
      <button type="button" className="button" onClick={() => setOpen(true)} data-testid="plan-open">
        {t('patrol.plan')}
      </button>
    )
  return (
    <section className="plan-form" data-testid="plan-form" data-suggestions={suggestions.length} data-chosen={stopsInOrder.length}>
      <h3>{t('patrol.planTitle', { grid: grid.name, day })}</h3>
      {suggest.isPending && <p className="hint">{t('app.loading')}</p>}
      {suggest.error && <p className="form-error" role="alert">{errorText(t, suggest.error)}</p>}
      {suggest.data && suggestions.length === 0 && <p className="hint">{t('patrol.noSuggestions')}</p>}
      <ul className="suggestions">
        {suggestions.map((s, i) => (
          <li key={i}>
            <label className="check">
              <input type="checkbox" checked={chosen.has(i)} onChange={() => toggle(i)} data-testid={`suggestion-${i}`} />
              <span className={`kind kind-${s.kind}`}>{t(`patrol.kind.${s.kind}`)}</span> {s.reason}
            </label>
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="button" disabled={chosen.size < 2 || orderIt.isPending} onClick={() => orderIt.mutate()} data-testid="plan-order">
          {t('patrol.order')}
        </button>
        {route && (
          <span className="hint" data-testid="plan-route" data-length={Math.round(route.length_m)}>
            {t('patrol.routeLength', { km: formatNumber(route.length_m / 1000, lang, 2), min: Math.round(route.walking_s / 60), how: t(route.distance === 'road' ? 'patrol.byRoad' : 'patrol.byStraight') })}
          </span>
        )}
      </div>
      <fieldset className="members">
        <legend>{t('patrol.members')}</legend>
        {members.map((m) => (
          <label key={m.id} className="check">
            <input
              type="checkbox"
              checked={picked.has(m.id)}
              onChange={() => setPicked((p) => { const n = new Set(p); if (n.has(m.id)) n.delete(m.id); else n.add(m.id); return n })}
            />
            {m.name}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <select value={shift} onChange={(e) => setShift(e.target.value as 'day' | 'evening')} aria-label={t('patrol.shiftLabel')} data-testid="plan-shift">
          <option value="day">{t('patrol.shift.day')}</option>
          <option value="evening">{t('patrol.shift.evening')}</option>
        </select>
        <button type="button" className="button primary" disabled={stopsInOrder.length === 0 || picked.size === 0 || create.isPending} onClick={() => create.mutate()} data-testid="plan-create">
          {t('patrol.create')}
        </button>
        <button type="button" className="link" onClick={() => setOpen(false)}>{t('patrol.cancel')}</button>
      </div>
      {(create.error || orderIt.error) && <p className="form-error" role="alert" data-testid="plan-error">{errorText(t, (create.error ?? orderIt.error)!)}</p>}
    </section>
  )
}
