import { queryOptions } from '@tanstack/react-query'
import { okJson } from '../app/api.ts'
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

/** Incidents of the area reported during the local day, newest first (the patrol ones are picked out by the page). */
export const dayIncidentsQuery = (area: number | undefined, day: string) => {
  const from = new Date(`${day}T00:00:00+08:00`)
  const to = new Date(from.getTime() + 86_400_000)
  return queryOptions({
    queryKey: ['incidents', 'day', area ?? null, day],
    queryFn: ({ signal }) =>
      okJson(
        client.incidents.$get(
          { query: { area: String(area), from: from.toISOString(), to: to.toISOString(), limit: '1000' } },
          { init: { signal } },
        ),
      ),
    enabled: area !== undefined,
    staleTime: 30_000,
  })
}

/** Today's date in Asia/Shanghai, YYYY-MM-DD. */
export const localToday = (now = new Date()) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now)

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
