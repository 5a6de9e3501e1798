/**
 * Roads along mesh lines (shared cell edges, so they never cross a building):
 * 'primary' on street / community borders (and the district border), 'secondary' on grid borders,
 * 'residential' between compounds inside a grid. Consecutive edges of the same kind on one mesh
 * row / column are merged into one polyline.
 */
import type { DemoRoad, LonLat } from './types.ts'
import { Rng } from './rng.ts'
import { type Mesh, vid } from './mesh.ts'
import type { Hierarchy } from './hierarchy.ts'
import type { BuildingLayer } from './buildings.ts'
import { roadBases } from './names.ts'

type Kind = DemoRoad['kind']
const KINDS: (Kind | null)[] = [null, 'residential', 'secondary', 'primary']

export function buildRoads(mesh: Mesh, hier: Hierarchy, bl: BuildingLayer, seed: number): DemoRoad[] {
  const rng = Rng.derive(seed, 'roads')
  const { W, H } = mesh
  const bases = roadBases(W + H + 2, rng)
  const hBase = bases.slice(0, H + 1)
  const vBase = bases.slice(H + 1)
  const suffix: Record<Kind, string[]> = { primary: ['大道', '路'], secondary: ['路', '街'], residential: ['街', '巷'] }
  const roads: DemoRoad[] = []

  /** 0 none, 1 residential, 2 secondary, 3 primary, for the edge between cells a and b (-1 = outside). */
  const rank = (a: number, b: number): number => {
    if (a < 0 || b < 0) return 3
    if (hier.cellStreet[a] !== hier.cellStreet[b] || hier.cellCommunity[a] !== hier.cellCommunity[b]) return 3
    if (hier.cellGrid[a] !== hier.cellGrid[b]) return 2
    if (bl.cellCompound[a] !== bl.cellCompound[b]) return 1
    return 0
  }
  const emit = (ranks: number[], vertexAt: (k: number) => number, base: string, lineSeed: number) => {
    let k = 0
    while (k < ranks.length) {
      const r = ranks[k]
      if (r === 0) {
        k++
        continue
      }
      let e = k
      while (e < ranks.length && ranks[e] === r) e++
      const line: LonLat[] = []
      for (let q = k; q <= e; q++) {
        const p = mesh.ll[vertexAt(q)]
        line.push([p[0], p[1]])
      }
      const kind = KINDS[r] as Kind
      const name = base + suffix[kind][lineSeed % 2]
      roads.push({ id: roads.length + 1, kind, name, line })
      k = e
    }
  }
  // horizontal mesh lines j = 0..H (edge i runs V[i][j] → V[i+1][j])
  for (let j = 0; j <= H; j++) {
    const ranks: number[] = []
    for (let i = 0; i < W; i++) {
      const below = j > 0 ? (j - 1) * W + i : -1
      const above = j < H ? j * W + i : -1
      ranks.push(rank(below, above))
    }
    emit(ranks, (q) => vid(mesh, q, j), hBase[j], j)
  }
  // vertical mesh lines i = 0..W (edge j runs V[i][j] → V[i][j+1])
  for (let i = 0; i <= W; i++) {
    const ranks: number[] = []
    for (let j = 0; j < H; j++) {
      const left = i > 0 ? j * W + i - 1 : -1
      const right = i < W ? j * W + i : -1
      ranks.push(rank(left, right))
    }
    emit(ranks, (q) => vid(mesh, i, q), vBase[i], i + 1)
  }
  return roads
}
