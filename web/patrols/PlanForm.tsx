import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AreaDetail } from '../app/client.ts'
import { formatNumber } from '../app/format.ts'
import { errorText } from '../incidents/errors.ts'
import type { PlannedLegs, PlannedStop } from '../map/layers/tracks.ts'
import { createTask, orderRoute, suggestQuery, walkKey, walkQuery, type Suggestion } from './queries.ts'
import { reasonText } from './reasons.ts'

/** A checkpoint of the plan: a suggestion (by its index) or a point the leader clicked on the map. */
interface Stop {
  lon: number
  lat: number
  kind: Suggestion['kind']
  /** Why, in the user's language (saved with the task as its reason). */
  reason: string
  ref_id: number | null
  /** Index in the suggestions, or null for a point added on the map. */
  suggestion: number | null
}

interface Props {
  grid: AreaDetail
  day: string
  /** The walk being planned, in order, with its legs once measured, for the map (empty when nothing is chosen). */
  onPlan(stops: PlannedStop[], legs: PlannedLegs | null): void
  /** Asks the page to report the next map click (adding a checkpoint), or stops asking. */
  onPick(active: boolean): void
  /** A map click while picking: [lon, lat]. */
  picked: [number, number] | null
  onCreated(id: number): void
}


/**
 * Plan a patrol of a grid for a day (issue 5): suggested checkpoints with their reasons (hot spots,
 * open incidents, micro-grids not visited lately, stations); the leader keeps the ones they want,
 * adds points of their own by clicking the map, moves stops up and down or lets the server order
 * them into the shortest walk (along roads where there are roads), picks members and shift, and
 * creates the task.
 */
export function PlanForm({ grid, day, onPlan, onPick, picked, onCreated }: Props) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const qc = useQueryClient()
  const [open, setOpen] = useState(false)
  const suggest = useQuery(suggestQuery(grid.id, day, open))
  const suggestions: Suggestion[] = suggest.data?.suggestions ?? []
  const fromSuggestion = (s: Suggestion, i: number): Stop => ({ lon: s.lon, lat: s.lat, kind: s.kind, reason: reasonText(t, s, lang), ref_id: s.ref_id ?? null, suggestion: i })
  const [stops, setStops] = useState<Stop[]>([])
  const [picking, setPicking] = useState(false)
  const members = grid.workers.filter((w) => w.role === 'grid_member' || w.role === 'grid_leader')
  const [team, setTeam] = useState<Set<number>>(new Set())
  const [shift, setShift] = useState<'day' | 'evening'>('day')

  // New suggestions: start from the first three of each kind.
  useEffect(() => {
    const seen = new Map<string, number>()
    const first: Stop[] = []
    suggestions.forEach((s, i) => {
      const n = seen.get(s.kind) ?? 0
      if (n < 3) first.push(fromSuggestion(s, i))
      seen.set(s.kind, n + 1)
    })
    setStops(first)
  }, [suggest.data])
  useEffect(() => {
    const first = members.find((m) => m.role === 'grid_member')
    setTeam(new Set(first ? [first.id] : []))
  }, [grid.id])
  // The walk in the current order, measured (and drawn) along roads after every change.
  const points = stops.map((s) => [s.lon, s.lat] as [number, number])
  const walk = useQuery({ ...walkQuery(points), enabled: open && points.length > 1 })
  const route = stops.length > 1 ? walk.data : undefined
  useEffect(() => {
    const legs = route ? { paths: route.legs.map((l) => l.path as [number, number][]), road: route.distance === 'road' } : null
    onPlan(open ? stops.map((s, k) => ({ lon: s.lon, lat: s.lat, n: k + 1 })) : [], open ? legs : null)
  }, [open, stops, route])
  useEffect(() => onPick(open && picking), [open, picking])
  // A click on the map while adding: a checkpoint of the leader's own at the end of the walk.
  useEffect(() => {
    if (!picked || !picking) return
    setStops((list) => [...list, { lon: picked[0], lat: picked[1], kind: 'manual', reason: '', ref_id: null, suggestion: null }])
    setPicking(false)
  }, [picked])

  const change = (next: Stop[]) => setStops(next)
  const toggle = (i: number) =>
    change(stops.some((s) => s.suggestion === i) ? stops.filter((s) => s.suggestion !== i) : [...stops, fromSuggestion(suggestions[i], i)])
  const move = (k: number, by: -1 | 1) => {
    const next = stops.slice()
    ;[next[k], next[k + by]] = [next[k + by], next[k]]
    change(next)
  }
  const orderIt = useMutation({
    mutationFn: () => orderRoute(stops.map((s) => [s.lon, s.lat])),
    onSuccess: (r) => {
      const next = r.order.map((k) => stops[k])
      // The answer is the walk in its new order: no second request to measure it.
      qc.setQueryData(walkKey(next.map((s) => [s.lon, s.lat])), { ...r, order: next.map((_, i) => i) })
      setStops(next)
    },
  })
  const create = useMutation({
    mutationFn: () =>
      createTask({
        grid: grid.id,
        day,
        shift,
        members: [...team],
        checkpoints: stops.map((s) => ({ lon: s.lon, lat: s.lat, kind: s.kind, reason: s.reason || t('patrol.manualReason'), ref_id: s.ref_id })),
      }),
    onSuccess: (task) => {
      void qc.invalidateQueries({ queryKey: ['patrols', 'tasks'] })
      void qc.invalidateQueries({ queryKey: ['patrols', 'aggregate'] })
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
    <section className="plan-form" data-testid="plan-form" data-suggestions={suggestions.length} data-chosen={stops.length}>
      <h3>{t('patrol.planTitle', { grid: grid.name, day })}</h3>
      {suggest.isPending && <p className="hint">{t('app.loading')}</p>}
      {suggest.error && <p className="form-error" role="alert">{errorText(t, suggest.error)}</p>}
      {suggest.data && suggestions.length === 0 && <p className="hint">{t('patrol.noSuggestions')}</p>}
      <ul className="suggestions">
        {suggestions.map((s, i) => (
          <li key={i}>
            <label className="check">
              <input type="checkbox" checked={stops.some((x) => x.suggestion === i)} onChange={() => toggle(i)} data-testid={`suggestion-${i}`} />
              <span className={`kind kind-${s.kind}`}>{t(`patrol.kind.${s.kind}`)}</span> <span className="reason" data-code={s.reason_code}>{reasonText(t, s, lang)}</span>
            </label>
          </li>
        ))}
      </ul>
      <h4>{t('patrol.walk', { n: stops.length })}</h4>
      <ol className="checkpoint-list plan-stops" data-testid="plan-stops">
        {stops.map((s, k) => (
          <li key={`${s.suggestion ?? 'm'}-${s.lon}-${s.lat}`} data-kind={s.kind}>
            <span className="stop-text">{s.reason || t('patrol.manualReason')}</span>
            <span className="stop-tools">
              <button type="button" className="link" disabled={k === 0} onClick={() => move(k, -1)} aria-label={t('patrol.up')}>↑</button>
              <button type="button" className="link" disabled={k === stops.length - 1} onClick={() => move(k, 1)} aria-label={t('patrol.down')}>↓</button>
              <button type="button" className="link" onClick={() => change(stops.filter((_, j) => j !== k))} aria-label={t('patrol.removeStop')} data-testid="stop-remove">×</button>
            </span>
          </li>
        ))}
      </ol>
      <div className="row">
        <button type="button" className={`button${picking ? ' active' : ''}`} onClick={() => setPicking((p) => !p)} data-testid="plan-add">
          {picking ? t('patrol.pickHint') : t('patrol.addOnMap')}
        </button>
        <button type="button" className="button" disabled={stops.length < 2 || orderIt.isPending} onClick={() => orderIt.mutate()} data-testid="plan-order">
          {t('patrol.order')}
        </button>
        {route && (
          <span className="hint" data-testid="plan-route" data-length={Math.round(route.length_m)} data-distance={route.distance} data-legs={route.legs.length}>
            {t('patrol.routeLength', {
              km: formatNumber(route.length_m / 1000, lang, 2), min: Math.round(route.walking_s / 60), how: t(route.distance === 'road' ? 'patrol.byRoad' : 'patrol.byStraight'),
            })}
          </span>
        )}
      </div>
      <fieldset className="members">
        <legend>{t('patrol.members')}</legend>
        {members.map((m) => (
          <label key={m.id} className="check">
            <input
              type="checkbox"
              checked={team.has(m.id)}
              onChange={() => setTeam((p) => { const n = new Set(p); if (n.has(m.id)) n.delete(m.id); else n.add(m.id); return n })}
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
        <button type="button" className="button primary" disabled={stops.length === 0 || team.size === 0 || create.isPending} onClick={() => create.mutate()} data-testid="plan-create">
          {t('patrol.create')}
        </button>
        <button type="button" className="link" onClick={() => { setOpen(false); setPicking(false) }}>{t('patrol.cancel')}</button>
      </div>
      {(create.error || orderIt.error) && <p className="form-error" role="alert" data-testid="plan-error">{errorText(t, (create.error ?? orderIt.error)!)}</p>}
    </section>
  )
}
