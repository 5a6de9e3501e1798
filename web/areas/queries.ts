import { queryOptions } from '@tanstack/react-query'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { bboxParam, okJson } from '../app/api.ts'
import type { MultiPolygon, Polygon } from 'geojson'
import { client, geometryAs } from '../app/client.ts'

export interface AreasFilter {
  level?: AreaLevel
  parent?: number
  bbox?: readonly number[]
}

/** Area polygons by level, parent and/or bbox (GeoJSON). */
export const areasQuery = (f: AreasFilter, enabled = true) =>
  queryOptions({
    queryKey: ['areas', f.level ?? null, f.parent ?? null, bboxParam(f.bbox) ?? null],
    queryFn: ({ signal }) =>
      okJson(
        client.areas.$get(
          { query: { level: f.level, parent: f.parent === undefined ? undefined : String(f.parent), bbox: bboxParam(f.bbox) } },
          { init: { signal } },
        ),
      ).then(geometryAs<Polygon | MultiPolygon>()),
    staleTime: 5 * 60_000,
    enabled,
    // Panning keeps the last bbox's areas on screen until the new ones arrive.
    placeholderData: (prev) => (f.bbox ? prev : undefined),
  })

/** One area with its ancestors, children, workers and incident counts. */
export const areaDetailQuery = (id: number | undefined) =>
  queryOptions({
    queryKey: ['area', id ?? null],
    queryFn: ({ signal }) => okJson(client.areas[':id'].$get({ param: { id: String(id) } }, { init: { signal } })),
    enabled: id !== undefined,
    staleTime: 60_000,
  })
