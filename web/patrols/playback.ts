import { queryOptions } from '@tanstack/react-query'
import { ensureOk } from '../app/api.ts'
import { client } from '../app/client.ts'

/**
 * A day's tracks as GET /api/tracks/playback packs them (docs/tracks.md, "Playback format"),
 * viewed in place: one track per walking session, positions as float32 offsets from `origin`,
 * times in seconds since the local midnight.
 */
export interface Playback {
  day: string
  /** Number of tracks (sessions) and fixes. */
  n: number
  m: number
  origin: [number, number]
  /** UTC instant of the day's local midnight, epoch ms. */
  dayStart: number
  person: Uint32Array
  /** Track i is fixes start[i] … start[i+1]−1. */
  start: Uint32Array
  xy: Float32Array
  time: Uint32Array
}

export function decodePlayback(buf: ArrayBuffer, day: string, headers: Headers): Playback {
  const n = Number(headers.get('X-Count') ?? 0)
  const m = Number(headers.get('X-Points') ?? 0)
  const [x0, y0] = (headers.get('X-Origin') ?? '0,0').split(',').map(Number)
  const dayStart = Date.parse(headers.get('X-Day-Start') ?? `${day}T00:00:00+08:00`)
  const need = 4 * n + 4 * (n + 1) + 8 * m + 4 * m
  if (buf.byteLength !== need) throw new Error(`playback: ${buf.byteLength} bytes, expected ${need}`)
  return {
    day,
    n,
    m,
    origin: [x0, y0],
    dayStart,
    person: new Uint32Array(buf, 0, n),
    start: new Uint32Array(buf, 4 * n, n + 1),
    xy: new Float32Array(buf, 8 * n + 4, 2 * m),
    time: new Uint32Array(buf, 8 * n + 4 + 8 * m, m),
  }
}

/** Tracks of the people of `area` on local `day`; today's refresh every 30 s (who is out now). */
export const playbackQuery = (area: number | undefined, day: string, live: boolean) =>
  queryOptions({
    queryKey: ['tracks', 'playback', area ?? null, day],
    queryFn: async ({ signal }) => {
      const res = await ensureOk(
        (await client.tracks.playback.$get({ query: { grid: String(area), day } }, { init: { signal } })) as unknown as Response,
      )
      return decodePlayback(await res.arrayBuffer(), day, res.headers)
    },
    enabled: area !== undefined,
    staleTime: live ? 0 : 5 * 60_000,
    refetchInterval: live ? 30_000 : false,
    placeholderData: (prev) => (prev?.day === day ? prev : undefined),
  })

/** Position of track `k` at second `t`: between its two fixes around t (linear), or null outside the track's time. */
export function positionAt(p: Playback, k: number, t: number): [number, number] | null {
  const from = p.start[k]
  const to = p.start[k + 1] - 1
  if (to < from || t < p.time[from] || t > p.time[to]) return null
  // Binary search for the last fix at or before t.
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (p.time[mid] <= t) lo = mid
    else hi = mid - 1
  }
  const a = lo
  const b = Math.min(lo + 1, to)
  const span = p.time[b] - p.time[a]
  const f = span > 0 ? (t - p.time[a]) / span : 0
  return [
    p.origin[0] + p.xy[2 * a] + f * (p.xy[2 * b] - p.xy[2 * a]),
    p.origin[1] + p.xy[2 * a + 1] + f * (p.xy[2 * b + 1] - p.xy[2 * a + 1]),
  ]
}

/** Per person: tracks, first and last second of the day, and the last position. */
export interface PersonDay {
  person: number
  tracks: number
  first: number
  last: number
  lastAt: [number, number]
}

export function peopleOf(p: Playback): PersonDay[] {
  const by = new Map<number, PersonDay>()
  for (let k = 0; k < p.n; k++) {
    const from = p.start[k]
    const to = p.start[k + 1] - 1
    if (to < from) continue
    const id = p.person[k]
    const at: [number, number] = [p.origin[0] + p.xy[2 * to], p.origin[1] + p.xy[2 * to + 1]]
    const cur = by.get(id)
    if (!cur) by.set(id, { person: id, tracks: 1, first: p.time[from], last: p.time[to], lastAt: at })
    else {
      cur.tracks++
      cur.first = Math.min(cur.first, p.time[from])
      if (p.time[to] >= cur.last) {
        cur.last = p.time[to]
        cur.lastAt = at
      }
    }
  }
  return [...by.values()].sort((a, b) => a.person - b.person)
}

/** The first and last second with a fix, or the whole day when there is none. */
export function timeRange(p: Playback | undefined): [number, number] {
  if (!p || p.m === 0) return [0, 86_400]
  let lo = Infinity
  let hi = -Infinity
  for (let k = 0; k < p.n; k++) {
    lo = Math.min(lo, p.time[p.start[k]])
    hi = Math.max(hi, p.time[p.start[k + 1] - 1])
  }
  return [lo, hi]
}

/** The tracks of one person only (copied out of the packed arrays), for playing back one walker. */
export function onlyPerson(p: Playback, person: number): Playback {
  const keep: number[] = []
  for (let k = 0; k < p.n; k++) if (p.person[k] === person) keep.push(k)
  const m = keep.reduce((sum, k) => sum + p.start[k + 1] - p.start[k], 0)
  const out: Playback = {
    ...p, n: keep.length, m,
    person: new Uint32Array(keep.length), start: new Uint32Array(keep.length + 1), xy: new Float32Array(2 * m), time: new Uint32Array(m),
  }
  let at = 0
  keep.forEach((k, i) => {
    const from = p.start[k], to = p.start[k + 1]
    out.person[i] = person
    out.start[i] = at
    out.xy.set(p.xy.subarray(2 * from, 2 * to), 2 * at)
    out.time.set(p.time.subarray(from, to), at)
    at += to - from
  })
  out.start[keep.length] = at
  return out
}
