import type { PickingInfo } from '@deck.gl/core'
import { useQuery } from '@tanstack/react-query'
import type { FeatureCollection } from 'geojson'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { AreaPanel } from '../areas/AreaPanel.tsx'
import { useDrill } from '../areas/useDrill.ts'
import { snapBbox } from '../map/geometry.ts'
import { MapView, type FitRequest, type MapViewport } from '../map/MapView.tsx'
import { buildingsQuery, roadsQuery } from '../map/queries.ts'
import { parseBasemapUrl } from '../map/style.ts'
import { DETAIL_ZOOM, useMapLayers } from '../map/useMapLayers.ts'
import { readsCases, type User } from '../auth/queries.ts'
import type { AreaFeature } from './client.ts'
import { Header } from './Header.tsx'
import { LayerPanel } from './LayerPanel.tsx'
import { Legend } from './Legend.tsx'
import { configQuery } from './queries.ts'
import { useSettings } from './settings.ts'
import { Tooltip } from './Tooltip.tsx'

const PANEL_WIDTH = 380

/** The dashboard shell: header, full-window map, layer panel, legend, area panel, tooltip. */
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
  const mapLayers = useMapLayers(config.data, drill, viewport, settings, readsCases(user))

  const basemapUrl = settings.basemapUrl ?? config.data?.basemapUrl ?? ''
  const basemap = useMemo(() => parseBasemapUrl(basemapUrl), [basemapUrl])
  const roads = useQuery(roadsQuery())
  const zoomedIn = !!viewport && viewport.zoom >= DETAIL_ZOOM
  const buildings = useQuery(buildingsQuery(zoomedIn && settings.layers.buildings ? snapBbox(viewport.bbox) : undefined))
  const district = useMemo<FeatureCollection | undefined>(
    () => (drill.district ? { type: 'FeatureCollection', features: [drill.district] } : undefined),
    [drill.district],
  )
  const baseData = useMemo(
    () => ({ roads: roads.data, buildings: zoomedIn ? buildings.data : undefined, district }),
    [roads.data, buildings.data, zoomedIn, district],
  )

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
    setChosenId(id)
    setPanelOpen(true)
    setFitCount((n) => n + 1)
  }, [])

  const onClick = useCallback(
    (info: PickingInfo) => {
      if (info.layer?.id === 'area-children' && info.object) select((info.object as AreaFeature).properties.id)
    },
    [select],
  )
  const onHover = useCallback((info: PickingInfo) => setHover(info.picked ? info : null), [])

  return (
    <div className="app">
      <MapView
        layers={mapLayers.layers}
        dataReady={mapLayers.dataReady}
        basemap={basemap}
        data={baseData}
        visibility={{ roads: settings.layers.roads, buildings: settings.layers.buildings }}
        fit={fit}
        rightInset={panelOpen ? PANEL_WIDTH : 0}
        onViewportChange={setViewport}
        onHover={onHover}
        onClick={onClick}
      />
      <Header config={config.data} user={user} />
      {config.error && <div className="banner error">{t('app.error')}: {config.error.message}</div>}
      {settings.gcj02 && basemap.kind !== 'offline' && <div className="banner warn">{t('settings.gcj02Note')}</div>}
      <div className="left-column">
        <LayerPanel
          config={config.data}
          settings={settings}
          shownIncidents={mapLayers.incidents?.length}
          readsCases={readsCases(user)}
          zoom={viewport?.zoom}
          gridCount={mapLayers.gridCount}
        />
        <Legend config={config.data} />
      </div>
      {panelOpen && drill.selectedId !== undefined && (
        <AreaPanel drill={drill} user={user} width={PANEL_WIDTH} onSelect={select} onClose={() => setPanelOpen(false)} />
      )}
      {hover && <Tooltip info={hover} incidents={mapLayers.incidents} incidentTypes={config.data?.incidentTypes ?? []} />}
    </div>
  )
}
