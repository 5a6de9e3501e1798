import { sql, type SQL } from 'drizzle-orm'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { featureCollectionSql, featureSql } from '../lib/geojson.ts'

export interface AreaFilter {
  level?: AreaLevel
  parent?: number
  bbox?: [number, number, number, number]
}

const envelope = (b: [number, number, number, number]) => sql`ST_MakeEnvelope(${b[0]}, ${b[1]}, ${b[2]}, ${b[3]}, 4326)`

/** Areas as one GeoJSON FeatureCollection text, built in PostGIS. */
export function areasGeoJson(f: AreaFilter): SQL {
  const where: SQL[] = [sql`true`]
  if (f.level) where.push(sql`a.level = ${f.level}`)
  if (f.parent !== undefined) where.push(sql`a.parent_id = ${f.parent}`)
  if (f.bbox) where.push(sql`a.geom && ${envelope(f.bbox)}`)
  const properties = sql`json_build_object('id', a.id, 'level', a.level, 'name', a.name, 'code', a.code,
    'households', a.households, 'population', a.population, 'parent', a.parent_id)`
  return sql`
    select ${featureCollectionSql(featureSql(sql`a.id`, sql`a.geom`, properties), sql`a.id`)} as fc
    from areas a
    where ${sql.join(where, sql` and `)}`
}

/** The column of incidents (and buildings, stations) holding their area of each level; rows do not store the district. */
export const AREA_COLUMN: Record<Exclude<AreaLevel, 'district'>, string> = {
  street: 'street_id',
  community: 'community_id',
  grid: 'grid_id',
  micro_grid: 'micro_grid_id',
}

/** `i.<column>` of a level (a constant of AREA_COLUMN, never input). */
export const incidentColumn = (level: Exclude<AreaLevel, 'district'>) => sql.raw(`i.${AREA_COLUMN[level]}`)

/** Condition: incident `i` lies in area `id` of `level` (by its stored area columns, indexed). */
export function incidentInArea(level: AreaLevel, id: number): SQL {
  if (level === 'district') return sql`i.street_id = any(array(select s.id from areas s where s.parent_id = ${id}))`
  return sql`${incidentColumn(level)} = ${id}`
}

/**
 * One area with ancestors, children summary, workers and incident counts, as JSON text. Run in the
 * user's scope: children and workers are filtered by RLS; the counts come from
 * area_incident_counts(), which aggregates for every role whose scope holds the area (planners too).
 */
export function areaDetail(id: number): SQL {
  return sql`
    with a as (select * from areas where id = ${id}),
    by_type as (select * from area_incident_counts(${id}))
    select json_build_object(
      'id', a.id, 'level', a.level, 'name', a.name, 'code', a.code,
      'households', a.households, 'population', a.population, 'parent', a.parent_id,
      'bbox', json_build_array(ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom)),
      'ancestors', coalesce((
        select json_agg(json_build_object('id', p.id, 'level', p.level, 'name', p.name) order by array_position(a.path, p.id))
        from areas p where p.id = any(a.path) and p.id <> a.id), '[]'::json),
      'children', coalesce((
        select json_agg(json_build_object('id', ch.id, 'level', ch.level, 'name', ch.name, 'code', ch.code,
          'households', ch.households, 'population', ch.population) order by ch.code)
        from areas ch where ch.parent_id = a.id), '[]'::json),
      'workers', coalesce((
        select json_agg(json_build_object('id', pe.id, 'name', pe.name, 'role', pe.role) order by pe.role, pe.id)
        from person_areas pa join people pe on pe.id = pa.person_id where pa.area_id = a.id), '[]'::json),
      'incidents', (
        select json_build_object(
          'total', coalesce(sum(n), 0)::int,
          'open', coalesce(sum(open), 0)::int,
          'last30d', coalesce(sum(recent), 0)::int,
          'by_type', coalesce(json_object_agg(type, n), '{}'::json))
        from by_type)
    )::text as detail
    from a`
}

/** The level of area `id` when it is in the user's scope (not merely a visible ancestor), else no row. */
export function areaInScope(id: number): SQL {
  return sql`select level from areas where id = ${id} and in_scope(path)`
}
