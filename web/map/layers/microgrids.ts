import { GeoJsonLayer, TextLayer } from '@deck.gl/layers'
import type { MicrogridPiece } from '../../areas/microgrids.ts'
import type { RGBA } from '../colors.ts'

/** Eight distinguishable fills (ColorBrewer Set2); neighbouring pieces are numbered in reading order, so they rarely share one. */
const PALETTE: [number, number, number][] = [
  [102, 194, 165], [252, 141, 98], [141, 160, 203], [231, 138, 195], [166, 216, 84], [255, 217, 47], [229, 196, 148], [179, 179, 179],
]
const FILL_ALPHA = 120
const OUTLINE: RGBA = [33, 33, 33, 255]
const SELECTED_OUTLINE: RGBA = [183, 28, 28, 255]
const LABEL_SIZE_PX = 13
/** Digits and separators only: the label atlas needs no CJK font. */
const LABEL_CHARS = '0123456789#· '

const fill = (f: MicrogridPiece): RGBA => [...PALETTE[(f.properties.fid - 1) % PALETTE.length], FILL_ALPHA]

/**
 * Preview of generated micro-grids (web/areas/MicrogridPanel.tsx): each piece filled by its number,
 * outlined, labelled "#N · households"; the piece chosen in the list outlined in red. Pieces without
 * a polygon are skipped with a warning.
 */
export function microgridPreviewLayers(pieces: MicrogridPiece[], selectedFid?: number) {
  const drawable = pieces.filter((p) => {
    const ok = p.geometry?.type === 'MultiPolygon' && p.geometry.coordinates.length > 0
    if (!ok) console.warn('micro-grid preview: piece without a polygon skipped', p.id)
    return ok
  })
  return [
    new GeoJsonLayer({
      id: 'microgrid-preview',
      data: drawable as never,
      filled: true,
      stroked: true,
      getFillColor: fill as never,
      getLineColor: ((f: MicrogridPiece) => (f.properties.fid === selectedFid ? SELECTED_OUTLINE : OUTLINE)) as never,
      getLineWidth: ((f: MicrogridPiece) => (f.properties.fid === selectedFid ? 4 : 1.5)) as never,
      lineWidthUnits: 'pixels',
      pickable: false,
      updateTriggers: { getLineColor: selectedFid, getLineWidth: selectedFid },
    }),
    new TextLayer<MicrogridPiece>({
      id: 'microgrid-preview-labels',
      data: drawable,
      getPosition: (f) => f.properties.label_point,
      getText: (f) => `#${f.properties.fid} · ${f.properties.households}`,
      getSize: LABEL_SIZE_PX,
      getColor: [20, 20, 20, 255],
      characterSet: LABEL_CHARS,
      outlineWidth: 2,
      outlineColor: [255, 255, 255, 255],
      fontSettings: { sdf: true },
      pickable: false,
    }),
  ]
}
