import { ScatterplotLayer, SolidPolygonLayer } from '@deck.gl/layers'
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

/** A location marked on the map by the incident workflow. */
export interface IncidentMarker {
  position: [number, number]
  /** `selected`: the incident whose panel is open; `draft`: a point picked for a report or a move. */
  kind: 'selected' | 'draft'
}

const MARKER_FILL: Record<IncidentMarker['kind'], [number, number, number, number]> = {
  selected: [255, 193, 7, 60],
  draft: [0, 137, 123, 230],
}
const MARKER_LINE: Record<IncidentMarker['kind'], [number, number, number, number]> = {
  selected: [255, 160, 0, 255],
  draft: [255, 255, 255, 255],
}

/** Rings around the open incident and the point picked for a report or move (pixel-sized, not pickable). */
export function incidentMarkersLayer(markers: IncidentMarker[]) {
  return new ScatterplotLayer<IncidentMarker>({
    id: 'incident-markers',
    data: markers,
    getPosition: (m) => m.position,
    getFillColor: (m) => MARKER_FILL[m.kind],
    getLineColor: (m) => MARKER_LINE[m.kind],
    getRadius: (m) => (m.kind === 'draft' ? 7 : 11),
    radiusUnits: 'pixels',
    stroked: true,
    lineWidthUnits: 'pixels',
    getLineWidth: (m) => (m.kind === 'draft' ? 2.5 : 3),
    pickable: false,
    updateTriggers: { getFillColor: markers, getLineColor: markers },
  })
}

/** Id of the layer that catches map clicks while a location is being picked. */
export const PICK_SURFACE_ID = 'pick-surface'

/**
 * A practically transparent rectangle over `bbox`, on top of every layer, so that while a location
 * is being picked any click lands on it and reports its coordinate (the map passes on picked
 * objects only). Alpha 1 rather than 0 keeps it in the picking pass. It stays in the layer list
 * and is only shown or hidden, so entering pick mode adds no MapLibre layer (which MapLibre
 * defers while a source loads); the first frame after showing it still precedes its picking.
 */
export function pickSurfaceLayer(bbox: readonly number[], opts: { active: boolean }) {
  const [w, s, e, n] = bbox
  const dx = (e - w) * 0.1
  const dy = (n - s) * 0.1
  return new SolidPolygonLayer<{ polygon: [number, number][] }>({
    id: PICK_SURFACE_ID,
    data: [{ polygon: [[w - dx, s - dy], [e + dx, s - dy], [e + dx, n + dy], [w - dx, n + dy], [w - dx, s - dy]] }],
    getPolygon: (d) => d.polygon,
    getFillColor: [0, 0, 0, 1],
    visible: opts.active,
    pickable: true,
  })
}
