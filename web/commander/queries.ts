import { queryOptions } from '@tanstack/react-query'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { bboxParam, ensureOk, okJson } from '../app/api.ts'
import { client } from '../app/client.ts'

/** What the commander has chosen: an area, a period and incident types (empty = all). */
export interface CommanderFilter {
  area: number
  /** ISO instants (UTC), `to` exclusive. */
  from: string
  to: string
  types: string[]
}

const typeParam = (types: string[]) => (types.length ? types.join(',') : undefined)

export const kpisQuery = (f: CommanderFilter) =>
  queryOptions({
    queryKey: ['analytics', 'kpis', f],
    queryFn: ({ signal }) =>
      okJson(client.analytics.kpis.$get({ query: { area: String(f.area), from: f.from, to: f.to, type: typeParam(f.types) } }, { init: { signal } })),
    staleTime: 60_000,
  })

export const chartsQuery = (f: CommanderFilter) =>
  queryOptions({
    queryKey: ['analytics', 'charts', f],
    queryFn: ({ signal }) =>
      okJson(client.analytics.charts.$get({ query: { area: String(f.area), from: f.from, to: f.to, type: typeParam(f.types) } }, { init: { signal } })),
    staleTime: 60_000,
  })

/** Per-area counts of a level (choropleth), with geometry. */
export const areaStatsQuery = (level: AreaLevel, f: Pick<CommanderFilter, 'from' | 'to' | 'types'>) =>
  queryOptions({
    queryKey: ['analytics', 'areas', level, f.from, f.to, f.types],
    queryFn: async ({ signal }) =>
      (await okJson(client.analytics.areas.$get({ query: { level, from: f.from, to: f.to, type: typeParam(f.types) } }, { init: { signal } }))) as unknown as FeatureCollection<
        Polygon | MultiPolygon,
        AreaStatsProps
      >,
    staleTime: 60_000,
  })

export interface AreaStatsProps {
  id: number
  level: AreaLevel
  name: string
  households: number
  count: number
  rate_per_1000_households: number | null
  previous_count: number
  change: number | null
}

export const HOTSPOT_CLASSES = ['hot99', 'hot95', 'hot90', 'none', 'cold90', 'cold95', 'cold99'] as const
export type HotspotClass = (typeof HOTSPOT_CLASSES)[number]
export interface HotspotProps {
  id: number
  name: string
  count: number
  gi_z: number
  gi_p: number
  class: HotspotClass
}

export interface HotspotOptions {
  level: AreaLevel
  weights: 'contiguity' | 'distance'
  fdr: boolean
}

/** Getis-Ord Gi* per area of a level (docs/analytics.md). */
export const hotspotsQuery = (f: Pick<CommanderFilter, 'from' | 'to' | 'types'>, o: HotspotOptions) =>
  queryOptions({
    queryKey: ['analytics', 'hotspots', f.from, f.to, f.types, o],
    queryFn: async ({ signal }) => {
      const q = new URLSearchParams({ level: o.level, from: f.from, to: f.to, weights: o.weights, fdr: String(o.fdr) })
      if (f.types.length) q.set('type', f.types.join(','))
      const res = await ensureOk(await fetch(`/api/analytics/hotspots?${q}`, { signal }))
      return (await res.json()) as FeatureCollection<Polygon | MultiPolygon, HotspotProps>
    },
    staleTime: 60_000,
  })

export interface ClusterProps {
  cluster: number
  count: number
  types: Record<string, number>
}

/** DBSCAN clusters of the area's incidents (case readers only). */
export const clustersQuery = (f: CommanderFilter, eps: number, minPoints: number, enabled: boolean) =>
  queryOptions({
    queryKey: ['analytics', 'clusters', f, eps, minPoints],
    queryFn: async ({ signal }) => {
      const q = new URLSearchParams({ area: String(f.area), from: f.from, to: f.to, eps: String(eps), min_points: String(minPoints) })
      if (f.types.length) q.set('type', f.types.join(','))
      const res = await ensureOk(await fetch(`/api/analytics/clusters?${q}`, { signal }))
      return (await res.json()) as FeatureCollection<Polygon | MultiPolygon, ClusterProps>
    },
    enabled,
    staleTime: 60_000,
  })

/** Incident counts in square cells: centres and counts as columns (see docs/api.md, density). */
export interface DensityCells {
  length: number
  positions: Float32Array
  counts: Float32Array
  cellSize: number
  max: number
}

/** Decodes Float32 lon[n], Float32 lat[n], Uint32 count[n] into interleaved positions and float weights. */
export function decodeDensity(buf: ArrayBuffer, cellSize: number): DensityCells {
  const n = buf.byteLength / 12
  const lon = new Float32Array(buf, 0, n)
  const lat = new Float32Array(buf, 4 * n, n)
  const count = new Uint32Array(buf, 8 * n, n)
  const positions = new Float32Array(2 * n)
  const counts = new Float32Array(n)
  let max = 0
  for (let i = 0; i < n; i++) {
    positions[2 * i] = lon[i]
    positions[2 * i + 1] = lat[i]
    counts[i] = count[i]
    if (count[i] > max) max = count[i]
  }
  return { length: n, positions, counts, cellSize, max }
}

/** Server-aggregated incident density for the area, period and zoom (case readers only). */
export const densityQuery = (f: CommanderFilter, zoom: number, bbox: readonly number[] | undefined, enabled: boolean) =>
  queryOptions({
    queryKey: ['analytics', 'density', f, zoom, bboxParam(bbox) ?? null],
    queryFn: async ({ signal }) => {
      const q = new URLSearchParams({ area: String(f.area), from: f.from, to: f.to, zoom: String(zoom) })
      if (bbox) q.set('bbox', bboxParam(bbox)!)
      if (f.types.length) q.set('type', f.types.join(','))
      const res = await ensureOk(await fetch(`/api/analytics/density?${q}`, { signal }))
      return decodeDensity(await res.arrayBuffer(), Number(res.headers.get('X-Cell-Size') ?? 0))
    },
    enabled,
    staleTime: 60_000,
    placeholderData: (prev) => prev,
  })
