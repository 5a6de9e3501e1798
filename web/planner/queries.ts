import { queryOptions } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { ensureOk, okJson } from '../app/api.ts'
import { client } from '../app/client.ts'

export type SitingRequest = InferRequestType<typeof client.siting.solve.$post>['json']
export type SitingResult = InferResponseType<typeof client.siting.solve.$post, 200>
export type SitingModel = SitingRequest['model']

/** Runs the siting solver (POST /api/siting/solve); throws ApiError with the API's reason on 4xx. */
export const solveSiting = (req: SitingRequest) => okJson(client.siting.solve.$post({ json: req }))

/** A saved scenario as the list shows it: summary, area and who saved it (GET /api/siting/scenarios). */
export type ScenarioSummary = InferResponseType<typeof client.siting.scenarios.$get, 200>['scenarios'][number]

/**
 * Saved scenarios in the caller's scope, of `area` and the areas inside it, newest first. Kept on
 * the server (not in the browser) so they follow the planner and are shared with colleagues who have
 * the area in scope.
 */
export const scenariosQuery = (area: number) =>
  queryOptions({
    queryKey: ['siting', 'scenarios', area],
    queryFn: ({ signal }) => okJson(client.siting.scenarios.$get({ query: { area: String(area) } }, { init: { signal } })),
    staleTime: 30_000,
  })

/** Saves a solved request and its result as a named scenario (POST /api/siting/scenarios). */
export const keepScenario = (json: { name: string; request: SitingRequest; result: SitingResult }) =>
  okJson(client.siting.scenarios.$post({ json }))

/** Deletes a saved scenario (its creator or an admin; 403 otherwise). */
export async function deleteScenario(id: number): Promise<void> {
  await ensureOk((await client.siting.scenarios[':id'].$delete({ param: { id: String(id) } })) as unknown as Response)
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

/** One saved scenario with its request and result (GET /api/siting/scenarios/:id), to open on the map. */
export type SavedScenario = InferResponseType<(typeof client.siting.scenarios)[':id']['$get'], 200>

export const scenarioQuery = (id: number) =>
  queryOptions({
    queryKey: ['siting', 'scenarios', 'one', id],
    queryFn: ({ signal }) => okJson(client.siting.scenarios[':id'].$get({ param: { id: String(id) } }, { init: { signal } })),
    staleTime: Infinity,
  })
