import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'
import { useEffect, useRef } from 'react'
import { buildStyle, mergeIntoStyle, SOURCE, TOGGLED_LAYERS, type BaseData, type Basemap } from './style.ts'

export interface BaseMapOptions {
  basemap: Basemap
  data: BaseData
  visibility: { roads: boolean; buildings: boolean }
}

function applyVisibility(map: MapLibreMap, v: BaseMapOptions['visibility']) {
  for (const [key, ids] of Object.entries(TOGGLED_LAYERS) as [keyof typeof TOGGLED_LAYERS, readonly string[]][]) {
    for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', v[key] ? 'visible' : 'none')
  }
}

function applyData(map: MapLibreMap, data: BaseData) {
  for (const key of ['roads', 'buildings', 'district'] as const) {
    const fc = data[key]
    const source = map.getSource<GeoJSONSource>(SOURCE[key])
    if (fc && source) source.setData(fc)
  }
}

/**
 * Keeps the MapLibre style in step with the basemap setting (offline, raster tiles or a
 * style URL with our layers on top) and pushes our GeoJSON into its sources.
 */
export function useBaseMap(map: MapLibreMap | null, opts: BaseMapOptions): void {
  const latest = useRef(opts)
  latest.current = opts
  const basemapKey = JSON.stringify(opts.basemap)

  useEffect(() => {
    if (!map) return
    const { basemap, data } = latest.current
    const reapply = () => {
      applyData(map, latest.current.data)
      applyVisibility(map, latest.current.visibility)
    }
    map.once('style.load', reapply)
    if (basemap.kind === 'style') {
      map.setStyle(basemap.url, { diff: false, transformStyle: (_prev, next) => mergeIntoStyle(next, latest.current.data) })
    } else {
      map.setStyle(buildStyle(basemap, data), { diff: false })
    }
    return () => {
      map.off('style.load', reapply)
    }
  }, [map, basemapKey])

  useEffect(() => {
    if (map?.isStyleLoaded() || map?.getSource(SOURCE.roads)) applyData(map, opts.data)
  }, [map, opts.data.roads, opts.data.buildings, opts.data.district])

  useEffect(() => {
    if (map) applyVisibility(map, opts.visibility)
  }, [map, opts.visibility.roads, opts.visibility.buildings])
}
