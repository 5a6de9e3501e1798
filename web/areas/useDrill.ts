import { useQueries, useQuery } from '@tanstack/react-query'
import { useMemo } from 'react'
import type { AreaCollection, AreaDetail, AreaFeature } from '../app/client.ts'
import { areaDetailQuery, areasQuery } from './queries.ts'

/** Everything the map and panel need about the current drill-down position. */
export interface DrillState {
  district?: AreaFeature
  selectedId?: number
  detail?: AreaDetail
  detailError: Error | null
  /** Areas one level below the selection (or its siblings when it is a leaf): clickable. */
  drillFeatures: AreaFeature[]
  /** Siblings at every higher level along the path: outlines for context. */
  contextFeatures: AreaFeature[]
  selectedFeature?: AreaFeature
}

// Module-level so TanStack Query can keep the combined array stable between renders.
function flattenFeatures(results: { data?: AreaCollection }[]): AreaFeature[] {
  return results.flatMap((r) => r.data?.features ?? [])
}

/**
 * Drill-down district → street → community → grid → micro-grid. `chosenId` is what the user
 * clicked (undefined = the home area); `homeId` is the broadest area of the user's scope (config).
 */
export function useDrill(chosenId: number | undefined, homeId?: number | null): DrillState {
  const districtQ = useQuery(areasQuery({ level: 'district' }))
  const district = districtQ.data?.features[0]
  // The home area's id comes with the config, so its detail need not wait for any geometry.
  const selectedId = chosenId ?? homeId ?? district?.properties.id
  const detailQ = useQuery(areaDetailQuery(selectedId))
  const detail = detailQ.data?.id === selectedId ? detailQ.data : undefined

  const isLeaf = detail !== undefined && detail.children.length === 0
  // Before the detail arrives, assume the selection has children: both requests then run at once.
  const drillParent = detail ? (isLeaf ? (detail.parent ?? undefined) : detail.id) : selectedId
  const drillQ = useQuery(areasQuery({ parent: drillParent }, drillParent !== undefined))

  // Ancestors' children = siblings at each level along the path (streets, communities, ...).
  const contextParents = useMemo(() => {
    if (!detail) return []
    const ids = detail.ancestors.map((a) => a.id)
    return isLeaf ? ids.slice(0, -1) : ids
  }, [detail, isLeaf])
  const contextFeatures = useQueries({
    queries: contextParents.map((id) => areasQuery({ parent: id })),
    combine: flattenFeatures,
  })

  return useMemo(() => {
    const drillFeatures = drillQ.data?.features ?? []
    const all = [...drillFeatures, ...contextFeatures]
    const selectedFeature =
      selectedId === district?.properties.id ? district : all.find((f) => f.properties.id === selectedId)
    return {
      district,
      selectedId,
      detail,
      detailError: detailQ.error,
      drillFeatures,
      contextFeatures,
      selectedFeature,
    }
  }, [district, selectedId, detail, detailQ.error, drillQ.data, contextFeatures])
}
