import { queryOptions } from '@tanstack/react-query'
import { bboxParam, okBinary } from '../app/api.ts'
import { client } from '../app/client.ts'
import { decodeIncidentPoints } from './decode.ts'

export interface IncidentPointsFilter {
  bbox?: readonly number[]
  /** ISO instants (UTC). */
  from: string
  to: string
}

/** Incident points for a period as compact binary (all types; filtered in the browser). */
export const incidentPointsQuery = (f: IncidentPointsFilter) =>
  queryOptions({
    queryKey: ['incidents', 'points', bboxParam(f.bbox) ?? null, f.from, f.to],
    queryFn: async ({ signal }) =>
      decodeIncidentPoints(
        await okBinary(client.incidents.points.$get({ query: { bbox: bboxParam(f.bbox), from: f.from, to: f.to } }, { init: { signal } })),
      ),
    staleTime: 60_000,
  })

/** A period ending at the current hour, so the query key stays stable within the hour. */
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  const to = new Date(now)
  to.setUTCMinutes(0, 0, 0)
  to.setUTCHours(to.getUTCHours() + 1)
  const from = new Date(to.getTime() - days * 86_400_000)
  return { from: from.toISOString(), to: to.toISOString() }
}
