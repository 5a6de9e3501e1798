/**
 * The checks of an import that need no database (docs/import.md): attribute mapping, geometry
 * structure (polygon types, closed rings, lon/lat ranges) and duplicate codes in the file. Pure
 * functions; api/areas/import.ts adds the PostGIS checks against the parent.
 */
import { ApiFailure } from '../lib/errors.ts'
import type { RawFeature } from './upload.ts'

export const IMPORT_FIELDS = ['name', 'code', 'households'] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]
export type Mapping = Partial<Record<ImportField, string>>

/** Column names tried, in order, for a field the mapping leaves out. */
const DEFAULT_COLUMNS: Record<ImportField, string[]> = {
  name: ['name', '名称', 'mc'],
  code: ['code', '编码', '编号', 'bm'],
  households: ['households', 'hh', '户数'],
}

export type ImportProblemKind = 'invalid' | 'gap' | 'overlap' | 'outside' | 'sliver' | 'attribute' | 'duplicate_code' | 'sub_areas'

/** Problems that forbid a commit; gaps and slivers are warnings. */
export const BLOCKING_KINDS: ReadonlySet<ImportProblemKind> = new Set(['invalid', 'overlap', 'outside', 'attribute', 'duplicate_code', 'sub_areas'])

/** One problem, shaped like a coverage problem feature (api/areas/coverage.ts) plus `blocking`. */
export interface ImportProblem {
  type: 'Feature'
  geometry: unknown
  properties: {
    kind: ImportProblemKind
    blocking: boolean
    area_m2: number | null
    width_m: number | null
    parent: number
    /** Feature numbers (1-based order in the file) involved; for sub_areas, the ids of existing areas. */
    children: number[]
    reason: string | null
    location: [number, number] | null
    sliver_of: 'gap' | 'overlap' | 'outside' | null
  }
}

export function problem(kind: ImportProblemKind, parent: number, children: number[], reason: string, extra: Partial<ImportProblem['properties']> = {}, geometry: unknown = null): ImportProblem {
  return {
    type: 'Feature',
    geometry,
    properties: { kind, blocking: BLOCKING_KINDS.has(kind), area_m2: null, width_m: null, parent, children, reason, location: null, sliver_of: null, ...extra },
  }
}

/** A feature after mapping: attributes as the areas table holds them, geometry ready for PostGIS (or null when it cannot be checked there). */
export interface MappedFeature {
  fid: number
  code: string
  name: string
  households: number
  /** WGS84 GeoJSON with closed rings; null when the geometry is unusable (reported). */
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: number[][][] | number[][][][] } | null
}

/** Which property each field is read from: the mapping's column, else a default name; case-insensitive fallback. */
export function resolveColumns(mapping: Mapping, features: RawFeature[]): Record<ImportField, string | null> {
  const keys = new Set<string>()
  for (const f of features) for (const k of Object.keys(f.properties)) keys.add(k)
  const find = (want: string) => (keys.has(want) ? want : ([...keys].find((k) => k.toLowerCase() === want.toLowerCase()) ?? null))
  const out = {} as Record<ImportField, string | null>
  for (const field of IMPORT_FIELDS) {
    const asked = mapping[field]
    if (asked !== undefined) {
      const col = find(asked)
      if (col === null) {
        throw new ApiFailure(400, 'invalid_mapping', `mapping.${field}: the file has no column "${asked}" (columns: ${[...keys].slice(0, 30).join(', ') || 'none'})`)
      }
      out[field] = col
    } else {
      out[field] = DEFAULT_COLUMNS[field].map(find).find((c) => c !== null) ?? null
    }
  }
  for (const field of ['name', 'code'] as const) {
    if (out[field] === null) {
      throw new ApiFailure(400, 'invalid_mapping', `mapping.${field}: say which column holds the ${field} (columns: ${[...keys].slice(0, 30).join(', ') || 'none'})`)
    }
  }
  return out
}

const label = (f: { fid: number }, code?: string) => `feature ${f.fid}${code ? ` (code ${code})` : ''}`
const text = (v: unknown) => (v === null || v === undefined ? '' : String(v).trim())

type Ring = number[][]

/** Why a ring cannot be checked in PostGIS, or null; closes it in place when only the last point is missing (also used by boundary edits). */
export function ringFault(ring: unknown, where: string): { reason: string; usable: boolean } | null {
  if (!Array.isArray(ring) || !ring.every((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]))) {
    return { reason: `${where}: coordinates are not [x, y] number pairs`, usable: false }
  }
  const r = ring as Ring
  const outOfRange = r.find(([x, y]) => Math.abs(x) > 180 || Math.abs(y) > 90)
  if (outOfRange) {
    const swapped = r.every(([x, y]) => Math.abs(y) <= 180 && Math.abs(x) <= 90)
    const hint = swapped ? 'the coordinates look swapped (lat, lon): write them as lon, lat' : 'projected coordinates? send a zipped Shapefile with its .prj'
    return { reason: `${where}: (${outOfRange[0]}, ${outOfRange[1]}) is not longitude/latitude; ${hint}`, usable: false }
  }
  const [fx, fy] = r[0] ?? []
  const [lx, ly] = r[r.length - 1] ?? []
  let fault: { reason: string; usable: boolean } | null = null
  if (r.length > 0 && (fx !== lx || fy !== ly)) {
    fault = { reason: `${where}: ring not closed (first point ${fx} ${fy} ≠ last point ${lx} ${ly})`, usable: true }
    r.push([fx, fy])
  }
  if (r.length < 4) return { reason: `${where}: a ring needs at least 4 points (3 distinct), it has ${r.length}`, usable: false }
  return fault
}

/**
 * Map every feature's attributes and check its structure. Answers the mapped features and the
 * problems found: missing name or code, households that are not whole numbers ≥ 0, geometries
 * that are not polygons, unclosed rings (closed here so PostGIS can still check the rest, but
 * reported as invalid), coordinates out of lon/lat range, codes used twice in the file.
 */
export function mapFeatures(features: RawFeature[], mapping: Mapping, parent: number): { mapped: MappedFeature[]; problems: ImportProblem[]; columns: Record<ImportField, string | null> } {
  const columns = resolveColumns(mapping, features)
  const problems: ImportProblem[] = []
  const mapped: MappedFeature[] = []
  for (const f of features) {
    const code = text(f.properties[columns.code!])
    const name = text(f.properties[columns.name!])
    if (!name) problems.push(problem('attribute', parent, [f.fid], `${label(f, code)}: no name (column ${columns.name} is empty)`))
    if (!code) problems.push(problem('attribute', parent, [f.fid], `${label(f)}: no code (column ${columns.code} is empty)`))
    let households = 0
    if (columns.households !== null) {
      const raw = f.properties[columns.households]
      const s = text(raw)
      if (s !== '') {
        const n = Number(s)
        if (!Number.isInteger(n) || n < 0 || n > 2_147_483_647) {
          problems.push(problem('attribute', parent, [f.fid], `${label(f, code)}: households "${s}" (column ${columns.households}) is not a whole number ≥ 0`))
        } else households = n
      }
    }
    let geometry: MappedFeature['geometry'] = null
    const g = f.geometry
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !Array.isArray(g.coordinates)) {
      problems.push(problem('invalid', parent, [f.fid], `${label(f, code)}: geometry is ${g ? String(g.type) : 'empty'}, not a Polygon or MultiPolygon`))
    } else {
      const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as unknown[]
      const coordinates = JSON.parse(JSON.stringify(polygons)) as unknown[]
      let usable = coordinates.length > 0 && coordinates.every((p) => Array.isArray(p) && p.length > 0)
      if (!usable) problems.push(problem('invalid', parent, [f.fid], `${label(f, code)}: polygon without rings`))
      coordinates.forEach((poly, pi) => {
        ;(Array.isArray(poly) ? poly : []).forEach((ring, ri) => {
          const fault = ringFault(ring, `${label(f, code)}, polygon ${pi + 1} ring ${ri + 1}`)
          if (fault) {
            problems.push(problem('invalid', parent, [f.fid], fault.reason))
            usable &&= fault.usable
          }
        })
      })
      if (usable) geometry = { type: 'MultiPolygon', coordinates: coordinates as number[][][][] }
    }
    mapped.push({ fid: f.fid, code, name, households, geometry })
  }
  const byCode = new Map<string, number[]>()
  for (const m of mapped) if (m.code) byCode.set(m.code, [...(byCode.get(m.code) ?? []), m.fid])
  for (const [code, fids] of byCode) {
    if (fids.length > 1) problems.push(problem('duplicate_code', parent, fids, `code ${code} is used by features ${fids.join(', ')}`))
  }
  return { mapped, problems, columns }
}
