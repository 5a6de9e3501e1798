import type { LayerSpecification, SourceSpecification, StyleSpecification } from 'maplibre-gl'
import type { FeatureCollection } from 'geojson'

/** How a basemap URL setting is interpreted. */
export type Basemap =
  | { kind: 'offline' }
  | { kind: 'raster'; tiles: string[]; attribution?: string }
  | { kind: 'style'; url: string }

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] }

/** Subdomain lists for `{s}` in well-known tile hosts. */
function subdomains(template: string): string[] {
  if (/tianditu/i.test(template)) return ['0', '1', '2', '3', '4', '5', '6', '7']
  if (/autonavi|amap/i.test(template)) return ['1', '2', '3', '4']
  return ['a', 'b', 'c']
}

/** `.json` → MapLibre style URL; `{z}`,`{x}`,`{y}` → raster tiles; empty → offline style. */
export function parseBasemapUrl(url: string | null | undefined): Basemap {
  const u = url?.trim()
  if (!u) return { kind: 'offline' }
  if (/\.json($|\?)/i.test(u)) return { kind: 'style', url: u }
  if (u.includes('{z}') && u.includes('{x}') && u.includes('{y}')) {
    const tiles = u.includes('{s}') ? subdomains(u).map((s) => u.replace('{s}', s)) : [u]
    const attribution = /openstreetmap/i.test(u)
      ? '© OpenStreetMap contributors'
      : /tianditu/i.test(u)
        ? '© 天地图'
        : undefined
    return { kind: 'raster', tiles, attribution }
  }
  return { kind: 'offline' }
}

/** URLs that serve GCJ-02 (offset) tiles, so the UI can suggest the checkbox. */
export function looksGcj02(url: string | null | undefined): boolean {
  return !!url && /autonavi|amap\.com|gtimg|map\.qq\.com|tencent/i.test(url)
}

/** The project's own basemap data, fed into GeoJSON sources. */
export interface BaseData {
  roads?: FeatureCollection
  buildings?: FeatureCollection
  district?: FeatureCollection
}

export const SOURCE = { roads: 'gp-roads', buildings: 'gp-buildings', district: 'gp-district' } as const
/** Layer ids grouped by the setting that toggles them. */
export const TOGGLED_LAYERS = {
  roads: ['gp-roads-casing', 'gp-roads'],
  buildings: ['gp-buildings-fill', 'gp-buildings-line'],
} as const

export function ourSources(data: BaseData): Record<string, SourceSpecification> {
  return {
    [SOURCE.district]: { type: 'geojson', data: data.district ?? EMPTY },
    [SOURCE.roads]: { type: 'geojson', data: data.roads ?? EMPTY },
    [SOURCE.buildings]: { type: 'geojson', data: data.buildings ?? EMPTY },
  }
}

const roadWidth = (primary: number, secondary: number, residential: number) =>
  [
    'interpolate', ['exponential', 1.6], ['zoom'],
    12, ['match', ['get', 'kind'], 'primary', primary * 0.4, 'secondary', secondary * 0.35, residential * 0.2],
    17, ['match', ['get', 'kind'], 'primary', primary * 3, 'secondary', secondary * 3, residential * 3],
  ] as unknown as number

/** Our layers (roads, buildings, district outline); `onTop` omits the fills that would hide a real basemap. */
export function ourLayers(onTop: boolean): LayerSpecification[] {
  const layers: LayerSpecification[] = []
  if (!onTop) layers.push({ id: 'gp-district-fill', type: 'fill', source: SOURCE.district, paint: { 'fill-color': '#f2efe9' } })
  layers.push(
    { id: 'gp-buildings-fill', type: 'fill', source: SOURCE.buildings, minzoom: 15, paint: { 'fill-color': '#ddd3c4', 'fill-opacity': onTop ? 0.6 : 1 } },
    { id: 'gp-buildings-line', type: 'line', source: SOURCE.buildings, minzoom: 15, paint: { 'line-color': '#b9ab96', 'line-width': 0.7 } },
    {
      id: 'gp-roads-casing', type: 'line', source: SOURCE.roads,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': ['match', ['get', 'kind'], 'primary', '#d39f3f', '#bdb2a3'], 'line-width': roadWidth(5, 4, 2.5) },
    },
    {
      id: 'gp-roads', type: 'line', source: SOURCE.roads,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['match', ['get', 'kind'], 'primary', '#fcd68a', '#ffffff'],
        'line-width': roadWidth(3.6, 2.8, 1.6),
      },
    },
    { id: 'gp-district-line', type: 'line', source: SOURCE.district, paint: { 'line-color': '#343a40', 'line-width': 2.5, 'line-dasharray': [3, 2] } },
  )
  return layers
}

/** A complete style for the offline or raster basemap. No glyphs or sprites: nothing external. */
export function buildStyle(basemap: Basemap, data: BaseData): StyleSpecification {
  const sources = ourSources(data)
  const base: LayerSpecification[] = [{ id: 'gp-background', type: 'background', paint: { 'background-color': '#e8e4dc' } }]
  if (basemap.kind === 'raster') {
    sources['gp-raster'] = { type: 'raster', tiles: basemap.tiles, tileSize: 256, attribution: basemap.attribution }
    base.push({ id: 'gp-raster', type: 'raster', source: 'gp-raster' })
  }
  return { version: 8, sources, layers: [...base, ...ourLayers(basemap.kind === 'raster')] }
}

/** Puts our sources and layers on top of a downloaded MapLibre style. */
export function mergeIntoStyle(style: StyleSpecification, data: BaseData): StyleSpecification {
  return {
    ...style,
    sources: { ...style.sources, ...ourSources(data) },
    layers: [...style.layers, ...ourLayers(true)],
  }
}
