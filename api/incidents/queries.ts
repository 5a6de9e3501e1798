import { sql, type SQL } from 'drizzle-orm'
import { type AreaLevel } from '../../geo-data/generate/types.ts'
import { AREA_COLUMN, incidentColumn, incidentInArea } from '../areas/queries.ts'
import { featureCollectionSql, featureSql } from '../lib/geojson.ts'

export interface IncidentFilter {
  bbox?: [number, number, number, number]
  types?: string[]
  statuses?: string[]
  /** How the incidents came in (INCIDENT_SOURCES), e.g. `patrol`. */
  sources?: string[]
  from?: string
  to?: string
  area?: { id: number; level: AreaLevel }
  /**
   * The user's scope areas by level, repeated as an explicit condition when no `area` is given:
   * RLS already guarantees the rows, but only a condition in the query lets the planner use the
   * per-area indexes (a grid leader's newest incidents: 40 ms by walking all incidents by time).
   */
  scope?: Partial<Record<AreaLevel, number[]>>
}


/** Page position: the last row's (reported_at, id); the list runs newest first. */
export interface Cursor {
  t: string
  id: number
}

export const encodeCursor = (c: Cursor) => Buffer.from(`${c.t}|${c.id}`).toString('base64url')

export function decodeCursor(s: string): Cursor | null {
  const [t, id] = Buffer.from(s, 'base64url').toString('utf8').split('|')
  const n = Number(id)
  if (!t || !Number.isSafeInteger(n) || Number.isNaN(Date.parse(t))) return null
  return { t, id: n }
}

/** A timestamptz as ISO-8601 UTC text, whatever the session's time zone. */
export const isoUtc = (col: SQL) => sql`to_char((${col}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * `column = value` for one value, `column = any(values)` for several. With `=` the planner knows the
 * column is constant, so an index on (column, reported_at) yields the newest rows first; with
 * `= any(…)` (PostgreSQL 15) it cannot, and walks every incident by time, testing each (at 1M
 * incidents `type=telecom_fraud&status=dispatched` took 145–450 ms, now ~7 ms: docs/api.md, "Speed").
 */
function oneOf(column: SQL, values: readonly (string | number)[], type: 'text' | 'int'): SQL {
  if (values.length === 1) return type === 'int' ? sql`${column} = ${values[0]}::int` : sql`${column} = ${values[0]}::text`
  return type === 'int' ? sql`${column} = any(${sql.param(values)}::int[])` : sql`${column} = any(${sql.param(values)}::text[])`
}

/** WHERE conditions of an incident filter (alias `i`). */
export function incidentWhere(f: IncidentFilter): SQL {
  const where: SQL[] = [sql`true`]
  if (f.bbox) where.push(sql`i.geom && ST_MakeEnvelope(${f.bbox[0]}, ${f.bbox[1]}, ${f.bbox[2]}, ${f.bbox[3]}, 4326)`)
  if (f.types?.length) where.push(oneOf(sql`i.type`, f.types, 'text'))
  if (f.statuses?.length) where.push(oneOf(sql`i.status`, f.statuses, 'text'))
  if (f.sources?.length) where.push(oneOf(sql`i.source`, f.sources, 'text'))
  if (f.from) where.push(sql`i.reported_at >= ${f.from}::timestamptz`)
  if (f.to) where.push(sql`i.reported_at < ${f.to}::timestamptz`)
  if (f.area) where.push(incidentInArea(f.area.level, f.area.id))
  else if (f.scope && !f.scope.district) {
    const any = (Object.keys(AREA_COLUMN) as (keyof typeof AREA_COLUMN)[])
      .filter((level) => f.scope![level]?.length)
      .map((level) => oneOf(incidentColumn(level), f.scope![level]!, 'int'))
    where.push(any.length ? sql`(${sql.join(any, sql` or `)})` : sql`false`)
  }
  return sql.join(where, sql` and `)
}

/** One page of incidents, newest first, as a GeoJSON FeatureCollection text plus the last row's key. */
export function incidentPage(f: IncidentFilter, limit: number, after?: Cursor): SQL {
  const page = after ? sql`and (i.reported_at, i.id) < (${after.t}::timestamptz, ${after.id})` : sql``
  return sql`
    with page as (
      select i.* from incidents i
      where ${incidentWhere(f)} ${page}
      order by i.reported_at desc, i.id desc
      limit ${limit}
    )
    select ${featureCollectionSql(
      featureSql(sql`p.id`, sql`p.geom`, sql`json_build_object('id', p.id, 'type', p.type, 'status', p.status, 'source', p.source,
        'reported_at', ${isoUtc(sql`p.reported_at`)}, 'closed_at', ${isoUtc(sql`p.closed_at`)}, 'description', p.description,
        'micro_grid_id', p.micro_grid_id, 'grid_id', p.grid_id, 'community_id', p.community_id, 'street_id', p.street_id)`),
      sql`p.reported_at desc, p.id desc`,
    )} as fc,
    count(*)::int as n,
    (array_agg(p.reported_at order by p.reported_at asc, p.id asc))[1] as last_t,
    (array_agg(p.id order by p.reported_at asc, p.id asc))[1] as last_id,
    coalesce(array_agg(p.id), '{}') as ids
    from page p`
}

/**
 * Incident points packed by PostgreSQL as big-endian float4/int2 arrays, to be sent as
 * Float32 lon[n], Float32 lat[n], Uint8 type[n]: ~9 bytes per incident instead of ~300 as GeoJSON.
 */
export function incidentPointsBinary(f: IncidentFilter): SQL {
  return sql`
    select count(*)::int as n,
      coalesce(string_agg(float4send(ST_X(i.geom)::float4), ''::bytea), ''::bytea) as xs,
      coalesce(string_agg(float4send(ST_Y(i.geom)::float4), ''::bytea), ''::bytea) as ys,
      coalesce(string_agg(int2send(coalesce(array_position((select incident_type_codes()), i.type) - 1, 255)::int2), ''::bytea), ''::bytea) as ts
    from incidents i
    where ${incidentWhere(f)}`
}
