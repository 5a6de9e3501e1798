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
}

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
      lineWidthUnits: 'pixels',
      getLineWidth: 2,
      radiusUnits: 'pixels',
      getRadius: 11,
      pickable: true,
      autoHighlight: true,
    }),
    opts.fontReady &&
    new TextLayer<Station>({
      id: 'station-glyphs',
      data: stations,
      visible: opts.visible,
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
