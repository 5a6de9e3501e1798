import { ScatterplotLayer, TextLayer } from '@deck.gl/layers'
import type { StationFeature } from '../../app/client.ts'
import { colorOf, STATION_COLORS, type RGBA } from '../colors.ts'
import { FONT_FAMILY } from '../fonts.ts'

type Station = StationFeature

const WHITE: RGBA = [255, 255, 255, 255]
const position = (s: Station) => s.geometry.coordinates as [number, number]
const fill = (s: Station): RGBA => [...colorOf(STATION_COLORS, s.properties.type), 255]

export interface StationLayerOptions {
  visible: boolean
  /** One short glyph per station type (localised: 警, 调 … or P, M …). */
  glyphs: Record<string, string>
  /** Create the glyph layer only once the font is loaded, or the atlas would bake in fallback boxes. */
  fontReady: boolean
  /** Glyphs are drawn from this zoom on; further out stations are small dots that leave the grids visible. */
  showGlyphs: boolean
}

/** Zoom from which station discs are big enough to carry their type glyph. */
export const STATION_GLYPH_ZOOM = 14

/** Stations as coloured discs with a type glyph (no sprite files needed). */
export function stationLayers(stations: Station[], opts: StationLayerOptions) {
  const characterSet = [...new Set(Object.values(opts.glyphs).join(''))]
  // The glyph layer waits for the font: deck.gl caches the atlas per character set (see labels.ts).
  return [
    new ScatterplotLayer<Station>({
      id: 'stations',
      data: stations,
      visible: opts.visible,
      getPosition: position,
      getFillColor: fill,
      getLineColor: WHITE,
      stroked: true,
      lineWidthUnits: 'meters',
      getLineWidth: 6,
      // Sized on the ground: a dot for the whole district, a glyph-sized disc in a community.
      radiusUnits: 'meters',
      getRadius: 40,
      radiusMinPixels: 3,
      radiusMaxPixels: 11,
      lineWidthMinPixels: 1,
      lineWidthMaxPixels: 2,
      pickable: true,
      autoHighlight: true,
    }),
    opts.fontReady &&
    new TextLayer<Station>({
      id: 'station-glyphs',
      data: stations,
      visible: opts.visible && opts.showGlyphs,
      getPosition: position,
      getText: (s) => opts.glyphs[s.properties.type] ?? '?',
      getColor: WHITE,
      getSize: 13,
      sizeUnits: 'pixels',
      fontFamily: FONT_FAMILY,
      fontWeight: 700,
      characterSet,
      getTextAnchor: 'middle',
      getAlignmentBaseline: 'center',
      updateTriggers: { getText: characterSet.join('') },
      pickable: false,
    }),
  ]
}
