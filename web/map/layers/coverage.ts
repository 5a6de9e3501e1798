import { GeoJsonLayer } from '@deck.gl/layers'
import type { CoverageProblem } from '../../areas/coverage.ts'
import { COVERAGE_COLORS, type RGBA } from '../colors.ts'

const FILL_ALPHA = 110
const LINE_WIDTH_PX = 2.5
const SELECTED_LINE_WIDTH_PX = 5

const fill = (f: CoverageProblem): RGBA => [...COVERAGE_COLORS[f.properties.kind], FILL_ALPHA]
const line = (f: CoverageProblem): RGBA => [...COVERAGE_COLORS[f.properties.kind], 255]

/**
 * Coverage problems of the checked area, coloured by kind (COVERAGE_COLORS, shared with the legend
 * and the panel's list). Outlines have a minimum width in pixels so a 20 cm sliver or a 10 m gap
 * stays visible at district zoom; the problem chosen in the list gets a wider outline.
 */
export function coverageProblemsLayer(problems: CoverageProblem[], selectedId?: number) {
  return new GeoJsonLayer({
    id: 'coverage-problems',
    data: problems as never,
    filled: true,
    stroked: true,
    getFillColor: fill as never,
    getLineColor: line as never,
    getLineWidth: ((f: CoverageProblem) => (f.id === selectedId ? SELECTED_LINE_WIDTH_PX : LINE_WIDTH_PX)) as never,
    lineWidthUnits: 'pixels',
    lineJointRounded: true,
    // Not pickable: a click on a problem drills into the area under it, as anywhere else on the map.
    pickable: false,
    updateTriggers: { getLineWidth: selectedId },
  })
}
