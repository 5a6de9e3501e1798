import type { LayersList, PickingInfo } from '@deck.gl/core'
import { MapLibreOverlay } from '@deck.gl/maplibre'
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url'
import { useEffect, useRef, useState } from 'react'
import { useBaseMap, type BaseMapOptions } from './useBaseMap.ts'

// Under a Vite build MapLibre cannot find its worker by itself.
setWorkerUrl(workerUrl)

/** What the map reports after every move: zoom and visible bbox [minLon, minLat, maxLon, maxLat]. */
export interface MapViewport {
  zoom: number
  bbox: [number, number, number, number]
}

/** A request to frame an area; a new `key` re-runs it. */
export interface FitRequest {
  bbox: readonly number[]
  key: string
  animate: boolean
}

export interface MapViewProps extends BaseMapOptions {
  layers: LayersList
  fit: FitRequest | null
  /** Pixels covered by the side panel on the right, kept clear when fitting. */
  rightInset: number
  /** True once the data the first paint needs is in `layers`; the map then reports ready when idle. */
  dataReady: boolean
  onViewportChange(v: MapViewport): void
  onHover(info: PickingInfo): void
  /** Called with every object under a map click, topmost first (nothing is called when nothing is there). */
  onClick(picks: PickingInfo[]): void
  /** The MapLibre map once loaded (null when it goes), for tools that draw on it directly (terra-draw). */
  onMapReady?(map: MapLibreMap | null): void
}

/** Test and debugging hook: `window.__gridpulse`. */
interface GridPulseHandle {
  map: MapLibreMap
  overlay: MapLibreOverlay
  ready: boolean
  /** Key of the last FitRequest whose camera move has finished. */
  fitted?: string
}
declare global {
  interface Window {
    __gridpulse?: GridPulseHandle
  }
}

function viewportOf(map: MapLibreMap): MapViewport {
  const b = map.getBounds()
  return { zoom: map.getZoom(), bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] }
}

/** Full-window MapLibre map with deck.gl layers interleaved into its layer stack. */
export function MapView(props: MapViewProps) {
  const container = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  const [handle, setHandle] = useState<GridPulseHandle | null>(null)
  const latest = useRef(props)
  latest.current = props

  useEffect(() => {
    const map = new MapLibreMap({
      container: container.current!,
      center: [104.06, 30.66],
      zoom: 11,
      attributionControl: { compact: true },
      // CJK in any MapLibre text a style URL may bring is drawn with local fonts, not fetched glyphs.
      localIdeographFontFamily: "'Noto Sans SC', sans-serif",
    })
    map.addControl(new NavigationControl({ showCompass: false }), 'bottom-left')
    map.addControl(new ScaleControl({}), 'bottom-left')
    const overlay = new MapLibreOverlay({
      interleaved: true,
      layers: [],
      onHover: (info) => {
        map.getCanvas().style.cursor = info.picked ? 'pointer' : ''
        latest.current.onHover(info)
      },
    })
    // Clicks come from MapLibre rather than deck.gl's tap recogniser, which drops presses held
    // longer than ~250 ms (seen with slow hands and with a busy automation driver).
    map.on('click', (e) => {
      const picks = overlay.pickMultipleObjects({ x: e.point.x, y: e.point.y, radius: 2, depth: 8 })
      if (picks.length) latest.current.onClick(picks)
    })
    const report = () => latest.current.onViewportChange(viewportOf(map))
    map.on('load', () => {
      map.addControl(overlay)
      const h = { map, overlay, ready: false }
      window.__gridpulse = h
      setHandle(h)
      latest.current.onMapReady?.(map)
      report()
    })
    map.on('moveend', report)
    setMap(map)
    return () => {
      delete window.__gridpulse
      latest.current.onMapReady?.(null)
      map.remove()
    }
  }, [])

  useBaseMap(map, props)

  useEffect(() => {
    if (!handle) return
    const { map, overlay } = handle
    overlay.setProps({ layers: props.layers })
    // While a source is loading MapLibre refuses new layers; deck's group is then added on idle.
    const ensureGroup = () => overlay.setProps({ layers: latest.current.layers })
    map.once('idle', ensureGroup)
    map.triggerRepaint()
    return () => {
      map.off('idle', ensureGroup)
    }
  }, [handle, props.layers])

  useEffect(() => {
    if (!handle || !props.dataReady || handle.ready) return
    const { map } = handle
    const markReady = () => {
      handle.ready = true
      container.current?.setAttribute('data-ready', 'true')
    }
    map.once('idle', markReady)
    map.triggerRepaint()
    return () => {
      map.off('idle', markReady)
    }
  }, [handle, props.dataReady, props.layers])

  const fitKey = props.fit?.key
  useEffect(() => {
    if (!handle || !props.fit) return
    const [w, s, e, n] = props.fit.bbox
    const pad = 40
    const key = props.fit.key
    const done = () => {
      handle.fitted = key
    }
    handle.map.once('moveend', done)
    handle.map.fitBounds(
      [[w, s], [e, n]],
      { padding: { top: pad + 56, bottom: pad, left: pad + 260, right: pad + props.rightInset }, duration: props.fit.animate ? 800 : 0 },
    )
    return () => {
      handle.map.off('moveend', done)
    }
  }, [handle, fitKey])

  return <div ref={container} className="map" data-testid="map" />
}
