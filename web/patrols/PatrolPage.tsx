import type { LayersList, PickingInfo } from '@deck.gl/core'
import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Header } from '../app/Header.tsx'
import { formatNumber, localDay } from '../app/format.ts'
import { configQuery } from '../app/queries.ts'
import { useSettings } from '../app/settings.ts'
import { useDrill } from '../areas/useDrill.ts'
import type { User } from '../auth/queries.ts'
import { errorText } from '../incidents/errors.ts'
import { css } from '../map/colors.ts'
import { contextOutlinesLayer, selectionLayer } from '../map/layers/areas.ts'
import { PICK_SURFACE_ID, pickSurfaceLayer } from '../map/layers/incidents.ts'
import { PERSON_COLORS, plannedRouteLayers, trackLayers, type PlannedLegs, type PlannedStop, type TrackHead } from '../map/layers/tracks.ts'
import { useFontReady } from '../map/fonts.ts'
import { MapView, type FitRequest } from '../map/MapView.tsx'
import { useBasemapInputs } from '../map/useBasemapInputs.ts'
import { onlyPerson, peopleOf, playbackQuery, positionAt, timeRange } from './playback.ts'
import { PlanForm } from './PlanForm.tsx'
import { clock, complianceQuery, patrolIncidentsQuery, sessionsQuery, shiftDay, tasksQuery, taskWalkQuery } from './queries.ts'
import { StatsPanel } from './StatsPanel.tsx'
import { TaskList } from './TaskList.tsx'

const PANEL_WIDTH = 400
/** Playback speeds: seconds of the day per second of screen time. */
const SPEEDS = [60, 300, 900, 3600]
/** "Out now": a fix in the last 15 minutes. */
const OUT_NOW_S = 15 * 60

/** Roles that plan patrols (the API's rule: api/patrols/schemas.ts). */
const canPlan = (u: User) => u.role === 'admin' || u.role === 'commander' || u.role === 'grid_leader'

/** Seconds since the local midnight of `dayStart` (epoch ms) for the wall clock. */
const secondsInto = (dayStart: number) => (Date.now() - dayStart) / 1000

/**
 * The patrol page (#/patrols, issue 5) for grid leaders, members and commanders: a day's walks of
 * the people of the chosen area played back on the map (deck.gl TripsLayer) with a time slider and
 * speed, who walked how far and when, who is out now (today, refreshed every 30 s), and the
 * incidents reported on patrol that day.
 */
export function PatrolPage({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const lang = i18n.language
  const settings = useSettings()
  const config = useQuery(configQuery())
  const home = config.data ? (config.data.homeAreaId ?? config.data.districtId) : undefined
  const [chosenId, setChosenId] = useState<number | undefined>()
  const drill = useDrill(chosenId, home)
  const detail = drill.detail
  const today = localDay()
  const [day, setDay] = useState(today)
  const live = day === today
  const playback = useQuery(playbackQuery(detail?.id, day, live))
  const sessions = useQuery(sessionsQuery(detail?.id, day, live))
  const incidents = useQuery(patrolIncidentsQuery(detail?.id, day))
  const tasks = useQuery(tasksQuery(detail?.id, day))
  const [selectedTask, setSelectedTask] = useState<number | undefined>()
  const task = tasks.data?.tasks.find((x) => x.id === selectedTask)
  const taskCompliance = useQuery({ ...complianceQuery(selectedTask ?? 0, live), enabled: !!task })
  // The chosen task's walk along roads, recomputed from its checkpoints (tasks store no path).
  const taskWalk = useQuery({ ...taskWalkQuery(selectedTask), enabled: !!task && task.checkpoints.length > 1 })
  const [plan, setPlan] = useState<{ stops: PlannedStop[]; legs: PlannedLegs | null }>({ stops: [], legs: null })
  const onPlan = useCallback((stops: PlannedStop[], legs: PlannedLegs | null) => setPlan({ stops, legs }), [])
  // Adding a checkpoint on the map: the next click's position goes to the plan form.
  const [picking, setPicking] = useState(false)
  const [picked, setPicked] = useState<[number, number] | null>(null)
  const fontReady = useFontReady('0123456789')
  const p = playback.data?.day === day ? playback.data : undefined
  const [lo, hi] = useMemo(() => timeRange(p), [p])
  // A member chosen in the statistics: the map plays back only their tracks.
  const [focus, setFocus] = useState<number | undefined>()
  const shown = useMemo(() => (p && focus !== undefined ? onlyPerson(p, focus) : p), [p, focus])

  // null = the latest moment of the day's tracks (what a leader opening the page wants to see).
  const [time, setTime] = useState<number | null>(null)
  const [playing, setPlaying] = useState(false)
  const [speed, setSpeed] = useState(300)
  const now = Math.min(Math.max(time ?? hi, lo), hi)
  useEffect(() => {
    setTime(null)
    setPlaying(false)
    setSelectedTask(undefined)
    setFocus(undefined)
  }, [detail?.id, day])
  useEffect(() => {
    if (!playing) return
    let last = performance.now()
    let raf = 0
    const step = (ts: number) => {
      const dt = Math.min(0.25, (ts - last) / 1000)
      last = ts
      setTime((cur) => {
        const next = (cur === null || cur >= hi ? lo : cur) + dt * speed
        if (next >= hi) {
          setPlaying(false)
          return hi
        }
        return next
      })
      raf = requestAnimationFrame(step)
    }
    raf = requestAnimationFrame(step)
    return () => cancelAnimationFrame(raf)
  }, [playing, speed, lo, hi])

  const [fit, setFit] = useState<FitRequest | null>(null)
  useEffect(() => {
    if (detail) setFit({ bbox: detail.bbox, key: `area-${detail.id}`, animate: chosenId !== undefined })
  }, [detail, chosenId])

  const people = useMemo(() => (p ? peopleOf(p) : []), [p])
  const order = useMemo(() => new Map(people.map((x, i) => [x.person, i])), [people])
  const colorOfPerson = useCallback((id: number) => PERSON_COLORS[(order.get(id) ?? 0) % PERSON_COLORS.length], [order])
  const names = useMemo(() => new Map((sessions.data?.people ?? []).map((x) => [x.id, x.name])), [sessions.data])
  const walked = useMemo(() => {
    const m = new Map<number, number>()
    for (const s of sessions.data?.day === day ? sessions.data.sessions : []) m.set(s.person, (m.get(s.person) ?? 0) + s.distance_m)
    return m
  }, [sessions.data, day])
  const heads = useMemo<TrackHead[]>(() => {
    if (!shown) return []
    const out: TrackHead[] = []
    for (let k = 0; k < shown.n; k++) {
      const at = positionAt(shown, k, now)
      if (at) out.push({ person: shown.person[k], at, color: colorOfPerson(shown.person[k]) })
    }
    return out
  }, [shown, now, colorOfPerson])
  const wallNow = p && live ? secondsInto(p.dayStart) : null
  const outNow = wallNow === null ? [] : people.filter((x) => wallNow - x.last <= OUT_NOW_S)
  const onPatrol = incidents.data?.features ?? []

  const layers = useMemo<LayersList>(() => {
    const out: LayersList = [contextOutlinesLayer(drill.contextFeatures, { visible: true }), selectionLayer(drill.selectedFeature)]
    if (shown && shown.n > 0) out.push(...trackLayers(shown, order, now, heads))
    // The planned walk beside the walked one: the chosen task's checkpoints (green once visited), or the plan being made.
    if (task) {
      const visited = new Map((taskCompliance.data?.checkpoints ?? []).map((c) => [c.seq, c.visited]))
      const w = taskWalk.data
      const legs = w ? { paths: w.legs.map((l) => l.path as [number, number][]), road: w.distance === 'road' } : null
      out.push(...plannedRouteLayers('task-route', task.checkpoints.map((c, i) => ({ lon: c.lon, lat: c.lat, n: i + 1, visited: visited.get(c.seq) })), fontReady, legs))
    }
    if (plan.stops.length > 0) out.push(...plannedRouteLayers('plan-route', plan.stops, fontReady, plan.legs))
    if (detail) out.push(pickSurfaceLayer(detail.bbox, { active: picking }))
    return out
  }, [drill.contextFeatures, drill.selectedFeature, shown, order, now, heads, task, taskCompliance.data, taskWalk.data, plan, fontReady, detail, picking])

  const onClick = useCallback(
    (picks: PickingInfo[]) => {
      const at = picking ? picks.find((x) => x.layer?.id === PICK_SURFACE_ID)?.coordinate : undefined
      if (at) setPicked([at[0], at[1]])
    },
    [picking],
  )
  const onHover = useCallback(() => {}, [])
  const { basemap, data: baseData } = useBasemapInputs(settings.basemapUrl ?? config.data?.basemapUrl ?? '', drill.district)
  const nameOf = (id: number) => names.get(id) ?? `#${id}`

  return (
    <div className="app patrols">
      <MapView
        layers={layers}
        dataReady={!!detail && !!p}
        basemap={basemap}
        data={baseData}
        visibility={{ roads: settings.layers.roads, buildings: false }}
        fit={fit}
        rightInset={PANEL_WIDTH}
        onViewportChange={() => {}}
        onHover={onHover}
        onClick={onClick}
      />
      <Header config={config.data} user={user} />
      <aside
        className="panel area-panel patrol-panel"
        style={{ width: PANEL_WIDTH }}
        data-testid="patrol-panel"
        data-area-id={detail?.id}
        data-day={day}
        data-tracks={p?.n}
        data-points={p?.m}
        data-heads={heads.length}
        data-task-route={taskWalk.data?.distance}
        data-focus={focus}
        data-shown-tracks={shown?.n}
      >
        <h2>{t('patrol.title')}</h2>
        <div className="row">
          <label className="field">
            {t('patrol.area')}
            <select value={detail?.id ?? ''} onChange={(e) => setChosenId(Number(e.target.value))} data-testid="patrol-area">
              {detail && <option value={detail.id}>{detail.name} ({t(`level.${detail.level}`)})</option>}
              {detail?.ancestors.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
              {detail?.children.map((c) => <option key={c.id} value={c.id}>└ {c.name}</option>)}
            </select>
          </label>
        </div>
        <div className="row day-picker">
          <button type="button" className="button" onClick={() => setDay((d) => shiftDay(d, -1))} aria-label={t('patrol.previousDay')} data-testid="day-prev">‹</button>
          <input type="date" value={day} max={today} onChange={(e) => e.target.value && setDay(e.target.value)} data-testid="patrol-day" />
          <button type="button" className="button" disabled={day >= today} onClick={() => setDay((d) => shiftDay(d, 1))} aria-label={t('patrol.nextDay')} data-testid="day-next">›</button>
          {!live && <button type="button" className="link" onClick={() => setDay(today)}>{t('patrol.today')}</button>}
        </div>

        {playback.error && <p className="form-error" role="alert">{errorText(t, playback.error)}</p>}
        {playback.isPending && detail && <p className="hint">{t('app.loading')}</p>}
        {p && p.n === 0 && <p className="hint" data-testid="patrol-empty">{t('patrol.none')}</p>}
        {p && p.n > 0 && (
          <>
            <div className="time-slider" data-testid="patrol-slider">
              <button type="button" className="button" onClick={() => setPlaying((x) => !x)} data-testid="patrol-play" aria-label={playing ? t('patrol.pause') : t('patrol.play')}>
                {playing ? '❚❚' : '▶'}
              </button>
              <input
                type="range"
                min={lo}
                max={hi}
                step={10}
                value={now}
                onChange={(e) => {
                  setPlaying(false)
                  setTime(Number(e.target.value))
                }}
                aria-label={t('commander.slider')}
                data-testid="patrol-time"
              />
              <span className="clock" data-testid="patrol-clock">{clock(now, true)}</span>
              <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))} aria-label={t('patrol.speed')} data-testid="patrol-speed">
                {SPEEDS.map((s) => <option key={s} value={s}>{s}×</option>)}
              </select>
            </div>
            <p className="hint">
              {t('patrol.summary', { people: people.length, tracks: p.n, points: formatNumber(p.m, lang), from: clock(lo), to: clock(hi) })}
            </p>
            {live && (
              <p data-testid="patrol-out-now" data-count={outNow.length}>
                {t('patrol.outNow', { n: outNow.length })}
                {outNow.length > 0 && ': ' + outNow.map((x) => nameOf(x.person)).join('、')}
              </p>
            )}
            {focus !== undefined && (
              <p className="patrol-focus" data-testid="patrol-focus">
                {t('patrolStats.focus', { name: nameOf(focus) })}{' '}
                <button type="button" className="link" onClick={() => setFocus(undefined)}>{t('patrolStats.clearFocus')}</button>
              </p>
            )}
            <table className="table compact" data-testid="patrol-people">
              <thead>
                <tr>
                  <th>{t('patrol.person')}</th>
                  <th>{t('patrol.sessions')}</th>
                  <th>{t('patrol.time')}</th>
                  <th>{t('patrol.distance')}</th>
                </tr>
              </thead>
              <tbody>
                {people.map((x) => (
                  <tr key={x.person} data-person={x.person}>
                    <td>
                      <span className="swatch dot" style={{ background: css(colorOfPerson(x.person)) }} /> {nameOf(x.person)}
                    </td>
                    <td>{x.tracks}</td>
                    <td>{clock(x.first)}–{clock(x.last)}</td>
                    <td>{walked.has(x.person) ? `${formatNumber(walked.get(x.person)! / 1000, lang, 1)} km` : '…'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        <section className="patrol-tasks">
          <h3>{t('patrol.tasks')}</h3>
          {tasks.error && <p className="form-error" role="alert">{errorText(t, tasks.error)}</p>}
          {tasks.data && <TaskList tasks={tasks.data.tasks} live={live} canPlan={canPlan(user)} selected={selectedTask} onSelect={setSelectedTask} />}
          {detail?.level === 'grid' && canPlan(user) && <PlanForm key={`${detail.id}-${day}`} grid={detail} day={day} onPlan={onPlan} onPick={setPicking} picked={picked} onCreated={setSelectedTask} />}
        </section>
        <StatsPanel area={detail?.id} day={day} live={live} focus={focus} onFocus={setFocus} />
        <section data-testid="patrol-incidents" data-count={onPatrol.length}>
          <h3>{t('patrol.incidents', { n: onPatrol.length })}</h3>
          <ul className="plain-list">
            {onPatrol.slice(0, 20).map((f) => (
              <li key={f.properties.id}>
                {clock(((Date.parse(f.properties.reported_at) - Date.parse(`${day}T00:00:00+08:00`)) / 1000))} · {t(`incidentType.${f.properties.type}`)} · {t(`incident.status.${f.properties.status}`)}
              </li>
            ))}
          </ul>
        </section>
      </aside>
    </div>
  )
}
