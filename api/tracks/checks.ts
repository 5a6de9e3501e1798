/**
 * The pure part of track ingest (issue 5): checking each point on its own, removing duplicates,
 * and the speed filter against time neighbours. No database here; api/tracks/ingest.ts supplies
 * the stored neighbours and the checks that need PostGIS (district, people in scope).
 */

/** Most points in one JSON batch (POST /tracks/points); a phone sends far fewer. */
export const MAX_BATCH_POINTS = 5_000
/**
 * Clock skew tolerated before a fix counts as "in the future". Shorter than the 5 minutes of
 * incident reports (api/incidents/service.ts): GPS fixes carry satellite time, so a phone's fix
 * more than 2 minutes ahead of the server is a broken clock or a forged point.
 */
export const TRACK_FUTURE_SKEW_MS = 2 * 60_000
/** Fixes before this are a device whose clock was never set (GPS week roll-over, 1970/1980 epochs). */
export const EARLIEST_FIX_MS = Date.UTC(2000, 0, 1)
/** Faster than this between two fixes of one person is not walking, cycling or driving in a district. */
export const MAX_SPEED_MPS = 50
/**
 * Distance allowed on top of MAX_SPEED_MPS × Δt: two fixes seconds apart may each be ~15 m off
 * (consumer GPS), so a 1-s step of 40 m is noise, not a 40 m/s sprint.
 */
export const SPEED_SLACK_M = 30
/**
 * Stored fixes further than this from a candidate are not read as its neighbours: both lie inside
 * the district (checked first), and no district is MAX_SPEED_MPS × 30 min = 90 km across, so such a
 * pair can never be an impossible speed. The bound lets each probe prune to one or two monthly
 * partitions instead of walking every month's index.
 */
export const NEIGHBOUR_WINDOW_MINUTES = 30
/** A pause longer than this starts a new session (GET /tracks/sessions, /tracks/playback). */
export const SESSION_GAP_MINUTES = 10
export const SESSION_GAP_MS = SESSION_GAP_MINUTES * 60_000

/** A point as received, before any check (index = its place in the batch or the GPX file). */
export interface RawPoint {
  index: number
  value: unknown
}

/** A point that passed the checks that need nothing but itself. `t` in epoch milliseconds. */
export interface Candidate {
  index: number
  person: number
  t: number
  lon: number
  lat: number
  accuracy: number | null
}

export interface Rejected {
  index: number
  reason: string
}

/** A stored or accepted fix of one person. */
export interface Fix {
  t: number
  lon: number
  lat: number
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= 2_147_483_647

/** ISO-8601 date-time with a zone, to epoch ms (sub-millisecond digits dropped), or null. */
export function parseInstant(s: unknown): number | null {
  if (typeof s !== 'string' || !ISO_WITH_ZONE.test(s.trim())) return null
  const ms = Date.parse(s.trim())
  if (Number.isNaN(ms)) return null
  // Date.parse rolls 2026-02-30 over into March: the calendar date must exist as written.
  const [y, m, d] = s.trim().slice(0, 10).split('-').map(Number)
  const day = new Date(Date.UTC(y, m - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d ? ms : null
}

/** Reason why a position is not a place on Earth we track, or null when it is one. */
export function positionProblem(lon: unknown, lat: unknown): string | null {
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) return 'lon/lat must be numbers'
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    return lon >= -90 && lon <= 90 && lat >= -180 && lat <= 180 ? 'lon/lat out of range (swapped?)' : 'lon/lat out of range'
  }
  if (lon === 0 && lat === 0) return '(0, 0) is not a location (a fix without position)'
  return null
}

/** Reason why a fix time is refused, or null. */
export function timeProblem(t: number, now: number): string | null {
  if (t > now + TRACK_FUTURE_SKEW_MS) return `t is in the future (more than ${TRACK_FUTURE_SKEW_MS / 60_000} minutes ahead of the server clock)`
  if (t < EARLIEST_FIX_MS) return 't is before 2000-01-01 (device clock not set?)'
  return null
}

/** Check one JSON point `{ person, t, lon, lat, accuracy? }` on its own. */
export function checkPoint(raw: RawPoint, now: number): Candidate | Rejected {
  const { index, value } = raw
  const reject = (reason: string): Rejected => ({ index, reason })
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject('not an object { person, t, lon, lat, accuracy? }')
  const p = value as Record<string, unknown>
  if (!isId(p.person)) return reject('person must be a positive integer id')
  const t = parseInstant(p.t)
  if (t === null) return reject('t must be an ISO-8601 date-time with a zone, e.g. 2026-11-23T08:30:15Z')
  const tp = timeProblem(t, now)
  if (tp) return reject(tp)
  const pp = positionProblem(p.lon, p.lat)
  if (pp) return reject(pp)
  let accuracy: number | null = null
  if (p.accuracy !== undefined && p.accuracy !== null) {
    if (typeof p.accuracy !== 'number' || !Number.isFinite(p.accuracy) || p.accuracy < 0 || p.accuracy > 10_000) {
      return reject('accuracy must be metres from 0 to 10,000')
    }
    accuracy = p.accuracy
  }
  return { index, person: p.person, t, lon: p.lon as number, lat: p.lat as number, accuracy }
}

const R = 6_371_008.8
const rad = Math.PI / 180
/** Great-circle distance in metres (mean Earth radius; < 0.5 % from the ellipsoid, plenty for a speed check). */
export function haversine(a: Fix, b: Fix): number {
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Why moving from `a` to `b` is impossible, or null. */
export function speedProblem(a: Fix, b: Fix, which: 'earlier' | 'later'): string | null {
  const dt = Math.abs(b.t - a.t) / 1000
  const d = haversine(a, b)
  if (d <= MAX_SPEED_MPS * dt + SPEED_SLACK_M) return null
  const other = which === 'earlier' ? a : b
  return `impossible speed: ${Math.round(d)} m in ${+dt.toFixed(3)} s (${dt > 0 ? Math.round(d / dt) : '∞'} m/s, over ${MAX_SPEED_MPS} m/s) from the ${which} point at ${new Date(other.t).toISOString()}`
}

/** `person|t`: the key that makes a point a duplicate. */
export const keyOf = (person: number, t: number) => `${person}|${t}`

/**
 * Split candidates into the first occurrence of each (person, t) and the later ones, which are
 * duplicates whatever their position: the first write wins (the same rule as the stored rows).
 */
export function dedupeBatch(cands: Candidate[]): { unique: Candidate[]; duplicates: Candidate[] } {
  const seen = new Set<string>()
  const unique: Candidate[] = []
  const duplicates: Candidate[] = []
  for (const c of [...cands].sort((a, b) => a.index - b.index)) {
    const k = keyOf(c.person, c.t)
    if (seen.has(k)) duplicates.push(c)
    else {
      seen.add(k)
      unique.push(c)
    }
  }
  return { unique, duplicates }
}

/**
 * The speed filter for one person. `cands` (any order, no two with the same t, none equal to a
 * stored t) are taken in time order, whatever order they arrived in, so a shuffled batch gets the
 * same answer. Each is compared with its nearest earlier neighbour — the later of the nearest
 * stored fix and the last candidate accepted so far — and with its nearest later stored fix. A
 * refused candidate is never anyone's neighbour, so one wild fix does not take the good ones
 * around it down with it. Stored fixes are trusted: they passed this filter when they came in.
 * (A wild fix that is the person's very first has no neighbour and is accepted; the next good
 * fix is then refused against it — documented in docs/tracks.md.)
 */
export function speedFilter(cands: Candidate[], stored: Fix[]): { accepted: Candidate[]; rejected: Rejected[] } {
  const sorted = [...cands].sort((a, b) => a.t - b.t)
  const accepted: Candidate[] = []
  const rejected: Rejected[] = []
  let j = 0 // stored[j] is the first stored fix at or after the candidate
  let last: Fix | null = null
  for (const c of sorted) {
    while (j < stored.length && stored[j].t < c.t) j++
    const prevStored = j > 0 ? stored[j - 1] : null
    const prev = !last ? prevStored : !prevStored ? last : last.t > prevStored.t ? last : prevStored
    const next = j < stored.length ? stored[j] : null
    const problem = (prev && speedProblem(prev, c, 'earlier')) || (next && speedProblem(c, next, 'later'))
    if (problem) rejected.push({ index: c.index, reason: problem })
    else {
      accepted.push(c)
      last = c
    }
  }
  return { accepted, rejected }
}

/**
 * Time ranges per person that cover the candidates, split where two consecutive candidates are
 * more than a session gap apart: the stored fixes inside each range plus the one just before and
 * just after it are every neighbour the speed filter can need, without reading a person's whole
 * history when a batch mixes old and new fixes.
 */
export function neighbourRanges(cands: Candidate[]): { person: number; t0: string; t1: string }[] {
  const byPerson = new Map<number, number[]>()
  for (const c of cands) {
    let ts = byPerson.get(c.person)
    if (!ts) byPerson.set(c.person, (ts = []))
    ts.push(c.t)
  }
  const out: { person: number; t0: string; t1: string }[] = []
  for (const [person, ts] of byPerson) {
    ts.sort((a, b) => a - b)
    let start = ts[0]
    for (let i = 1; i <= ts.length; i++) {
      if (i === ts.length || ts[i] - ts[i - 1] > SESSION_GAP_MS) {
        out.push({ person, t0: new Date(start).toISOString(), t1: new Date(ts[i - 1]).toISOString() })
        if (i < ts.length) start = ts[i]
      }
    }
  }
  return out
}

/** The first instant of each UTC month the candidates fall in (track_points partitions are UTC months). */
export function monthsOf(cands: Candidate[]): string[] {
  const months = new Set<string>()
  for (const c of cands) {
    const d = new Date(c.t)
    months.add(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString())
  }
  return [...months].sort()
}
