import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql, type SQL } from 'drizzle-orm'

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
export function jsonText<T, S extends 200 | 201 = 200>(c: Context, text: string, status: S = 200 as S) {
  return c.body(text, status, { 'Content-Type': 'application/json; charset=utf-8' }) as unknown as import('hono').TypedResponse<T, S, 'json'>
}

/** SQL: one row as a GeoJSON Feature (6 decimals ≈ 0.1 m). */
export const featureSql = (id: SQL, geom: SQL, properties: SQL) =>
  sql`json_build_object('type', 'Feature', 'id', ${id}, 'geometry', ST_AsGeoJSON(${geom}, 6)::json, 'properties', ${properties})`

/**
 * SQL aggregate: the group's features as one FeatureCollection, as text ready to send. `members`
 * adds foreign members before `features` (key, value, …: e.g. sql`'distance', 'road'::text`).
 */
export const featureCollectionSql = (feature: SQL, orderBy: SQL, members?: SQL) =>
  sql`json_build_object('type', 'FeatureCollection', ${members ? sql`${members}, ` : sql``}'features', coalesce(json_agg(${feature} order by ${orderBy}), '[]'::json))::text`
