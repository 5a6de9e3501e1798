import { describe, expect, it } from 'vitest'
import { partitionTerritories, pieceCount, type TerritoryEdge, type TerritoryNode } from '../../api/areas/microgrid-partition.ts'

// The grouping of territories, without a database: nodes on a lattice with 4-neighbour edges.

const BOUNDS = { target: 100, min: 30, max: 150 }

/** Nodes at lattice cells `cells` (x, y, households; 0 households and building null for a leftover part), edges between 4-neighbours. */
function lattice(cells: Array<[number, number, number, boolean?]>) {
  const nodes: TerritoryNode[] = cells.map(([x, y, h, leftover], i) => ({ key: i + 1, x: x * 50, y: y * 50, households: h, building: leftover ? null : 100 + i }))
  const edges: TerritoryEdge[] = []
  nodes.forEach((a) => nodes.forEach((b) => {
    if (a.key < b.key && Math.abs(a.x - b.x) + Math.abs(a.y - b.y) === 50) edges.push({ a: a.key, b: b.key, length: 40 })
  }))
  return { nodes, edges }
}

const connected = (group: number[], edges: TerritoryEdge[]) => {
  const seen = new Set([group[0]])
  for (let grown = true; grown; ) {
    grown = false
    for (const e of edges) {
      if (group.includes(e.a) && group.includes(e.b) && seen.has(e.a) !== seen.has(e.b)) {
        seen.add(e.a)
        seen.add(e.b)
        grown = true
      }
    }
  }
  return seen.size === group.length
}

describe('pieceCount', () => {
  it('aims at the target within what the bounds allow', () => {
    expect(pieceCount(1000, BOUNDS)).toBe(10)
    expect(pieceCount(160, BOUNDS)).toBe(2)
    expect(pieceCount(140, BOUNDS)).toBe(1)
    expect(pieceCount(1000, { ...BOUNDS, target: 30 })).toBe(33)
  })
})

describe('partitionTerritories', () => {
  it('splits a 10 × 10 lattice of 10-household buildings into ten connected groups of 100', () => {
    const cells: Array<[number, number, number]> = []
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) cells.push([x, y, 10])
    const { nodes, edges } = lattice(cells)
    const groups = partitionTerritories(nodes, edges, BOUNDS)
    expect(groups.flat().sort((a, b) => a - b)).toEqual(nodes.map((n) => n.key))
    const hh = groups.map((g) => g.length * 10)
    expect(Math.min(...hh)).toBeGreaterThanOrEqual(30)
    expect(Math.max(...hh)).toBeLessThanOrEqual(150)
    expect(groups.length).toBe(10)
    for (const g of groups) expect(connected(g, edges)).toBe(true)
    // Deterministic, whatever order the nodes come in.
    expect(partitionTerritories([...nodes].reverse(), [...edges].reverse(), BOUNDS)).toEqual(groups)
  })

  it('keeps groups connected in a U shape, where a straight cut leaves the two arms apart', () => {
    const cells: Array<[number, number, number]> = []
    for (let y = 0; y < 6; y++) {
      cells.push([0, y, 20])
      cells.push([4, y, 20])
    }
    for (let x = 1; x < 4; x++) cells.push([x, 0, 20])
    const { nodes, edges } = lattice(cells)
    const groups = partitionTerritories(nodes, edges, BOUNDS)
    for (const g of groups) {
      expect(connected(g, edges)).toBe(true)
      const h = g.length * 20
      expect(h).toBeGreaterThanOrEqual(30)
      expect(h).toBeLessThanOrEqual(150)
    }
  })

  it('merges leftover parts without households into a neighbouring group', () => {
    const { nodes, edges } = lattice([[0, 0, 80], [1, 0, 70], [2, 0, 0, true], [0, 1, 0, true]])
    const groups = partitionTerritories(nodes, edges, BOUNDS)
    expect(groups).toEqual([[1, 2, 3, 4]])
  })

  it('leaves a group outside the bounds when nothing can fix it (the caller refuses it)', () => {
    const { nodes, edges } = lattice([[0, 0, 140], [1, 0, 20]])
    const groups = partitionTerritories(nodes, edges, BOUNDS)
    expect(groups.map((g) => g.map((k) => nodes[k - 1].households).reduce((s, h) => s + h, 0)).some((h) => h < 30 || h > 150)).toBe(true)
  })
})
