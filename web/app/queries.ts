import { queryOptions } from '@tanstack/react-query'
import { okJson } from './api.ts'
import { client } from './client.ts'
import { registerIncidentTypeNames } from './i18n.ts'

/** Server configuration: default basemap, district extent, type lists. */
export const configQuery = () =>
  queryOptions({
    queryKey: ['config'],
    queryFn: async ({ signal }) => {
      const config = await okJson(client.config.$get(undefined, { init: { signal } }))
      // Before anything renders a type's label from this config.
      registerIncidentTypeNames(config.incidentTypeCatalog)
      return config
    },
    staleTime: Infinity,
  })
