import type { AreaLevel, IncidentType, StationType } from '../../geo-data/generate/types.ts'
import type { CoverageKind } from '../areas/coverage.ts'

export type RGB = [number, number, number]
export type RGBA = [number, number, number, number]

/** Outline colour and width (px) per area level; the grid teal is what the e2e test looks for. */
export const LEVEL_STYLE: Record<AreaLevel, { color: RGB; width: number }> = {
  district: { color: [33, 37, 41], width: 3.5 },
  street: { color: [106, 61, 154], width: 3 },
  community: { color: [31, 120, 180], width: 2.5 },
  grid: { color: [0, 150, 136], width: 2 },
  micro_grid: { color: [128, 203, 196], width: 1 },
}

/** Highlight for the selected area. */
export const SELECTION_COLOR: RGB = [255, 193, 7]

export const INCIDENT_COLORS: Record<IncidentType, RGB> = {
  high_altitude_throwing: [214, 39, 40],
  parking_dispute: [31, 119, 180],
  water_leak: [23, 190, 207],
  property_dispute: [148, 103, 189],
  hallway_clutter: [140, 86, 75],
  public_space_occupation: [227, 119, 194],
  neighbour_dispute: [255, 127, 14],
  telecom_fraud: [57, 59, 121],
  ebike_charging: [188, 189, 34],
  sanitation: [44, 160, 44],
  noise: [231, 186, 82],
}

export const STATION_COLORS: Record<StationType, RGB> = {
  psych_legal: [194, 24, 91],
  self_governance: [46, 125, 50],
  police_post: [21, 101, 192],
  party_service_center: [211, 47, 47],
  social_psych_room: [123, 31, 162],
  mediation_room: [239, 108, 0],
}

/**
 * Coverage problems (web/map/layers/coverage.ts, legend, panel list): saturated hues used by no
 * level outline, station or incident type, so a problem reads as an error over any other layer.
 */
export const COVERAGE_COLORS: Record<CoverageKind, RGB> = {
  invalid: [0, 0, 0],
  gap: [255, 0, 170],
  overlap: [0, 70, 255],
  outside: [255, 110, 0],
  sliver: [150, 0, 255],
}

/**
 * Features of a boundary-import preview (web/map/layers/areaImport.ts, the import panel) by what
 * the commit would do with them: bright hues no level, station or incident type uses.
 */
export const IMPORT_ACTION_COLORS: Record<'insert' | 'update', RGB> = {
  insert: [0, 229, 255],
  update: [118, 255, 3],
}

/** Kinds in the order the API lists them (invalid first): legend and summary. */
export const COVERAGE_KIND_ORDER = Object.keys(COVERAGE_COLORS) as CoverageKind[]

/** Fallback for a type the server knows and this build does not. */
export const UNKNOWN_COLOR: RGB = [120, 120, 120]

/** Colour lookup tolerant of unknown keys (the type lists come from the server). */
export function colorOf<K extends string>(table: Record<K, RGB>, key: string): RGB {
  return (table as Record<string, RGB>)[key] ?? UNKNOWN_COLOR
}

/** CSS rgb() for legends and swatches. */
export function css([r, g, b]: RGB, alpha = 1): string {
  return alpha === 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`
}
