// The browser-side geometry of boundary editing (web/areas/editGeometry.ts): which child a drawn
// split line cuts, stretching its ends past a snapped edge, picking by point, replacing one part.
import type { LineString, MultiPolygon, Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { containsPoint, crossedArea, exactVertexLookup, replacePart, stretchEnds, verticesOf, withExactVertices } from '../../web/areas/editGeometry.ts'

const square = (x: number, y: number, s = 1): Polygon => ({ type: 'Polygon', coordinates: [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]] })
const line = (...c: number[][]): LineString => ({ type: 'LineString', coordinates: c })
// Three unit squares in a row: 1 | 2 | 3.
const row = [1, 2, 3].map((id, i) => ({ id, geometry: square(i, 0) }))

describe('crossedArea', () => {
  it('finds the area a line crosses from edge to edge, not the neighbours it pokes into', () => {
    // Across square 2 top to bottom, starting and ending a little outside it.
    expect(crossedArea(line([1.5, 1.2], [1.5, -0.2]), row)?.id).toBe(2)
    // Across square 2 left to right, reaching into squares 1 and 3 (each crossed once).
    expect(crossedArea(line([0.8, 0.5], [2.2, 0.5]), row)?.id).toBe(2)
  })

  it('answers nothing for a line that stays inside one area or crosses one edge only', () => {
    expect(crossedArea(line([1.2, 0.2], [1.8, 0.8]), row)).toBeUndefined()
    expect(crossedArea(line([1.5, 0.5], [1.5, 1.5]), row)).toBeUndefined()
  })

  it('prefers the area holding the middle of the line when several are crossed twice', () => {
    // Through 1, 2 and 3: every one is crossed twice. The middle of the middle segment (0.5 → 2.5)
    // lies in 2; with three points the middle segment is the first (-0.5 → 1.5), its middle in 1.
    expect(crossedArea(line([-0.5, 0.5], [0.5, 0.5], [2.5, 0.5], [3.5, 0.5], [3.6, 0.5]), row)?.id).toBe(2)
    expect(crossedArea(line([-0.5, 0.5], [1.5, 0.5], [3.5, 0.5]), row)?.id).toBe(1)
  })
})

describe('stretchEnds', () => {
  it('pushes both ends further along their own segments and keeps the middle', () => {
    const s = stretchEnds(line([0, 0], [1, 0], [1, 1]), 0.1)
    expect(s.coordinates).toHaveLength(3)
    expect(s.coordinates[0][0]).toBeCloseTo(-0.1, 12)
    expect(s.coordinates[0][1]).toBeCloseTo(0, 12)
    expect(s.coordinates[1]).toEqual([1, 0])
    expect(s.coordinates[2][0]).toBeCloseTo(1, 12)
    expect(s.coordinates[2][1]).toBeCloseTo(1.1, 12)
  })

  it('turns a line ending exactly on an edge into one crossing it', () => {
    // From the top edge of square 2 to its bottom edge, both ends on the edges.
    const snapped = line([1.5, 1], [1.5, 0])
    expect(crossedArea(stretchEnds(snapped, 1e-5), [row[1]])?.id).toBe(2)
  })
})

describe('containsPoint and replacePart', () => {
  const withHole: Polygon = { type: 'Polygon', coordinates: [square(0, 0, 4).coordinates[0], square(1, 1, 2).coordinates[0]] }
  const two: MultiPolygon = { type: 'MultiPolygon', coordinates: [square(0, 0).coordinates, square(5, 0).coordinates] }

  it('counts a point in a hole as outside, and finds points in any part', () => {
    expect(containsPoint(withHole, [0.5, 0.5])).toBe(true)
    expect(containsPoint(withHole, [2, 2])).toBe(false)
    expect(containsPoint(two, [5.5, 0.5])).toBe(true)
    expect(containsPoint(two, [3, 0.5])).toBe(false)
  })

  it('replaces one part of a multipolygon and keeps the others', () => {
    const moved = replacePart(two, 1, square(6, 0))
    expect(moved.type).toBe('MultiPolygon')
    expect((moved as MultiPolygon).coordinates[0]).toEqual(two.coordinates[0])
    expect((moved as MultiPolygon).coordinates[1]).toEqual(square(6, 0).coordinates)
    expect(replacePart(square(0, 0), 0, square(1, 1))).toEqual(square(1, 1))
  })

  it('lists each shared corner once', () => {
    // Two squares side by side share two corners: 6 distinct corners.
    expect(verticesOf(row.slice(0, 2))).toHaveLength(6)
  })
})

describe('exactVertexLookup', () => {
  const exact = [[104.26918645123, 30.55921694871], [104.2692899, 30.5581471]]
  const lookup = exactVertexLookup(exact)

  it('maps a coordinate rounded to 6 or 7 decimals back to the stored vertex', () => {
    expect(lookup([104.269186, 30.559217])).toEqual(exact[0])
    expect(lookup([104.2691865, 30.5592169])).toEqual(exact[0])
    expect(lookup([104.26929, 30.558147])).toEqual(exact[1])
  })

  it('keeps a moved vertex where it was put (nothing stored within 10 cm)', () => {
    expect(lookup([104.2692, 30.5585])).toEqual([104.2692, 30.5585])
  })

  it('passes every vertex of a polygon through it', () => {
    const g: Polygon = { type: 'Polygon', coordinates: [[[104.269186, 30.559217], [104.26929, 30.558147], [104.2692, 30.5585], [104.269186, 30.559217]]] }
    expect(withExactVertices(g, lookup).coordinates[0]).toEqual([exact[0], exact[1], [104.2692, 30.5585], exact[0]])
  })
})
