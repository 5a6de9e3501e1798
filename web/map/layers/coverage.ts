import { GeoJsonLayer } from '@deck.gl/layers'
import { COVERAGE_COLORS, UNKNOWN_COLOR, type RGB, type RGBA } from '../colors.ts'

const FILL_ALPHA = 110
const LINE_WIDTH_PX = 2.5
const SELECTED_LINE_WIDTH_PX = 5

/** A coverage problem as the layer needs it: the coverage check's answer and an import preview's problems both fit. */
export interface ProblemFeature {
  id: number
  geometry: unknown
  properties: { kind: string }
}

const colourOf = (f: ProblemFeature): RGB => COVERAGE_COLORS[f.properties.kind as keyof typeof COVERAGE_COLORS] ?? UNKNOWN_COLOR
const fill = (f: ProblemFeature): RGBA => [...colourOf(f), FILL_ALPHA]
const line = (f: ProblemFeature): RGBA => [...colourOf(f), 255]

/**
 * Coverage problems of the checked area (or of an import preview, with another `id`), coloured by
 * kind (COVERAGE_COLORS, shared with the legend and the panels' lists). Outlines have a minimum
 * width in pixels so a 20 cm sliver or a 10 m gap stays visible at district zoom; the problem
 * chosen in the list gets a wider outline.
 */
export function coverageProblemsLayer(problems: ProblemFeature[], selectedId?: number, id = 'coverage-problems') {
  return new GeoJsonLayer({
    id,
    data: problems as never,
    filled: true,
    stroked: true,
    getFillColor: fill as never,
    getLineColor: line as never,
    getLineWidth: ((f: ProblemFeature) => (f.id === selectedId ? SELECTED_LINE_WIDTH_PX : LINE_WIDTH_PX)) as never,
    lineWidthUnits: 'pixels',
    lineJointRounded: true,
    // Not pickable: a click on a problem drills into the area under it, as anywhere else on the map.
    pickable: false,
    updateTriggers: { getLineWidth: selectedId },
  })
}
