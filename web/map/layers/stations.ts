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

/** Closed stations in the registry view: grey, hollow. */
export const CLOSED_STATION_COLOR: RGBA = [140, 140, 140, 255]
/** The service area of the station whose panel is open, and the point picked for a new or moved station. */
export const FOCUS_COLOR: [number, number, number] = [0, 184, 255]

export interface RegistryLayerOptions {
  /** The station whose panel is open: its disc is drawn at its own radius (none once closed). */
  focus?: { position: [number, number]; radiusM: number; open: boolean }
  /** A point picked for a new station or a move, not yet confirmed. */
  draft: [number, number] | null
}

/**
 * The planner's station registry: every station of the scope (closed ones grey and hollow, so they
 * can be found and reopened), pickable by the id 'registry-stations'; the open station's service
 * area; the picked point. Kept separate from stationLayers(), which shows open stations only.
 */
export function stationRegistryLayers(stations: Station[], opts: RegistryLayerOptions) {
  const closed = (s: Station) => s.properties.closed_on !== null
  const focus = opts.focus
  return [
    new ScatterplotLayer<{ position: [number, number]; radiusM: number }>({
      id: 'registry-service',
      data: focus?.open ? [focus] : [],
      getPosition: (f) => f.position,
      radiusUnits: 'meters',
      getRadius: (f) => f.radiusM,
      getFillColor: [...FOCUS_COLOR, 45],
      getLineColor: [...FOCUS_COLOR, 255],
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 3,
      updateTriggers: { getRadius: focus?.radiusM },
    }),
    new ScatterplotLayer<Station>({
      id: 'registry-stations',
      data: stations,
      getPosition: position,
      getFillColor: (s) => (closed(s) ? WHITE : fill(s)),
      getLineColor: (s) => (closed(s) ? CLOSED_STATION_COLOR : WHITE),
      stroked: true,
      radiusUnits: 'pixels',
      getRadius: 6,
      lineWidthUnits: 'pixels',
      getLineWidth: (s) => (closed(s) ? 2.5 : 1.5),
      pickable: true,
      autoHighlight: true,
      updateTriggers: { getFillColor: stations, getLineColor: stations },
    }),
    new ScatterplotLayer<[number, number]>({
      id: 'registry-draft',
      data: [opts.draft, focus?.position].filter((p): p is [number, number] => !!p),
      getPosition: (p) => p,
      radiusUnits: 'pixels',
      getRadius: (p) => (p === opts.draft ? 8 : 11),
      getFillColor: (p) => (p === opts.draft ? [...FOCUS_COLOR, 230] : [0, 0, 0, 0]),
      getLineColor: [255, 255, 255, 255],
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 2.5,
      updateTriggers: { getRadius: opts.draft, getFillColor: opts.draft },
    }),
  ]
}
