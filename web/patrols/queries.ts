import { queryOptions } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { ensureOk, okJson } from '../app/api.ts'
import { client } from '../app/client.ts'

/** A day's walking sessions of the people of an area, with their names (GET /api/tracks/sessions). */
export const sessionsQuery = (area: number | undefined, day: string, live: boolean) =>
  queryOptions({
    queryKey: ['tracks', 'sessions', area ?? null, day],
    queryFn: ({ signal }) => okJson(client.tracks.sessions.$get({ query: { grid: String(area), day } }, { init: { signal } })),
    enabled: area !== undefined,
    staleTime: live ? 0 : 5 * 60_000,
    refetchInterval: live ? 30_000 : false,
  })

/** Incidents of the area reported on patrol during the local day, newest first (the API filters by source). */
export const patrolIncidentsQuery = (area: number | undefined, day: string) => {
  const from = new Date(`${day}T00:00:00+08:00`)
  const to = new Date(from.getTime() + 86_400_000)
  return queryOptions({
    queryKey: ['incidents', 'day', 'patrol', area ?? null, day],
    queryFn: ({ signal }) =>
      okJson(
        client.incidents.$get(
          { query: { area: String(area), source: 'patrol', from: from.toISOString(), to: to.toISOString(), limit: '1000' } },
          { init: { signal } },
        ),
      ),
    enabled: area !== undefined,
    staleTime: 30_000,
  })
}


/** `day` moved by `delta` days. */
export function shiftDay(day: string, delta: number): string {
  const t = Date.parse(`${day}T00:00:00Z`) + delta * 86_400_000
  return new Date(t).toISOString().slice(0, 10)
}

/** Seconds since midnight as HH:MM(:SS). */
export function clock(s: number, seconds = false): string {
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (x: number) => String(x).padStart(2, '0')
  return seconds ? `${pad(h)}:${pad(m)}:${pad(Math.floor(s % 60))}` : `${pad(h)}:${pad(m)}`
}

/** Patrol tasks of an area on a local day (GET /api/patrols/tasks). */
export const tasksQuery = (area: number | undefined, day: string) =>
  queryOptions({
    queryKey: ['patrols', 'tasks', area ?? null, day],
    queryFn: ({ signal }) => okJson(client.patrols.tasks.$get({ query: { area: String(area), day } }, { init: { signal } })),
    enabled: area !== undefined,
    staleTime: 30_000,
  })

export type PatrolTask = InferResponseType<typeof client.patrols.tasks.$get, 200>['tasks'][number]

/** One task's compliance: checkpoints visited, micro-grids entered, walked, score and its parts. */
export const complianceQuery = (task: number, live: boolean) =>
  queryOptions({
    queryKey: ['patrols', 'compliance', task],
    queryFn: ({ signal }) => okJson(client.patrols.tasks[':id'].compliance.$get({ param: { id: String(task) }, query: {} }, { init: { signal } })),
    staleTime: live ? 0 : 60_000,
    refetchInterval: live ? 60_000 : false,
  })

/** Suggested checkpoints for a grid and day, each with its reason. */
export const suggestQuery = (grid: number | undefined, day: string, enabled: boolean) =>
  queryOptions({
    queryKey: ['patrols', 'suggest', grid ?? null, day],
    queryFn: ({ signal }) => okJson(client.patrols.suggest.$get({ query: { grid: String(grid), day } }, { init: { signal } })),
    enabled: enabled && grid !== undefined,
    staleTime: 60_000,
  })

export type Suggestion = InferResponseType<typeof client.patrols.suggest.$get, 200>['suggestions'][number]

/** Orders points into the shortest walk found (nearest neighbour, 2-opt, or-opt; along roads where there are roads). */
export const orderRoute = (points: [number, number][]) => okJson(client.patrols.route.$post({ json: { points } }))

export type WalkRoute = Awaited<ReturnType<typeof orderRoute>>

/** Query key of a walk through `points` in the order given. */
export const walkKey = (points: [number, number][]) => ['patrols', 'walk', points.map((p) => p.join(',')).join(';')]

/** A walk through points in the order given: its length, time and the road path of each leg (POST /route, keep_order). */
export const walkQuery = (points: [number, number][]) =>
  queryOptions({
    queryKey: walkKey(points),
    queryFn: () => okJson(client.patrols.route.$post({ json: { points, keep_order: true } })),
    enabled: points.length > 1,
    staleTime: 5 * 60_000,
  })

/** A saved task's walk in its checkpoints' order, recomputed along today's roads (tasks store no path). */
export const taskWalkQuery = (task: number | undefined) =>
  queryOptions({
    queryKey: ['patrols', 'task-walk', task ?? null],
    queryFn: () => okJson(client.patrols.route.$post({ json: { task: task!, keep_order: true } })),
    enabled: task !== undefined,
    staleTime: 5 * 60_000,
  })

export type TaskCreate = InferRequestType<typeof client.patrols.tasks.$post>['json']
/** Creates a task (POST /api/patrols/tasks, 201 with the task). */
export async function createTask(task: TaskCreate): Promise<PatrolTask> {
  const res = await client.patrols.tasks.$post({ json: task })
  await ensureOk(res as unknown as Response)
  return (await res.json()) as PatrolTask
}
export const patchTask = (id: number, patch: InferRequestType<(typeof client.patrols.tasks)[':id']['$patch']>['json']) =>
  okJson(client.patrols.tasks[':id'].$patch({ param: { id: String(id) }, json: patch }))

export type ComplianceBy = 'member' | 'grid' | 'day'

/** Compliance of an area's tasks over [from, to], grouped (GET /api/patrols/compliance). */
export const aggregateQuery = (area: number | undefined, from: string, to: string, by: ComplianceBy, live: boolean) =>
  queryOptions({
    queryKey: ['patrols', 'aggregate', area ?? null, from, to, by],
    queryFn: ({ signal }) => okJson(client.patrols.compliance.$get({ query: { area: String(area), from, to, by } }, { init: { signal } })),
    enabled: area !== undefined,
    staleTime: live ? 0 : 60_000,
    refetchInterval: live ? 60_000 : false,
  })

export type ComplianceGroup = InferResponseType<typeof client.patrols.compliance.$get, 200>['groups'][number]

/** Monday and Sunday of the week holding local `day` (weeks start on Monday, as the API's `week`). */
export function weekOf(day: string): { from: string; to: string } {
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7
  return { from: shiftDay(day, -weekday), to: shiftDay(day, 6 - weekday) }
}
