import type { Scale } from './types.ts'

export interface ScaleConfig {
  /** Mesh size in cells (one cell = one micro-grid). */
  W: number
  H: number
  /** Nominal cell size in metres. */
  cell: number
  streets: number
  communities: number
  grids: number
  /** Buildings per cell by compound kind [min, max]. */
  buildingsPerCell: { walkup: [number, number]; midrise: [number, number]; tower: [number, number] }
  incidents: number
  trackPoints: number
  /** Past local days with patrol tasks (plus 'planned' tasks for the current local day). */
  patrolDays: number
  /** Share of grids patrolled on a given day (the rest have no task that day). */
  patrolShare: number
  /** Share of grids that also get an evening patrol. */
  eveningShare: number
}

export const SCALES: Record<Scale, ScaleConfig> = {
  small: {
    W: 16,
    H: 13,
    cell: 110,
    streets: 2,
    communities: 4,
    grids: 24,
    buildingsPerCell: { walkup: [4, 6], midrise: [2, 4], tower: [1, 3] },
    incidents: 3_000,
    trackPoints: 10_000,
    patrolDays: 3,
    patrolShare: 1,
    eveningShare: 0,
  },
  district: {
    W: 80,
    H: 66,
    cell: 110,
    streets: 9,
    communities: 70,
    grids: 650,
    buildingsPerCell: { walkup: [4, 6], midrise: [2, 4], tower: [1, 3] },
    incidents: 210_000,
    trackPoints: 150_000,
    patrolDays: 3,
    patrolShare: 0.55,
    eveningShare: 0,
  },
  large: {
    W: 112,
    H: 90,
    cell: 110,
    streets: 10,
    communities: 100,
    grids: 1000,
    // denser low-rise stock so the district holds ~100,000 buildings
    buildingsPerCell: { walkup: [11, 14], midrise: [8, 12], tower: [6, 9] },
    incidents: 1_000_000,
    trackPoints: 10_000_000,
    patrolDays: 21,
    patrolShare: 1,
    eveningShare: 0.5,
  },
}
