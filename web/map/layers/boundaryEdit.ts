import { PathStyleExtension } from '@deck.gl/extensions'
import { GeoJsonLayer } from '@deck.gl/layers'
import { polygonOf } from '../../areas/areaImport.ts'
import type { EditAction, EditFeature, EditProblemListed, EditSubFeature } from '../../areas/boundaryEdit.ts'
import { IMPORT_ACTION_COLORS, SELECTION_COLOR, type RGB, type RGBA } from '../colors.ts'
import { coverageProblemsLayer } from './coverage.ts'

/**
 * What the ops do to each child (also the panel's swatches): new and changed ones in the import
 * preview's insert and update hues, unchanged and removed ones in greys (removed ones dashed).
 */
export const EDIT_ACTION_COLORS: Record<EditAction, RGB> = {
  keep: [38, 50, 56],
  update: IMPORT_ACTION_COLORS.update,
  insert: IMPORT_ACTION_COLORS.insert,
  remove: [84, 110, 122],
}

const FILL_ALPHA: Record<EditAction, number> = { keep: 0, update: 80, insert: 80, remove: 0 }
const LINE_WIDTH_PX: Record<EditAction, number> = { keep: 1.5, update: 3, insert: 3, remove: 2.5 }
const PICKED: RGBA = [...SELECTION_COLOR, 120]

/**
 * The children as the edit's ops leave them: unchanged ones outlined, changed ones filled in the
 * "update" colour, new ones in the "insert" colour, merged-away or removed ones dashed; children
 * picked for a merge filled in the selection colour; the sub-areas the ops change thinly outlined.
 * Above them the problems of the last check (or of a refused save), coloured by kind like the
 * coverage check's.
 */
export function boundaryEditLayers(features: EditFeature[], subs: EditSubFeature[], problems: EditProblemListed[], mergePicks: number[], selectedProblem?: number) {
  const kept = features.filter((f) => f.properties.action !== 'remove')
  const removed = features.filter((f) => f.properties.action === 'remove')
  const placed = problems.filter((p) => polygonOf(p.geometry) !== null)
  const fill = (f: EditFeature): RGBA => (mergePicks.includes(f.id) ? PICKED : [...EDIT_ACTION_COLORS[f.properties.action], FILL_ALPHA[f.properties.action]])
  return [
    // Sub-areas the ops change (a micro-grid a moved edge cuts, one a split moves): thin, in the action's colour.
    new GeoJsonLayer({
      id: 'boundary-edit-subs',
      data: subs as never,
      filled: false,
      stroked: true,
      getLineColor: ((f: EditSubFeature) => [...EDIT_ACTION_COLORS[f.properties.action], 220]) as never,
      getLineWidth: 1,
      lineWidthUnits: 'pixels',
      pickable: false,
    }),
    new GeoJsonLayer({
      id: 'boundary-edit-result',
      data: kept as never,
      filled: true,
      stroked: true,
      getFillColor: fill as never,
      getLineColor: ((f: EditFeature) => [...EDIT_ACTION_COLORS[f.properties.action], 255]) as never,
      getLineWidth: ((f: EditFeature) => LINE_WIDTH_PX[f.properties.action]) as never,
      lineWidthUnits: 'pixels',
      pickable: false,
      updateTriggers: { getFillColor: mergePicks.join(',') },
    }),
    new GeoJsonLayer({
      id: 'boundary-edit-removed',
      data: removed as never,
      filled: false,
      stroked: true,
      getLineColor: [...EDIT_ACTION_COLORS.remove, 255],
      getLineWidth: LINE_WIDTH_PX.remove,
      lineWidthUnits: 'pixels',
      getDashArray: [6, 4],
      dashJustified: true,
      extensions: [new PathStyleExtension({ dash: true })],
      pickable: false,
    } as never),
    coverageProblemsLayer(placed, selectedProblem, 'boundary-edit-problems'),
  ]
}
