import { sql, type SQL } from 'drizzle-orm'
import type { IncidentSource, IncidentStatus } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import type { RequestTx } from '../lib/scope.ts'
import type { SessionUser } from '../auth/service.ts'
import { isoUtc } from './queries.ts'
import { requireActiveType } from './types.ts'
import { transitionError, type PartnerUnit } from './workflow.ts'

/** One incident with its deadline, assignee and history, as JSON text (alias-free; read through RLS). */
export function incidentDetail(id: number): SQL {
  return sql`
    select json_build_object(
      'id', i.id, 'type', i.type, 'status', i.status, 'source', i.source, 'description', i.description,
      'reporter_name', i.reporter_name, 'reporter_phone', i.reporter_phone,
      'reported_at', ${isoUtc(sql`i.reported_at`)}, 'closed_at', ${isoUtc(sql`i.closed_at`)},
      'updated_at', ${isoUtc(sql`i.updated_at`)},
      'deadline_at', ${isoUtc(sql`i.reported_at + make_interval(hours => t.deadline_hours)`)},
      'overdue', i.status <> 'closed' and now() > i.reported_at + make_interval(hours => t.deadline_hours),
      'assignee', case when i.assignee_id is null then null else json_build_object('id', i.assignee_id, 'name', p.name) end,
      'partner_unit', i.partner_unit,
      'micro_grid_id', i.micro_grid_id, 'grid_id', i.grid_id, 'community_id', i.community_id, 'street_id', i.street_id,
      'geometry', ST_AsGeoJSON(i.geom, 7)::json,
      'history', coalesce((
        select json_agg(json_build_object('at', ${isoUtc(sql`e.at`)}, 'username', e.username, 'from', e.from_status,
          'to', e.to_status, 'comment', e.comment, 'detail', e.detail) order by e.at, e.id)
        from incident_events e where e.incident_id = i.id), '[]'::json)
    )::text as detail
    from incidents i
    join incident_types t on t.code = i.type
    left join people p on p.id = i.assignee_id
    where i.id = ${id}`
}

/** The incident's JSON text, or a 404 when it does not exist or lies outside the user's scope. */
export async function loadIncident(tx: RequestTx, id: number): Promise<string> {
  const { rows } = await tx.execute<{ detail: string }>(incidentDetail(id))
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', `incident ${id} does not exist`)
  return rows[0].detail
}

/** Reporter phone numbers as accepted from forms and files. */
export const PHONE_RE = /^[0-9+\-\s]{5,20}$/
/** Clock skew tolerated before a report time counts as "in the future". */
export const FUTURE_SKEW_MS = 5 * 60_000

/** One history row per incident in `ids`, carrying the incident's areas (same RLS as incidents). */
async function recordEvents(tx: RequestTx, user: SessionUser, ids: number[], from: IncidentStatus | null, to: IncidentStatus, comment: string, detail?: object) {
  await tx.execute(sql`
    insert into incident_events (incident_id, street_id, community_id, grid_id, micro_grid_id, user_id, username, from_status, to_status, comment, detail)
    select i.id, i.street_id, i.community_id, i.grid_id, i.micro_grid_id, ${user.id}, ${user.username}, ${from}, ${to}, ${comment},
      ${detail ? JSON.stringify(detail) : null}::jsonb
    from incidents i where i.id = any(${sql.param(ids)}::bigint[])`)
}

/** An incident as reported: its areas come from its location (trigger assign_areas), never from the client. */
export interface NewIncident {
  type: string
  lon: number
  lat: number
  description: string
  source: IncidentSource
  reported_at?: string
  reporter_name?: string | null
  reporter_phone?: string | null
}

/**
 * Insert reported incidents in one statement, with their first history row. Street, community,
 * grid and micro-grid are placeholders the BEFORE trigger overwrites from each point.
 */
export async function insertIncidents(tx: RequestTx, user: SessionUser, rows: NewIncident[], detail: object): Promise<number[]> {
  if (rows.length === 0) return []
  const { rows: inserted } = await tx.execute<{ id: number }>(sql`
    insert into incidents (street_id, community_id, grid_id, micro_grid_id, type, status, source, geom, reported_at, description,
      reporter_name, reporter_phone, updated_at)
    select 0, 0, 0, 0, r.type, 'reported', r.source, ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), coalesce(r.reported_at, now()),
      r.description, r.reporter_name, r.reporter_phone, now()
    from json_to_recordset(${JSON.stringify(rows)}::json) as r(type text, lon float8, lat float8, reported_at timestamptz, description text,
      source text, reporter_name text, reporter_phone text)
    returning id`)
  const ids = inserted.map((r) => Number(r.id))
  await recordEvents(tx, user, ids, null, 'reported', '', detail)
  return ids
}

/** Report one incident (an unknown type is a 400). */
export async function createIncident(tx: RequestTx, user: SessionUser, n: NewIncident): Promise<number> {
  await requireActiveType(tx, n.type)
  const [id] = await insertIncidents(tx, user, [n], { source: n.source })
  return id
}

export interface IncidentChanges {
  type?: string
  description?: string
  lon?: number
  lat?: number
  reporter_name?: string | null
  reporter_phone?: string | null
}

/** Edit or move an open incident; a move re-assigns its areas in the same statement (trigger). */
export async function updateIncident(tx: RequestTx, user: SessionUser, id: number, c: IncidentChanges): Promise<void> {
  const current = await lockIncident(tx, id)
  if (current.status === 'closed') throw new ApiFailure(409, 'closed', `incident ${id} is closed and cannot be edited`)
  const set: SQL[] = [sql`updated_at = now()`]
  if (c.type !== undefined) {
    await requireActiveType(tx, c.type)
    set.push(sql`type = ${c.type}`)
  }
  if (c.description !== undefined) set.push(sql`description = ${c.description}`)
  if (c.reporter_name !== undefined) set.push(sql`reporter_name = ${c.reporter_name}`)
  if (c.reporter_phone !== undefined) set.push(sql`reporter_phone = ${c.reporter_phone}`)
  if (c.lon !== undefined && c.lat !== undefined) set.push(sql`geom = ST_SetSRID(ST_MakePoint(${c.lon}, ${c.lat}), 4326)`)
  await tx.execute(sql`update incidents set ${sql.join(set, sql`, `)} where id = ${id}`)
  const fields = Object.keys(c).filter((k) => k !== 'lat' && k !== 'lon')
  if (c.lon !== undefined) fields.push('location')
  await recordEvents(tx, user, [id], current.status, current.status, '', { edited: fields })
}

async function lockIncident(tx: RequestTx, id: number): Promise<{ status: IncidentStatus }> {
  const { rows } = await tx.execute<{ status: IncidentStatus }>(sql`select status from incidents where id = ${id} for update`)
  if (rows.length === 0) throw new ApiFailure(404, 'not_found', `incident ${id} does not exist`)
  return rows[0]
}

export interface Transition {
  to: IncidentStatus
  comment: string
  assignee_id?: number
  partner_unit?: PartnerUnit
}

/** Move an incident along the workflow; illegal transitions answer 409 with the allowed ones. */
export async function transitionIncident(tx: RequestTx, user: SessionUser, id: number, t: Transition): Promise<void> {
  const { status: from } = await lockIncident(tx, id)
  const illegal = transitionError(from, t.to)
  if (illegal) throw new ApiFailure(409, 'illegal_transition', illegal)
  const set: SQL[] = [sql`status = ${t.to}`, sql`updated_at = now()`]
  if (t.to === 'dispatched') {
    if ((t.assignee_id === undefined) === (t.partner_unit === undefined)) {
      throw new ApiFailure(400, 'invalid_request', 'dispatching needs exactly one of assignee_id (a grid worker) or partner_unit')
    }
    if (t.assignee_id !== undefined) {
      // The worker must be someone the user may see (RLS on people): attached to an area in scope.
      const { rows } = await tx.execute(sql`select 1 from people where id = ${t.assignee_id} and role in ('grid_leader', 'grid_member', 'micro_grid_leader')`)
      if (rows.length === 0) throw new ApiFailure(400, 'invalid_request', `assignee_id: no grid worker ${t.assignee_id} in your areas`)
    }
    set.push(sql`assignee_id = ${t.assignee_id ?? null}`, sql`partner_unit = ${t.partner_unit ?? null}`)
  }
  if (t.to === 'closed') set.push(sql`closed_at = greatest(now(), reported_at)`)
  if (t.to === 'accepted' && from === 'returned') set.push(sql`closed_at = null`)
  await tx.execute(sql`update incidents set ${sql.join(set, sql`, `)} where id = ${id}`)
  const detail = t.to === 'dispatched' ? { assignee_id: t.assignee_id ?? null, partner_unit: t.partner_unit ?? null } : undefined
  await recordEvents(tx, user, [id], from, t.to, t.comment, detail)
}
