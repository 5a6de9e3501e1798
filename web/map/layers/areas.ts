import { PathStyleExtension } from '@deck.gl/extensions'
import { GeoJsonLayer } from '@deck.gl/layers'
import type { AreaFeature } from '../../app/client.ts'
import { LEVEL_STYLE, SELECTION_COLOR, type RGBA } from '../colors.ts'

const CHILD_FILL_ALPHA = 46
const HIGHLIGHT: RGBA = [SELECTION_COLOR[0], SELECTION_COLOR[1], SELECTION_COLOR[2], 110]

const lineColor = (f: AreaFeature): RGBA => [...LEVEL_STYLE[f.properties.level].color, 255]
const lineWidth = (f: AreaFeature): number => LEVEL_STYLE[f.properties.level].width
const childFill = (f: AreaFeature): RGBA => [...LEVEL_STYLE[f.properties.level].color, CHILD_FILL_ALPHA]

/** The current drill level's areas, lightly filled and clickable (outlines come in contextOutlinesLayer, above the grids). */
export function drillChildrenLayer(features: AreaFeature[], opts: { visible: boolean }) {
  return new GeoJsonLayer<AreaFeature['properties']>({
    id: 'area-children',
    data: features,
    visible: opts.visible,
    filled: true,
    stroked: false,
    getFillColor: childFill as never,
    pickable: true,
    autoHighlight: true,
    highlightColor: HIGHLIGHT,
  })
}

/** Outlines by level of the drill path's areas (streets, communities, ...) drawn above the grid outlines. */
export function contextOutlinesLayer(features: AreaFeature[], opts: { visible: boolean }) {
  return new GeoJsonLayer<AreaFeature['properties']>({
    id: 'area-context',
    data: features,
    visible: opts.visible,
    filled: false,
    stroked: true,
    getLineColor: lineColor as never,
    getLineWidth: lineWidth as never,
    lineWidthUnits: 'pixels',
    pickable: false,
  })
}

/** A bold outline around the selected area. */
export function selectionLayer(feature: AreaFeature | undefined) {
  return new GeoJsonLayer({
    id: 'area-selection',
    data: feature ? [feature] : [],
    filled: false,
    stroked: true,
    getLineColor: [...SELECTION_COLOR, 255],
    getLineWidth: 4,
    lineWidthUnits: 'pixels',
    pickable: false,
  })
}

/** Boundaries as they were on a past day (area versions): dashed purple outlines over today's. */
export const AS_OF_COLOR: [number, number, number] = [123, 31, 162]
export function asOfLayer(features: { geometry: unknown }[]) {
  return new GeoJsonLayer({
    id: 'areas-as-of',
    data: features as never,
    filled: false,
    stroked: true,
    getLineColor: [...AS_OF_COLOR, 230],
    lineWidthUnits: 'pixels',
    getLineWidth: 2.5,
    getDashArray: [5, 3],
    dashJustified: true,
    extensions: [new PathStyleExtension({ dash: true })],
    pickable: false,
  } as never)
}
