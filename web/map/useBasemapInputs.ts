import { useQuery } from '@tanstack/react-query'
import type { Feature, FeatureCollection } from 'geojson'
import { useMemo } from 'react'
import { roadsQuery } from './queries.ts'
import { parseBasemapUrl, type BaseData, type Basemap } from './style.ts'

/**
 * What every map page hands MapView for its base map: the basemap the user or the server chose,
 * and the offline layers' data — roads, the district outline and, where a page shows them,
 * buildings.
 */
export function useBasemapInputs(
  basemapUrl: string,
  district: Feature | undefined,
  buildings?: FeatureCollection,
): { basemap: Basemap; data: BaseData } {
  const basemap = useMemo(() => parseBasemapUrl(basemapUrl), [basemapUrl])
  const roads = useQuery(roadsQuery())
  const data = useMemo<BaseData>(
    () => ({ roads: roads.data, buildings, district: district ? { type: 'FeatureCollection', features: [district] } : undefined }),
    [roads.data, buildings, district],
  )
  return { basemap, data }
}
