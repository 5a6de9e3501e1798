import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { okJson } from '../app/api.ts'
import { client, type AreaDetail } from '../app/client.ts'
import { inScope, type User } from '../auth/queries.ts'

/** Who covers an area (GET /api/areas/:id/workers; docs/workers.md). */
export type CoveringWorker = AreaWorkers['workers'][number]
export type Person = InferResponseType<typeof client.people.$get, 200>['people'][number]
export type WorkersAssignment = InferRequestType<(typeof client.areas)[':id']['workers']['$put']>['json']
type PickRole = 'grid_leader' | 'grid_member' | 'micro_grid_leader'

export type AreaWorkers = InferResponseType<(typeof client.areas)[':id']['workers']['$get'], 200>

/** Who covers an area; `listBelow` false: the people below it only as counts per role (streets, the district). */
export const areaWorkersQuery = (id: number, listBelow: boolean) =>
  queryOptions({
    queryKey: ['area-workers', id, listBelow],
    queryFn: ({ signal }) =>
      okJson(client.areas[':id'].workers.$get({ param: { id: String(id) }, query: { below: listBelow ? 'list' : 'count' } }, { init: { signal } })),
    staleTime: 60_000,
  })

/** Candidates for a picker: people of the scope with `role`, optionally by part of the name. */
export const peopleQuery = (role: PickRole, q: string, enabled = true) =>
  queryOptions({
    queryKey: ['people', role, q],
    queryFn: ({ signal }) => okJson(client.people.$get({ query: { role, q: q.trim() || undefined } }, { init: { signal } })),
    staleTime: 60_000,
    enabled,
  })

/**
 * Whether the user may assign the workers of this grid or micro-grid: admins, and commanders for
 * areas strictly inside their scope (the policies of db/migrations/0028_workers.sql).
 */
export function canAssignWorkers(u: User | null | undefined, d: AreaDetail): boolean {
  if (!u || (d.level !== 'grid' && d.level !== 'micro_grid')) return false
  if (u.role === 'admin') return true
  return u.role === 'commander' && !u.areas.includes(d.id) && inScope(u, d.ancestors.map((a) => a.id), d.id)
}

/** PUT /api/areas/:grid/workers; refreshes every list of workers and the area panels. */
export function useAssignWorkers() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ grid, body }: { grid: number; body: WorkersAssignment }) =>
      okJson(client.areas[':id'].workers.$put({ param: { id: String(grid) }, json: body })),
    onSuccess: () =>
      Promise.all([qc.invalidateQueries({ queryKey: ['area-workers'] }), qc.invalidateQueries({ queryKey: ['area'] }), qc.invalidateQueries({ queryKey: ['people'] })]),
  })
}
