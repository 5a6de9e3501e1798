import type { Feature, LineString, Polygon, Position } from 'geojson'
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl'
import { useEffect, useRef } from 'react'
import {
  TerraDraw,
  TerraDrawLineStringMode,
  TerraDrawPolygonMode,
  TerraDrawSelectMode,
  type GeoJSONStoreFeatures,
  type HexColor,
} from 'terra-draw'
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter'
import type { BoundaryEdit, EditFeature, EditTool } from '../areas/boundaryEdit.ts'
import { containsPoint, crossedArea, polygonsOf, replacePart, stretchEnds, withExactVertices } from '../areas/editGeometry.ts'

/** terra-draw's mode for each toolbar tool; merge picks children with plain clicks (terra-draw idles in its static mode). */
const MODE_OF: Record<EditTool, string> = { select: 'select', draw: 'polygon', split: 'linestring', merge: 'static' }

/** terra-draw rejects coordinates with more decimals than its precision (9 ≈ 0.1 mm). */
const PRECISION = 9
const round = (v: number) => Math.round(v * 10 ** PRECISION) / 10 ** PRECISION

const EDGE: HexColor = '#00897b'
const ACTIVE: HexColor = '#ff1744'
const VERTEX: HexColor = '#ffffff'

/** A dragged vertex snaps to the other children's vertices, else their edges, so a moved vertex lands on a shared edge. */
const SNAP_TO_NEIGHBOURS = { toCoordinate: true, toLine: true } as const
/** Drawn polygons and lines snap likewise (terra-draw's own toCoordinate only sees features of the mode drawing). */
const SNAP_TO_CHILDREN = { toFeature: { filter: (f: Feature) => f.properties?.mode === 'polygon', toCoordinate: true, toLine: true } }
/** A split line's point within this many pixels of a sub-area corner goes exactly onto it. */
const SUB_AREA_SNAP_PX = 10

/** Nearest of `vertices` within SUB_AREA_SNAP_PX of the pointer (screen distance), if any. */
function nearestVertex(map: MapLibreMap, at: { containerX: number; containerY: number }, vertices: Position[]): Position | undefined {
  let best: Position | undefined
  let bestD = SUB_AREA_SNAP_PX
  for (const v of vertices) {
    const p = map.project(v as [number, number])
    const d = Math.hypot(p.x - at.containerX, p.y - at.containerY)
    if (d < bestD) {
      best = v
      bestD = d
    }
  }
  return best
}

function createDraw(map: MapLibreMap, subAreaVertices: () => Position[]): TerraDraw {
  return new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, prefixId: 'boundary-edit', coordinatePrecision: PRECISION }),
    modes: [
      new TerraDrawSelectMode({
        // No key deletes, rotates or scales a whole child: every change must become an op.
        keyEvents: { deselect: 'Escape', delete: null, rotate: null, scale: null },
        flags: {
          polygon: {
            feature: {
              draggable: false,
              coordinates: { draggable: true, midpoints: true, deletable: true, snappable: SNAP_TO_NEIGHBOURS },
            },
          },
        },
        styles: { selectedPolygonColor: ACTIVE, selectedPolygonFillOpacity: 0.08, selectedPolygonOutlineColor: ACTIVE, selectedPolygonOutlineWidth: 3, selectionPointColor: VERTEX, selectionPointOutlineColor: ACTIVE, selectionPointWidth: 5, midPointColor: ACTIVE },
      }),
      new TerraDrawPolygonMode({
        snapping: SNAP_TO_CHILDREN,
        styles: { fillColor: EDGE, fillOpacity: 0.04, outlineColor: EDGE, outlineWidth: 1.5, closingPointColor: ACTIVE, snappingPointColor: ACTIVE },
      }),
      new TerraDrawLineStringMode({
        // Only the sub-areas' exact corners (the children's corners are among them): terra-draw would let
        // its feature snapping, with the map's rounded coordinates, win over a custom snap.
        snapping: { toCustom: (e) => nearestVertex(map, e, subAreaVertices()) },
        styles: { lineStringColor: ACTIVE, lineStringWidth: 3, closingPointColor: ACTIVE, snappingPointColor: ACTIVE } }),
    ],
  })
}

/** The editable polygons of the children as terra-draw features: one per polygon part, tagged with area id and part. */
function drawFeatures(features: EditFeature[]): GeoJSONStoreFeatures[] {
  return features
    .filter((f) => f.properties.action !== 'remove')
    .flatMap((f) =>
      polygonsOf(f.geometry).map((rings, part) => ({
        type: 'Feature' as const,
        geometry: { type: 'Polygon' as const, coordinates: rings.map((r) => r.map(([x, y]) => [round(x), round(y)])) },
        properties: { mode: 'polygon', areaId: f.id, part },
      })),
    )
}

/**
 * terra-draw on the map while boundaries are edited (issue 7): the children are its polygons;
 * "select" drags their vertices (snapping to the neighbours' vertices and edges) and each drag
 * becomes a reshape op, "draw" draws a polygon that asks for a name (create op), "split" draws a
 * line (snapping to the corners of the child's sub-areas too, so it can follow their edges: the
 * server refuses a split that cuts a sub-area) and splits the child it crosses, "merge" picks children with clicks. terra-draw owns the
 * pointer meanwhile; the shell ignores map clicks. ESC drops a drawing in progress.
 */
export function useTerraDraw(map: MapLibreMap | null, edit: BoundaryEdit): void {
  const drawRef = useRef<TerraDraw | null>(null)
  const latest = useRef(edit)
  latest.current = edit
  const active = edit.parentId !== undefined

  useEffect(() => {
    if (!map || !active) return
    const draw = createDraw(map, () => latest.current.subAreaVertices)
    draw.start()
    drawRef.current = draw
    const areaOf = (id: number) => latest.current.features.find((f) => f.id === id)

    draw.on('finish', (id, ctx) => {
      const e = latest.current
      const feature = draw.getSnapshotFeature(id)
      if (!feature) return
      if (ctx.mode === 'polygon') {
        draw.removeFeatures([id])
        e.requestCreate(withExactVertices(feature.geometry as Polygon, e.exactVertex))
      } else if (ctx.mode === 'linestring') {
        draw.removeFeatures([id])
        const line = stretchEnds(feature.geometry as LineString)
        const target = crossedArea(line, e.features.filter((f) => f.properties.action !== 'remove'))
        if (target) e.addOp({ op: 'split', id: target.id, line })
        else e.notify('split_misses')
      } else if (ctx.mode === 'select' && ctx.action !== 'draw') {
        const { areaId, part } = feature.properties as { areaId: number; part: number }
        const area = areaOf(areaId)
        if (area) e.addOp({ op: 'reshape', id: areaId, geometry: withExactVertices(replacePart(area.geometry, part, feature.geometry as Polygon), e.exactVertex) })
      }
    })

    // Merge picks: a click inside a child toggles it (terra-draw is static then and ignores clicks).
    const onClick = (ev: MapMouseEvent) => {
      const e = latest.current
      if (e.tool !== 'merge') return
      const p: Position = [ev.lngLat.lng, ev.lngLat.lat]
      const hit = e.features.find((f) => f.properties.action !== 'remove' && containsPoint(f.geometry, p))
      if (hit) e.toggleMergePick(hit.id)
    }
    map.on('click', onClick)
    // terra-draw hears keys only while the canvas has focus; ESC anywhere drops the drawing in progress.
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key !== 'Escape' || draw.getModeState() !== 'drawing') return
      const mode = draw.getMode()
      draw.setMode('static')
      draw.setMode(mode)
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      map.off('click', onClick)
      drawRef.current = null
      draw.stop()
    }
  }, [map, active])

  // The store follows the result of the ops (after every check, undo or opened draft).
  useEffect(() => {
    const draw = drawRef.current
    if (!draw) return
    const mode = draw.getMode()
    draw.clear()
    const invalid = draw.addFeatures(drawFeatures(edit.features)).filter((v) => !v.valid)
    if (invalid.length) console.warn('boundary edit: polygons terra-draw cannot edit', invalid)
    if (draw.getMode() !== mode) draw.setMode(mode)
  }, [edit.features, active, map])

  useEffect(() => {
    drawRef.current?.setMode(MODE_OF[edit.tool])
  }, [edit.tool, active, map])
}
