import { HeatmapLayer, HexagonLayer } from '@deck.gl/aggregation-layers'
import { GeoJsonLayer } from '@deck.gl/layers'
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson'
import type { AreaStatsProps, ClusterProps, DensityCells, HotspotClass, HotspotProps, PatrolCoverageProps } from '../../commander/queries.ts'
import type { RGB, RGBA } from '../colors.ts'

/** Heat ramp from pale yellow to dark red (ColorBrewer YlOrRd), used by the heatmap, hex bins and choropleth. */
export const HEAT_RAMP: RGB[] = [
  [255, 255, 178],
  [254, 217, 118],
  [254, 178, 76],
  [253, 141, 60],
  [240, 59, 32],
  [189, 0, 38],
]

/** Change vs the previous period: blue (fewer) – white – red (more), ColorBrewer RdBu reversed. */
export const CHANGE_RAMP: RGB[] = [
  [33, 102, 172],
  [103, 169, 207],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [239, 138, 98],
  [178, 24, 43],
]

/** Gi* classes as in the usual hot spot maps (ArcGIS palette). */
export const HOTSPOT_COLORS: Record<HotspotClass, RGBA> = {
  hot99: [215, 48, 39, 210],
  hot95: [252, 141, 89, 200],
  hot90: [254, 224, 144, 190],
  none: [220, 220, 220, 40],
  cold90: [224, 243, 248, 190],
  cold95: [145, 191, 219, 200],
  cold99: [69, 117, 180, 210],
}

/** Colour of t ∈ [0, 1] on a ramp (stepwise: classes read better than a smooth blend on a map). */
export function rampColor(ramp: RGB[], t: number, alpha = 190): RGBA {
  const i = Math.min(ramp.length - 1, Math.max(0, Math.floor(t * ramp.length)))
  return [...ramp[i], alpha]
}

/** Incident density as a weighted heatmap of the server's cells. */
export function heatmapLayer(cells: DensityCells) {
  return new HeatmapLayer<unknown>({
    id: 'incident-heatmap',
    data: { length: cells.length },
    getPosition: (_: unknown, { index }: { index: number }) => [cells.positions[2 * index], cells.positions[2 * index + 1]],
    getWeight: (_: unknown, { index }: { index: number }) => cells.counts[index],
    colorRange: HEAT_RAMP,
    radiusPixels: 28,
    intensity: 1,
    threshold: 0.04,
    aggregation: 'SUM',
    updateTriggers: { getPosition: cells, getWeight: cells },
  })
}

/** Hexagonal bins summing the server's cells (radius ≥ 2 cells so every hexagon gathers several). */
export function hexLayer(cells: DensityCells) {
  return new HexagonLayer<unknown>({
    id: 'incident-hexbins',
    data: { length: cells.length },
    getPosition: (_: unknown, { index }: { index: number }) => [cells.positions[2 * index], cells.positions[2 * index + 1]],
    getColorWeight: (_: unknown, { index }: { index: number }) => cells.counts[index],
    colorAggregation: 'SUM',
    getElevationWeight: (_: unknown, { index }: { index: number }) => cells.counts[index],
    elevationAggregation: 'SUM',
    radius: Math.max(60, cells.cellSize * 2.5),
    colorRange: HEAT_RAMP,
    coverage: 0.9,
    opacity: 0.75,
    extruded: false,
    pickable: true,
    updateTriggers: { getPosition: cells, getColorWeight: cells, getElevationWeight: cells },
  })
}

export type ChoroplethMetric = 'count' | 'rate' | 'change'

/** Value of an area for a metric (null: no value, drawn grey). */
export function metricOf(p: AreaStatsProps, metric: ChoroplethMetric): number | null {
  return metric === 'count' ? p.count : metric === 'rate' ? p.rate_per_1000_households : p.change
}

/** Upper bound of the colour scale: the 95th percentile, so one outlier does not wash out the rest. */
export function scaleMax(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).map(Math.abs).sort((a, b) => a - b)
  return v.length ? Math.max(v[Math.floor(0.95 * (v.length - 1))], 1e-9) : 1
}

/** Areas filled by count, rate per 1,000 households, or change vs the previous period. */
export function choroplethLayer(data: FeatureCollection<Polygon | MultiPolygon, AreaStatsProps>, metric: ChoroplethMetric, max: number) {
  return new GeoJsonLayer<AreaStatsProps>({
    id: 'area-choropleth',
    data: data as never,
    filled: true,
    stroked: true,
    getFillColor: (f: Feature<Geometry, AreaStatsProps>) => {
      const v = metricOf(f.properties, metric)
      if (v === null) return [200, 200, 200, 90]
      return metric === 'change' ? rampColor(CHANGE_RAMP, (Math.max(-max, Math.min(max, v)) / max + 1) / 2) : rampColor(HEAT_RAMP, Math.min(1, v / max) * 0.999)
    },
    getLineColor: [255, 255, 255, 200],
    lineWidthMinPixels: 0.5,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 193, 7, 160],
    updateTriggers: { getFillColor: [metric, max] },
  })
}

/** Gi* hot and cold spots by confidence class. */
export function hotspotLayer(data: FeatureCollection<Polygon | MultiPolygon, HotspotProps>) {
  return new GeoJsonLayer<HotspotProps>({
    id: 'area-hotspots',
    data: data as never,
    filled: true,
    stroked: true,
    getFillColor: (f: Feature<Geometry, HotspotProps>) => HOTSPOT_COLORS[f.properties.class] ?? HOTSPOT_COLORS.none,
    getLineColor: [255, 255, 255, 160],
    lineWidthMinPixels: 0.5,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 193, 7, 160],
  })
}

/** DBSCAN clusters as outlined hulls. */
export function clusterLayer(data: FeatureCollection<Polygon | MultiPolygon, ClusterProps>) {
  return new GeoJsonLayer<ClusterProps>({
    id: 'incident-clusters',
    data: data as never,
    filled: true,
    stroked: true,
    getFillColor: [142, 36, 170, 90],
    getLineColor: [106, 27, 154, 230],
    lineWidthMinPixels: 2,
    pickable: true,
    autoHighlight: true,
  })
}

/** Share of micro-grids patrolled: pale (none) to dark green (all), ColorBrewer YlGn. */
export const PATROL_RAMP: RGB[] = [
  [255, 255, 204],
  [217, 240, 163],
  [173, 221, 142],
  [120, 198, 121],
  [49, 163, 84],
  [0, 104, 55],
]

/** Areas filled by the share of their micro-grids with a patrol fix in the period. */
export function patrolCoverageLayer(data: FeatureCollection<Polygon | MultiPolygon, PatrolCoverageProps>) {
  return new GeoJsonLayer<PatrolCoverageProps>({
    id: 'area-patrol-coverage',
    data: data as never,
    filled: true,
    stroked: true,
    getFillColor: (f: Feature<Geometry, PatrolCoverageProps>) =>
      f.properties.share === null ? [200, 200, 200, 90] : rampColor(PATROL_RAMP, Math.min(0.999, f.properties.share)),
    getLineColor: [255, 255, 255, 200],
    lineWidthMinPixels: 0.5,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 193, 7, 160],
  })
}
