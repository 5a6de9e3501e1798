import { queryOptions } from '@tanstack/react-query'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import type { InferResponseType } from 'hono/client'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { bboxParam, ensureOk, okJson } from '../app/api.ts'
import { client } from '../app/client.ts'
import { localDay } from '../app/format.ts'

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

type PropertiesOf<C> = C extends { features: { properties: infer P }[] } ? P : never
export type AreaStatsProps = PropertiesOf<InferResponseType<typeof client.analytics.areas.$get, 200>>
export type HotspotProps = PropertiesOf<InferResponseType<typeof client.analytics.hotspots.$get, 200>>
export type ClusterProps = PropertiesOf<InferResponseType<typeof client.analytics.clusters.$get, 200>>
export type ClusterSummary = InferResponseType<typeof client.analytics.clusters.$get, 200>['summary']
export type ClusterCollection = FeatureCollection<Polygon | MultiPolygon, ClusterProps> & { summary: ClusterSummary }
export { HOTSPOT_CLASSES, type HotspotClass } from '../../api/analytics/gistar.ts'

export interface HotspotOptions {
  /** The page's level; the API computes Gi* for community, grid and micro-grid and answers 400 otherwise. */
  level: AreaLevel
  weights: 'contiguity' | 'distance'
  fdr: boolean
}

/** Getis-Ord Gi* per area of a level (docs/analytics.md). */
export const hotspotsQuery = (f: Pick<CommanderFilter, 'from' | 'to' | 'types'>, o: HotspotOptions) =>
  queryOptions({
    queryKey: ['analytics', 'hotspots', f.from, f.to, f.types, o],
    queryFn: async ({ signal }) =>
      (await okJson(
        client.analytics.hotspots.$get(
          { query: { level: o.level as 'micro_grid' | 'grid' | 'community', from: f.from, to: f.to, weights: o.weights, fdr: o.fdr ? 'true' : 'false', type: typeParam(f.types) } },
          { init: { signal } },
        ),
      )) as unknown as FeatureCollection<Polygon | MultiPolygon, HotspotProps>,
    staleTime: 60_000,
  })

/** DBSCAN clusters of the area's incidents (case readers only); `minPoints` null lets the API scale it to the data. */
export const clustersQuery = (f: CommanderFilter, eps: number, minPoints: number | null, enabled: boolean) =>
  queryOptions({
    queryKey: ['analytics', 'clusters', f, eps, minPoints],
    queryFn: async ({ signal }) =>
      (await okJson(
        client.analytics.clusters.$get(
          { query: { area: String(f.area), from: f.from, to: f.to, eps: String(eps), min_points: minPoints === null ? undefined : String(minPoints), type: typeParam(f.types) } },
          { init: { signal } },
        ),
      )) as unknown as ClusterCollection,
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
      const res = (await ensureOk(
        (await client.analytics.density.$get(
          { query: { area: String(f.area), from: f.from, to: f.to, zoom: String(zoom), bbox: bboxParam(bbox), type: typeParam(f.types) } },
          { init: { signal } },
        )) as unknown as Response,
      ))
      return decodeDensity(await res.arrayBuffer(), Number(res.headers.get('X-Cell-Size') ?? 0))
    },
    enabled,
    staleTime: 60_000,
    placeholderData: (prev) => prev,
  })


/** Longest period the coverage endpoint reads (api/patrols/schemas.ts MAX_RANGE_DAYS). */
const PATROL_MAX_DAYS = 92

/**
 * Patrol coverage (issue 5): per area of `level` in `area`, the share of its micro-grids with a
 * track fix in the period's local days — its last 92 days when longer (the endpoint's limit).
 */
export const patrolCoverageQuery = (area: number, level: AreaLevel, f: Pick<CommanderFilter, 'from' | 'to'>) => {
  // The period's end is exclusive: its last local day is the one holding the instant before it.
  const to = localDay(new Date(Date.parse(f.to) - 1))
  const earliest = new Date(Date.parse(`${to}T00:00:00Z`) - (PATROL_MAX_DAYS - 1) * 86_400_000).toISOString().slice(0, 10)
  const from = [localDay(f.from), earliest].sort()[1]
  return queryOptions({
    queryKey: ['patrols', 'coverage', area, level, from, to],
    queryFn: async ({ signal }) => {
      const fc = (await okJson(
        client.patrols.coverage.$get({ query: { area: String(area), from, to, level: level as Exclude<AreaLevel, 'district'> } }, { init: { signal } }),
      )) as unknown as FeatureCollection<Polygon | MultiPolygon, PatrolCoverageProps>
      return Object.assign(fc, { from, to })
    },
    staleTime: 60_000,
  })
}
export type PatrolCoverageProps = PropertiesOf<InferResponseType<typeof client.patrols.coverage.$get, 200>>
