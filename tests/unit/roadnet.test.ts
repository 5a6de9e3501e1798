import { describe, expect, it } from 'vitest'
import {
  buildRoadGraph, edgeCount, forEachReached, indexSnaps, MAX_SNAP_M, nodeCount, RoadSearch, snapToRoad, type RoadGraph, type RoadSnap,
} from '../../api/lib/roadnet.ts'
import { lineFromWkb } from '../../api/lib/roadnet-load.ts'
import { MinHeap } from '../../api/lib/minheap.ts'

/**
 * A hand-made network, metres:
 *
 *            B (100, 50)      C (150, 50)
 *               |                |
 *   A (0,0) ----+----------------+---- (200, 0)      A has a vertex at (100, 0), none at (150, 0)
 *               |                |
 *            (100, -50)       (150, -50)              B and C are single segments
 *
 * B passes through A's vertex without a vertex of its own there; C crosses A's segment in both
 * interiors. D runs parallel to A one metre above it, (0, 1) → (40, 1), touching nothing.
 */
const A = [0, 0, 100, 0, 200, 0]
const B = [100, -50, 100, 50]
const C = [150, -50, 150, 50]
const D = [0, 1, 40, 1]
const graph = () => buildRoadGraph([A, B, C, D])

const nodeNear = (g: RoadGraph, x: number, y: number) => {
  for (let n = 0; n < nodeCount(g); n++) if (Math.hypot(g.x[n] - x, g.y[n] - y) < 1e-6) return n
  return -1
}
const degree = (g: RoadGraph, n: number) => g.adjStart[n + 1] - g.adjStart[n]
const snap = (g: RoadGraph, x: number, y: number) => {
  const s = snapToRoad(g, x, y)
  if (!s) throw new Error(`(${x}, ${y}) is off the network`)
  return s
}
/** Where a snap lies on its edge. */
const at = (g: RoadGraph, s: RoadSnap) => {
  const a = g.ea[s.edge], b = g.eb[s.edge], f = s.t / g.len[s.edge]
  return [g.x[a] + f * (g.x[b] - g.x[a]), g.y[a] + f * (g.y[b] - g.y[a])]
}
/** Network distance between two points (one search, no offset, no cutoff). */
const dist = (g: RoadGraph, from: [number, number], to: [number, number]) => {
  const search = new RoadSearch(g)
  search.run([{ snap: snap(g, ...from), offset: 0 }], Infinity)
  return search.costAt(snap(g, ...to))
}

describe('road graph', () => {
  it('puts a node where roads cross or meet, and none where they only run side by side', () => {
    const g = graph()
    // Nodes: A's three vertices, B's and C's ends, C × A, D's two ends.
    expect(nodeCount(g)).toBe(3 + 2 + 2 + 1 + 2)
    expect(degree(g, nodeNear(g, 100, 0))).toBe(4)
    const crossing = nodeNear(g, 150, 0)
    expect(crossing).toBeGreaterThanOrEqual(0)
    expect(degree(g, crossing)).toBe(4)
    expect(degree(g, nodeNear(g, 0, 1))).toBe(1)
    // Edges: A 2 + 1 (split by C), B 2, C 2, D 1.
    expect(edgeCount(g)).toBe(8)
    const total = Array.from(g.len).reduce((s, l) => s + l, 0)
    expect(total).toBeCloseTo(200 + 100 + 100 + 40, 9)
  })

  it('joins vertices that differ by less than a centimetre', () => {
    const g = buildRoadGraph([[0, 0, 100, 0], [100.004, 0.003, 100, 80]])
    expect(nodeCount(g)).toBe(3)
    expect(degree(g, nodeNear(g, 100, 0))).toBe(2)
  })

  it('splits a road where another ends on its segment (a T-junction)', () => {
    const g = buildRoadGraph([[0, 0, 100, 0], [40, 0, 40, 30]])
    expect(degree(g, nodeNear(g, 40, 0))).toBe(3)
    expect(dist(g, [0, 0], [40, 30])).toBeCloseTo(70, 9)
  })
})

describe('snapping', () => {
  it('joins a point at the nearest point of the nearest segment, its interior included, with the access leg', () => {
    const g = graph()
    const s = snap(g, 60, -7)
    expect(s.access).toBeCloseTo(7, 9)
    const [x, y] = at(g, s)
    expect(x).toBeCloseTo(60, 9)
    expect(y).toBeCloseTo(0, 9)
    // Nearer to D (1 m above A) than to A: D wins.
    const up = snap(g, 20, 3)
    expect(up.access).toBeCloseTo(2, 9)
    expect(at(g, up)[1]).toBeCloseTo(1, 9)
    // Beyond a segment's end: the end itself.
    const end = snap(g, 230, 40)
    expect(end.access).toBeCloseTo(50, 9)
    expect(at(g, end)[0]).toBeCloseTo(200, 9)
  })

  it('leaves points farther than the limit off the network', () => {
    const g = graph()
    expect(snapToRoad(g, 100, 50 + MAX_SNAP_M + 1)).toBeNull()
    expect(snapToRoad(g, 100, 50 + MAX_SNAP_M - 1)?.access).toBeCloseTo(MAX_SNAP_M - 1, 6)
    expect(snapToRoad(g, 100, 300, 100)).toBeNull()
  })
})

describe('network distance', () => {
  it('equals hand-computed path lengths, access legs included', () => {
    const g = graph()
    // (0, −10) → A at (0, 0), 150 along A to the crossing, 45 up C.
    expect(dist(g, [0, -10], [150, 45])).toBeCloseTo(10 + 150 + 45, 9)
    // Down B from the top: 50 to A, 50 along A to C, 30 down C.
    expect(dist(g, [100, 50], [150, -30])).toBeCloseTo(50 + 50 + 30, 9)
    // D touches nothing: from D's middle the nearest way onto A is off the network, so only D is reachable.
    expect(dist(g, [20, 1.5], [0, 1.2])).toBeCloseTo(0.5 + 20 + 0.2, 9)
    expect(dist(g, [20, 1.5], [60, -3])).toBe(Infinity)
  })

  it('runs straight along one edge between two points on it', () => {
    const g = graph()
    // Both on A's first segment: 5 + 50 + 3, not via either end (98 or 118).
    expect(dist(g, [20, -5], [70, -3])).toBeCloseTo(58, 9)
  })

  it('is never shorter than the straight line', () => {
    const g = graph()
    let seed = 7
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 260 - 30
    for (let k = 0; k < 200; k++) {
      const p: [number, number] = [rnd(), rnd() / 4]
      const q: [number, number] = [rnd(), rnd() / 4]
      const d = dist(g, p, q)
      if (d < Infinity) expect(d).toBeGreaterThanOrEqual(Math.hypot(p[0] - q[0], p[1] - q[1]) - 1e-9)
    }
  })

  it('stops at the cutoff: nodes beyond it stay unreached, points beyond it are not reported', () => {
    const g = graph()
    const search = new RoadSearch(g)
    search.run([{ snap: snap(g, 0, 0), offset: 0 }], 120)
    expect(search.cost[nodeNear(g, 100, 0)]).toBeCloseTo(100, 9)
    expect(search.reached).not.toContain(nodeNear(g, 150, 0))
    expect(search.reached).not.toContain(nodeNear(g, 200, 0))
    const points: [number, number][] = [[110, 2], [125, 0], [100, 15], [150, 10], [190, 0]]
    const index = indexSnaps(g, points.map(([x, y]) => snapToRoad(g, x, y)))
    const found = new Map<number, number>()
    forEachReached(search, index, 120, (i, c) => found.set(i, c))
    expect([...found.keys()].sort()).toEqual([0, 2])
    expect(found.get(0)).toBeCloseTo(112, 9)
    expect(found.get(2)).toBeCloseTo(115, 9)
  })

  it('reports the reached parts of edges up to the cutoff', () => {
    const g = graph()
    const search = new RoadSearch(g)
    search.run([{ snap: snap(g, 0, 0), offset: 0 }], 120)
    const parts = search.reachedParts(120)
    let total = 0
    for (let k = 0; k < parts.length; k += 4) total += Math.hypot(parts[k + 2] - parts[k], parts[k + 3] - parts[k + 1])
    // 100 along A, then 20 further on A, 20 up and 20 down B.
    expect(total).toBeCloseTo(160, 9)
  })

  it('covers with each source’s own radius (offset −radius, covered when the cost is ≤ 0)', () => {
    const g = graph()
    const search = new RoadSearch(g)
    // Station 1 at (0, 0) with 60 m; station 2 at (200, 0) with 140 m.
    search.run([{ snap: snap(g, 0, 0), offset: -60 }, { snap: snap(g, 200, 0), offset: -140 }], 0)
    const points: [number, number][] = [[50, 5], [65, 0], [100, 45], [70, 0], [100, 30]]
    const index = indexSnaps(g, points.map(([x, y]) => snapToRoad(g, x, y)))
    const covered: number[] = []
    forEachReached(search, index, 0, (i) => covered.push(i))
    // (50, 5): 55 from station 1. (65, 0): 65 from 1 and 135 from 2 → 2. (100, 45): 145 from 2 → no.
    // (70, 0): 130 from 2. (100, 30): 130 from 2.
    expect(covered.sort()).toEqual([0, 1, 3, 4])
  })
})

describe('path of a search', () => {
  /** The path of one search from `from` to `to`, as [x, y] pairs, and its length. */
  const pathOf = (g: RoadGraph, from: [number, number], to: [number, number]) => {
    const search = new RoadSearch(g)
    search.run([{ snap: snap(g, ...from), offset: 0 }], Infinity)
    const flat = search.pathTo(snap(g, ...to))
    if (!flat) return null
    const pts: [number, number][] = []
    for (let k = 0; k < flat.length; k += 2) pts.push([flat[k], flat[k + 1]])
    let len = 0
    for (let k = 1; k < pts.length; k++) len += Math.hypot(pts[k][0] - pts[k - 1][0], pts[k][1] - pts[k - 1][1])
    return { pts, len, cost: search.costAt(snap(g, ...to)) }
  }
  const close = (a: [number, number], b: [number, number]) => {
    expect(a[0]).toBeCloseTo(b[0], 6)
    expect(a[1]).toBeCloseTo(b[1], 6)
  }

  it('runs from the source’s snap point through the nodes to the target’s snap point', () => {
    const g = graph()
    // (0, −10) snaps to (0, 0); along A to the crossing at (150, 0); up C to (150, 45).
    const p = pathOf(g, [0, -10], [150, 45])!
    expect(p.pts.length).toBe(4)
    close(p.pts[0], [0, 0])
    close(p.pts[1], [100, 0])
    close(p.pts[2], [150, 0])
    close(p.pts[3], [150, 45])
    // Its length is the cost without the access legs (10 and 0).
    expect(p.len).toBeCloseTo(p.cost - 10, 9)
  })

  it('runs straight along one edge between two points on it', () => {
    const g = graph()
    const p = pathOf(g, [20, -5], [70, -3])!
    expect(p.pts).toHaveLength(2)
    close(p.pts[0], [20, 0])
    close(p.pts[1], [70, 0])
    expect(p.len).toBeCloseTo(50, 9)
  })

  it('has the length of the cost for random pairs, and none where the network does not reach', () => {
    const g = graph()
    let seed = 11
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 260 - 30
    let checked = 0
    for (let k = 0; k < 200; k++) {
      const from: [number, number] = [rnd(), rnd() / 4]
      const to: [number, number] = [rnd(), rnd() / 4]
      const p = pathOf(g, from, to)
      if (!p) continue
      const access = snap(g, ...from).access + snap(g, ...to).access
      expect(p.len).toBeCloseTo(p.cost - access, 6)
      close(p.pts[0], at(g, snap(g, ...from)) as [number, number])
      close(p.pts[p.pts.length - 1], at(g, snap(g, ...to)) as [number, number])
      checked++
    }
    expect(checked).toBeGreaterThan(100)
    expect(pathOf(g, [20, 1.5], [60, -3])).toBeNull()
  })

  it('starts at the nearest of several sources', () => {
    const g = graph()
    const search = new RoadSearch(g)
    search.run([{ snap: snap(g, 0, 0), offset: 0 }, { snap: snap(g, 200, 0), offset: 0 }], Infinity)
    const flat = search.pathTo(snap(g, 160, 0))!
    expect(flat.slice(0, 2)).toEqual([200, 0])
    expect(flat[flat.length - 2]).toBeCloseTo(160, 9)
  })
})

describe('MinHeap', () => {
  it('pops keys in ascending order with their values, through growth and reuse', () => {
    const heap = new MinHeap()
    for (let round = 0; round < 2; round++) {
      let seed = 11 + round
      const keys = Array.from({ length: 1000 }, () => (seed = (seed * 48271) % 2147483647) / 1000)
      keys.forEach((k, i) => heap.push(k, i))
      const popped: number[] = []
      while (heap.size > 0) {
        const key = heap.topKey()
        const i = heap.pop()
        expect(keys[i]).toBe(key)
        popped.push(key)
      }
      expect(popped).toEqual([...keys].sort((a, b) => a - b))
      heap.clear()
    }
  })
})

describe('WKB', () => {
  it('reads a LineString in either byte order', () => {
    const le = Buffer.alloc(9 + 32)
    le.writeUInt8(1, 0)
    le.writeUInt32LE(2, 1)
    le.writeUInt32LE(2, 5)
    ;[1.5, 2.5, 3.5, 4.5].forEach((v, i) => le.writeDoubleLE(v, 9 + 8 * i))
    expect(Array.from(lineFromWkb(le))).toEqual([1.5, 2.5, 3.5, 4.5])
    const be = Buffer.alloc(9 + 32)
    be.writeUInt8(0, 0)
    be.writeUInt32BE(2, 1)
    be.writeUInt32BE(2, 5)
    ;[1.5, 2.5, 3.5, 4.5].forEach((v, i) => be.writeDoubleBE(v, 9 + 8 * i))
    expect(Array.from(lineFromWkb(be))).toEqual([1.5, 2.5, 3.5, 4.5])
    be.writeUInt32BE(3, 1)
    expect(() => lineFromWkb(be)).toThrow(/LineString/)
  })
})
