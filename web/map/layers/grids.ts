import { GeoJsonLayer } from '@deck.gl/layers'
import type { AreaFeature } from '../../app/client.ts'
import { LEVEL_STYLE } from '../colors.ts'

const GRID: [number, number, number, number] = [...LEVEL_STYLE.grid.color, 255]
const MICRO: [number, number, number, number] = [...LEVEL_STYLE.micro_grid.color, 230]

/** Outlines of every grid (网格) in the district. */
export function gridsLayer(features: AreaFeature[], opts: { visible: boolean }) {
  return new GeoJsonLayer({
    id: 'grids',
    data: features,
    visible: opts.visible,
    filled: false,
    stroked: true,
    getLineColor: GRID,
    getLineWidth: LEVEL_STYLE.grid.width,
    lineWidthUnits: 'pixels',
    pickable: false,
  })
}

/** Outlines of micro-grids (微网格) in view; only fed when zoomed in. */
export function microGridsLayer(features: AreaFeature[], opts: { visible: boolean }) {
  return new GeoJsonLayer({
    id: 'micro-grids',
    data: features,
    visible: opts.visible,
    filled: false,
    stroked: true,
    getLineColor: MICRO,
    getLineWidth: LEVEL_STYLE.micro_grid.width,
    lineWidthUnits: 'pixels',
    pickable: false,
  })
}
