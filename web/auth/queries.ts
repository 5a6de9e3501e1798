import { queryOptions, type QueryClient } from '@tanstack/react-query'
import type { InferResponseType } from 'hono/client'
import { ApiError, ensureOk, okJson } from '../app/api.ts'
import { client } from '../app/client.ts'

export type User = InferResponseType<typeof client.auth.me.$get, 200>

/** The signed-in user, or null when there is no session (401 is an answer here, not an error). */
export const meQuery = () =>
  queryOptions({
    queryKey: ['me'],
    queryFn: async ({ signal }): Promise<User | null> => {
      const res = await client.auth.me.$get(undefined, { init: { signal } })
      if ((res.status as number) === 401) return null
      await ensureOk(res as unknown as Response)
      return (await res.json()) as User
    },
    staleTime: Infinity,
    retry: false,
  })

/** Drop every cached answer but `me` (whose observer must stay subscribed), then set who is signed in. */
function switchUser(qc: QueryClient, user: User | null) {
  qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' })
  qc.setQueryData(meQuery().queryKey, user)
}

/** Sign in; on success every cached answer of a previous user is dropped. */
export async function signIn(qc: QueryClient, username: string, password: string): Promise<User> {
  const { user } = await okJson(client.auth.login.$post({ json: { username, password } }))
  switchUser(qc, user)
  return user
}

/** Sign out and forget everything cached for this user. */
export async function signOut(qc: QueryClient): Promise<void> {
  await client.auth.logout.$post().catch(() => undefined)
  switchUser(qc, null)
}

/** A 401 from any query means the session ended: ask again who is signed in (the login page follows). */
export function onQueryError(qc: QueryClient, err: unknown) {
  if (err instanceof ApiError && err.status === 401) void qc.invalidateQueries({ queryKey: meQuery().queryKey })
}

/** Planners see aggregates only: no individual incidents. */
export const readsCases = (u: User | null | undefined) => !!u && u.role !== 'planner'
/** Roles the siting solver serves (api/siting/routes.ts): planners, commanders, admins. */
/** Tracks and patrols are personal: everyone but planners (who see aggregates). */
export const canPatrol = (u: User | null | undefined) => !!u && u.role !== 'planner'

export const canSite = (u: User | null | undefined) => !!u && (u.role === 'planner' || u.role === 'commander' || u.role === 'admin')

/** Is area `id` with ancestor path `ancestors` (root first) inside the user's scope? */
export function inScope(u: User | null | undefined, ancestors: number[], id: number): boolean {
  if (!u) return false
  if (u.role === 'admin') return true
  return [...ancestors, id].some((a) => u.areas.includes(a))
}
