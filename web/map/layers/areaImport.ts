import { GeoJsonLayer } from '@deck.gl/layers'
import { polygonOf, type ImportFeature, type ImportProblem } from '../../areas/areaImport.ts'
import { COVERAGE_COLORS, IMPORT_ACTION_COLORS, type RGBA } from '../colors.ts'
import { coverageProblemsLayer } from './coverage.ts'

const FILL_ALPHA = 70
const LINE_WIDTH_PX = 2

const fill = (f: ImportFeature): RGBA => [...IMPORT_ACTION_COLORS[f.properties.action], FILL_ALPHA]
const line = (f: ImportFeature): RGBA => [...IMPORT_ACTION_COLORS[f.properties.action], 255]

/**
 * A boundary-import preview on the map: the file's features filled by what the commit would do
 * (insert or update, IMPORT_ACTION_COLORS) with their outlines, and above them the problems that
 * have a place, coloured like the coverage check's. Features without a polygon (a point, a ring of
 * swapped coordinates kept as read) are skipped here: the panel lists their problems.
 */
export function areaImportLayers(features: ImportFeature[], problems: ImportProblem[], selectedProblem?: number) {
  const drawable = features.filter((f) => polygonOf(f.geometry) !== null && Math.abs(outerFirstLat(f)) <= 90)
  const placed = problems.filter((p) => polygonOf(p.geometry) !== null && p.properties.kind in COVERAGE_COLORS)
  return [
    new GeoJsonLayer({
      id: 'area-import-features',
      data: drawable as never,
      filled: true,
      stroked: true,
      getFillColor: fill as never,
      getLineColor: line as never,
      getLineWidth: LINE_WIDTH_PX,
      lineWidthUnits: 'pixels',
      pickable: false,
    }),
    coverageProblemsLayer(placed, selectedProblem, 'area-import-problems'),
  ]
}

/** Latitude of a feature's first vertex: a file read as lat, lon puts it outside ±90, where the map cannot draw. */
function outerFirstLat(f: ImportFeature): number {
  const g = polygonOf(f.geometry)!
  const ring = g.type === 'Polygon' ? g.coordinates[0] : g.coordinates[0]?.[0]
  return ring?.[0]?.[1] ?? 0
}
