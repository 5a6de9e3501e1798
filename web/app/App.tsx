import type { LayersList, PickingInfo } from '@deck.gl/core'
import { useQuery } from '@tanstack/react-query'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { Map as MapLibreMap } from 'maplibre-gl'
import { useTranslation } from 'react-i18next'
import { AreaPanel } from '../areas/AreaPanel.tsx'
import { polygonOf, useAreaImport } from '../areas/areaImport.ts'
import { useBoundaryEdit } from '../areas/boundaryEdit.ts'
import { useCoverageCheck } from '../areas/coverage.ts'
import { useAsOf } from '../areas/history.ts'
import { useMicrogridGeneration, type MicrogridPiece } from '../areas/microgrids.ts'
import { useDrill } from '../areas/useDrill.ts'
import { ImportDialog } from '../incidents/ImportDialog.tsx'
import { IncidentPanel } from '../incidents/IncidentPanel.tsx'
import { incidentDetailQuery } from '../incidents/queries.ts'
import { ReportForm } from '../incidents/ReportForm.tsx'
import { useIncidentSelection } from '../incidents/useIncidentSelection.ts'
import { asOfLayer } from '../map/layers/areas.ts'
import { areaImportLayers } from '../map/layers/areaImport.ts'
import { boundaryEditLayers } from '../map/layers/boundaryEdit.ts'
import { coverageProblemsLayer } from '../map/layers/coverage.ts'
import { microgridPreviewLayers } from '../map/layers/microgrids.ts'
import { incidentMarkersLayer, pickSurfaceLayer, type IncidentMarker } from '../map/layers/incidents.ts'
import { bboxOf, snapBbox } from '../map/geometry.ts'
import { MapView, type FitRequest, type MapViewport } from '../map/MapView.tsx'
import { useTerraDraw } from '../map/terraDraw.ts'
import { useBasemapInputs } from '../map/useBasemapInputs.ts'
import { buildingsQuery } from '../map/queries.ts'
import { DETAIL_ZOOM, useMapLayers } from '../map/useMapLayers.ts'
import { canSite, readsCases, type User } from '../auth/queries.ts'
import { StationPanel } from '../stations/StationPanel.tsx'
import type { AreaFeature, StationFeature } from './client.ts'
import { Header } from './Header.tsx'
import { LayerPanel } from './LayerPanel.tsx'
import { Legend } from './Legend.tsx'
import { configQuery } from './queries.ts'
import { useSettings } from './settings.ts'
import { Tooltip } from './Tooltip.tsx'
import { usePickLocation } from './usePickLocation.ts'

const PANEL_WIDTH = 380

/** While set, a map click picks a location: for a new report, or the new place of the open incident. */
type PickMode = 'report' | 'move'

/** The dashboard shell: header, full-window map, layer panel, legend, area or incident panel, tooltip. */
export function App({ user }: { user: User }) {
  const { t } = useTranslation()
  const settings = useSettings()
  const config = useQuery(configQuery())
  const [chosenId, setChosenId] = useState<number | undefined>()
  const [panelOpen, setPanelOpen] = useState(true)
  const [viewport, setViewport] = useState<MapViewport | null>(null)
  const [hover, setHover] = useState<PickingInfo | null>(null)
  const [fit, setFit] = useState<FitRequest | null>(null)
  // The map starts at the broadest area of the user's scope (the district for admins and planners).
  const home = config.data ? (config.data.homeAreaId ?? config.data.districtId) : undefined
  const drill = useDrill(chosenId, home)
  const cases = readsCases(user)
  const coverage = useCoverageCheck(drill.selectedId)
  const problems = coverage.result?.features
  const asOf = useAsOf(drill.selectedId)
  const asOfChildren = asOf.children?.features
  const areaImport = useAreaImport(drill.selectedId)
  const importFeatures = areaImport.preview?.features.features
  const microgrids = useMicrogridGeneration(drill.selectedId)
  const pieces = microgrids.preview?.features.features
  const [selectedPiece, setSelectedPiece] = useState<number | undefined>()
  // Boundary editing: terra-draw on the MapLibre map owns the pointer while it is on.
  const [maplibre, setMaplibre] = useState<MapLibreMap | null>(null)
  const boundaryEdit = useBoundaryEdit(drill.selectedId)
  const editing = boundaryEdit.parentId !== undefined
  useTerraDraw(maplibre, boundaryEdit)

  // Incidents: the open one, a location being picked (report or move) and the point picked, the import dialog.
  const incident = useIncidentSelection()
  const { mode: pickMode, setMode: setPickMode, picked, setPicked, end: endPick } = usePickLocation<PickMode>()
  const [importOpen, setImportOpen] = useState(false)
  // The station whose record is open (a click on a station; managers edit it on the planner page too).
  const [stationId, setStationId] = useState<number | undefined>()
  const openIncident = useQuery(incidentDetailQuery(cases ? incident.selection?.id : undefined))

  const districtBbox = config.data?.districtBbox
  const openPosition = openIncident.data?.geometry.coordinates as [number, number] | undefined
  const overlays = useMemo<LayersList>(() => {
    const markers: IncidentMarker[] = []
    if (openPosition && pickMode !== 'report') markers.push({ position: openPosition, kind: 'selected' })
    if (picked) markers.push({ position: picked, kind: 'draft' })
    const list: LayersList = []
    // Coverage problems above every data layer: they are what the user asked to see.
    if (asOfChildren) list.push(asOfLayer(asOfChildren))
    // A generated preview below the coverage problems: a check of the grid answers for what is stored.
    if (pieces?.length) list.push(...microgridPreviewLayers(pieces, selectedPiece))
    if (problems?.length) list.push(coverageProblemsLayer(problems, coverage.selectedProblem))
    // An import preview: the file's features and their problems, over the boundaries they would replace.
    if (importFeatures) list.push(...areaImportLayers(importFeatures, areaImport.problems, areaImport.selectedProblem))
    if (editing) list.push(...boundaryEditLayers(boundaryEdit.features, boundaryEdit.subs, boundaryEdit.problems, boundaryEdit.mergePicks, boundaryEdit.selectedProblem))
    list.push(incidentMarkersLayer(markers))
    if (districtBbox) list.push(pickSurfaceLayer(districtBbox, { active: !!pickMode }))
    return list
  }, [openPosition?.[0], openPosition?.[1], picked, pickMode, districtBbox, problems, coverage.selectedProblem, asOfChildren, importFeatures, areaImport.problems, areaImport.selectedProblem, pieces, selectedPiece, editing, boundaryEdit.features, boundaryEdit.subs, boundaryEdit.problems, boundaryEdit.mergePicks, boundaryEdit.selectedProblem])
  const mapLayers = useMapLayers(config.data, drill, viewport, settings, cases, overlays)

  const zoomedIn = !!viewport && viewport.zoom >= DETAIL_ZOOM
  const buildings = useQuery(buildingsQuery(zoomedIn && settings.layers.buildings ? snapBbox(viewport.bbox) : undefined))
  const { basemap, data: baseData } = useBasemapInputs(settings.basemapUrl ?? config.data?.basemapUrl ?? '', drill.district, zoomedIn ? buildings.data : undefined)

  // First view: the user's scope; afterwards every selection frames its area.
  useEffect(() => {
    const bbox = config.data?.homeBbox ?? config.data?.districtBbox
    if (bbox && !fit) setFit({ bbox, key: 'home', animate: false })
  }, [config.data, fit])
  const [fitCount, setFitCount] = useState(0)
  useEffect(() => {
    const d = drill.detail
    if (chosenId !== undefined && d?.id === chosenId) setFit({ bbox: d.bbox, key: `area-${d.id}-${fitCount}`, animate: true })
  }, [drill.detail, chosenId, fitCount])

  const select = useCallback((id: number) => {
    incident.close()
    setStationId(undefined)
    setChosenId(id)
    setPanelOpen(true)
    setFitCount((n) => n + 1)
  }, [incident.close])

  // Every click on a listed problem frames it again, even the same one after the user panned away.
  const [problemFits, setProblemFits] = useState(0)
  const focusProblem = useCallback((p: { id: number; geometry: unknown }) => {
    const geometry = polygonOf(p.geometry)
    if (!geometry) return
    setProblemFits((n) => n + 1)
    setFit({ bbox: bboxOf(geometry), key: `problem-${p.id}-${problemFits + 1}`, animate: true })
  }, [problemFits])

  const focusPiece = useCallback((p: MicrogridPiece) => {
    setSelectedPiece(p.properties.fid)
    setProblemFits((n) => n + 1)
    setFit({ bbox: bboxOf(p.geometry), key: `piece-${p.id}-${problemFits + 1}`, animate: true })
  }, [problemFits])

  const points = mapLayers.incidents
  const period = mapLayers.period
  const incidentTypes = config.data?.incidentTypes
  // New reports and edits offer only the types that still take reports (an admin may retire one).
  const activeTypes = useMemo(() => (config.data?.incidentTypeCatalog ?? []).filter((ty) => ty.active).map((ty) => ty.code), [config.data])
  const onClick = useCallback(
    (picks: PickingInfo[]) => {
      // While boundaries are edited terra-draw owns the pointer: no drilling down, no incidents.
      if (editing) return
      // Picking a location: the cursor's coordinate counts whatever lies under it (the pick surface
      // makes sure something does once it is drawn; until then an area or point does).
      if (pickMode) {
        const c = picks[0]?.coordinate
        if (c) setPicked([c[0], c[1]])
        return
      }
      // Above a grid a click drills down even through an incident point (they cover the map when
      // zoomed out); inside a grid, where incidents are handled, it opens the incident.
      const point = picks.find((p) => p.layer?.id === 'incidents')
      const area = picks.find((p) => p.layer?.id === 'area-children' && p.object)
      const inGrid = drill.detail?.level === 'grid' || drill.detail?.level === 'micro_grid'
      if (point && (inGrid || !area) && points && incidentTypes && point.index >= 0 && point.index < points.length) {
        // The drawn point's own position (Float32), not the cursor's, is what the lookup searches around.
        const i = point.index
        const type = incidentTypes[points.typeIndex[i]]
        setStationId(undefined)
        if (type) void incident.openAt({ lon: points.positions[2 * i], lat: points.positions[2 * i + 1], type, ...period })
        return
      }
      const station = picks.find((p) => p.layer?.id === 'stations' && p.object)
      if (station) {
        incident.close()
        setStationId((station.object as StationFeature).properties.id)
        return
      }
      if (area) select((area.object as AreaFeature).properties.id)
    },
    [select, pickMode, points, incidentTypes, period, incident.openAt, drill.detail?.level, editing],
  )
  const startReport = useCallback(() => {
    incident.close()
    setStationId(undefined)
    setPicked(null)
    setPickMode('report')
  }, [incident.close])
  const onHover = useCallback((info: PickingInfo) => setHover(info.picked ? info : null), [])

  return (
    <div className={`app ${pickMode ? 'picking' : ''}`}>
      <MapView
        layers={mapLayers.layers}
        dataReady={mapLayers.dataReady}
        basemap={basemap}
        data={baseData}
        visibility={{ roads: settings.layers.roads, buildings: settings.layers.buildings }}
        fit={fit}
        rightInset={panelOpen || incident.selection || stationId !== undefined || pickMode === 'report' ? PANEL_WIDTH : 0}
        onViewportChange={setViewport}
        onHover={onHover}
        onClick={onClick}
        onMapReady={setMaplibre}
      />
      <Header config={config.data} user={user} />
      {config.error && <div className="banner error">{t('app.error')}: {config.error.message}</div>}
      {settings.gcj02 && basemap.kind !== 'offline' && <div className="banner warn">{t('settings.gcj02Note')}</div>}
      {pickMode && <div className="banner pick" data-testid="pick-banner">{t('incident.pickBanner')}</div>}
      <div className="left-column">
        <LayerPanel
          config={config.data}
          settings={settings}
          shownIncidents={mapLayers.incidents?.length}
          readsCases={cases}
          zoom={viewport?.zoom}
          gridCount={mapLayers.gridCount}
          period={mapLayers.period}
          reporting={pickMode === 'report'}
          onReport={cases ? startReport : undefined}
          onImport={cases ? () => setImportOpen(true) : undefined}
        />
        <Legend config={config.data} coverage={!!problems?.length || [...areaImport.problems, ...boundaryEdit.problems].some((p) => polygonOf(p.geometry))} />
      </div>
      {cases && pickMode === 'report' ? (
        <ReportForm
          incidentTypes={activeTypes}
          point={picked}
          width={PANEL_WIDTH}
          onCancel={endPick}
          onCreated={(created) => {
            endPick()
            incident.open(created.id)
          }}
        />
      ) : stationId !== undefined && !incident.selection ? (
        <aside className="panel incident-panel" style={{ width: PANEL_WIDTH }}>
          <StationPanel id={stationId} canManage={canSite(user)} moving={false} moveTarget={null} onMoveEnd={() => {}} onClose={() => setStationId(undefined)} />
        </aside>
      ) : cases && incident.selection ? (
        <IncidentPanel
          selection={incident.selection}
          incidentTypes={activeTypes}
          width={PANEL_WIDTH}
          moving={pickMode === 'move'}
          moveTarget={pickMode === 'move' ? picked : null}
          onChoose={incident.choose}
          onClose={() => {
            endPick()
            incident.close()
          }}
          onMoveStart={() => {
            setPicked(null)
            setPickMode('move')
          }}
          onMoveEnd={endPick}
        />
      ) : (
        panelOpen &&
        drill.selectedId !== undefined && (
          <AreaPanel
            drill={drill}
            user={user}
            width={PANEL_WIDTH}
            coverage={coverage}
            asOf={asOf}
            areaImport={areaImport}
            boundaryEdit={boundaryEdit}
            microgrids={microgrids}
            selectedPiece={selectedPiece}
            onFocusPiece={focusPiece}
            onSelect={select}
            onFocusProblem={focusProblem}
            onClose={() => {
              setPanelOpen(false)
              coverage.clear()
              areaImport.close()
              boundaryEdit.cancel()
              microgrids.discard()
            }}
          />
        )
      )}
      {cases && importOpen && <ImportDialog onClose={() => setImportOpen(false)} />}
      {hover && !pickMode && !editing && <Tooltip info={hover} incidents={mapLayers.incidents} incidentTypes={config.data?.incidentTypes ?? []} />}
    </div>
  )
}
