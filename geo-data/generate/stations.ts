/** Service stations (站点) of every type, placed at building entrances inside the district. */
import type { DemoStation, StationType } from './types.ts'
import { Rng } from './rng.ts'
import { cellUvToXY, type Mesh, toLonLat } from './mesh.ts'
import type { Hierarchy } from './hierarchy.ts'
import type { BuildingLayer } from './buildings.ts'

export const DEFAULT_SERVICE_RADIUS_M: Record<StationType, number> = {
  psych_legal: 1000,
  self_governance: 500,
  police_post: 1500,
  party_service_center: 1000,
  social_psych_room: 1500,
  mediation_room: 800,
}

export function buildStations(mesh: Mesh, hier: Hierarchy, bl: BuildingLayer, end: Date, seed: number): DemoStation[] {
  const rng = Rng.derive(seed, 'stations')
  const { W } = mesh
  const stations: DemoStation[] = []
  const xy = new Float64Array(2)
  const from = Date.UTC(2018, 0, 1)
  const to = Date.UTC(end.getUTCFullYear() - 1, 11, 31)
  const used = new Set<number>() // one station per building entrance

  /** A building in `cell` (prefer one not used yet); station just outside its south side. */
  const at = (cell: number, type: StationType, name: string) => {
    const b0 = bl.cellB0[cell]
    const b1 = bl.cellB1[cell]
    let b = b0 + rng.int(0, b1 - b0 - 1)
    for (let k = b0; k < b1 && used.has(b); k++) b = k
    used.add(b)
    const i = cell % W
    const j = (cell - i) / W
    const v = Math.max(0.05, bl.vc[b] - bl.hv[b] - 0.02)
    cellUvToXY(mesh, i, j, bl.uc[b], v, xy)
    const [lon, lat] = toLonLat(xy[0], xy[1])
    const opened = new Date(from + Math.floor(rng.next() * ((to - from) / 86400000 + 1)) * 86400000)
    stations.push({
      id: stations.length + 1,
      type,
      name,
      lon,
      lat,
      serviceRadiusM: DEFAULT_SERVICE_RADIUS_M[type],
      openedOn: opened.toISOString().slice(0, 10),
    })
  }
  const centreCell = (r: { i0: number; j0: number; i1: number; j1: number }) =>
    Math.floor((r.j0 + r.j1) / 2) * W + Math.floor((r.i0 + r.i1) / 2)
  const randomCell = (r: { i0: number; j0: number; i1: number; j1: number }) =>
    rng.int(r.j0, r.j1 - 1) * W + rng.int(r.i0, r.i1 - 1)

  // 党群服务中心: one per community, near its centre
  for (const c of hier.communities) at(centreCell(c.rect), 'party_service_center', `${c.name}党群服务中心`)
  // 警务站: 2-3 per street
  for (const s of hier.streets) {
    const n = rng.int(2, 3)
    for (let k = 0; k < n; k++) {
      const cell = randomCell(s.rect)
      const comm = hier.communities[hier.cellCommunity[cell]]
      at(cell, 'police_post', `${s.short}${comm.short}警务站`)
    }
  }
  // 小区居民自治服务站: ~35% of compounds
  const withStation = bl.compounds.filter(() => rng.chance(0.35))
  if (withStation.length === 0) withStation.push(bl.compounds[0])
  for (const comp of withStation) at(comp.cells[rng.int(0, comp.cells.length - 1)], 'self_governance', `${comp.name}居民自治服务站`)
  // 心法驿站: 1-2 per street
  for (const s of hier.streets) {
    const n = rng.int(1, 2)
    for (let k = 0; k < n; k++) {
      const cell = randomCell(s.rect)
      at(cell, 'psych_legal', `${hier.communities[hier.cellCommunity[cell]].short}心法驿站`)
    }
  }
  // 社会心理服务室: 1 per street
  for (const s of hier.streets) at(centreCell(s.rect), 'social_psych_room', `${s.name}社会心理服务室`)
  // 调解室: about half the communities
  const withRoom = hier.communities.filter(() => rng.chance(0.5))
  if (withRoom.length === 0) withRoom.push(hier.communities[0])
  for (const c of withRoom) at(randomCell(c.rect), 'mediation_room', `${c.name}人民调解室`)
  return stations
}
