/**
 * Grouping of a grid's building territories into micro-grids (issue 7; docs/microgrids.md). Pure:
 * api/areas/microgrids.ts builds the territories and their adjacency in PostGIS, this module decides
 * which territories form each micro-grid, and PostGIS dissolves them again.
 *
 * Every group is connected in the adjacency graph (so its dissolved shape is one polygon), holds
 * between `min` and `max` households when the buildings allow it, and as close to `target` as the
 * cuts allow. Same input, same groups: every order below ends on the node key.
 */

/** One territory part: the piece of the grid nearest to one building (or a leftover piece of it). */
export interface TerritoryNode {
  key: number
  /** Households of the building whose footprint the part holds; 0 for a leftover part. */
  households: number
  /** A point of the part (metres or any isotropic unit; only directions and order matter). */
  x: number
  y: number
  /** The building held, or null for a leftover part (the building's territory reaches around a concave corner). */
  building: number | null
}

/** Two parts sharing a stretch of boundary of `length` metres. */
export interface TerritoryEdge {
  a: number
  b: number
  length: number
}

export interface PartitionBounds {
  target: number
  min: number
  max: number
}

/** Directions of the candidate cut lines (radians of the projection axis): the axes first, then the diagonals. */
const DIRECTIONS = [0, Math.PI / 2, Math.PI / 4, (3 * Math.PI) / 4]

/** Cut positions tried per direction, nearest to the wanted household split first. */
const CANDIDATES_PER_DIRECTION = 12

/** How many micro-grids `households` should make: nearest to target, within what the bounds allow. */
export function pieceCount(households: number, b: PartitionBounds): number {
  const lo = Math.max(1, Math.ceil(households / b.max))
  const hi = Math.max(lo, Math.floor(households / b.min))
  return Math.min(hi, Math.max(lo, Math.round(households / b.target)))
}

class Graph {
  readonly nodes = new Map<number, TerritoryNode>()
  readonly neighbours = new Map<number, Map<number, number>>()

  constructor(nodes: TerritoryNode[], edges: TerritoryEdge[]) {
    for (const n of nodes) {
      this.nodes.set(n.key, n)
      this.neighbours.set(n.key, new Map())
    }
    for (const e of edges) {
      if (e.a === e.b || !this.nodes.has(e.a) || !this.nodes.has(e.b)) continue
      const ab = this.neighbours.get(e.a)!
      ab.set(e.b, (ab.get(e.b) ?? 0) + e.length)
      const ba = this.neighbours.get(e.b)!
      ba.set(e.a, (ba.get(e.a) ?? 0) + e.length)
    }
  }

  households(keys: Iterable<number>): number {
    let h = 0
    for (const k of keys) h += this.nodes.get(k)!.households
    return h
  }

  /** Connected components of `keys` using only edges inside it, each sorted, ordered by smallest key. */
  components(keys: number[]): number[][] {
    const inside = new Set(keys)
    const seen = new Set<number>()
    const out: number[][] = []
    for (const start of [...keys].sort((a, b) => a - b)) {
      if (seen.has(start)) continue
      const comp: number[] = []
      const stack = [start]
      seen.add(start)
      while (stack.length) {
        const k = stack.pop()!
        comp.push(k)
        for (const n of this.neighbours.get(k)!.keys()) {
          if (inside.has(n) && !seen.has(n)) {
            seen.add(n)
            stack.push(n)
          }
        }
      }
      out.push(comp.sort((a, b) => a - b))
    }
    return out
  }
}

interface Cut {
  sides: number[][]
  score: number
}

/**
 * Split a connected set in two along a straight line: for each direction, the nodes in order of
 * their projection, cut where the households before the cut come nearest to `want`. Each side may
 * fall apart into several components (a concave grid); a component with households but fewer than
 * `min` is penalised by what it lacks, since it must be merged into a neighbour later.
 */
function bestCut(g: Graph, keys: number[], want: number, b: PartitionBounds): Cut | null {
  const total = g.households(keys)
  const proj = (k: number, a: number) => {
    const n = g.nodes.get(k)!
    return n.x * Math.cos(a) + n.y * Math.sin(a)
  }
  const extents = DIRECTIONS.map((a) => {
    const p = keys.map((k) => proj(k, a))
    return Math.max(...p) - Math.min(...p)
  })
  const longest = Math.max(...extents, 1e-9)
  let best: Cut | null = null
  DIRECTIONS.forEach((a, di) => {
    const order = [...keys].sort((p, q) => proj(p, a) - proj(q, a) || p - q)
    const prefix: number[] = []
    let run = 0
    for (let i = 0; i < order.length - 1; i++) {
      run += g.nodes.get(order[i])!.households
      prefix.push(run)
    }
    const positions = prefix
      .map((h, i) => ({ i: i + 1, off: Math.abs(h - want) }))
      .sort((p, q) => p.off - q.off || p.i - q.i)
      .slice(0, CANDIDATES_PER_DIRECTION)
    for (const { i, off } of positions) {
      const sides = [...g.components(order.slice(0, i)), ...g.components(order.slice(i))]
      let lack = 0
      for (const s of sides) {
        const h = g.households(s)
        if (h > 0 && h < b.min) lack += b.min - h
      }
      // Lacking households weigh most, then balance; extra components and cuts along the short
      // side of the set (elongated pieces) break near-ties.
      const score = lack * 1e6 + off / Math.max(total, 1) + 0.01 * (sides.length - 2) + 0.02 * (1 - extents[di] / longest)
      if (!best || score < best.score) best = { sides, score }
    }
  })
  return best
}

/** Recursive bisection of one connected set into groups of about `target` households. */
function bisect(g: Graph, keys: number[], b: PartitionBounds, out: number[][]): void {
  const total = g.households(keys)
  if (total <= b.max || keys.length === 1) {
    out.push(keys)
    return
  }
  const k = Math.max(2, pieceCount(total, b))
  const want = (total * Math.floor(k / 2)) / k
  const cut = bestCut(g, keys, want, b)
  if (!cut) {
    out.push(keys)
    return
  }
  for (const side of cut.sides) bisect(g, side, b, out)
}

/**
 * Merge every group below `min` households (groups without buildings first, since they have 0)
 * into a neighbouring group that stays within `max`, the one sharing the longest boundary. When no
 * neighbour has room, the group and its smallest neighbour are split again in two.
 */
function mergeSmall(g: Graph, groups: number[][], b: PartitionBounds): number[][] {
  const groupOf = new Map<number, number>()
  const live = new Map<number, number[]>()
  groups.forEach((keys, i) => {
    live.set(i, keys)
    for (const k of keys) groupOf.set(k, i)
  })
  let nextId = groups.length
  const stuck = new Set<number>()
  for (;;) {
    let pick: number | null = null
    let pickH = Infinity
    for (const [id, keys] of live) {
      if (stuck.has(id)) continue
      const h = g.households(keys)
      if (h >= b.min) continue
      if (h < pickH || (h === pickH && pick !== null && Math.min(...keys) < Math.min(...live.get(pick)!))) {
        pick = id
        pickH = h
      }
    }
    if (pick === null) break
    const keys = live.get(pick)!
    const shared = new Map<number, number>()
    for (const k of keys) {
      for (const [n, len] of g.neighbours.get(k)!) {
        const other = groupOf.get(n)!
        if (other !== pick) shared.set(other, (shared.get(other) ?? 0) + len)
      }
    }
    const candidates = [...shared]
      .filter(([id]) => g.households(live.get(id)!) + pickH <= b.max)
      .sort((p, q) => q[1] - p[1] || Math.min(...live.get(p[0])!) - Math.min(...live.get(q[0])!))
    const assign = (id: number, ks: number[]) => {
      live.set(id, ks)
      for (const k of ks) groupOf.set(k, id)
    }
    if (candidates.length > 0) {
      const into = candidates[0][0]
      assign(into, [...live.get(into)!, ...keys].sort((p, q) => p - q))
      live.delete(pick)
      continue
    }
    // No neighbour has room: re-split the pair with the smallest neighbour into two groups.
    const neighbour = [...shared.keys()].sort((p, q) => g.households(live.get(p)!) - g.households(live.get(q)!) || p - q)[0]
    let resolved = false
    if (neighbour !== undefined) {
      const pair = [...keys, ...live.get(neighbour)!].sort((p, q) => p - q)
      const total = g.households(pair)
      const cut = bestCut(g, pair, total / 2, b)
      if (cut && cut.sides.length === 2 && cut.sides.every((s) => { const h = g.households(s); return h >= b.min && h <= b.max })) {
        live.delete(pick)
        live.delete(neighbour)
        for (const s of cut.sides) assign(nextId++, s)
        resolved = true
      }
    }
    if (!resolved) stuck.add(pick)
  }
  return [...live.values()]
}

/**
 * While there are more groups than the grid's households call for (pieceCount), merge the
 * neighbouring pair (within `max` together) with the largest drop of |a − target| + |b − target| −
 * |a + b − target|, e.g. 31 + 59 → 90 at target 100. Bisection leaves such pairs where buildings
 * are large and a cut could not land near the wanted share. Capped at the ideal count, since that
 * drop alone would also merge 60 + 70 into 130 and overshoot the target.
 */
function mergeTowardTarget(g: Graph, groups: number[][], b: PartitionBounds): number[][] {
  const live = groups.map((keys) => ({ keys, h: g.households(keys) }))
  const ideal = pieceCount(live.reduce((s, x) => s + x.h, 0), b)
  while (live.length > ideal) {
    const groupOf = new Map<number, number>()
    live.forEach((grp, i) => grp.keys.forEach((k) => groupOf.set(k, i)))
    let best: { i: number; j: number; gain: number } | null = null
    live.forEach((grp, i) => {
      const seen = new Set<number>()
      for (const k of grp.keys) {
        for (const n of g.neighbours.get(k)!.keys()) {
          const j = groupOf.get(n)!
          if (j <= i || seen.has(j)) continue
          seen.add(j)
          const sum = grp.h + live[j].h
          if (sum > b.max) continue
          const gain = Math.abs(grp.h - b.target) + Math.abs(live[j].h - b.target) - Math.abs(sum - b.target)
          if (gain > 0 && (!best || gain > best.gain)) best = { i, j, gain }
        }
      }
    })
    if (!best) break
    const { i, j } = best as { i: number; j: number }
    live[i] = { keys: [...live[i].keys, ...live[j].keys].sort((p, q) => p - q), h: live[i].h + live[j].h }
    live.splice(j, 1)
  }
  return live.map((x) => x.keys)
}

/**
 * Partition the territory graph into micro-grids: recursive bisection of each connected component
 * by straight cuts at the household-weighted position (trying four directions), then small groups
 * merged into neighbours, then neighbours merged toward the target while there are more groups than the households call for. Answers groups of node keys, each sorted, ordered by smallest key. Groups
 * outside [min, max] remain only when the buildings allow no better (the caller reports them).
 */
export function partitionTerritories(nodes: TerritoryNode[], edges: TerritoryEdge[], b: PartitionBounds): number[][] {
  const g = new Graph(nodes, edges)
  const groups: number[][] = []
  for (const comp of g.components(nodes.map((n) => n.key))) bisect(g, comp, b, groups)
  return mergeTowardTarget(g, mergeSmall(g, groups, b), b)
    .map((keys) => [...keys].sort((p, q) => p - q))
    .sort((p, q) => p[0] - q[0])
}
