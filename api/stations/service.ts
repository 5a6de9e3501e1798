/**
 * Station registry writes (issue 6): one station's record, creating, editing, moving, closing and
 * reopening, and locating points the way the stations trigger will (db/migrations/0001_init.sql,
 * assign_areas). Who may write is decided by requirePlanningRole() in the routes and by the
 * stations policies of db/migrations/0024_station_registry.sql.
 */
import { sql, type SQL } from 'drizzle-orm'
import { shanghaiDate } from '../lib/download.ts'
import { ApiFailure } from '../lib/errors.ts'
import type { RequestTx } from '../lib/scope.ts'

/** A point to locate: `key` is the caller's handle on it (a row index). */
export interface PointToLocate {
  key: number
  lon: number
  lat: number
}

/** Where a point falls: its micro-grid (null outside the district) and whether the caller's row scope holds it. */
export interface Located {
  micro_grid_id: number | null
  in_scope: boolean
}

/**
 * Locate points in one query: the micro-grid assign_areas() would give each (locate_areas), and
 * whether the caller's row scope (admins: everything) holds its areas, as the stations policy
 * will judge the row.
 */
export async function locatePoints(tx: RequestTx, points: PointToLocate[]): Promise<Map<number, Located>> {
  if (points.length === 0) return new Map()
  const { rows } = await tx.execute<{ key: number; micro_grid_id: number | null; in_scope: boolean }>(sql`
    select p.key, l.micro_grid_id,
      coalesce(array[l.street_id, l.community_id, l.grid_id, l.micro_grid_id] && (select app_row_scope()), true) as in_scope
    from json_to_recordset(${JSON.stringify(points)}::json) as p(key int, lon float8, lat float8)
    left join lateral locate_areas(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) l on true`)
  return new Map(rows.map((r) => [r.key, { micro_grid_id: r.micro_grid_id, in_scope: r.in_scope }]))
}

/** Why a located point cannot hold a station of the caller, or null when it can. */
export function placeProblem(l: Located | undefined): string | null {
  if (!l?.micro_grid_id) return 'outside every micro-grid of the district'
  if (!l.in_scope) return 'outside your areas'
  return null
}

/** 422 outside the district, 403 outside the caller's areas: the reason before any write. */
async function requirePlace(tx: RequestTx, lon: number, lat: number): Promise<void> {
  const problem = placeProblem((await locatePoints(tx, [{ key: 0, lon, lat }])).get(0))
  if (problem === 'outside your areas') throw new ApiFailure(403, 'outside_scope', `the location is ${problem}`)
  if (problem) throw new ApiFailure(422, 'outside_district', `the location is ${problem}`)
}

/** One station as JSON text: every column, the type's default radius, its areas with names, and its state. */
export function stationDetail(id: number): SQL {
  return sql`
    select json_build_object(
      'id', s.id, 'type', s.type, 'name', s.name,
      'lon', round(ST_X(s.geom)::numeric, 7)::float8, 'lat', round(ST_Y(s.geom)::numeric, 7)::float8,
      'service_radius_m', s.service_radius_m, 'default_radius_m', t.default_service_radius_m,
      'opened_on', s.opened_on, 'closed_on', s.closed_on,
      'state', case when s.closed_on is not null then 'closed' when s.opened_on > current_date then 'planned' else 'open' end,
      'capacity', s.capacity, 'notes', s.notes,
      'micro_grid', json_build_object('id', s.micro_grid_id, 'name', mg.name),
      'grid', json_build_object('id', s.grid_id, 'name', g.name),
      'community', json_build_object('id', s.community_id, 'name', cm.name),
      'street', json_build_object('id', s.street_id, 'name', st.name)
    )::text as detail
    from stations s
    join station_types t on t.code = s.type
    left join areas mg on mg.id = s.micro_grid_id
    left join areas g on g.id = s.grid_id
    left join areas cm on cm.id = s.community_id
    left join areas st on st.id = s.street_id
    where s.id = ${id}`
}

/** The station's JSON text, or 404 when it does not exist or lies outside the caller's scope. */
export async function loadStation(tx: RequestTx, id: number): Promise<string> {
  const { rows } = await tx.execute<{ detail: string }>(stationDetail(id))
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', `station ${id} does not exist`)
  return rows[0].detail
}

/** A station as registered; its areas come from its location (trigger), its radius by default from its type. */
export interface NewStation {
  type: string
  name: string
  lon: number
  lat: number
  service_radius_m?: number | null
  opened_on?: string | null
  capacity?: number | null
  notes?: string | null
}

/**
 * Insert stations in one statement. Area ids are placeholders the BEFORE trigger overwrites from
 * each point; a row without a radius takes its type's default_service_radius_m.
 */
export async function insertStations(tx: RequestTx, rows: NewStation[]): Promise<number[]> {
  if (rows.length === 0) return []
  const { rows: inserted } = await tx.execute<{ id: number }>(sql`
    insert into stations (type, name, geom, service_radius_m, opened_on, capacity, notes, micro_grid_id, grid_id, community_id, street_id)
    select r.type, r.name, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), coalesce(r.service_radius_m, t.default_service_radius_m),
      r.opened_on, r.capacity, nullif(r.notes, ''), 0, 0, 0, 0
    from json_to_recordset(${JSON.stringify(rows.map((r, n) => ({ ...r, n })))}::json) as r(type text, name text, lon float8, lat float8,
      service_radius_m float8, opened_on date, capacity int, notes text, n int)
    join station_types t on t.code = r.type
    order by r.n
    returning id`)
  return inserted.map((r) => Number(r.id))
}

/** Register one station (its location checked first, so the answer names the reason). */
export async function createStation(tx: RequestTx, s: NewStation): Promise<number> {
  await requirePlace(tx, s.lon, s.lat)
  const [id] = await insertStations(tx, [s])
  return id
}

export interface StationChanges {
  type?: string
  name?: string
  service_radius_m?: number
  opened_on?: string | null
  capacity?: number | null
  notes?: string | null
  lon?: number
  lat?: number
  /** A date closes the station (not after today); null reopens it. */
  closed_on?: string | null
}

/**
 * Edit, move, close or reopen a station. A move re-assigns its areas in the same statement
 * (trigger). The dates are checked against the row as it is: a station cannot close before it
 * opened, nor in the future (coverage counts any station with a closing date as closed).
 */
export async function updateStation(tx: RequestTx, id: number, c: StationChanges): Promise<void> {
  const { rows } = await tx.execute<{ opened_on: string | null; closed_on: string | null }>(
    sql`select opened_on::text, closed_on::text from stations where id = ${id} for update`,
  )
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', `station ${id} does not exist`)
  const opened = c.opened_on !== undefined ? c.opened_on : rows[0].opened_on
  const closed = c.closed_on !== undefined ? c.closed_on : rows[0].closed_on
  if (c.closed_on && c.closed_on > shanghaiDate()) {
    throw new ApiFailure(400, 'invalid_request', 'closed_on: a station is closed on the day it closes, not in advance')
  }
  if (opened && closed && closed < opened) throw new ApiFailure(400, 'invalid_request', `closed_on (${closed}) is before opened_on (${opened})`)
  if (c.lon !== undefined && c.lat !== undefined) await requirePlace(tx, c.lon, c.lat)

  const set: SQL[] = []
  if (c.type !== undefined) set.push(sql`type = ${c.type}`)
  if (c.name !== undefined) set.push(sql`name = ${c.name}`)
  if (c.service_radius_m !== undefined) set.push(sql`service_radius_m = ${c.service_radius_m}`)
  if (c.opened_on !== undefined) set.push(sql`opened_on = ${c.opened_on}::date`)
  if (c.closed_on !== undefined) set.push(sql`closed_on = ${c.closed_on}::date`)
  if (c.capacity !== undefined) set.push(sql`capacity = ${c.capacity}`)
  if (c.notes !== undefined) set.push(sql`notes = ${c.notes || null}`)
  if (c.lon !== undefined && c.lat !== undefined) set.push(sql`geom = ST_SetSRID(ST_MakePoint(${c.lon}, ${c.lat}), 4326)`)
  await tx.execute(sql`update stations set ${sql.join(set, sql`, `)} where id = ${id}`)
}
