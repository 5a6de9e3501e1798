import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'

/** GeoJSON geometry as PostGIS writes it; validated loosely (it is ours, not user input). */
export const GeometrySchema = z
  .object({ type: z.string(), coordinates: z.array(z.any()) })
  .openapi('Geometry', { description: 'GeoJSON geometry (WGS84)' })

export const featureCollection = <P extends z.ZodTypeAny>(name: string, properties: P) =>
  z
    .object({
      type: z.literal('FeatureCollection'),
      features: z.array(
        z.object({ type: z.literal('Feature'), id: z.number(), geometry: GeometrySchema, properties }),
      ),
    })
    .openapi(name)

/**
 * Send JSON text that PostgreSQL already serialised, typed as T for the RPC client.
 * Building big GeoJSON in SQL and passing the text through avoids a parse and re-stringify in Node.
 */
export function jsonText<T, S extends 200 = 200>(c: Context, text: string, status: S = 200 as S) {
  return c.body(text, status, { 'Content-Type': 'application/json; charset=utf-8' }) as unknown as import('hono').TypedResponse<T, S, 'json'>
}
