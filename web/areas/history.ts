import { queryOptions, useQuery } from '@tanstack/react-query'
import type { MultiPolygon, Polygon } from 'geojson'
import type { InferResponseType } from 'hono/client'
import { useState } from 'react'
import { okJson } from '../app/api.ts'
import { client, type WithGeometry } from '../app/client.ts'

/** Versions of areas (GET /api/areas/:id/history, /api/areas/as-of): shape, name, who changed it and why. */
export type AreaVersions = WithGeometry<InferResponseType<(typeof client.areas)['as-of']['$get'], 200>, Polygon | MultiPolygon>
export type AreaVersion = AreaVersions['features'][number]

export const areaHistoryQuery = (id: number | undefined) =>
  queryOptions({
    queryKey: ['areas', 'history', id ?? null],
    queryFn: ({ signal }) =>
      okJson(client.areas[':id'].history.$get({ param: { id: String(id) } }, { init: { signal } })).then((c) => c as unknown as AreaVersions),
    enabled: id !== undefined,
    staleTime: 30_000,
  })

/** The children of `parent` as they were at the end of local day `day`. */
export const childrenAsOfQuery = (parent: number | undefined, day: string | null) =>
  queryOptions({
    queryKey: ['areas', 'as-of', parent ?? null, day],
    queryFn: ({ signal }) =>
      okJson(client.areas['as-of'].$get({ query: { parent: String(parent), at: day! } }, { init: { signal } })).then((c) => c as unknown as AreaVersions),
    enabled: parent !== undefined && !!day,
    staleTime: 5 * 60_000,
  })

/** "The map as of a date" for the selected area: its children's boundaries then, drawn over today's. Another area forgets it. */
export function useAsOf(selectedId: number | undefined) {
  const [state, setState] = useState<{ area?: number; day: string | null }>({ day: null })
  const day = state.area === selectedId ? state.day : null
  const children = useQuery(childrenAsOfQuery(selectedId, day))
  return {
    day,
    set: (d: string | null) => setState({ area: selectedId, day: d }),
    children: day ? children.data : undefined,
    loading: children.isFetching,
    error: children.error,
  }
}
export type AsOf = ReturnType<typeof useAsOf>
