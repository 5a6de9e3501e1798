import { describe, expect, it } from 'vitest'
import { checkPoint, dedupeBatch, haversine, monthsOf, neighbourRanges, speedFilter, type Candidate } from '../../api/tracks/checks.ts'
import { parseGpx } from '../../api/tracks/gpx.ts'
import { packPlayback, unpackPlayback } from '../../api/tracks/queries.ts'

const T0 = Date.parse('2026-05-01T08:00:00Z')
const c = (index: number, s: number, dLon = 0, person = 7): Candidate => ({ index, person, t: T0 + s * 1000, lon: 104.2 + dLon, lat: 30.5, accuracy: null })

describe('checkPoint', () => {
  const now = T0 + 3_600_000
  it('accepts a well-formed fix and keeps milliseconds', () => {
    expect(checkPoint({ index: 3, value: { person: 7, t: '2026-05-01T16:00:00.250+08:00', lon: 104.2, lat: 30.5, accuracy: 4 } }, now)).toEqual({
      index: 3, person: 7, t: T0 + 250, lon: 104.2, lat: 30.5, accuracy: 4,
    })
  })
  it('allows two minutes of clock skew, not more', () => {
    expect(checkPoint({ index: 0, value: { person: 7, t: new Date(now + 119_000).toISOString(), lon: 104.2, lat: 30.5 } }, now)).not.toHaveProperty('reason')
    expect(checkPoint({ index: 0, value: { person: 7, t: new Date(now + 121_000).toISOString(), lon: 104.2, lat: 30.5 } }, now)).toHaveProperty('reason')
  })
  it('refuses a time without a zone (ambiguous) and impossible dates', () => {
    for (const t of ['2026-05-01T08:00:00', '2026-05-01', '2026-02-30T08:00:00Z', 1714550400000]) {
      expect(checkPoint({ index: 0, value: { person: 7, t, lon: 104.2, lat: 30.5 } }, now), String(t)).toHaveProperty('reason')
    }
  })
})

describe('speedFilter', () => {
  it('is ~111 km per degree of latitude', () => {
    expect(haversine({ t: 0, lon: 104, lat: 30 }, { t: 0, lon: 104, lat: 31 })).toBeCloseTo(111_195, -1)
  })
  it('refuses a spike and keeps the fixes around it', () => {
    const walk = [c(0, 0), c(1, 10, 0.0001), c(2, 20, 0.05), c(3, 30, 0.0003), c(4, 40, 0.0004)]
    const r = speedFilter(walk, [])
    expect(r.accepted.map((x) => x.index)).toEqual([0, 1, 3, 4])
    expect(r.rejected).toEqual([{ index: 2, reason: expect.stringMatching(/^impossible speed: \d+ m in 10 s/) }])
  })
  it('answers the same whatever the arrival order', () => {
    const walk = [c(0, 0), c(1, 10, 0.0001), c(2, 20, 0.05), c(3, 30, 0.0003), c(4, 40, 0.0004)]
    const a = speedFilter(walk, [])
    const b = speedFilter([walk[3], walk[0], walk[4], walk[2], walk[1]], [])
    expect(b.accepted.map((x) => x.index).sort()).toEqual(a.accepted.map((x) => x.index).sort())
    expect(b.rejected).toEqual(a.rejected)
  })
  it('compares with the stored fix after a late one, and with the stored one before it', () => {
    const stored = [{ t: T0, lon: 104.2, lat: 30.5 }, { t: T0 + 20_000, lon: 104.2002, lat: 30.5 }]
    expect(speedFilter([c(0, 10, 0.0001)], stored).accepted).toHaveLength(1)
    expect(speedFilter([c(0, 10, 0.03)], stored).rejected[0].reason).toMatch(/earlier point at 2026-05-01T08:00:00.000Z/)
    expect(speedFilter([c(0, -5, 0.03)], stored).rejected[0].reason).toMatch(/later point at 2026-05-01T08:00:00.000Z/)
  })
  it('tolerates GPS noise between fixes a second apart', () => {
    expect(speedFilter([c(0, 0), c(1, 1, 0.0004)], []).rejected).toEqual([]) // ~38 m in 1 s
    expect(speedFilter([c(0, 0), c(1, 1, 0.001)], []).rejected).toHaveLength(1) // ~96 m in 1 s
  })
})

describe('batch helpers', () => {
  it('keeps the first (by index) of two fixes with the same person and time', () => {
    const { unique, duplicates } = dedupeBatch([c(5, 0, 0.001), c(2, 0), c(3, 10)])
    expect(unique.map((x) => x.index)).toEqual([2, 3])
    expect(duplicates.map((x) => x.index)).toEqual([5])
  })
  it('reads neighbours per person in ranges split at session gaps, and names UTC months', () => {
    const cands = [c(0, 0), c(1, 300), c(2, 300 + 601), c(3, 5, 0, 8), c(4, -8 * 3600 - 1)]
    expect(neighbourRanges(cands)).toEqual([
      { person: 7, t0: '2026-04-30T23:59:59.000Z', t1: '2026-04-30T23:59:59.000Z' },
      { person: 7, t0: '2026-05-01T08:00:00.000Z', t1: '2026-05-01T08:05:00.000Z' },
      { person: 7, t0: '2026-05-01T08:15:01.000Z', t1: '2026-05-01T08:15:01.000Z' },
      { person: 8, t0: '2026-05-01T08:00:05.000Z', t1: '2026-05-01T08:00:05.000Z' },
    ])
    expect(monthsOf(cands)).toEqual(['2026-04-01T00:00:00.000Z', '2026-05-01T00:00:00.000Z'])
  })
})

describe('parseGpx', () => {
  it('reads GPX 1.0 (another namespace) trkpts in file order and ignores waypoints and routes', () => {
    const text = `<gpx version="1.0" xmlns="http://www.topografix.com/GPX/1/0"><wpt lat="1" lon="1"/><rte><rtept lat="2" lon="2"/></rte>
      <trk><trkseg><trkpt lat="30.5" lon="104.2"><time>2026-05-01T08:00:00Z</time></trkpt></trkseg>
      <trkseg><trkpt lat="30.5001" lon="104.2001"><time> 2026-05-01T08:00:10Z </time></trkpt><trkpt lat="x" lon="104.2"/></trkseg></trk></gpx>`
    const r = parseGpx(text, 7, T0 + 60_000)
    expect(r.candidates.map((p) => [p.index, p.t - T0, p.lat])).toEqual([[0, 0, 30.5], [1, 10_000, 30.5001]])
    expect(r.rejected).toEqual([{ index: 2, reason: 'lon/lat must be numbers' }])
  })
  it('does not expand external entities', () => {
    const text = `<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx><trk><trkseg><trkpt lat="30.5" lon="104.2"><time>&x;</time></trkpt></trkseg></trk></gpx>`
    let result: unknown
    try {
      result = parseGpx(text, 7, T0)
    } catch (err) {
      result = err
    }
    expect(JSON.stringify(result)).not.toMatch(/root:/)
  })
})

describe('playback packing', () => {
  it('cuts sessions at gaps over 10 minutes and round-trips them through the binary layout', () => {
    const fix = (x: number, y: number, ms: number) => {
      const b = Buffer.alloc(25)
      b.writeUInt8(1, 0) // WKB little-endian point
      b.writeUInt32LE(1, 1)
      b.writeDoubleLE(x, 5)
      b.writeDoubleLE(y, 13)
      b.writeInt32BE(ms, 21)
      return b
    }
    const rows = [
      { person: 3, n: 3, fixes: Buffer.concat([fix(104.23456789, 30.55, 100_400), fix(104.2346, 30.5501, 110_000), fix(104.2347, 30.5502, 710_001)]) },
      { person: 9, n: 2, fixes: Buffer.concat([fix(104.3, 30.6, 86_000_000), fix(104.3, 30.6, 86_399_999)]) },
    ]
    const { body, tracks, points, origin } = packPlayback(rows)
    expect([tracks, points]).toEqual([3, 5])
    expect(origin).toEqual([104.23, 30.55])
    expect(body.length).toBe(4 * 3 + 4 * 4 + 12 * 5)
    const out = unpackPlayback(body, 3, 5, origin)
    expect(out.map((t) => [t.person, t.timestamps])).toEqual([[3, [100, 110]], [3, [710]], [9, [86_000, 86_399]]])
    expect(out[0].path[0][0]).toBeCloseTo(104.23456789, 6)
    expect(out[2].path[1][1]).toBeCloseTo(30.6, 6)
    // Fixes that come out of order are put in time order.
    const [a, b, c] = [0, 1, 2].map((i) => rows[0].fixes.subarray(i * 25, (i + 1) * 25))
    const shuffled = packPlayback([{ ...rows[0], fixes: Buffer.concat([c, a, b]) }, rows[1]])
    expect(shuffled.body.equals(body)).toBe(true)
  })
})
