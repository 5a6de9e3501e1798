/** Incident points as columnar arrays, ready for deck.gl binary attributes. */
export interface IncidentPoints {
  length: number
  /** Interleaved lon,lat pairs (deck.gl wants size-2 positions). */
  positions: Float32Array
  /** Index into config.incidentTypes. */
  typeIndex: Uint8Array
}

/**
 * Decodes the /api/incidents/points body: Float32 lon[n], Float32 lat[n], Uint8 typeIndex[n].
 * n = byteLength / 9. Both float blocks start at multiples of 4, so typed views work; positions
 * are interleaved because deck.gl reads a size-2 attribute.
 */
export function decodeIncidentPoints(buf: ArrayBuffer): IncidentPoints {
  if (buf.byteLength % 9 !== 0) throw new Error(`incident points: ${buf.byteLength} bytes is not a multiple of 9`)
  const n = buf.byteLength / 9
  const lon = new Float32Array(buf, 0, n)
  const lat = new Float32Array(buf, 4 * n, n)
  const typeIndex = new Uint8Array(buf, 8 * n, n)
  const positions = new Float32Array(2 * n)
  for (let i = 0; i < n; i++) {
    positions[2 * i] = lon[i]
    positions[2 * i + 1] = lat[i]
  }
  return { length: n, positions, typeIndex }
}

/** Keeps only the points whose type is enabled; returns the input when all are. */
export function filterByType(points: IncidentPoints, enabled: readonly boolean[]): IncidentPoints {
  if (enabled.every(Boolean)) return points
  let m = 0
  for (let i = 0; i < points.length; i++) if (enabled[points.typeIndex[i]]) m++
  const positions = new Float32Array(2 * m)
  const typeIndex = new Uint8Array(m)
  let j = 0
  for (let i = 0; i < points.length; i++) {
    const t = points.typeIndex[i]
    if (!enabled[t]) continue
    positions[2 * j] = points.positions[2 * i]
    positions[2 * j + 1] = points.positions[2 * i + 1]
    typeIndex[j++] = t
  }
  return { length: m, positions, typeIndex }
}
