/**
 * Walking distance along the road network (issue 6), in plain TypeScript: PostGIS here has no
 * pgRouting, and the district's network (~1,900 roads, ~9,000 vertices) is a few hundred kilobytes
 * in memory. The model, its limits and the measured times are in docs/stations.md ("Road distance").
 *
 * - Coordinates are planar metres (EPSG:32648, as every straight-line distance of the API), so a
 *   network distance is never shorter than the straight line between the same two points.
 * - Nodes: road vertices (equal within 1 cm), plus every point where two road segments cross or
 *   where a road ends on another's segment; edges: the segment pieces between nodes, undirected
 *   (no one-way streets: people walk), every road kind walkable. Collinear overlapping roads are not
 *   merged (each keeps its own edges).
 * - A point (building, station, candidate site) joins the network at the nearest point of the
 *   nearest edge (its interior, not only a vertex); the straight snap distance is its access leg.
 *   Network distance = origin access + path + destination access; on one edge the path may run
 *   straight along it between the two snapped points.
 * - Searches are Dijkstra from one or many sources with a cutoff (binary heap, lazy deletion). Each
 *   source carries an offset (e.g. −radius), so one multi-source search answers "within its own
 *   radius of some station" as cost ≤ 0.
 * - Each node keeps the edge (or the source) it was last reached by, so the path to a snapped point
 *   can be walked back after a run (`pathTo`): source snap point, the node chain, target snap point.
 */

import { MinHeap } from './minheap.ts'

/** Points closer than this (metres) are one node. */
const NODE_TOLERANCE = 0.01
/** Farthest a point may be from every road and still join the network, metres. */
export const MAX_SNAP_M = 1000

export interface RoadGraph {
  /** Node coordinates, metres. */
  x: Float64Array
  y: Float64Array
  /** Edge ends (node indexes) and lengths in metres. */
  ea: Int32Array
  eb: Int32Array
  len: Float64Array
  /** Edges at each node: adjEdge[adjStart[n] .. adjStart[n + 1]). */
  adjStart: Int32Array
  adjEdge: Int32Array
  /** Uniform grid over the edges' boxes, for snapping. */
  grid: EdgeGrid
}

interface EdgeGrid {
  cell: number
  minX: number
  minY: number
  cols: number
  rows: number
  start: Int32Array
  items: Int32Array
}

/** Where a point joins the network: an edge, metres from its `ea` end, and the straight access leg. */
export interface RoadSnap {
  edge: number
  t: number
  access: number
}

/** A search source: a snapped point and an offset added to every cost measured from it. */
export interface RoadSource {
  snap: RoadSnap
  offset: number
}

/** Nodes of a graph. */
export const nodeCount = (g: RoadGraph) => g.x.length
/** Edges of a graph. */
export const edgeCount = (g: RoadGraph) => g.len.length

/** Uniform grid of boxes: for each cell, the items whose box overlaps it. */
function boxGrid(boxes: Float64Array, n: number, cell: number): EdgeGrid {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, boxes[4 * i]); minY = Math.min(minY, boxes[4 * i + 1])
    maxX = Math.max(maxX, boxes[4 * i + 2]); maxY = Math.max(maxY, boxes[4 * i + 3])
  }
  if (n === 0) minX = minY = maxX = maxY = 0
  const cols = Math.max(1, Math.floor((maxX - minX) / cell) + 1)
  const rows = Math.max(1, Math.floor((maxY - minY) / cell) + 1)
  const span = (i: number) => [
    Math.floor((boxes[4 * i] - minX) / cell), Math.floor((boxes[4 * i + 1] - minY) / cell),
    Math.floor((boxes[4 * i + 2] - minX) / cell), Math.floor((boxes[4 * i + 3] - minY) / cell),
  ]
  const start = new Int32Array(cols * rows + 1)
  for (let i = 0; i < n; i++) {
    const [c0, r0, c1, r1] = span(i)
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) start[r * cols + c + 1]++
  }
  for (let k = 0; k < cols * rows; k++) start[k + 1] += start[k]
  const fill = start.slice(0, cols * rows)
  const items = new Int32Array(start[cols * rows])
  for (let i = 0; i < n; i++) {
    const [c0, r0, c1, r1] = span(i)
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) items[fill[r * cols + c]++] = i
  }
  return { cell, minX, minY, cols, rows, start, items }
}

/**
 * The network of some polylines (flat [x0, y0, x1, y1, …] in metres): nodes at shared vertices,
 * crossings and T-junctions, edges between consecutive nodes along each segment.
 */
export function buildRoadGraph(lines: ArrayLike<number>[]): RoadGraph {
  const nodeX: number[] = [], nodeY: number[] = []
  const byKey = new Map<string, number>()
  const nodeAt = (x: number, y: number) => {
    const key = `${Math.round(x / NODE_TOLERANCE)},${Math.round(y / NODE_TOLERANCE)}`
    let n = byKey.get(key)
    if (n === undefined) {
      n = nodeX.length
      byKey.set(key, n)
      nodeX.push(x)
      nodeY.push(y)
    }
    return n
  }
  // Segments: ends, their nodes, and the interior points (fraction along, node) where others meet them.
  const segs: number[] = []
  const segNodes: number[] = []
  for (const line of lines) {
    for (let k = 0; k + 3 < line.length; k += 2) {
      const [ax, ay, bx, by] = [line[k], line[k + 1], line[k + 2], line[k + 3]]
      if (Math.hypot(bx - ax, by - ay) < NODE_TOLERANCE) continue
      segs.push(ax, ay, bx, by)
      segNodes.push(nodeAt(ax, ay), nodeAt(bx, by))
    }
  }
  const nSeg = segs.length / 4
  const splits: { f: number; node: number }[][] = Array.from({ length: nSeg }, () => [])
  const boxes = new Float64Array(4 * nSeg)
  for (let s = 0; s < nSeg; s++) {
    boxes[4 * s] = Math.min(segs[4 * s], segs[4 * s + 2]) - NODE_TOLERANCE
    boxes[4 * s + 1] = Math.min(segs[4 * s + 1], segs[4 * s + 3]) - NODE_TOLERANCE
    boxes[4 * s + 2] = Math.max(segs[4 * s], segs[4 * s + 2]) + NODE_TOLERANCE
    boxes[4 * s + 3] = Math.max(segs[4 * s + 1], segs[4 * s + 3]) + NODE_TOLERANCE
  }
  const pairGrid = boxGrid(boxes, nSeg, 250)
  const seen = new Set<number>()
  for (let cell = 0; cell < pairGrid.cols * pairGrid.rows; cell++) {
    for (let p = pairGrid.start[cell]; p < pairGrid.start[cell + 1]; p++) {
      for (let q = p + 1; q < pairGrid.start[cell + 1]; q++) {
        const i = Math.min(pairGrid.items[p], pairGrid.items[q]), j = Math.max(pairGrid.items[p], pairGrid.items[q])
        if (seen.has(i * nSeg + j)) continue
        seen.add(i * nSeg + j)
        meet(i, j)
      }
    }
  }
  /** Where segments i and j meet (not parallel): split each at the meeting point unless it is one of its ends. */
  function meet(i: number, j: number) {
    if (boxes[4 * i] > boxes[4 * j + 2] || boxes[4 * j] > boxes[4 * i + 2] || boxes[4 * i + 1] > boxes[4 * j + 3] || boxes[4 * j + 1] > boxes[4 * i + 3]) return
    const ax = segs[4 * i], ay = segs[4 * i + 1], rx = segs[4 * i + 2] - ax, ry = segs[4 * i + 3] - ay
    const cx = segs[4 * j], cy = segs[4 * j + 1], sx = segs[4 * j + 2] - cx, sy = segs[4 * j + 3] - cy
    const denom = rx * sy - ry * sx
    const li = Math.hypot(rx, ry), lj = Math.hypot(sx, sy)
    if (Math.abs(denom) < 1e-12 * li * lj) return
    const t = ((cx - ax) * sy - (cy - ay) * sx) / denom
    const u = ((cx - ax) * ry - (cy - ay) * rx) / denom
    const ei = NODE_TOLERANCE / li, ej = NODE_TOLERANCE / lj
    if (t < -ei || t > 1 + ei || u < -ej || u > 1 + ej) return
    const tEnd = t <= ei ? 0 : t >= 1 - ei ? 1 : -1
    const uEnd = u <= ej ? 0 : u >= 1 - ej ? 1 : -1
    if (tEnd >= 0 && uEnd >= 0) return // end meets end: the shared vertex is already one node
    const node = tEnd >= 0 ? segNodes[2 * i + tEnd] : uEnd >= 0 ? segNodes[2 * j + uEnd] : nodeAt(ax + t * rx, ay + t * ry)
    if (tEnd < 0) splits[i].push({ f: t, node })
    if (uEnd < 0) splits[j].push({ f: u, node })
  }
  const ea: number[] = [], eb: number[] = [], len: number[] = []
  for (let s = 0; s < nSeg; s++) {
    const chain = [segNodes[2 * s], ...splits[s].sort((a, b) => a.f - b.f).map((x) => x.node), segNodes[2 * s + 1]]
    for (let k = 0; k + 1 < chain.length; k++) {
      const a = chain[k], b = chain[k + 1]
      if (a === b) continue
      ea.push(a)
      eb.push(b)
      len.push(Math.hypot(nodeX[b] - nodeX[a], nodeY[b] - nodeY[a]))
    }
  }
  const nNodes = nodeX.length, nEdges = len.length
  const adjStart = new Int32Array(nNodes + 1)
  for (let e = 0; e < nEdges; e++) {
    adjStart[ea[e] + 1]++
    adjStart[eb[e] + 1]++
  }
  for (let n = 0; n < nNodes; n++) adjStart[n + 1] += adjStart[n]
  const fill = adjStart.slice(0, nNodes)
  const adjEdge = new Int32Array(2 * nEdges)
  for (let e = 0; e < nEdges; e++) {
    adjEdge[fill[ea[e]]++] = e
    adjEdge[fill[eb[e]]++] = e
  }
  const x = Float64Array.from(nodeX), y = Float64Array.from(nodeY)
  const edgeBoxes = new Float64Array(4 * nEdges)
  for (let e = 0; e < nEdges; e++) {
    edgeBoxes[4 * e] = Math.min(x[ea[e]], x[eb[e]])
    edgeBoxes[4 * e + 1] = Math.min(y[ea[e]], y[eb[e]])
    edgeBoxes[4 * e + 2] = Math.max(x[ea[e]], x[eb[e]])
    edgeBoxes[4 * e + 3] = Math.max(y[ea[e]], y[eb[e]])
  }
  return {
    x, y, ea: Int32Array.from(ea), eb: Int32Array.from(eb), len: Float64Array.from(len), adjStart, adjEdge,
    grid: boxGrid(edgeBoxes, nEdges, 100),
  }
}

/** The point of edge e nearest to (px, py): metres from its `ea` end and the distance to it. */
function project(g: RoadGraph, e: number, px: number, py: number): { t: number; d: number } {
  const ax = g.x[g.ea[e]], ay = g.y[g.ea[e]], bx = g.x[g.eb[e]], by = g.y[g.eb[e]]
  const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy
  const f = l2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2)) : 0
  return { t: f * g.len[e], d: Math.hypot(ax + f * dx - px, ay + f * dy - py) }
}

/** The point `t` metres along edge e from its `ea` end. */
export function pointOnEdge(g: RoadGraph, e: number, t: number): [number, number] {
  const ax = g.x[g.ea[e]], ay = g.y[g.ea[e]], f = g.len[e] > 0 ? t / g.len[e] : 0
  return [ax + f * (g.x[g.eb[e]] - ax), ay + f * (g.y[g.eb[e]] - ay)]
}

/** The nearest point of the network within `maxDist` metres (ties: the lower edge), or null. */
export function snapToRoad(g: RoadGraph, px: number, py: number, maxDist = MAX_SNAP_M): RoadSnap | null {
  const { cell, minX, minY, cols, rows, start, items } = g.grid
  const c0 = Math.floor((px - minX) / cell), r0 = Math.floor((py - minY) / cell)
  let best: RoadSnap | null = null
  // Ring k holds the cells k steps from the point's cell; none of them is nearer than (k − 1) cells.
  const kMax = Math.ceil(maxDist / cell) + 1
  for (let k = 0; k <= kMax; k++) {
    if (best && (k - 1) * cell > best.access) break
    for (let r = r0 - k; r <= r0 + k; r++) {
      if (r < 0 || r >= rows) continue
      const step = r === r0 - k || r === r0 + k ? 1 : 2 * k
      for (let c = c0 - k; c <= c0 + k; c += Math.max(step, 1)) {
        if (c < 0 || c >= cols) continue
        for (let p = start[r * cols + c]; p < start[r * cols + c + 1]; p++) {
          const e = items[p]
          const { t, d } = project(g, e, px, py)
          if (d <= maxDist && (!best || d < best.access || (d === best.access && e < best.edge))) best = { edge: e, t, access: d }
        }
      }
    }
  }
  return best
}

/**
 * Dijkstra over one graph, reusable across searches (siting runs one per candidate): node costs,
 * the nodes settled by the last run, and the sources that sit on each edge (paths along that edge).
 */
export class RoadSearch {
  /** Cost of each node in the last run (Infinity: beyond the cutoff or unreached). */
  readonly cost: Float64Array
  private readonly settled: Uint8Array
  private touched: number[] = []
  /** Nodes settled by the last run, in order of cost. */
  reached: number[] = []
  private onEdge = new Map<number, { t: number; base: number; source: number }[]>()
  private readonly heap = new MinHeap()
  /** How each node got its cost: the edge from its predecessor (≥ 0), or −(source index + 1) straight from a source's snap point. */
  private readonly pred: Int32Array
  private sources: RoadSource[] = []

  constructor(readonly g: RoadGraph) {
    this.cost = new Float64Array(nodeCount(g)).fill(Infinity)
    this.settled = new Uint8Array(nodeCount(g))
    this.pred = new Int32Array(nodeCount(g))
  }

  /** Costs from the sources (each: offset + access + path) up to `cutoff`; every node costing ≤ cutoff is settled. */
  run(sources: RoadSource[], cutoff: number): void {
    const { g, cost, settled, heap, pred } = this
    for (const n of this.touched) {
      cost[n] = Infinity
      settled[n] = 0
    }
    this.touched = []
    this.reached = []
    this.onEdge.clear()
    this.sources = sources
    heap.clear()
    const relax = (n: number, c: number, via: number) => {
      if (c < cost[n]) {
        if (cost[n] === Infinity) this.touched.push(n)
        cost[n] = c
        pred[n] = via
        heap.push(c, n)
      }
    }
    sources.forEach((s, si) => {
      const base = s.offset + s.snap.access
      if (base > cutoff) return
      const e = s.snap.edge
      let list = this.onEdge.get(e)
      if (!list) this.onEdge.set(e, (list = []))
      list.push({ t: s.snap.t, base, source: si })
      relax(g.ea[e], base + s.snap.t, -(si + 1))
      relax(g.eb[e], base + g.len[e] - s.snap.t, -(si + 1))
    })
    while (heap.size > 0) {
      if (heap.topKey() > cutoff) break
      const n = heap.pop()
      if (settled[n]) continue
      settled[n] = 1
      this.reached.push(n)
      const c = cost[n]
      for (let p = g.adjStart[n]; p < g.adjStart[n + 1]; p++) {
        const e = g.adjEdge[p]
        relax(g.ea[e] === n ? g.eb[e] : g.ea[e], c + g.len[e], e)
      }
    }
  }

  /** Cost of reaching a snapped point in the last run: through either end of its edge or along it from a source on it, plus its access. */
  costAt(snap: RoadSnap): number {
    const { g, cost } = this
    let c = Math.min(cost[g.ea[snap.edge]] + snap.t, cost[g.eb[snap.edge]] + g.len[snap.edge] - snap.t)
    for (const s of this.onEdge.get(snap.edge) ?? []) c = Math.min(c, s.base + Math.abs(snap.t - s.t))
    return c + snap.access
  }

  /**
   * The cheapest path of the last run to a snapped point, as planar points [x0, y0, x1, y1, …]: from
   * the source's snap point along its edge, through the nodes, along the target's edge to its snap
   * point (access legs not included); its length is `costAt(target)` minus the offset and both
   * accesses. Null when the run did not reach the point.
   */
  pathTo(target: RoadSnap): number[] | null {
    const { g, cost, pred } = this
    const e = target.edge
    const viaA = cost[g.ea[e]] + target.t
    const viaB = cost[g.eb[e]] + g.len[e] - target.t
    let best = Math.min(viaA, viaB)
    let along: { t: number; source: number } | null = null
    for (const s of this.onEdge.get(e) ?? []) {
      const c = s.base + Math.abs(target.t - s.t)
      if (c < best) [best, along] = [c, s]
    }
    if (!Number.isFinite(best)) return null
    // Walked back from the target, then reversed.
    const back: number[] = [...pointOnEdge(g, e, target.t)]
    const add = (x: number, y: number) => {
      if (Math.hypot(x - back[back.length - 2], y - back[back.length - 1]) >= NODE_TOLERANCE) back.push(x, y)
    }
    if (along) add(...pointOnEdge(g, e, along.t))
    else {
      let n = viaA <= viaB ? g.ea[e] : g.eb[e]
      for (;;) {
        add(g.x[n], g.y[n])
        const via = pred[n]
        if (via < 0) {
          const s = this.sources[-via - 1].snap
          add(...pointOnEdge(g, s.edge, s.t))
          break
        }
        n = g.ea[via] === n ? g.eb[via] : g.ea[via]
      }
    }
    const out: number[] = []
    for (let k = back.length - 2; k >= 0; k -= 2) out.push(back[k], back[k + 1])
    return out
  }

  /** Edges the last run may have reached: those at its settled nodes and those holding a source. */
  reachedEdges(): number[] {
    const { g } = this
    const out = new Set<number>(this.onEdge.keys())
    for (const n of this.reached) for (let p = g.adjStart[n]; p < g.adjStart[n + 1]; p++) out.add(g.adjEdge[p])
    return [...out]
  }

  /**
   * Parts of the edges within `cutoff` in the last run, as segments [x0, y0, x1, y1, …]: from each
   * end as far as the remaining budget goes, and around each source on the edge.
   */
  reachedParts(cutoff: number): number[] {
    const { g, cost } = this
    const out: number[] = []
    for (const e of this.reachedEdges()) {
      const L = g.len[e]
      const spans: [number, number][] = []
      if (cost[g.ea[e]] <= cutoff) spans.push([0, Math.min(L, cutoff - cost[g.ea[e]])])
      if (cost[g.eb[e]] <= cutoff) spans.push([Math.max(0, L - (cutoff - cost[g.eb[e]])), L])
      for (const s of this.onEdge.get(e) ?? []) spans.push([Math.max(0, s.t - (cutoff - s.base)), Math.min(L, s.t + (cutoff - s.base))])
      spans.sort((a, b) => a[0] - b[0])
      const ax = g.x[g.ea[e]], ay = g.y[g.ea[e]], dx = (g.x[g.eb[e]] - ax) / L, dy = (g.y[g.eb[e]] - ay) / L
      let cur: [number, number] | null = null
      const emit = (s: [number, number]) => {
        if (s[1] > s[0]) out.push(ax + s[0] * dx, ay + s[0] * dy, ax + s[1] * dx, ay + s[1] * dy)
      }
      for (const s of spans) {
        if (cur && s[0] <= cur[1]) cur[1] = Math.max(cur[1], s[1])
        else {
          if (cur) emit(cur)
          cur = [s[0], s[1]]
        }
      }
      if (cur) emit(cur)
    }
    return out
  }
}

/** Snapped points grouped by edge, so a search visits only the points on the edges it reached. */
export interface SnapIndex {
  snaps: (RoadSnap | null)[]
  start: Int32Array
  items: Int32Array
}

/** Index snapped points (null: off the network, never reached) by their edge. */
export function indexSnaps(g: RoadGraph, snaps: (RoadSnap | null)[]): SnapIndex {
  const start = new Int32Array(edgeCount(g) + 1)
  for (const s of snaps) if (s) start[s.edge + 1]++
  for (let e = 0; e < edgeCount(g); e++) start[e + 1] += start[e]
  const fill = start.slice(0, edgeCount(g))
  const items = new Int32Array(start[edgeCount(g)])
  snaps.forEach((s, i) => {
    if (s) items[fill[s.edge]++] = i
  })
  return { snaps, start, items }
}

/** Call `found(i, cost)` for every indexed point whose cost in the last run is ≤ cutoff (each once). */
export function forEachReached(search: RoadSearch, index: SnapIndex, cutoff: number, found: (i: number, cost: number) => void): void {
  for (const e of search.reachedEdges()) {
    for (let p = index.start[e]; p < index.start[e + 1]; p++) {
      const i = index.items[p]
      const c = search.costAt(index.snaps[i]!)
      if (c <= cutoff) found(i, c)
    }
  }
}
