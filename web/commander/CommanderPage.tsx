import type { LayersList, PickingInfo } from '@deck.gl/core'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { Header } from '../app/Header.tsx'
import { configQuery } from '../app/queries.ts'
import { useSettings } from '../app/settings.ts'
import { useDrill } from '../areas/useDrill.ts'
import { inScope, readsCases, type User } from '../auth/queries.ts'
import { lastDays } from '../incidents/queries.ts'
import { contextOutlinesLayer, selectionLayer } from '../map/layers/areas.ts'
import {
  choroplethLayer,
  clusterLayer,
  heatmapLayer,
  hexLayer,
  hotspotLayer,
  patrolCoverageLayer,
  metricOf,
  scaleMax,
  type ChoroplethMetric,
} from '../map/layers/analytics.ts'
import { MapView, type FitRequest, type MapViewport } from '../map/MapView.tsx'
import { useBasemapInputs } from '../map/useBasemapInputs.ts'
import { CommanderCharts } from './Charts.tsx'
import { KpiCards } from './KpiCards.tsx'
import { MapLegend } from './MapLegend.tsx'
import { areaStatsQuery, chartsQuery, clustersQuery, densityQuery, hotspotsQuery, kpisQuery, patrolCoverageQuery, type CommanderFilter } from './queries.ts'
import { framesOf, type FrameStep } from './frames.ts'

const PANEL_WIDTH = 440
const PERIODS = [7, 30, 90, 365] as const
const LEVELS: AreaLevel[] = ['street', 'community', 'grid', 'micro_grid']
const EPS_CHOICES = [25, 50, 100, 200, 400]
const MIN_POINTS_CHOICES = [3, 5, 10, 20, 50, 100, 200]

export type MapMode = 'heatmap' | 'hex' | 'choropleth' | 'hotspots' | 'clusters' | 'patrol'
/** Modes drawn from individual incidents: not for planners (aggregates only). */
const CASE_MODES: MapMode[] = ['heatmap', 'hex', 'clusters']

/**
 * The commander's page: KPI cards and charts for the chosen area and period beside a map that
 * shows the incidents as a heatmap, hex bins, a choropleth, Gi* hot spots or DBSCAN clusters,
 * with a time slider stepping through the period by day or week. Clicking an area drills down.
 */
export function CommanderPage({ user }: { user: User }) {
  const { t, i18n } = useTranslation()
  const qc = useQueryClient()
  const settings = useSettings()
  const config = useQuery(configQuery())
  const home = config.data ? (config.data.homeAreaId ?? config.data.districtId) : undefined
  const [chosenId, setChosenId] = useState<number | undefined>()
  const drill = useDrill(chosenId, home)
  const detail = drill.detail
  const caseReader = readsCases(user)

  const [days, setDays] = useState<number>(90)
  const period = useMemo(() => lastDays(days), [days])
  const [types, setTypes] = useState<string[]>([])
  const [mode, setMode] = useState<MapMode>(caseReader ? 'heatmap' : 'choropleth')
  const [metric, setMetric] = useState<ChoroplethMetric>('count')
  const [level, setLevel] = useState<AreaLevel>('grid')
  const [weights, setWeights] = useState<'contiguity' | 'distance'>('contiguity')
  const [fdr, setFdr] = useState(false)
  const [eps, setEps] = useState(100)
  const [minPoints, setMinPoints] = useState<number | null>(null)
  const [step, setStep] = useState<FrameStep>('week')
  const [frame, setFrame] = useState<number | null>(null)
  const [playing, setPlaying] = useState(false)
  const [showLayer, setShowLayer] = useState(true)
  const [viewport, setViewport] = useState<MapViewport | null>(null)
  const [hover, setHover] = useState<PickingInfo | null>(null)
  const [fit, setFit] = useState<FitRequest | null>(null)

  const filter: CommanderFilter | undefined = drill.selectedId !== undefined ? { area: drill.selectedId, ...period, types } : undefined
  const frames = useMemo(() => framesOf(period, step), [period, step])
  useEffect(() => setFrame(null), [frames])
  const mapFilter = filter && frame !== null && frames[frame] ? { ...filter, ...frames[frame] } : filter

  const kpis = useQuery({ ...kpisQuery(filter!), enabled: !!filter })
  const charts = useQuery({ ...chartsQuery(filter!), enabled: !!filter })
  const zoom = Math.max(10, Math.min(18, Math.round(viewport?.zoom ?? 13)))
  const densityOn = caseReader && (mode === 'heatmap' || mode === 'hex')
  const density = useQuery(densityQuery(mapFilter!, zoom, detail?.bbox, !!mapFilter && !!detail && densityOn))
  const stats = useQuery({ ...areaStatsQuery(level, mapFilter ?? { ...period, types }), enabled: !!mapFilter && mode === 'choropleth' })
  const hotspots = useQuery({ ...hotspotsQuery(mapFilter ?? { ...period, types }, { level, weights, fdr }), enabled: !!mapFilter && mode === 'hotspots' })
  const clusters = useQuery(clustersQuery(mapFilter!, eps, minPoints, !!mapFilter && caseReader && mode === 'clusters'))
  // Patrol coverage is of the whole period (tracks, not incidents: the type filter and time slider do not apply).
  const patrol = useQuery({ ...patrolCoverageQuery(drill.selectedId ?? 0, level, period), enabled: drill.selectedId !== undefined && mode === 'patrol' })
  const active = { heatmap: density, hex: density, choropleth: stats, hotspots, clusters, patrol }[mode]

  // The time slider plays one frame every 1.2 s and fetches the next frame's density ahead.
  useEffect(() => {
    if (!playing) return
    const id = setInterval(() => setFrame((f) => (f === null ? 0 : (f + 1) % frames.length)), 1200)
    return () => clearInterval(id)
  }, [playing, frames.length])
  useEffect(() => {
    if (!playing || !filter || !detail || !densityOn) return
    const next = frames[frame === null ? 0 : (frame + 1) % frames.length]
    if (next) void qc.prefetchQuery(densityQuery({ ...filter, ...next }, zoom, detail.bbox, true))
  }, [playing, frame, frames, filter, detail, densityOn, zoom, qc])

  useEffect(() => {
    const bbox = config.data?.homeBbox ?? config.data?.districtBbox
    if (bbox && !fit) setFit({ bbox, key: 'home', animate: false })
  }, [config.data, fit])
  useEffect(() => {
    if (chosenId !== undefined && detail?.id === chosenId) setFit({ bbox: detail.bbox, key: `area-${detail.id}`, animate: true })
  }, [detail, chosenId])
  // Choropleth and hot spots start one level below the chosen area.
  useEffect(() => {
    const below: Partial<Record<AreaLevel, AreaLevel>> = { district: 'grid', street: 'grid', community: 'micro_grid', grid: 'micro_grid', micro_grid: 'micro_grid' }
    if (detail) setLevel(below[detail.level] ?? 'grid')
  }, [detail?.level])

  const selectArea = useCallback((id: number) => setChosenId(id), [])

  const layers = useMemo<LayersList>(() => {
    const out: LayersList = [contextOutlinesLayer(drill.contextFeatures, { visible: true })]
    if (!showLayer) return [...out, selectionLayer(drill.selectedFeature)]
    if (mode === 'heatmap' && density.data) out.push(heatmapLayer(density.data))
    if (mode === 'hex' && density.data) out.push(hexLayer(density.data))
    if (mode === 'choropleth' && stats.data) {
      out.push(choroplethLayer(stats.data, metric, scaleMax(stats.data.features.map((f) => metricOf(f.properties, metric) ?? NaN))))
    }
    if (mode === 'hotspots' && hotspots.data) out.push(hotspotLayer(hotspots.data))
    if (mode === 'clusters' && clusters.data) out.push(clusterLayer(clusters.data))
    if (mode === 'patrol' && patrol.data) out.push(patrolCoverageLayer(patrol.data))
    out.push(selectionLayer(drill.selectedFeature))
    return out
  }, [showLayer, mode, density.data, stats.data, hotspots.data, clusters.data, patrol.data, metric, drill.contextFeatures, drill.selectedFeature])

  const onClick = useCallback(
    (picks: PickingInfo[]) => {
      const area = picks.find((info) => info.layer?.id === 'area-choropleth' || info.layer?.id === 'area-hotspots' || info.layer?.id === 'area-patrol-coverage')
      const id = (area?.object as { properties?: { id?: number } } | undefined)?.properties?.id
      if (id !== undefined) selectArea(id)
    },
    [selectArea],
  )
  const onHover = useCallback((info: PickingInfo) => setHover(info.picked ? info : null), [])

  const { basemap, data: baseData } = useBasemapInputs(settings.basemapUrl ?? config.data?.basemapUrl ?? '', drill.district)
  const path = detail?.ancestors.map((a) => a.id) ?? []
  const modes: MapMode[] = (['heatmap', 'hex', 'choropleth', 'hotspots', 'clusters', 'patrol'] as MapMode[]).filter((m) => caseReader || !CASE_MODES.includes(m))
  const allTypes = config.data?.incidentTypes ?? []
  const frameLabel = (i: number) => new Intl.DateTimeFormat(i18n.language, { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit' }).format(new Date(frames[i].from))

  return (
    <div className="app commander">
      <MapView
        layers={layers}
        dataReady={!!active.data}
        basemap={basemap}
        data={baseData}
        visibility={{ roads: settings.layers.roads, buildings: false }}
        fit={fit}
        rightInset={PANEL_WIDTH}
        onViewportChange={setViewport}
        onHover={onHover}
        onClick={onClick}
      />
      <Header config={config.data} user={user} />
      <div className="left-column">
        <section className="panel map-controls" data-testid="map-controls">
          <div className="segmented" role="group" aria-label={t('commander.mode.title')}>
            {modes.map((m) => (
              <button key={m} type="button" className={mode === m ? 'active' : ''} onClick={() => setMode(m)} data-testid={`mode-${m}`}>
                {t(`commander.mode.${m}`)}
              </button>
            ))}
          </div>
          <label className="row">
            <input type="checkbox" checked={showLayer} onChange={(e) => setShowLayer(e.target.checked)} data-testid="show-layer" /> {t('commander.showLayer')}
          </label>
          {(mode === 'choropleth' || mode === 'hotspots' || mode === 'patrol') && (
            <label className="row">
              {t('commander.level')}
              <select value={level} onChange={(e) => setLevel(e.target.value as AreaLevel)} data-testid="level-select">
                {LEVELS.map((l) => (
                  <option key={l} value={l}>{t(`level.${l}`)}</option>
                ))}
              </select>
            </label>
          )}
          {mode === 'choropleth' && (
            <div className="segmented" role="group">
              {(['count', 'rate', 'change'] as ChoroplethMetric[]).map((m) => (
                <button key={m} type="button" className={metric === m ? 'active' : ''} onClick={() => setMetric(m)} data-testid={`metric-${m}`}>
                  {t(`commander.metric.${m}`)}
                </button>
              ))}
            </div>
          )}
          {mode === 'hotspots' && (
            <div className="row">
              <select value={weights} onChange={(e) => setWeights(e.target.value as 'contiguity' | 'distance')} data-testid="weights-select">
                <option value="contiguity">{t('commander.weights.contiguity')}</option>
                <option value="distance">{t('commander.weights.distance')}</option>
              </select>
              <label>
                <input type="checkbox" checked={fdr} onChange={(e) => setFdr(e.target.checked)} /> {t('commander.fdr')}
              </label>
            </div>
          )}
          {mode === 'clusters' && (
            <div className="row">
              <label>
                {t('commander.eps')}
                <select value={eps} onChange={(e) => setEps(Number(e.target.value))} data-testid="eps-select">
                  {EPS_CHOICES.map((m) => (
                    <option key={m} value={m}>{m} m</option>
                  ))}
                </select>
              </label>
              <label>
                {t('commander.minPoints')}
                <select value={minPoints ?? ''} onChange={(e) => setMinPoints(e.target.value ? Number(e.target.value) : null)} data-testid="min-points-select">
                  <option value="">{t('commander.auto')}</option>
                  {MIN_POINTS_CHOICES.map((n) => (
                    <option key={n} value={n}>{n}</option>
                  ))}
                </select>
              </label>
            </div>
          )}
          <div className="time-slider" data-testid="time-slider">
            <button type="button" className="button" onClick={() => setPlaying((p) => !p)} data-testid="play">
              {playing ? '❚❚' : '▶'}
            </button>
            <input
              type="range"
              min={-1}
              max={frames.length - 1}
              value={frame ?? -1}
              onChange={(e) => {
                setPlaying(false)
                const v = Number(e.target.value)
                setFrame(v < 0 ? null : v)
              }}
              aria-label={t('commander.slider')}
            />
            <select value={step} onChange={(e) => setStep(e.target.value as FrameStep)}>
              <option value="day">{t('commander.step.day')}</option>
              <option value="week">{t('commander.step.week')}</option>
            </select>
            <span className="frame-label" data-testid="frame-label">
              {frame === null ? t('commander.wholePeriod') : `${frameLabel(frame)} ${t(`commander.step.${step}`)}`}
            </span>
          </div>
          {active.isFetching && <p className="hint">{t('app.loading')}</p>}
          {active.error && <p className="hint error">{t('app.error')}: {active.error.message}</p>}
        </section>
        <MapLegend mode={mode} metric={metric} stats={stats.data} density={density.data} hotspots={hotspots.data} clusters={clusters.data} patrol={patrol.data} />
      </div>

      <aside className="panel area-panel commander-panel" style={{ width: PANEL_WIDTH }} data-testid="commander-panel" data-area-id={detail?.id} data-from={period.from} data-to={period.to}>
        <nav className="breadcrumb" aria-label="breadcrumb">
          {detail?.ancestors.map((a, i) => (
            <span key={a.id}>
              {inScope(user, path.slice(0, i), a.id) ? (
                <button type="button" className="link" onClick={() => selectArea(a.id)}>{a.name}</button>
              ) : (
                <span>{a.name}</span>
              )}
              <span className="sep">›</span>
            </span>
          ))}
        </nav>
        <div className="panel-title">
          <h2>{detail?.name ?? '…'}</h2>
          {detail && <span className="level-tag">{t(`level.${detail.level}`)}</span>}
        </div>
        <div className="row filters">
          <div className="segmented" role="group" aria-label={t('layers.period')}>
            {PERIODS.map((d) => (
              <button key={d} type="button" className={days === d ? 'active' : ''} onClick={() => setDays(d)} data-testid={`period-${d}`}>
                {t('layers.days', { n: d })}
              </button>
            ))}
          </div>
          <select
            value={types.length === 1 ? types[0] : ''}
            onChange={(e) => setTypes(e.target.value ? [e.target.value] : [])}
            aria-label={t('layers.incidentTypes')}
            data-testid="type-select"
          >
            <option value="">{t('commander.allTypes')}</option>
            {allTypes.map((ty) => (
              <option key={ty} value={ty}>{t(`incidentType.${ty}`)}</option>
            ))}
          </select>
        </div>
        <p className="hint">{t('commander.vsPrevious', { n: days })}</p>
        <KpiCards kpis={kpis.data} />
        {kpis.error && <p className="hint error">{t('app.error')}: {kpis.error.message}</p>}
        {charts.data && <CommanderCharts data={charts.data} onArea={selectArea} />}
      </aside>
      {hover && <CommanderTooltip info={hover} metric={metric} />}
    </div>
  )
}

/** Hover card for areas, hexagons and clusters. */
function CommanderTooltip({ info, metric }: { info: PickingInfo; metric: ChoroplethMetric }) {
  const { t, i18n } = useTranslation()
  const o = info.object as Record<string, any> | undefined
  if (!o) return null
  const p = o.properties as Record<string, any> | undefined
  let body: React.ReactNode = null
  if (info.layer?.id === 'area-choropleth' && p) {
    body = (
      <>
        <strong>{p.name}</strong>
        <div>{t('commander.metric.count')}: {p.count} ({t('commander.previousShort')} {p.previous_count})</div>
        <div>{t('commander.metric.rate')}: {p.rate_per_1000_households ?? '–'}</div>
        <div>{t('commander.metric.change')}: {p.change === null ? '–' : `${(p.change * 100).toFixed(1)}%`}</div>
        <div className="muted">{t(`commander.metric.${metric}`)}</div>
      </>
    )
  } else if (info.layer?.id === 'area-patrol-coverage' && p) {
    body = (
      <>
        <strong>{p.name}</strong>
        <div>{t('commander.patrolShare', { visited: p.visited, total: p.micro_grids, share: p.share === null ? '–' : `${Math.round(p.share * 100)}%` })}</div>
      </>
    )
  } else if (info.layer?.id === 'area-hotspots' && p) {
    body = (
      <>
        <strong>{p.name}</strong>
        <div>{t('commander.hotspot.class')}: {t(`commander.hotspot.${p.class}`)}</div>
        <div>Gi* z = {Number(p.gi_z).toFixed(2)}, p = {Number(p.gi_p).toPrecision(2)}</div>
        <div>{t('commander.metric.count')}: {p.count}</div>
      </>
    )
  } else if (info.layer?.id === 'incident-clusters' && p) {
    body = (
      <>
        <strong>{t('commander.cluster')} #{p.cluster}</strong>
        <div>{t('commander.metric.count')}: {p.count}</div>
        {Object.entries(p.types as Record<string, number>)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 4)
          .map(([ty, n]) => (
            <div key={ty}>{t(`incidentType.${ty}`)}: {n}</div>
          ))}
      </>
    )
  } else if (info.layer?.id === 'incident-hexbins') {
    body = <div>{t('commander.metric.count')}: {new Intl.NumberFormat(i18n.language).format(o.colorValue ?? 0)}</div>
  }
  if (!body) return null
  return (
    <div className="tooltip" style={{ left: info.x + 12, top: info.y + 12 }} data-testid="commander-tooltip">
      {body}
    </div>
  )
}
