import { queryOptions } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { okJson } from '../app/api.ts'
import { client } from '../app/client.ts'

export type SitingRequest = InferRequestType<typeof client.siting.solve.$post>['json']
export type SitingResult = InferResponseType<typeof client.siting.solve.$post, 200>
export type SitingModel = SitingRequest['model']

/** Runs the siting solver (POST /api/siting/solve); throws ApiError with the API's reason on 4xx. */
export const solveSiting = (req: SitingRequest) => okJson(client.siting.solve.$post({ json: req }))

/** A solved scenario kept in this browser for side-by-side comparison. */
export interface Scenario {
  id: string
  name: string
  savedAt: string
  request: SitingRequest
  result: SitingResult
}

const KEY = 'gridpulse.siting.scenarios'

export function loadScenarios(): Scenario[] {
  try {
    const raw = localStorage.getItem(KEY)
    const list = raw ? (JSON.parse(raw) as Scenario[]) : []
    return Array.isArray(list) ? list : []
  } catch {
    // A corrupt entry must not break the page.
    return []
  }
}

export function saveScenarios(list: Scenario[]): void {
  localStorage.setItem(KEY, JSON.stringify(list))
}

/** The chosen sites as CSV (rank, lon, lat, gain) or a GeoJSON FeatureCollection, for download. */
export function sitesFile(result: SitingResult, format: 'csv' | 'geojson'): Blob {
  if (format === 'csv') {
    const lines = ['rank,lon,lat,gain', ...result.sites.map((s, i) => `${i + 1},${s.lon.toFixed(7)},${s.lat.toFixed(7)},${s.gain}`)]
    return new Blob(['\uFEFF' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' })
  }
  const fc = {
    type: 'FeatureCollection',
    features: result.sites.map((s, i) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
      properties: { rank: i + 1, gain: s.gain, model: result.model, area: result.area.id },
    })),
  }
  return new Blob([JSON.stringify(fc)], { type: 'application/geo+json' })
}

/** How distance is measured: straight-line metres or walking along the road network. */
export type Distance = 'straight' | 'road'

export interface CoverageArgs {
  type: string
  radius: number
  area: number
  distance: Distance
}

/** Households and population within reach of the type's open stations, by sub-area, with incidents inside vs outside. */
export const stationCoverageQuery = (a: CoverageArgs) =>
  queryOptions({
    queryKey: ['stations', 'coverage', a],
    queryFn: ({ signal }) =>
      okJson(client.stations.coverage.$get({ query: { type: a.type, radius: String(a.radius), area: String(a.area), distance: a.distance } }, { init: { signal } })),
    staleTime: 60_000,
  })

/** Centroids of the buildings outside every station's reach (the uncovered pockets). */
export const uncoveredQuery = (a: CoverageArgs) =>
  queryOptions({
    queryKey: ['stations', 'uncovered', a],
    queryFn: ({ signal }) =>
      okJson(client.stations.uncovered.$get({ query: { type: a.type, radius: String(a.radius), area: String(a.area), distance: a.distance, geometry: 'centroid' } }, { init: { signal } })),
    staleTime: 60_000,
  })

/** The stations' reach along the road network, one polygon per type (the straight-line disks are drawn client-side). */
export const roadServiceAreasQuery = (a: CoverageArgs) =>
  queryOptions({
    queryKey: ['stations', 'service-areas', a],
    queryFn: ({ signal }) =>
      okJson(client.stations['service-areas'].$get({ query: { type: a.type, radius: String(a.radius), area: String(a.area), distance: 'road', group: 'type' } }, { init: { signal } })),
    staleTime: 60_000,
  })
