import { COORDINATE_SYSTEM } from '@deck.gl/core'
import { TripsLayer } from '@deck.gl/geo-layers'
import { PathLayer, ScatterplotLayer } from '@deck.gl/layers'
import type { RGB, RGBA } from '../colors.ts'
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
