import { queryOptions, type QueryClient } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { bboxParam, ensureOk, okBinary, okJson } from '../app/api.ts'
import { client } from '../app/client.ts'
import { decodeIncidentPoints } from './decode.ts'

export interface IncidentPointsFilter {
  bbox?: readonly number[]
  /** ISO instants (UTC). */
  from: string
  to: string
}

/** Incident points for a period as compact binary (all types; filtered in the browser). */
export const incidentPointsQuery = (f: IncidentPointsFilter) =>
  queryOptions({
    queryKey: ['incidents', 'points', bboxParam(f.bbox) ?? null, f.from, f.to],
    queryFn: async ({ signal }) =>
      decodeIncidentPoints(
        await okBinary(client.incidents.points.$get({ query: { bbox: bboxParam(f.bbox), from: f.from, to: f.to } }, { init: { signal } })),
      ),
    staleTime: 60_000,
  })

/** A period ending at the current hour, so the query key stays stable within the hour. */
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  const to = new Date(now)
  to.setUTCMinutes(0, 0, 0)
  to.setUTCHours(to.getUTCHours() + 1)
  const from = new Date(to.getTime() - days * 86_400_000)
  return { from: from.toISOString(), to: to.toISOString() }
}

export type IncidentDetail = InferResponseType<(typeof client.incidents)[':id']['$get'], 200>
export type IncidentStatus = IncidentDetail['status']
export type IncidentChanges = InferRequestType<(typeof client.incidents)[':id']['$patch']>['json']
export type NewIncident = InferRequestType<typeof client.incidents.$post>['json']
export type TransitionRequest = InferRequestType<(typeof client.incidents)[':id']['transitions']['$post']>['json']
export type ImportResult = InferResponseType<typeof client.incidents.import.$post, 200>
type IncidentListFeature = InferResponseType<typeof client.incidents.$get, 200>['features'][number]

/** One incident with its deadline, overdue flag, assignee and history. */
export const incidentDetailQuery = (id: number | undefined) =>
  queryOptions({
    queryKey: ['incident', id ?? null],
    queryFn: ({ signal }) => okJson(client.incidents[':id'].$get({ param: { id: String(id) } }, { init: { signal } })),
    enabled: id !== undefined,
    staleTime: 30_000,
  })

/** A drawn incident point: its position as the points layer has it (Float32) and its type. */
export interface IncidentPointRef {
  lon: number
  lat: number
  type: string
  /** The period the points layer shows (ISO instants), so the lookup finds the same incidents. */
  from: string
  to: string
}

/**
 * Float32 positions are off by at most ~4e-6° here (half an ulp at lon 104); a box of ±2e-5°
 * (about 2 m) around the drawn point holds the incident it was drawn from.
 */
const POINT_TOLERANCE_DEG = 2e-5

/**
 * The incidents drawn at a point, nearest first. The points layer is binary without ids, so the
 * clicked point's own position (not the cursor's) is looked up in the list with a box of a few
 * metres, the same type and the same period; several rows come back only for incidents reported at
 * the very same spot.
 */
export const incidentsAtQuery = (p: IncidentPointRef | undefined) =>
  queryOptions({
    queryKey: ['incidents', 'at', p?.lon ?? null, p?.lat ?? null, p?.type ?? null, p?.from ?? null, p?.to ?? null],
    queryFn: async ({ signal }) => {
      const { lon, lat } = p!
      const d = POINT_TOLERANCE_DEG
      const page = await okJson(
        client.incidents.$get(
          { query: { bbox: [lon - d, lat - d, lon + d, lat + d].map((v) => v.toFixed(7)).join(','), type: p!.type, from: p!.from, to: p!.to, limit: '5' } },
          { init: { signal } },
        ),
      )
      return nearestFirst(page.features, lon, lat)
    },
    enabled: !!p,
    staleTime: 30_000,
  })

/** Orders list features by distance from (lon, lat) in degrees, ties newest first (the list's own order). */
export function nearestFirst(features: IncidentListFeature[], lon: number, lat: number): IncidentListFeature[] {
  const dist = (f: IncidentListFeature) => {
    const [x, y] = f.geometry.coordinates as number[]
    return Math.hypot((x - lon) * Math.cos((lat * Math.PI) / 180), y - lat)
  }
  return features.map((f, i) => ({ f, i, d: dist(f) })).sort((a, b) => a.d - b.d || a.i - b.i).map((e) => e.f)
}

/** Answers of writes are the incident detail; 201 and 200 share the schema. */
async function detailOf(call: Promise<{ json(): Promise<unknown> }>): Promise<IncidentDetail> {
  const res = await call
  await ensureOk(res as unknown as Response)
  return (await res.json()) as IncidentDetail
}

/** Reports an incident at a point (POST /api/incidents, 201). */
export const reportIncident = (body: NewIncident) => detailOf(client.incidents.$post({ json: body }))

/** Edits or moves an incident (PATCH /api/incidents/:id). */
export const editIncident = (id: number, changes: IncidentChanges) =>
  detailOf(client.incidents[':id'].$patch({ param: { id: String(id) }, json: changes }))

/** Moves an incident along the workflow (POST /api/incidents/:id/transitions). */
export const transitionIncident = (id: number, body: TransitionRequest) =>
  detailOf(client.incidents[':id'].transitions.$post({ param: { id: String(id) }, json: body }))

export interface ImportRequest {
  file: File
  crs: 'wgs84' | 'gcj02'
  /** Field → header column; fields left out are found by the server from the header names. */
  mapping: Record<string, string>
  dryRun: boolean
  allOrNothing: boolean
}

/** Uploads a CSV to POST /api/incidents/import (multipart). */
export function importIncidents(r: ImportRequest): Promise<ImportResult> {
  // hono's client appends every key it is given, undefined as the text "undefined": send only set fields.
  const form: InferRequestType<typeof client.incidents.import.$post>['form'] = {
    file: r.file,
    crs: r.crs,
    dry_run: r.dryRun ? 'true' : 'false',
    all_or_nothing: r.allOrNothing ? 'true' : 'false',
  }
  if (Object.keys(r.mapping).length) form.mapping = JSON.stringify(r.mapping)
  return okJson(client.incidents.import.$post({ form }))
}

/** After a write: the incident itself, every list and point layer, area counts and statistics (inactive ones are only marked stale). */
export async function refreshAfterWrite(qc: QueryClient, detail?: IncidentDetail): Promise<void> {
  if (detail) qc.setQueryData(incidentDetailQuery(detail.id).queryKey, detail)
  await Promise.all([
    qc.invalidateQueries({ queryKey: ['incidents'] }),
    qc.invalidateQueries({ queryKey: ['area'] }),
    qc.invalidateQueries({ queryKey: ['analytics'] }),
    detail ? Promise.resolve() : qc.invalidateQueries({ queryKey: ['incident'] }),
  ])
}
