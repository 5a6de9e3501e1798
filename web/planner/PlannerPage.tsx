import type { LayersList, PickingInfo } from '@deck.gl/core'
import type { FeatureCollection } from 'geojson'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { STATION_TYPES } from '../../geo-data/generate/types.ts'
import { Header } from '../app/Header.tsx'
import { configQuery } from '../app/queries.ts'
import { useSettings } from '../app/settings.ts'
import { useDrill } from '../areas/useDrill.ts'
import { canSite, type User } from '../auth/queries.ts'
import { errorText } from '../incidents/errors.ts'
import { colorOf, css, STATION_COLORS } from '../map/colors.ts'
import { useFontReady } from '../map/fonts.ts'
import { contextOutlinesLayer, selectionLayer } from '../map/layers/areas.ts'
import { chosenSiteLayers, NEW_SITE_COLOR, roadServiceAreaLayer, serviceAreaLayer, UNCOVERED_COLOR, uncoveredLayer } from '../map/layers/siting.ts'
import { MapView, type FitRequest } from '../map/MapView.tsx'
import { useBasemapInputs } from '../map/useBasemapInputs.ts'
import { stationsQuery } from '../stations/queries.ts'
import { StationRegistryPanel, useStationRegistry } from '../stations/StationRegistry.tsx'
import { CandidateSourcePanel, useCandidateSource } from './CandidateSource.tsx'
import { rowsOfIndexes } from './candidates.ts'
import {
  deleteScenario, keepScenario, roadServiceAreasQuery, scenarioQuery, scenariosQuery, sitesFile, solveSiting, stationCoverageQuery, uncoveredQuery,
  type CoverageArgs, type Distance, type SitingModel, type SitingRequest, type SitingResult,
} from './queries.ts'
import { ScenarioPanel } from './ScenarioPanel.tsx'

const PANEL_WIDTH = 400
const MODELS: SitingModel[] = ['mclp', 'lscp', 'pmedian']
type StationType = (typeof STATION_TYPES)[number]

interface Draft {
  model: SitingModel
  stationType: StationType
  radius: number
  distance: Distance
  k: number
  targetPct: number
  weight: 'households' | 'incidents'
  exact: boolean
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** `value`, once it has stayed the same for `ms` (typing a radius should not query every keystroke). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(id)
  }, [JSON.stringify(value), ms])
  return settled
}

/** Triggers a browser download of `blob` as `name`. */
function download(blob: Blob, name: string) {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}

/**
 * The planner's page: choose a station type, a model (cover the most with k new stations, reach a
 * share with the fewest, or the least mean distance), run the solver for the chosen area, see the
 * new sites in pick order with their gains beside the kept stations' service areas, export them,
 * and keep scenarios to compare side by side.
 */
export function PlannerPage({ user }: { user: User }) {
  const { t } = useTranslation()
  const settings = useSettings()
  const config = useQuery(configQuery())
  const home = config.data ? (config.data.homeAreaId ?? config.data.districtId) : undefined
  const [chosenId, setChosenId] = useState<number | undefined>()
  const drill = useDrill(chosenId, home)
  const detail = drill.detail
  const stations = useQuery(stationsQuery())
  // The station registry: every station drawn, click one for its panel, add, move, close, import.
  const registry = useStationRegistry(config.data?.districtBbox ?? undefined)
  const [fit, setFit] = useState<FitRequest | null>(null)
  const [draft, setDraft] = useState<Draft>({
    model: 'mclp', stationType: 'self_governance', radius: 500, distance: 'straight', k: 5, targetPct: 90, weight: 'households', exact: false,
  })
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }))
  // Coverage by the existing stations of the type, for the area, radius and distance being planned.
  const covArgs = useSettled<CoverageArgs | null>(
    detail && draft.radius > 0 ? { type: draft.stationType, radius: draft.radius, area: detail.id, distance: draft.distance } : null,
    600,
  )
  const coverage = useQuery({ ...stationCoverageQuery(covArgs!), enabled: !!covArgs })
  const uncovered = useQuery({ ...uncoveredQuery(covArgs!), enabled: !!covArgs })
  const roadAreas = useQuery({ ...roadServiceAreasQuery(covArgs!), enabled: covArgs?.distance === 'road' })
  const uncoveredPoints = useMemo(
    () =>
      (uncovered.data?.features ?? []).flatMap((f) =>
        f.geometry.type === 'Point' ? [{ lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], households: f.properties.households }] : [],
      ),
    [uncovered.data],
  )

  const solve = useMutation({
    mutationFn: (req: SitingRequest) => solveSiting(req).then((result) => ({ req, result })),
  })
  // Candidates generated by the server, drawn on the map or imported from a file.
  const candidates = useCandidateSource(config.data?.districtBbox ?? undefined)
  // A saved scenario opened on the map takes the place of the last solve until the next one.
  const [openedId, setOpenedId] = useState<number | undefined>()
  const opened = useQuery({ ...scenarioQuery(openedId ?? 0), enabled: openedId !== undefined })
  const shown = openedId !== undefined ? (opened.data ? { req: opened.data.request, result: opened.data.result } : undefined) : solve.data
  const result: SitingResult | undefined = shown?.result
  useEffect(() => {
    const o = opened.data
    if (!o || o.id !== openedId) return
    // The form follows the scenario, so the coverage beside it is the scenario's own question.
    setDraft((d) => ({
      ...d, model: o.request.model, stationType: o.request.stationType as StationType, radius: o.request.radius, distance: o.request.distance ?? 'straight',
      ...(o.request.k !== undefined ? { k: o.request.k } : {}), ...(o.request.target !== undefined ? { targetPct: Math.round(o.request.target * 100) } : {}),
    }))
    setChosenId(o.area.id)
  }, [opened.data, openedId])

  useEffect(() => {
    const bbox = config.data?.homeBbox ?? config.data?.districtBbox
    if (bbox && !fit) setFit({ bbox, key: 'home', animate: false })
  }, [config.data, fit])
  useEffect(() => {
    if (chosenId !== undefined && detail?.id === chosenId) setFit({ bbox: detail.bbox, key: `area-${detail.id}`, animate: true })
  }, [detail, chosenId])

  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (!detail) return
    const req: SitingRequest = {
      model: draft.model,
      stationType: draft.stationType,
      radius: draft.radius,
      distance: draft.distance,
      area: detail.id,
      weight: draft.weight,
      exact: draft.exact,
      ...candidates.requestPart(),
      ...(draft.model === 'lscp' ? { target: draft.targetPct / 100 } : { k: draft.k }),
    }
    setOpenedId(undefined)
    solve.mutate(req)
  }

  // Saved scenarios live on the server: shared with colleagues who have the area in scope.
  const queryClient = useQueryClient()
  const scenarios = useQuery({ ...scenariosQuery(detail?.id ?? 0), enabled: !!detail })
  const scenariosChanged = () => queryClient.invalidateQueries({ queryKey: ['siting', 'scenarios'] })
  const keeping = useMutation({ mutationFn: keepScenario, onSuccess: scenariosChanged })
  const dropping = useMutation({ mutationFn: deleteScenario, onSuccess: scenariosChanged })
  const keep = () => {
    if (!solve.data || openedId !== undefined) return
    const { req, result: r } = solve.data
    const name = `${t(`planner.model.${r.model}`)} · ${t(`stationType.${req.stationType}`)} · ${r.area.name}`
    keeping.mutate({ name, request: req, result: r })
  }
  const scenarioList = scenarios.data?.scenarios ?? []
  const scenarioError = keeping.error ?? dropping.error ?? scenarios.error

  const kept = useMemo(
    () => (stations.data?.features ?? []).filter((s) => s.properties.type === (shown?.req.stationType ?? draft.stationType)),
    [stations.data, shown, draft.stationType],
  )
  const fontReady = useFontReady('0123456789')
  const radius = shown?.req.radius ?? draft.radius
  const distance = shown?.req.distance ?? draft.distance
  const layers = useMemo<LayersList>(() => {
    const out: LayersList = [contextOutlinesLayer(drill.contextFeatures, { visible: true }), selectionLayer(drill.selectedFeature)]
    const color = colorOf(STATION_COLORS, shown?.req.stationType ?? draft.stationType)
    // Road distance: the reachable network from the API (drawn for the coverage being shown); straight: discs.
    if (distance === 'road') {
      if (roadAreas.data && !shown) out.push(roadServiceAreaLayer(roadAreas.data as FeatureCollection, color))
    } else out.push(serviceAreaLayer(kept, radius, color))
    if (!result) out.push(uncoveredLayer(uncoveredPoints))
    // Drawn or imported candidates under the chosen sites (a chosen one is also a candidate).
    out.push(...candidates.layers)
    if (result) out.push(...chosenSiteLayers(result.sites.map((s, i) => ({ lon: s.lon, lat: s.lat, rank: i + 1 })), distance === 'road' ? null : radius, fontReady))
    out.push(...registry.layers, ...candidates.surface)
    return out
  }, [drill.contextFeatures, drill.selectedFeature, kept, radius, distance, roadAreas.data, result, fontReady, shown, draft.stationType, uncoveredPoints, registry.layers, candidates.layers, candidates.surface])

  // A pick for the registry (adding or moving a station) comes first; else, while drawing, the click is a candidate.
  const onClick = useCallback(
    (picks: PickingInfo[]) => {
      if (registry.pickMode) registry.onClick(picks)
      else if (!candidates.onClick(picks)) registry.onClick(picks)
    },
    [registry.pickMode, registry.onClick, candidates.onClick],
  )
  // Candidates the server found outside the area, as rows of the imported file.
  const outsideRows = solve.error && candidates.kind === 'imported' ? rowsOfIndexes((solve.error as Error).message, candidates.points) : null
  const onHover = useCallback(() => {}, [])
  const { basemap, data: baseData } = useBasemapInputs(settings.basemapUrl ?? config.data?.basemapUrl ?? '', drill.district)
  const unit = result?.model === 'pmedian' ? t('planner.metres') : t('planner.households')

  return (
    <div className={`app planner ${registry.pickMode || candidates.kind === 'drawn' ? 'picking' : ''}`}>
      <MapView
        layers={layers}
        dataReady={!!detail && !!stations.data && registry.ready}
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
      {registry.pickMode && <div className="banner pick" data-testid="station-pick-banner">{t(registry.pickMode === 'add' ? 'stations.pickBanner' : 'stations.movePrompt')}</div>}
      <div className="left-column">
        <StationRegistryPanel reg={registry} canManage={canSite(user)} />
      </div>
      <aside className="panel area-panel planner-panel" style={{ width: PANEL_WIDTH }} data-testid="planner-panel" data-area-id={detail?.id}>
        <h2>{t('planner.title')}</h2>
        <form className="planner-form" onSubmit={submit} data-testid="siting-form">
          <label className="field">
            {t('planner.area')}
            <select value={detail?.id ?? ''} onChange={(e) => setChosenId(Number(e.target.value))} data-testid="siting-area">
              {detail && <option value={detail.id}>{detail.name} ({t(`level.${detail.level}`)})</option>}
              {detail?.ancestors.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
              {detail?.children.map((c) => <option key={c.id} value={c.id}>└ {c.name}</option>)}
            </select>
          </label>
          <div className="segmented" role="group" aria-label={t('planner.modelLabel')}>
            {MODELS.map((m) => (
              <button key={m} type="button" className={draft.model === m ? 'active' : ''} onClick={() => set({ model: m })} data-testid={`model-${m}`}>
                {t(`planner.model.${m}`)}
              </button>
            ))}
          </div>
          <p className="hint">{t(`planner.modelHint.${draft.model}`)}</p>
          <label className="field">
            {t('planner.stationType')}
            <select value={draft.stationType} onChange={(e) => set({ stationType: e.target.value as StationType })} data-testid="siting-type">
              {STATION_TYPES.map((ty) => <option key={ty} value={ty}>{t(`stationType.${ty}`)}</option>)}
            </select>
          </label>
          <div className="row">
            <label className="field inline">
              {t('planner.radius')}
              <input type="number" min={50} max={10000} step={50} value={draft.radius} onChange={(e) => set({ radius: Number(e.target.value) })} data-testid="siting-radius" />
            </label>
            <label className="field inline">
              {t('planner.distance')}
              <select value={draft.distance} onChange={(e) => set({ distance: e.target.value as Distance })} data-testid="siting-distance">
                <option value="straight">{t('planner.distanceName.straight')}</option>
                <option value="road">{t('planner.distanceName.road')}</option>
              </select>
            </label>
            {draft.model === 'lscp' ? (
              <label className="field inline">
                {t('planner.target')}
                <input type="number" min={1} max={100} value={draft.targetPct} onChange={(e) => set({ targetPct: Number(e.target.value) })} data-testid="siting-target" />
              </label>
            ) : (
              <label className="field inline">
                {t('planner.k')}
                <input type="number" min={1} max={200} value={draft.k} onChange={(e) => set({ k: Number(e.target.value) })} data-testid="siting-k" />
              </label>
            )}
          </div>
          <CandidateSourcePanel src={candidates} />
          <div className="row">
            <select value={draft.weight} onChange={(e) => set({ weight: e.target.value as Draft['weight'] })} aria-label={t('planner.weight')}>
              <option value="households">{t('planner.weightHouseholds')}</option>
              <option value="incidents">{t('planner.weightIncidents')}</option>
            </select>
          </div>
          <label className="row">
            <input type="checkbox" checked={draft.exact} onChange={(e) => set({ exact: e.target.checked })} /> {t('planner.exact')}
          </label>
          <button type="submit" className="button primary" disabled={!detail || solve.isPending || !candidates.ready} data-testid="siting-solve">
            {solve.isPending ? t('planner.solving') : t('planner.solve')}
          </button>
        </form>
        {coverage.data && (
          <section className="station-coverage" data-testid="station-coverage" data-covered={coverage.data.households_covered}>
            <h3 data-testid="station-coverage-title">{t('planner.now', { distance: t(`planner.distanceName.${coverage.data.distance}`) })}</h3>
            <p>
              {t('planner.nowCoverage', {
                share: coverage.data.households_share === null ? '–' : pct(coverage.data.households_share),
                covered: coverage.data.households_covered.toLocaleString(),
                total: coverage.data.households_total.toLocaleString(),
                stations: coverage.data.stations,
              })}
            </p>
            {coverage.data.incidents && coverage.data.incidents.share_inside !== null && (
              <p className="hint">{t('planner.incidentsInside', { share: pct(coverage.data.incidents.share_inside), total: coverage.data.incidents.total.toLocaleString() })}</p>
            )}
            {!result && uncoveredPoints.length > 0 && (
              <p className="hint">
                <span className="swatch dot" style={{ background: css(UNCOVERED_COLOR) }} /> {t('planner.uncovered', { n: uncoveredPoints.length.toLocaleString() })}
              </p>
            )}
            <table className="table compact">
              <tbody>
                {[...coverage.data.by_area]
                  .filter((a) => a.share !== null)
                  .sort((x, y) => (x.share ?? 0) - (y.share ?? 0))
                  .slice(0, 6)
                  .map((a) => (
                    <tr key={a.id}>
                      <td>{a.name}</td>
                      <td>{pct(a.share ?? 0)}</td>
                      <td>{(a.households_total - a.households_covered).toLocaleString()} {t('planner.households')}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </section>
        )}
        {solve.error && (
          <p className="form-error" role="alert" data-testid="siting-error">
            {errorText(t, solve.error)}
            {outsideRows && outsideRows.length > 0 && <> {t('candidate.outsideRows', { rows: outsideRows.join(', ') })}</>}
          </p>
        )}
        {openedId !== undefined && opened.error && <p className="form-error" role="alert">{errorText(t, opened.error)}</p>}
        {result && (
          <section className="siting-result" data-testid="siting-result" data-sites={result.sites.length} data-covered-before={result.covered_before} data-covered-after={result.covered_after} data-scenario-id={openedId}>
            {openedId !== undefined && opened.data && (
              <p className="opened-scenario" data-testid="siting-opened">
                {t('scenarioCompare.opened', { name: opened.data.name, by: opened.data.created_by.username })}{' '}
                <button type="button" className="link" onClick={() => setOpenedId(undefined)}>{t('scenarioCompare.close')}</button>
              </p>
            )}
            <p data-testid="siting-coverage">
              {t('planner.coverage', { before: pct(result.share_before), after: pct(result.share_after), households: result.households.toLocaleString(), distance: t(`planner.distanceName.${result.distance}`) })}
            </p>
            {result.gap !== undefined && <p className="hint">{t('planner.gap', { gap: pct(result.gap), status: result.exact?.status ?? '' })}</p>}
            <ol className="site-list">
              {result.sites.map((s, i) => (
                <li key={i} data-lon={s.lon} data-lat={s.lat}>
                  <span className="swatch dot" style={{ background: css(NEW_SITE_COLOR) }} />
                  {s.lon.toFixed(5)}, {s.lat.toFixed(5)} · +{Math.round(s.gain).toLocaleString()} {unit}
                </li>
              ))}
            </ol>
            <div className="row">
              <button type="button" className="button" onClick={keep} disabled={openedId !== undefined || keeping.isPending || (keeping.isSuccess && keeping.variables.result === result)} data-testid="siting-keep">
                {t('planner.keep')}
              </button>
              <button type="button" className="button" onClick={() => download(sitesFile(result, 'csv'), 'sites.csv')}>CSV</button>
              <button type="button" className="button" onClick={() => download(sitesFile(result, 'geojson'), 'sites.geojson')}>GeoJSON</button>
            </div>
          </section>
        )}
        {scenarioError && <p className="form-error" role="alert" data-testid="scenario-error">{errorText(t, scenarioError)}</p>}
        {scenarioList.length > 0 && (
          <ScenarioPanel scenarios={scenarioList} user={user} openedId={openedId} onOpen={setOpenedId} onRemove={(id) => dropping.mutate(id)} removing={dropping.isPending} />
        )}
      </aside>
    </div>
  )
}
