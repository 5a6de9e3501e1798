import { sql, type SQL } from 'drizzle-orm'
import { customType } from 'drizzle-orm/pg-core'
import type { Geometry } from 'geojson'

/**
 * A PostGIS geometry column written as GeoJSON (drizzle's own `geometry` is points only).
 * Reads select `ST_AsGeoJSON(geom)` in SQL, which arrives here as text.
 */
export const geometry = (name: string, type: string, srid = 4326) =>
  customType<{ data: Geometry; driverData: string }>({
    dataType: () => `geometry(${type}, ${srid})`,
    toDriver: (value): SQL => sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(value)}), ${srid})`,
    fromDriver: (value) => JSON.parse(value),
  })(name)
