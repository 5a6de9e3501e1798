import type { Geometry, LineString, MultiPolygon, Point, Polygon } from 'geojson'
import { hc, type InferResponseType } from 'hono/client'
import type { AppType } from '../../api/app.ts'

/** Typed RPC client for our API (mounted at /api on the same origin). Response shapes come from the API's zod schemas. */
export const client = hc<AppType>('/api')

type Collection = { type: 'FeatureCollection'; features: { geometry: unknown }[] }
/**
 * The API's schema types geometry loosely ({type: string, coordinates: any[]}); each endpoint
 * documents which kind it returns, so narrow just the geometry to the GeoJSON type the map needs.
 */
export type WithGeometry<C extends Collection, G extends Geometry> = Omit<C, 'features'> & {
  features: (Omit<C['features'][number], 'geometry'> & { geometry: G })[]
}

export type AppConfig = InferResponseType<typeof client.config.$get, 200>
export type AreaCollection = WithGeometry<InferResponseType<typeof client.areas.$get, 200>, Polygon | MultiPolygon>
export type AreaFeature = AreaCollection['features'][number]
export type AreaDetail = InferResponseType<(typeof client.areas)[':id']['$get'], 200>
export type StationCollection = WithGeometry<InferResponseType<typeof client.stations.$get, 200>, Point>
export type StationFeature = StationCollection['features'][number]
export type RoadCollection = WithGeometry<InferResponseType<typeof client.basemap.roads.$get, 200>, LineString>
export type BuildingCollection = WithGeometry<InferResponseType<typeof client.basemap.buildings.$get, 200>, Polygon>

/** Narrows a collection's geometry to `G` (see WithGeometry); used as `.then(geometryAs<Point>())`. */
export function geometryAs<G extends Geometry>() {
  return <C extends Collection>(c: C) => c as unknown as WithGeometry<C, G>
}
