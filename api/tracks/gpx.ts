/**
 * GPX files (GPS Exchange Format 1.0 / 1.1) to track points, with @xmldom/xmldom as the XML
 * parser: a W3C DOM, no network access, no external entities, no DTD processing. Only track
 * points (`<trk><trkseg><trkpt>`) count; routes and waypoints are plans, not walks.
 */
import { DOMParser, onErrorStopParsing, type Element } from '@xmldom/xmldom'
import { ApiFailure } from '../lib/errors.ts'
import { parseInstant, positionProblem, timeProblem, type Candidate, type Rejected } from './checks.ts'

/** Most track points in one file: a 12-hour walk at one fix per second is 43,200. */
export const MAX_GPX_POINTS = 100_000

/** Children of `el` named `name` in any namespace (GPX 1.0 and 1.1 differ only in theirs). */
function child(el: Element, name: string): Element | null {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === name) return n as Element
  }
  return null
}

/**
 * The file's track points in document order (index = order in the file, from 0), each checked on
 * its own for `person`. Throws a 400 when the text is not XML, not GPX, or has no track point.
 */
export function parseGpx(text: string, person: number, now: number): { candidates: Candidate[]; rejected: Rejected[] } {
  let doc
  try {
    doc = new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'text/xml')
  } catch (err) {
    throw new ApiFailure(400, 'invalid_gpx', `not a readable XML file: ${String((err as Error).message).split('\n')[0].slice(0, 160)}`)
  }
  const root = doc.documentElement
  if (!root || root.localName !== 'gpx') {
    throw new ApiFailure(400, 'invalid_gpx', `not a GPX file: the root element is <${String(root?.localName ?? 'none').slice(0, 40)}>, not <gpx>`)
  }
  const points = Array.from(doc.getElementsByTagNameNS('*', 'trkpt'))
  if (points.length === 0) throw new ApiFailure(400, 'empty_gpx', 'the GPX file holds no track point (<trkpt>): nothing to import')
  if (points.length > MAX_GPX_POINTS) throw new ApiFailure(413, 'too_many_points', `at most ${MAX_GPX_POINTS.toLocaleString('en')} track points per GPX file`)
  const candidates: Candidate[] = []
  const rejected: Rejected[] = []
  points.forEach((el, index) => {
    const reject = (reason: string) => rejected.push({ index, reason })
    const num = (s: string | null) => (s === null || s.trim() === '' ? NaN : Number(s))
    const lon = num(el.getAttribute('lon'))
    const lat = num(el.getAttribute('lat'))
    const pp = positionProblem(lon, lat)
    if (pp) return reject(pp)
    const timeEl = child(el, 'time')
    if (!timeEl) return reject('no <time>: a track point without a time cannot be placed in a track')
    const text = timeEl.textContent ?? ''
    const t = parseInstant(text)
    if (t === null) return reject(`<time> "${text.trim().slice(0, 40)}" is not an ISO-8601 date-time with a zone`)
    const tp = timeProblem(t, now)
    if (tp) return reject(tp)
    candidates.push({ index, person, t, lon, lat, accuracy: null })
  })
  return { candidates, rejected }
}
