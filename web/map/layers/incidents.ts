import { ScatterplotLayer } from '@deck.gl/layers'
import type { IncidentPoints } from '../../incidents/decode.ts'
import { colorOf, INCIDENT_COLORS } from '../colors.ts'

/** Per-point RGBA bytes from the type index, built once per data set. */
export function incidentColors(points: IncidentPoints, types: readonly string[]): Uint8Array {
  const palette = types.map((t) => colorOf(INCIDENT_COLORS, t))
  const out = new Uint8Array(4 * points.length)
  for (let i = 0; i < points.length; i++) {
    const c = palette[points.typeIndex[i]] ?? [120, 120, 120]
    out.set(c, 4 * i)
    out[4 * i + 3] = 170
  }
  return out
}

/** Incident points from binary columns (no per-point JS objects). */
export function incidentsLayer(points: IncidentPoints, colors: Uint8Array, opts: { visible: boolean }) {
  return new ScatterplotLayer({
    id: 'incidents',
    data: {
      length: points.length,
      attributes: {
        getPosition: { value: points.positions, size: 2 },
        getFillColor: { value: colors, size: 4, normalized: true },
      },
    },
    visible: opts.visible,
    // On the ground: the whole district reads as density, a grid shows each point.
    radiusUnits: 'meters',
    getRadius: 6,
    radiusMinPixels: 1,
    radiusMaxPixels: 5,
    stroked: false,
    pickable: true,
    autoHighlight: true,
  })
}
