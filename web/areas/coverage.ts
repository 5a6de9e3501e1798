import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query'
import type { MultiPolygon, Polygon } from 'geojson'
import type { InferResponseType } from 'hono/client'
import { useCallback, useState } from 'react'
import { okJson } from '../app/api.ts'
import { client, type WithGeometry } from '../app/client.ts'

/** The coverage answer (docs/coverage.md); every problem is a polygon: a dumped overlay piece or an invalid area's own geometry. */
export type CoverageCollection = WithGeometry<InferResponseType<(typeof client.areas)[':id']['coverage']['$get'], 200>, Polygon | MultiPolygon>
export type CoverageProblem = CoverageCollection['features'][number]
export type CoverageKind = CoverageProblem['properties']['kind']

/** '1': the area's own children; 'all': every level below it. */
export type CoverageDepth = '1' | 'all'

/** Coverage problems of an area (gaps, overlaps, outside, invalid, slivers) with the API's default tolerances. */
export const coverageQuery = (id: number | undefined, depth: CoverageDepth) =>
  queryOptions({
    queryKey: ['area-coverage', id ?? null, depth],
    queryFn: ({ signal }) =>
      okJson(client.areas[':id'].coverage.$get({ param: { id: String(id) }, query: { depth } }, { init: { signal } })).then(
        (c) => c as unknown as CoverageCollection,
      ),
    enabled: id !== undefined,
    // A check answers for the boundaries as they are now: each click asks again (the layer
    // stays drawn from the last answer while the new one runs, see placeholderData).
    staleTime: 0,
    gcTime: 60_000,
  })

/** A check the user asked for: of which area, how deep, and which problem the map is framing. */
interface CoverageRequest {
  areaId: number
  depth: CoverageDepth
}

export interface CoverageCheck {
  /** The check of the selected area, if the user ran one (a check of another area is not shown). */
  request?: CoverageRequest
  result?: CoverageCollection
  error: Error | null
  loading: boolean
  selectedProblem?: number
  run(areaId: number, depth: CoverageDepth): void
  select(problemId: number | undefined): void
  clear(): void
}

/**
 * State of the coverage check for the selected area, kept in the shell because both the area
 * panel (summary, list) and the map (problem layer) read it. Changing area clears it.
 */
export function useCoverageCheck(selectedId: number | undefined): CoverageCheck {
  const [request, setRequest] = useState<CoverageRequest | undefined>()
  const [selectedProblem, setSelectedProblem] = useState<number | undefined>()
  // Another area forgets the check (React's "adjust state when a prop changes" pattern: no effect,
  // no frame drawn with the old problems over the new area).
  const [checkedArea, setCheckedArea] = useState(selectedId)
  if (checkedArea !== selectedId) {
    setCheckedArea(selectedId)
    setRequest(undefined)
    setSelectedProblem(undefined)
  }
  const active = request && request.areaId === selectedId ? request : undefined
  const query = useQuery({ ...coverageQuery(active?.areaId, active?.depth ?? '1'), enabled: !!active })
  const run = useCallback((areaId: number, depth: CoverageDepth) => {
    setSelectedProblem(undefined)
    setRequest({ areaId, depth })
  }, [])
  const queryClient = useQueryClient()
  // Cleared means forgotten: the next check starts from nothing instead of showing this answer
  // again while it runs.
  const clear = useCallback(() => {
    setRequest(undefined)
    setSelectedProblem(undefined)
    queryClient.removeQueries({ queryKey: ['area-coverage'] })
  }, [queryClient])
  // A click on "validate" after the first asks again: boundaries may have changed meanwhile.
  const refetch = query.refetch
  const runAndRefetch = useCallback(
    (areaId: number, depth: CoverageDepth) => {
      if (active && active.areaId === areaId && active.depth === depth) void refetch()
      run(areaId, depth)
    },
    [active, refetch, run],
  )
  return {
    request: active,
    result: active ? query.data : undefined,
    error: active ? query.error : null,
    loading: !!active && query.isFetching,
    selectedProblem: active ? selectedProblem : undefined,
    run: runAndRefetch,
    select: setSelectedProblem,
    clear,
  }
}
