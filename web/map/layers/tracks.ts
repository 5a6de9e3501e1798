import { COORDINATE_SYSTEM } from '@deck.gl/core'
import { TripsLayer } from '@deck.gl/geo-layers'
import { PathStyleExtension, type PathStyleExtensionProps } from '@deck.gl/extensions'
import { PathLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers'
import type { RGB, RGBA } from '../colors.ts'
import { FONT_FAMILY } from '../fonts.ts'
import type { Playback } from '../../patrols/playback.ts'

/** Categorical colours for people (ColorBrewer Dark2 + Set1), by their order in the day's list. */
export const PERSON_COLORS: RGB[] = [
  [27, 158, 119], [217, 95, 2], [117, 112, 179], [231, 41, 138], [102, 166, 30], [230, 171, 2],
  [166, 118, 29], [228, 26, 28], [55, 126, 184], [152, 78, 163], [255, 127, 0], [77, 175, 74],
]

/** Colour of each track, from its person's index in `order`. */
function trackColors(p: Playback, order: Map<number, number>): Uint8Array {
  const out = new Uint8Array(4 * p.n)
  for (let k = 0; k < p.n; k++) {
    const [r, g, b] = PERSON_COLORS[(order.get(p.person[k]) ?? 0) % PERSON_COLORS.length]
    out.set([r, g, b, 255], 4 * k)
  }
  return out
}

export interface TrackHead {
  person: number
  at: [number, number]
  color: RGB
}

/**
 * A day's tracks for playback: the whole day's paths faint, the last `trailSeconds` before `time`
 * bright (deck.gl TripsLayer over the packed binary, no per-fix objects), and where each walker is
 * at `time`.
 */
export function trackLayers(p: Playback, order: Map<number, number>, time: number, heads: TrackHead[], trailSeconds = 900) {
  const colors = trackColors(p, order)
  const data = {
    length: p.n,
    startIndices: p.start,
    attributes: {
      getPath: { value: p.xy, size: 2 },
      getTimestamps: { value: Float32Array.from(p.time), size: 1 },
      getColor: { value: colors, size: 4, normalized: true },
    },
  }
  const offsets = { coordinateSystem: COORDINATE_SYSTEM.LNGLAT_OFFSETS, coordinateOrigin: [p.origin[0], p.origin[1], 0] as [number, number, number] }
  const faint: RGBA = [40, 40, 40, 70]
  return [
    new PathLayer({
      id: 'tracks-day',
      data: { length: p.n, startIndices: p.start, attributes: { getPath: { value: p.xy, size: 2 } } },
      ...offsets,
      getColor: faint,
      widthUnits: 'pixels',
      getWidth: 1.5,
      pickable: false,
      // The packed arrays are replaced, never mutated: a new object means new data.
      updateTriggers: { getPath: p },
    }),
    new TripsLayer({
      id: 'tracks-trips',
      data,
      ...offsets,
      currentTime: time,
      trailLength: trailSeconds,
      fadeTrail: true,
      widthUnits: 'pixels',
      getWidth: 4,
      capRounded: true,
      jointRounded: true,
      pickable: false,
    }),
    new ScatterplotLayer<TrackHead>({
      id: 'tracks-heads',
      data: heads,
      getPosition: (h) => h.at,
      getFillColor: (h) => [...h.color, 255],
      getLineColor: [255, 255, 255, 255],
      stroked: true,
      radiusUnits: 'pixels',
      getRadius: 6,
      lineWidthUnits: 'pixels',
      getLineWidth: 2,
      pickable: true,
    }),
  ]
}

export interface PlannedStop {
  lon: number
  lat: number
  /** 1-based walking order. */
  n: number
  visited?: boolean
}

/** Colour of a planned route: dashed line and numbered stops (green once visited). */
export const ROUTE_COLOR: RGB = [33, 33, 33]
export const VISITED_COLOR: RGB = [26, 152, 80]
/** A walk measured along roads is drawn solid in this colour over its road path. */
export const ROAD_ROUTE_COLOR: RGB = [49, 54, 149]

/** The walk between the stops as the server measured it: each leg's path, along roads or straight. */
export interface PlannedLegs {
  paths: [number, number][][]
  road: boolean
}

/**
 * A planned walk, each stop numbered: along roads a solid line over each leg's road path; otherwise
 * (straight lines, or not measured yet) a dashed line from stop to stop.
 */
export function plannedRouteLayers(id: string, stops: PlannedStop[], fontReady: boolean, legs?: PlannedLegs | null) {
  const straight = stops.map((s) => [s.lon, s.lat] as [number, number])
  const layers = [
    legs?.road
      ? new PathLayer<[number, number][]>({
          id: `${id}-road`,
          data: legs.paths,
          getPath: (d) => d,
          getColor: [...ROAD_ROUTE_COLOR, 235],
          widthUnits: 'pixels',
          getWidth: 3.5,
          capRounded: true,
          jointRounded: true,
        })
      : new PathLayer<{ path: [number, number][] }, PathStyleExtensionProps>({
          id: `${id}-line`,
          data: straight.length > 1 ? [{ path: straight }] : [],
          getPath: (d) => d.path,
          getColor: [...ROUTE_COLOR, 220],
          widthUnits: 'pixels',
          getWidth: 2.5,
          getDashArray: [6, 4],
          dashJustified: true,
          extensions: [new PathStyleExtension({ dash: true })],
        }),
    new ScatterplotLayer<PlannedStop>({
      id: `${id}-stops`,
      data: stops,
      getPosition: (s) => [s.lon, s.lat],
      getFillColor: (s) => [...(s.visited ? VISITED_COLOR : ROUTE_COLOR), 255],
      getLineColor: [255, 255, 255, 255],
      stroked: true,
      radiusUnits: 'pixels',
      getRadius: 10,
      lineWidthUnits: 'pixels',
      getLineWidth: 2,
      updateTriggers: { getFillColor: stops.map((s) => s.visited).join() },
    }),
  ]
  return fontReady
    ? [
        ...layers,
        new TextLayer<PlannedStop>({
          id: `${id}-numbers`,
          data: stops,
          getPosition: (s) => [s.lon, s.lat],
          getText: (s) => String(s.n),
          getSize: 12,
          getColor: [255, 255, 255, 255],
          fontFamily: FONT_FAMILY,
          fontWeight: 700,
          characterSet: '0123456789',
        }),
      ]
    : layers
}
