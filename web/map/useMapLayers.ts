import type { LayersList } from '@deck.gl/core'
import { useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import type { AppConfig } from '../app/client.ts'
import type { Settings } from '../app/settings.ts'
import { areasQuery } from '../areas/queries.ts'
import type { DrillState } from '../areas/useDrill.ts'
import { filterByType, type IncidentPoints } from '../incidents/decode.ts'
import { incidentPointsQuery, lastDays } from '../incidents/queries.ts'
import { useCurrentHour } from '../incidents/useCurrentHour.ts'
import { stationsQuery } from '../stations/queries.ts'
import { useFontReady } from './fonts.ts'
import { snapBbox } from './geometry.ts'
import { contextOutlinesLayer, drillChildrenLayer, selectionLayer } from './layers/areas.ts'
import { gridsLayer, microGridsLayer } from './layers/grids.ts'
import { incidentColors, incidentsLayer } from './layers/incidents.ts'
import { areaLabels, areaLabelsLayer } from './layers/labels.ts'
import { STATION_GLYPH_ZOOM, stationLayers } from './layers/stations.ts'
import type { MapViewport } from './MapView.tsx'

/** Micro-grids and buildings are fetched by bbox from this zoom on. */
export const DETAIL_ZOOM = 15

const NO_OVERLAYS: LayersList = []

export interface MapLayers {
  layers: LayersList
  /** Grids are loaded and in `layers` (what "drawn" means for tests). */
  dataReady: boolean
  /** The incident points currently drawn, for tooltips. */
  incidents?: IncidentPoints
  gridCount: number
  /** The period the incident points cover (ISO instants). */
  period: { from: string; to: string }
}

/**
 * Gathers the server data for every deck.gl layer and builds the layer list, bottom to top;
 * `overlays` (markers, the pick surface of a location being picked) go on top of everything.
 */
export function useMapLayers(
  config: AppConfig | undefined,
  drill: DrillState,
  viewport: MapViewport | null,
  settings: Settings,
  readsCases = true,
  overlays: LayersList = NO_OVERLAYS,
): MapLayers {
  const { t, i18n } = useTranslation()
  const show = settings.layers
  const detailBbox = viewport && viewport.zoom >= DETAIL_ZOOM ? snapBbox(viewport.bbox) : undefined
  const showGlyphs = !!viewport && viewport.zoom >= STATION_GLYPH_ZOOM

  const grids = useQuery(areasQuery({ level: 'grid' }))
  const microGrids = useQuery(areasQuery({ level: 'micro_grid', bbox: detailBbox }, !!detailBbox && show.microGrids))
  const stations = useQuery(stationsQuery())
  const hour = useCurrentHour()
  const period = useMemo(() => lastDays(settings.periodDays), [settings.periodDays, hour])
  // Planners get aggregates only: the API refuses them individual incident points.
  const points = useQuery({ ...incidentPointsQuery({ ...period, bbox: config?.homeBbox ?? config?.districtBbox ?? undefined }), enabled: !!config && readsCases })

  const types = config?.incidentTypes
  const filtered = useMemo(() => {
    if (!points.data || !types) return undefined
    const enabled = types.map((ty) => !settings.hiddenIncidentTypes.includes(ty))
    return filterByType(points.data, enabled)
  }, [points.data, types, settings.hiddenIncidentTypes])
  const colors = useMemo(() => (filtered && types ? incidentColors(filtered, types) : undefined), [filtered, types])

  const glyphs = useMemo(
    () => Object.fromEntries((config?.stationTypes ?? []).map((ty) => [ty, t(`stationGlyph.${ty}`)])),
    [config?.stationTypes, t, i18n.language],
  )
  const labels = useMemo(() => areaLabels(drill.drillFeatures), [drill.drillFeatures])
  const labelText = useMemo(() => labels.map((l) => l.text).join('') + Object.values(glyphs).join(''), [labels, glyphs])
  const fontReady = useFontReady(labelText)

  const outlined = useMemo(() => [...drill.contextFeatures, ...drill.drillFeatures], [drill.contextFeatures, drill.drillFeatures])
  const layers = useMemo<LayersList>(() => {
    const list: LayersList = [
      drillChildrenLayer(drill.drillFeatures, { visible: show.areas }),
      gridsLayer(grids.data?.features ?? [], { visible: show.grids }),
      microGridsLayer(detailBbox ? (microGrids.data?.features ?? []) : [], { visible: show.microGrids }),
      contextOutlinesLayer(outlined, { visible: show.areas }),
      selectionLayer(drill.selectedFeature),
    ]
    if (filtered && colors) list.push(incidentsLayer(filtered, colors, { visible: show.incidents }))
    list.push(...stationLayers(stations.data?.features ?? [], { visible: show.stations, glyphs, fontReady, showGlyphs }))
    list.push(areaLabelsLayer(labels, { visible: show.labels, fontReady }))
    list.push(...overlays)
    return list
  }, [drill, outlined, grids.data, microGrids.data, !!detailBbox, filtered, colors, stations.data, glyphs, labels, fontReady, show, showGlyphs, overlays])

  return { layers, dataReady: !!grids.data && !!drill.detail, incidents: filtered, gridCount: grids.data?.features.length ?? 0, period }
}
