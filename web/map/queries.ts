import { queryOptions } from '@tanstack/react-query'
import { bboxParam, okJson } from '../app/api.ts'
import type { LineString, Polygon } from 'geojson'
import { client, geometryAs } from '../app/client.ts'

/** The district's road network for the offline basemap. */
export const roadsQuery = () =>
  queryOptions({
    queryKey: ['basemap', 'roads'],
    queryFn: ({ signal }) => okJson(client.basemap.roads.$get(undefined, { init: { signal } })).then(geometryAs<LineString>()),
    staleTime: Infinity,
  })

/** Building footprints inside a bbox (only requested when zoomed in). */
export const buildingsQuery = (bbox: readonly number[] | undefined) =>
  queryOptions({
    queryKey: ['basemap', 'buildings', bboxParam(bbox) ?? null],
    queryFn: ({ signal }) =>
      okJson(client.basemap.buildings.$get({ query: { bbox: bboxParam(bbox)! } }, { init: { signal } })).then(geometryAs<Polygon>()),
    enabled: bbox !== undefined,
    staleTime: 5 * 60_000,
    placeholderData: (prev) => prev,
  })
