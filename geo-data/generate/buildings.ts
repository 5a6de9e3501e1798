/**
 * Compounds (小区) and buildings (楼栋). A compound is a run of 1-4 adjacent cells of one grid;
 * each cell holds 1-6 (large: 6-14) building footprints strictly inside it (bilinear image of an
 * inset uv rectangle, >= 8 m from the cell edge). Households per cell (= micro-grid) in [30, 150].
 */
import type { DemoBuilding, LonLat } from './types.ts'
import { apportion, Rng } from './rng.ts'
import { cellUvToXY, type Mesh, toLonLat } from './mesh.ts'
import type { Hierarchy } from './hierarchy.ts'
import { compoundNamer } from './names.ts'
import type { ScaleConfig } from './scales.ts'

export type CompoundKind = 'walkup' | 'midrise' | 'tower'

export interface CompoundInfo {
  name: string
  grid: number
  kind: CompoundKind
  cells: number[]
  /** First and one-past-last building index. */
  b0: number
  b1: number
  /** Poorly managed compound: more property / leak / clutter incidents. */
  hot: number
}

export interface BuildingLayer {
  buildings: DemoBuilding[]
  compounds: CompoundInfo[]
  /** Per building: cell index, footprint centre uv and half sizes in uv, compound index. */
  cell: Int32Array
  uc: Float64Array
  vc: Float64Array
  hu: Float64Array
  hv: Float64Array
  compound: Int32Array
  /** Per cell: first and one-past-last building index, households, compound index. */
  cellB0: Int32Array
  cellB1: Int32Array
  cellHouseholds: Int32Array
  cellPopulation: Int32Array
  cellCompound: Int32Array
}

/** uv inset from the cell edge (cells are >= ~85 m across, so this is >= 10 m). */
export const INSET = 0.12

function slotGrid(n: number): [number, number] {
  if (n <= 1) return [1, 1]
  if (n === 2) return [2, 1]
  if (n <= 4) return [2, 2]
  if (n <= 6) return [3, 2]
  if (n <= 9) return [3, 3]
  if (n <= 12) return [4, 3]
  return [4, 4]
}

function floorsFor(kind: CompoundKind, rng: Rng): number {
  if (kind === 'walkup') return rng.chance(0.75) ? 6 : rng.pick([5, 7, 7, 8])
  if (kind === 'midrise') return rng.int(11, 18)
  return rng.chance(0.15) ? rng.int(16, 18) : rng.int(24, 33)
}

export function buildBuildings(mesh: Mesh, hier: Hierarchy, cfg: ScaleConfig, seed: number): BuildingLayer {
  const rng = Rng.derive(seed, 'buildings')
  const nameCompound = compoundNamer(Rng.derive(seed, 'compound-names'))
  const { W, H } = mesh
  const nCells = W * H
  const cellB0 = new Int32Array(nCells)
  const cellB1 = new Int32Array(nCells)
  const cellHouseholds = new Int32Array(nCells)
  const cellPopulation = new Int32Array(nCells)
  const cellCompound = new Int32Array(nCells)
  const compounds: CompoundInfo[] = []
  const buildings: DemoBuilding[] = []
  const cellArr: number[] = []
  const ucArr: number[] = []
  const vcArr: number[] = []
  const huArr: number[] = []
  const hvArr: number[] = []
  const compArr: number[] = []
  const xy = new Float64Array(2)

  hier.grids.forEach((g, gi) => {
    const towers = hier.communities[g.community].towers
    let k = 0
    while (k < g.cells.length) {
      let size = [1, 2, 2, 3, 3, 3, 4, 4][rng.int(0, 7)]
      if (g.cells.length - (k + size) === 1) size++ // no stray single leftover
      const cells = g.cells.slice(k, k + size)
      k += size
      const kind: CompoundKind = towers
        ? (['tower', 'tower', 'tower', 'midrise', 'midrise', 'walkup'] as const)[rng.int(0, 5)]
        : (['walkup', 'walkup', 'walkup', 'walkup', 'midrise', 'midrise', 'midrise', 'tower'] as const)[rng.int(0, 7)]
      const ci = compounds.length
      const comp: CompoundInfo = {
        name: nameCompound(),
        grid: gi,
        kind,
        cells,
        b0: buildings.length,
        b1: 0,
        hot: rng.chance(0.05) ? rng.range(2, 4) : 1,
      }
      compounds.push(comp)
      let bno = 1
      for (const c of cells) {
        const ci0 = c % W
        const cj0 = (c - ci0) / W
        cellCompound[c] = ci
        cellB0[c] = buildings.length
        const [lo, hi] = cfg.buildingsPerCell[kind]
        const n = rng.int(lo, hi)
        let households =
          kind === 'walkup' ? rng.int(35, 105) : kind === 'midrise' ? rng.int(60, 125) : rng.int(90, 150)
        households = Math.max(30, Math.min(150, households))
        // slots
        let [nx, ny] = slotGrid(n)
        if (rng.chance(0.5)) [nx, ny] = [ny, nx]
        const slots: number[] = []
        for (let s = 0; s < nx * ny; s++) slots.push(s)
        rng.shuffle(slots)
        const chosen = slots.slice(0, n).sort((a, b) => a - b)
        const span = 1 - 2 * INSET
        const sw = span / nx
        const sh = span / ny
        const floors: number[] = []
        const weights: number[] = []
        const rings: LonLat[][] = []
        for (const s of chosen) {
          const sx = s % nx
          const sy = (s - sx) / nx
          let fw: number
          let fh: number
          if (kind === 'tower') {
            fw = rng.range(0.38, 0.58)
            fh = fw * rng.range(0.8, 1.2)
          } else if (kind === 'walkup') {
            fw = rng.range(0.7, 0.9)
            fh = rng.range(0.32, 0.5)
          } else {
            fw = rng.range(0.5, 0.8)
            fh = rng.range(0.35, 0.6)
          }
          if (nx > ny) [fw, fh] = [fh, fw] // slabs follow the long slot direction
          fh = Math.min(fh, 0.92)
          fw = Math.min(fw, 0.92)
          const w = fw * sw
          const h = fh * sh
          const u0 = INSET + sx * sw + rng.range(0.04 * sw, sw - w - 0.04 * sw)
          const v0 = INSET + sy * sh + rng.range(0.04 * sh, sh - h - 0.04 * sh)
          const corners: [number, number][] = [
            [u0, v0],
            [u0 + w, v0],
            [u0 + w, v0 + h],
            [u0, v0 + h],
          ]
          const ring: LonLat[] = corners.map(([u, v]) => {
            cellUvToXY(mesh, ci0, cj0, u, v, xy)
            return toLonLat(xy[0], xy[1])
          })
          ring.push([ring[0][0], ring[0][1]])
          rings.push(ring)
          const f = floorsFor(kind, rng)
          floors.push(f)
          weights.push(f * w * h)
          cellArr.push(c)
          ucArr.push(u0 + w / 2)
          vcArr.push(v0 + h / 2)
          huArr.push(w / 2)
          hvArr.push(h / 2)
          compArr.push(ci)
        }
        const hh = apportion(weights, households, 1)
        let pop = 0
        for (let b = 0; b < chosen.length; b++) {
          const population = Math.max(1, Math.round(hh[b] * rng.range(2.45, 2.75)))
          pop += population
          buildings.push({
            id: buildings.length + 1,
            compound: comp.name,
            name: `${bno++}栋`,
            ring: rings[b],
            floors: floors[b],
            households: hh[b],
            population,
          })
        }
        cellB1[c] = buildings.length
        cellHouseholds[c] = households
        cellPopulation[c] = pop
      }
      comp.b1 = buildings.length
    }
  })
  return {
    buildings,
    compounds,
    cell: Int32Array.from(cellArr),
    uc: Float64Array.from(ucArr),
    vc: Float64Array.from(vcArr),
    hu: Float64Array.from(huArr),
    hv: Float64Array.from(hvArr),
    compound: Int32Array.from(compArr),
    cellB0,
    cellB1,
    cellHouseholds,
    cellPopulation,
    cellCompound,
  }
}
