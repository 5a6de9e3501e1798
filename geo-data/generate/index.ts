/**
 * Deterministic demo-district generator for GridPulse (网格脉搏).
 *
 *   generateDistrict({ scale: 'district', seed: 20261123, end: new Date('2026-11-23T00:00:00Z') })
 *
 * Pure: same (scale, seed, end) → identical output. No Math.random / Date.now inside (the only
 * clock read is the documented default for a missing `end`: the start of the current UTC day).
 * See geo-data/README.md for what is generated and how.
 */
import type { DemoDistrict, GenerateOptions } from './types.ts'
import { buildMesh, type Mesh } from './mesh.ts'
import { buildHierarchy, type Hierarchy } from './hierarchy.ts'
import { buildBuildings, type BuildingLayer } from './buildings.ts'
import { buildRoads } from './roads.ts'
import { buildPeople } from './people.ts'
import { buildStations } from './stations.ts'
import { buildHotspots, buildIncidents, type Hotspots } from './incidents.ts'
import { buildPatrols } from './patrols.ts'
import { SCALES } from './scales.ts'

export { SCALES } from './scales.ts'
export { DEFAULT_SERVICE_RADIUS_M } from './stations.ts'
export * from './types.ts'

export const DEFAULT_SEED = 20261123

/** Start of the current UTC day (the default `end`). */
export function defaultEnd(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
}

export interface DetailedDistrict {
  district: DemoDistrict
  mesh: Mesh
  hierarchy: Hierarchy
  buildingLayer: BuildingLayer
  hotspots: Hotspots
  /** Micro-grid area id of every building (same order as district.buildings). */
  buildingMicroGridId: Int32Array
  /** Micro-grid area id of every incident (same order as district.incidents). */
  incidentMicroGridId: Int32Array
  /** Households and population per area id (upper levels are sums of their micro-grids). */
  areaHouseholds: Map<number, { households: number; population: number }>
  timingsMs: Record<string, number>
}

/** Everything, plus the generator's internal indexes (cell ↔ area, building → micro-grid ...). */
export function generateDistrictDetailed(opts: GenerateOptions): DetailedDistrict {
  const scale = opts.scale ?? 'district'
  const cfg = SCALES[scale]
  if (!cfg) throw new Error(`unknown scale ${String(scale)}`)
  const seed = (opts.seed ?? DEFAULT_SEED) >>> 0
  const end = opts.end ?? defaultEnd()
  if (Number.isNaN(end.getTime())) throw new Error('invalid end date')
  const timingsMs: Record<string, number> = {}
  let t0 = performance.now()
  const lap = (k: string) => {
    const t = performance.now()
    timingsMs[k] = Math.round(t - t0)
    t0 = t
  }

  const mesh = buildMesh(cfg.W, cfg.H, cfg.cell, seed)
  lap('mesh')
  const hierarchy = buildHierarchy(mesh, cfg, seed)
  lap('areas')
  const bl = buildBuildings(mesh, hierarchy, cfg, seed)
  lap('buildings')
  const roads = buildRoads(mesh, hierarchy, bl, seed)
  lap('roads')
  const { people, gridStaff } = buildPeople(hierarchy, seed)
  lap('people')
  const stations = buildStations(mesh, hierarchy, bl, end, seed)
  lap('stations')
  const hotspots = buildHotspots(cfg.W, cfg.H, seed)
  const inc = buildIncidents(mesh, bl, hotspots, cfg.incidents, end, seed)
  lap('incidents')
  const { patrolTasks, tracks } = buildPatrols(mesh, hierarchy, bl, hotspots, gridStaff, cfg, end, seed)
  lap('patrols')

  const buildingMicroGridId = new Int32Array(bl.buildings.length)
  for (let b = 0; b < bl.buildings.length; b++) buildingMicroGridId[b] = hierarchy.cellMicroId[bl.cell[b]]
  const incidentMicroGridId = new Int32Array(inc.cell.length)
  for (let k = 0; k < inc.cell.length; k++) incidentMicroGridId[k] = hierarchy.cellMicroId[inc.cell[k]]

  const areaHouseholds = new Map<number, { households: number; population: number }>()
  const parent = new Map<number, number | null>()
  for (const a of hierarchy.areas) {
    areaHouseholds.set(a.id, { households: 0, population: 0 })
    parent.set(a.id, a.parentId)
  }
  for (let c = 0; c < cfg.W * cfg.H; c++) {
    let id: number | null = hierarchy.cellMicroId[c]
    while (id !== null && id !== undefined) {
      const h = areaHouseholds.get(id)!
      h.households += bl.cellHouseholds[c]
      h.population += bl.cellPopulation[c]
      id = parent.get(id) ?? null
    }
  }

  const district: DemoDistrict = {
    seed,
    scale,
    areas: hierarchy.areas,
    buildings: bl.buildings,
    roads,
    people,
    stations,
    incidents: inc.incidents,
    patrolTasks,
    tracks,
  }
  return {
    district,
    mesh,
    hierarchy,
    buildingLayer: bl,
    hotspots,
    buildingMicroGridId,
    incidentMicroGridId,
    areaHouseholds,
    timingsMs,
  }
}

export function generateDistrict(opts: GenerateOptions): DemoDistrict {
  return generateDistrictDetailed(opts).district
}
