import { queryOptions } from '@tanstack/react-query'
import { okJson } from '../app/api.ts'
import type { Point } from 'geojson'
import { client, geometryAs } from '../app/client.ts'

/** All stations (a few hundred at most per district). */
export const stationsQuery = () =>
  queryOptions({
    queryKey: ['stations'],
    queryFn: ({ signal }) => okJson(client.stations.$get({ query: {} }, { init: { signal } })).then(geometryAs<Point>()),
    staleTime: 5 * 60_000,
  })
