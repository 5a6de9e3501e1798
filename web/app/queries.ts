import { queryOptions } from '@tanstack/react-query'
import { okJson } from './api.ts'
import { client } from './client.ts'

/** Server configuration: default basemap, district extent, type lists. */
export const configQuery = () =>
  queryOptions({
    queryKey: ['config'],
    queryFn: ({ signal }) => okJson(client.config.$get(undefined, { init: { signal } })),
    staleTime: Infinity,
  })
