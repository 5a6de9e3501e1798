/**
 * Area hierarchy by recursive rectangular (k-d style) splits in cell-index space:
 * district → streets → communities → grids → micro-grids (= single cells).
 */
import type { DemoArea } from './types.ts'
import { apportion, Rng } from './rng.ts'
import { type CellRect, type Mesh, rectRing } from './mesh.ts'
import { communityNames, DISTRICT_CODE, DISTRICT_NAME, STREET_NAMES } from './names.ts'
import type { ScaleConfig } from './scales.ts'

export interface StreetInfo {
  areaId: number
  rect: CellRect
  name: string
  short: string
  communities: number[] // indexes into communities
}
export interface CommunityInfo {
  areaId: number
  rect: CellRect
  street: number
  name: string
  short: string
  grids: number[]
  /** Tower-heavy community (24-33 floor buildings clustered here). */
  towers: boolean
}
export interface GridInfo {
  areaId: number
  rect: CellRect
  community: number
  street: number
  name: string
  /** Cell indexes (j*W+i) in snake order = micro-grid order. */
  cells: number[]
}

export interface Hierarchy {
  areas: DemoArea[]
  streets: StreetInfo[]
  communities: CommunityInfo[]
  grids: GridInfo[]
  /** Per cell (j*W+i): micro-grid area id, grid index, community index, street index. */
  cellMicroId: Int32Array
  cellGrid: Int32Array
  cellCommunity: Int32Array
  cellStreet: Int32Array
}

function cellsOf(r: CellRect): number {
  return (r.i1 - r.i0) * (r.j1 - r.j0)
}

/** Split a rectangle into n parts of roughly equal cell counts; may return fewer if too small. */
export function splitRect(r: CellRect, n: number, rng: Rng, minCells: number): CellRect[] {
  if (n <= 1) return [r]
  const w = r.i1 - r.i0
  const h = r.j1 - r.j0
  const n1 = n % 2 === 0 ? n / 2 : rng.chance(0.5) ? (n - 1) / 2 : (n + 1) / 2
  const n2 = n - n1
  const alongX = w > h || (w === h && rng.chance(0.5))
  const len = alongX ? w : h
  const other = alongX ? h : w
  if (len < 2) return [r]
  const lo = Math.max(1, Math.ceil((n1 * minCells) / other))
  const hi = Math.min(len - 1, len - Math.ceil((n2 * minCells) / other))
  let pos: number
  if (lo > hi) {
    if (cellsOf(r) < 2 * minCells) return [r]
    pos = Math.min(len - 1, Math.max(1, Math.round((len * n1) / n)))
  } else {
    pos = Math.round((len * n1) / n + rng.gauss() * len * 0.04)
    pos = Math.min(hi, Math.max(lo, pos))
  }
  const a: CellRect = alongX ? { ...r, i1: r.i0 + pos } : { ...r, j1: r.j0 + pos }
  const b: CellRect = alongX ? { ...r, i0: r.i0 + pos } : { ...r, j0: r.j0 + pos }
  return [...splitRect(a, n1, rng, minCells), ...splitRect(b, n2, rng, minCells)]
}

/** Cells of a rectangle in snake order, north row first (consecutive cells always adjacent). */
export function snakeCells(r: CellRect, W: number): number[] {
  const out: number[] = []
  let k = 0
  for (let j = r.j1 - 1; j >= r.j0; j--, k++) {
    if (k % 2 === 0) for (let i = r.i0; i < r.i1; i++) out.push(j * W + i)
    else for (let i = r.i1 - 1; i >= r.i0; i--) out.push(j * W + i)
  }
  return out
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

export function buildHierarchy(mesh: Mesh, cfg: ScaleConfig, seed: number): Hierarchy {
  const rng = Rng.derive(seed, 'hierarchy')
  const nameRng = Rng.derive(seed, 'community-names')
  const { W, H } = mesh
  const full: CellRect = { i0: 0, j0: 0, i1: W, j1: H }
  const areas: DemoArea[] = []
  areas.push({ id: 1, parentId: null, level: 'district', code: DISTRICT_CODE, name: DISTRICT_NAME, ring: rectRing(mesh, full) })

  const totalCells = W * H
  const avgCommunity = totalCells / cfg.communities
  const avgGrid = totalCells / cfg.grids

  // streets
  const streetRects = splitRect(full, cfg.streets, rng, Math.ceil(avgCommunity * 2))
  const streets: StreetInfo[] = streetRects.map((rect, k) => {
    const name = STREET_NAMES[k % STREET_NAMES.length] + (k >= STREET_NAMES.length ? String(k) : '')
    return { areaId: 0, rect, name, short: name.replace(/街道$/, ''), communities: [] }
  })
  // communities
  const commPerStreet = apportion(streetRects.map(cellsOf), cfg.communities, 1)
  const communityRects: { rect: CellRect; street: number }[] = []
  streets.forEach((s, si) => {
    for (const rect of splitRect(s.rect, commPerStreet[si], rng, Math.ceil(avgGrid * 2))) communityRects.push({ rect, street: si })
  })
  const cNames = communityNames(communityRects.length, nameRng)
  const communities: CommunityInfo[] = communityRects.map((c, k) => ({
    areaId: 0,
    rect: c.rect,
    street: c.street,
    name: cNames[k],
    short: cNames[k].replace(/社区$/, ''),
    grids: [],
    towers: rng.chance(0.3),
  }))
  // grids
  const gridsPerCommunity = apportion(communityRects.map((c) => cellsOf(c.rect)), cfg.grids, 1)
  const grids: GridInfo[] = []
  communities.forEach((c, ci) => {
    const rects = splitRect(c.rect, gridsPerCommunity[ci], rng, 5)
    rects.forEach((rect, gk) => {
      c.grids.push(grids.length)
      grids.push({ areaId: 0, rect, community: ci, street: c.street, name: `${c.short}第${gk + 1}网格`, cells: snakeCells(rect, W) })
    })
  })

  // ids in level order, codes hierarchical
  let id = 2
  const streetCode: string[] = []
  streets.forEach((s, si) => {
    s.areaId = id++
    streetCode[si] = `${DISTRICT_CODE}-${pad(si + 1, 3)}`
    areas.push({ id: s.areaId, parentId: 1, level: 'street', code: streetCode[si], name: s.name, ring: rectRing(mesh, s.rect) })
  })
  const commCode: string[] = []
  const commIndexInStreet = new Map<number, number>()
  communities.forEach((c, ci) => {
    c.areaId = id++
    const k = (commIndexInStreet.get(c.street) ?? 0) + 1
    commIndexInStreet.set(c.street, k)
    streets[c.street].communities.push(ci)
    commCode[ci] = `${streetCode[c.street]}-${pad(k, 3)}`
    areas.push({ id: c.areaId, parentId: streets[c.street].areaId, level: 'community', code: commCode[ci], name: c.name, ring: rectRing(mesh, c.rect) })
  })
  const gridCode: string[] = []
  const gridIndexInComm = new Map<number, number>()
  grids.forEach((g, gi) => {
    g.areaId = id++
    const k = (gridIndexInComm.get(g.community) ?? 0) + 1
    gridIndexInComm.set(g.community, k)
    gridCode[gi] = `${commCode[g.community]}-${pad(k, 2)}`
    areas.push({ id: g.areaId, parentId: communities[g.community].areaId, level: 'grid', code: gridCode[gi], name: g.name, ring: rectRing(mesh, g.rect) })
  })
  const n = W * H
  const cellMicroId = new Int32Array(n)
  const cellGrid = new Int32Array(n)
  const cellCommunity = new Int32Array(n)
  const cellStreet = new Int32Array(n)
  grids.forEach((g, gi) => {
    g.cells.forEach((c, k) => {
      const i = c % W
      const j = (c - i) / W
      const mid = id++
      cellMicroId[c] = mid
      cellGrid[c] = gi
      cellCommunity[c] = g.community
      cellStreet[c] = g.street
      areas.push({
        id: mid,
        parentId: g.areaId,
        level: 'micro_grid',
        code: `${gridCode[gi]}-${pad(k + 1, 2)}`,
        name: `第${k + 1}微网格`,
        ring: rectRing(mesh, { i0: i, j0: j, i1: i + 1, j1: j + 1 }),
      })
    })
  })
  return { areas, streets, communities, grids, cellMicroId, cellGrid, cellCommunity, cellStreet }
}
