import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateDistrict } from '../../geo-data/generate/index.ts'
import {
  AREA_LEVELS,
  INCIDENT_TYPES,
  STATION_TYPES,
  type DemoArea,
  type DemoDistrict,
  type LonLat,
} from '../../geo-data/generate/types.ts'

const END = new Date('2026-11-23T00:00:00Z')
const DAY = 86_400_000

// local metric projection (equirectangular around the district centre)
const LAT0 = 30.56
const KX = Math.cos((LAT0 * Math.PI) / 180) * 111_320
const KY = 110_574
const xy = (p: LonLat): [number, number] => [(p[0] - 104.27) * KX, (p[1] - LAT0) * KY]

/** Signed planar area (m²), positive = counter-clockwise. */
function signedArea(ring: LonLat[]): number {
  let s = 0
  for (let k = 0; k + 1 < ring.length; k++) {
    const [x1, y1] = xy(ring[k])
    const [x2, y2] = xy(ring[k + 1])
    s += x1 * y2 - x2 * y1
  }
  return s / 2
}

/** Point strictly inside a convex CCW ring, at least `margin` metres from every edge. */
function insideConvex(ring: LonLat[], p: LonLat, margin = 0): boolean {
  const [px, py] = xy(p)
  for (let k = 0; k + 1 < ring.length; k++) {
    const [x1, y1] = xy(ring[k])
    const [x2, y2] = xy(ring[k + 1])
    const cross = (x2 - x1) * (py - y1) - (y2 - y1) * (px - x1)
    if (cross / Math.hypot(x2 - x1, y2 - y1) <= margin) return false
  }
  return true
}

/** Ray-casting point in polygon (any simple ring). */
function inRing(ring: LonLat[], p: LonLat): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function hashDistrict(d: DemoDistrict): string {
  const h = createHash('sha256')
  const { tracks, ...rest } = d
  h.update(JSON.stringify(rest))
  for (const arr of [tracks.personId, tracks.t, tracks.lon, tracks.lat, tracks.accuracy]) {
    h.update(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength))
  }
  return h.digest('hex')
}

/** Micro-grid containing p (brute force over the micro-grid quads). */
function microOf(micros: DemoArea[], p: LonLat): DemoArea | undefined {
  return micros.find((m) => insideConvex(m.ring, p))
}

describe('demo district generator (small)', () => {
  let d: DemoDistrict
  let micros: DemoArea[]
  beforeAll(() => {
    d = generateDistrict({ scale: 'small', end: END })
    micros = d.areas.filter((a) => a.level === 'micro_grid')
  })

  it('is deterministic for (scale, seed, end) and seed-sensitive', () => {
    const again = generateDistrict({ scale: 'small', end: END })
    expect(hashDistrict(again)).toBe(hashDistrict(d))
    expect(again.areas).toEqual(d.areas)
    const other = generateDistrict({ scale: 'small', end: END, seed: 7 })
    expect(hashDistrict(other)).not.toBe(hashDistrict(d))
    expect(d.seed).toBe(20261123)
  })

  it('generates in well under a second', () => {
    const t0 = performance.now()
    generateDistrict({ scale: 'small', end: END })
    expect(performance.now() - t0).toBeLessThan(1000)
  })

  it('has the expected counts', () => {
    const n = (lvl: string) => d.areas.filter((a) => a.level === lvl).length
    expect(n('district')).toBe(1)
    expect(n('street')).toBe(2)
    expect(n('community')).toBeGreaterThanOrEqual(4)
    expect(n('grid')).toBeGreaterThanOrEqual(20)
    expect(n('grid')).toBeLessThanOrEqual(30)
    expect(n('micro_grid')).toBeGreaterThanOrEqual(180)
    expect(n('micro_grid')).toBeLessThanOrEqual(240)
    expect(d.incidents.length).toBe(3000)
    expect(d.tracks.length).toBe(10_000)
    expect(d.buildings.length).toBeGreaterThan(n('micro_grid'))
  })

  it('numbers areas 1.. in level order with consistent parents and hierarchical codes', () => {
    const byId = new Map(d.areas.map((a) => [a.id, a]))
    d.areas.forEach((a, k) => expect(a.id).toBe(k + 1))
    expect(d.areas[0].level).toBe('district')
    expect(d.areas[0].parentId).toBeNull()
    let lastLevel = 0
    for (const a of d.areas) {
      const li = AREA_LEVELS.indexOf(a.level)
      expect(li).toBeGreaterThanOrEqual(lastLevel)
      lastLevel = li
      if (a.level === 'district') continue
      const p = byId.get(a.parentId!)!
      expect(AREA_LEVELS.indexOf(p.level)).toBe(li - 1)
      expect(a.code.startsWith(p.code + '-')).toBe(true)
    }
    expect(new Set(d.areas.map((a) => a.code)).size).toBe(d.areas.length)
    for (const a of d.areas.filter((x) => x.level === 'grid')) expect(a.name).toMatch(/第\d+网格$/)
    for (const a of micros) expect(a.name).toMatch(/^第\d+微网格$/)
    expect(d.areas.filter((a) => a.level === 'street').every((a) => a.name.endsWith('街道'))).toBe(true)
    expect(d.areas.filter((a) => a.level === 'community').every((a) => a.name.endsWith('社区'))).toBe(true)
  })

  it('has closed, counter-clockwise rings', () => {
    for (const a of d.areas) {
      expect(a.ring.length).toBeGreaterThanOrEqual(5)
      expect(a.ring[0]).toEqual(a.ring[a.ring.length - 1])
      expect(signedArea(a.ring)).toBeGreaterThan(0)
    }
    for (const b of d.buildings) {
      expect(b.ring[0]).toEqual(b.ring[b.ring.length - 1])
      expect(signedArea(b.ring)).toBeGreaterThan(0)
    }
    for (const m of micros) expect(m.ring.length).toBe(5) // one mesh cell
  })

  it('children tile their parent exactly (areas sum, shared vertices)', () => {
    const kids = new Map<number, DemoArea[]>()
    for (const a of d.areas) if (a.parentId !== null) kids.set(a.parentId, [...(kids.get(a.parentId) ?? []), a])
    for (const a of d.areas) {
      const ch = kids.get(a.id)
      if (!ch) {
        expect(a.level).toBe('micro_grid')
        continue
      }
      const sum = ch.reduce((s, c) => s + signedArea(c.ring), 0)
      const area = signedArea(a.ring)
      expect(Math.abs(sum - area) / area).toBeLessThan(1e-6)
      // interior edges cancel pairwise; what remains is exactly the parent's boundary
      const key = (p: LonLat, q: LonLat) => `${p[0]},${p[1]}>${q[0]},${q[1]}`
      const edges = new Map<string, number>()
      for (const c of ch) {
        for (let k = 0; k + 1 < c.ring.length; k++) {
          const fwd = key(c.ring[k], c.ring[k + 1])
          const rev = key(c.ring[k + 1], c.ring[k])
          if (edges.get(rev)) edges.set(rev, edges.get(rev)! - 1)
          else edges.set(fwd, (edges.get(fwd) ?? 0) + 1)
        }
      }
      const left = [...edges].filter(([, n]) => n !== 0)
      const parentEdges = new Set<string>()
      for (let k = 0; k + 1 < a.ring.length; k++) parentEdges.add(key(a.ring[k], a.ring[k + 1]))
      expect(left.every(([e, n]) => n === 1 && parentEdges.has(e))).toBe(true)
      expect(left.length).toBe(parentEdges.size)
    }
  })

  it('keeps every building strictly inside one micro-grid, >= 8 m from its edge, 30-150 households each', () => {
    const hh = new Map<number, number>()
    for (const b of d.buildings) {
      const m = microOf(micros, b.ring[0])
      expect(m).toBeDefined()
      for (const p of b.ring) expect(insideConvex(m!.ring, p, 8)).toBe(true)
      hh.set(m!.id, (hh.get(m!.id) ?? 0) + b.households)
      expect(b.floors).toBeGreaterThanOrEqual(5)
      expect(b.floors).toBeLessThanOrEqual(33)
      expect(b.name).toMatch(/^\d+栋$/)
      expect(b.population).toBe(Math.round(b.population))
    }
    expect(hh.size).toBe(micros.length)
    for (const v of hh.values()) {
      expect(v).toBeGreaterThanOrEqual(30)
      expect(v).toBeLessThanOrEqual(150)
    }
  })

  it('lays roads on mesh lines only', () => {
    const vertices = new Set<string>()
    for (const m of micros) for (const p of m.ring) vertices.add(`${p[0]},${p[1]}`)
    expect(new Set(d.roads.map((r) => r.kind))).toEqual(new Set(['primary', 'secondary', 'residential']))
    for (const r of d.roads) {
      expect(r.line.length).toBeGreaterThanOrEqual(2)
      for (const p of r.line) expect(vertices.has(`${p[0]},${p[1]}`)).toBe(true)
      expect(r.name).toMatch(/(路|大道|街|巷)$/)
    }
  })

  it('has every station type inside the district', () => {
    expect(new Set(d.stations.map((s) => s.type))).toEqual(new Set(STATION_TYPES))
    const district = d.areas[0].ring
    for (const s of d.stations) {
      expect(inRing(district, [s.lon, s.lat])).toBe(true)
      expect(s.openedOn >= '2018-01-01' && s.openedOn <= '2025-12-31').toBe(true)
      expect(s.serviceRadiusM).toBeGreaterThan(0)
    }
  })

  it('has people for every role and unique phones', () => {
    const roles = new Set(d.people.map((p) => p.role))
    expect(roles).toEqual(new Set(['commander', 'grid_leader', 'grid_member', 'micro_grid_leader', 'planner']))
    expect(new Set(d.people.map((p) => p.phone)).size).toBe(d.people.length)
    for (const p of d.people) expect(p.phone).toMatch(/^1\d{10}$/)
    const grids = d.areas.filter((a) => a.level === 'grid').length
    expect(d.people.filter((p) => p.role === 'grid_member').length).toBe(2 * grids)
    expect(d.people.filter((p) => p.role === 'micro_grid_leader').length).toBe(micros.length)
  })

  it('has incidents of every type in the 12 months before end, inside micro-grids, with consistent status', () => {
    expect(new Set(d.incidents.map((i) => i.type))).toEqual(new Set(INCIDENT_TYPES))
    const lo = END.getTime() - 365 * DAY
    let prev = 0
    for (const inc of d.incidents) {
      const t = Date.parse(inc.reportedAt)
      expect(t).toBeGreaterThanOrEqual(lo)
      expect(t).toBeLessThanOrEqual(END.getTime())
      expect(t).toBeGreaterThanOrEqual(prev)
      prev = t
      if (inc.status === 'closed') {
        const c = Date.parse(inc.closedAt!)
        expect(c).toBeGreaterThan(t)
        expect(c).toBeLessThanOrEqual(END.getTime())
      } else expect(inc.closedAt).toBeNull()
      expect(inc.description.length).toBeGreaterThan(4)
    }
    for (const inc of d.incidents.slice(0, 300)) expect(microOf(micros, [inc.lon, inc.lat])).toBeDefined()
    const old = d.incidents.filter((i) => Date.parse(i.reportedAt) < END.getTime() - 20 * DAY)
    expect(old.filter((i) => i.status === 'closed').length / old.length).toBeGreaterThan(0.9)
  })

  it('peaks parking disputes in the evening (18-22h local)', () => {
    const hist = new Array(24).fill(0)
    for (const i of d.incidents) if (i.type === 'parking_dispute') hist[(new Date(i.reportedAt).getUTCHours() + 8) % 24]++
    const peak = hist.indexOf(Math.max(...hist))
    expect(peak).toBeGreaterThanOrEqual(18)
    expect(peak).toBeLessThanOrEqual(22)
    const night = hist.slice(0, 6).reduce((a, b) => a + b, 0)
    expect(night).toBeLessThan(hist.slice(18, 22).reduce((a, b) => a + b, 0) / 4)
  })

  it('has patrol tasks with checkpoints inside their grid and unique, in-district track points', () => {
    const byId = new Map(d.areas.map((a) => [a.id, a]))
    for (const t of d.patrolTasks) {
      expect(t.checkpoints.length).toBeGreaterThanOrEqual(4)
      expect(t.checkpoints.length).toBeLessThanOrEqual(8)
      const g = byId.get(t.gridId)!
      expect(g.level).toBe('grid')
      for (const c of t.checkpoints) expect(inRing(g.ring, c)).toBe(true)
    }
    expect(d.patrolTasks.some((t) => t.status === 'missed')).toBe(true)
    const tr = d.tracks
    const seen = new Set<string>()
    const district = d.areas[0].ring
    for (let k = 0; k < tr.length; k++) {
      const key = `${tr.personId[k]}@${tr.t[k]}`
      expect(seen.has(key)).toBe(false)
      seen.add(key)
      expect(tr.t[k]).toBeLessThanOrEqual(END.getTime())
      expect(tr.t[k]).toBeGreaterThan(END.getTime() - 4 * DAY)
      expect(tr.accuracy[k]).toBeGreaterThanOrEqual(3)
      expect(tr.accuracy[k]).toBeLessThanOrEqual(20)
      if (k % 10 === 0) expect(inRing(district, [tr.lon[k], tr.lat[k]])).toBe(true)
    }
    const walkers = new Set(d.people.filter((p) => p.role === 'grid_member').map((p) => p.id))
    for (let k = 0; k < tr.length; k += 97) expect(walkers.has(tr.personId[k])).toBe(true)
  })
})

describe('demo district generator (district scale)', () => {
  it('meets the demo district counts', () => {
    const t0 = performance.now()
    const d = generateDistrict({ scale: 'district', end: END })
    const ms = performance.now() - t0
    const n = (lvl: string) => d.areas.filter((a) => a.level === lvl).length
    expect(n('street')).toBeGreaterThanOrEqual(8)
    expect(n('community')).toBeGreaterThanOrEqual(60)
    expect(n('grid')).toBeGreaterThanOrEqual(600)
    expect(n('micro_grid')).toBeGreaterThanOrEqual(5000)
    expect(d.incidents.length).toBeGreaterThanOrEqual(200_000)
    expect(d.tracks.length).toBe(150_000)
    expect(new Set(d.incidents.map((i) => i.type)).size).toBe(INCIDENT_TYPES.length)
    expect(new Set(d.stations.map((s) => s.type)).size).toBe(STATION_TYPES.length)
    expect(ms).toBeLessThan(8000)
  }, 60_000)
})
