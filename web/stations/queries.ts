import { queryOptions, type QueryClient } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { ensureOk, okJson } from '../app/api.ts'
import type { Point } from 'geojson'
import { client, geometryAs } from '../app/client.ts'

/** The stations of the user's scope (a few hundred at most per district); closed ones only when asked. */
export const stationsQuery = (opts: { includeClosed?: boolean } = {}) =>
  queryOptions({
    queryKey: ['stations', 'list', !!opts.includeClosed],
    queryFn: ({ signal }) =>
      okJson(client.stations.$get({ query: opts.includeClosed ? { include_closed: 'true' } : {} }, { init: { signal } })).then(geometryAs<Point>()),
    staleTime: 5 * 60_000,
  })

export type StationDetail = InferResponseType<(typeof client.stations)[':id']['$get'], 200>
export type NewStation = InferRequestType<typeof client.stations.$post>['json']
export type StationChanges = InferRequestType<(typeof client.stations)[':id']['$patch']>['json']
export type StationImportResult = InferResponseType<typeof client.stations.import.$post, 200>

/** One station's full record. */
export const stationDetailQuery = (id: number | undefined) =>
  queryOptions({
    queryKey: ['station', id ?? null],
    queryFn: ({ signal }) => okJson(client.stations[':id'].$get({ param: { id: String(id) } }, { init: { signal } })),
    enabled: id !== undefined,
    staleTime: 30_000,
  })

/** Answers of writes are the station's record; 201 and 200 share the schema. */
async function detailOf(call: Promise<{ json(): Promise<unknown> }>): Promise<StationDetail> {
  const res = await call
  await ensureOk(res as unknown as Response)
  return (await res.json()) as StationDetail
}

/** Registers a station at a point (POST /api/stations, 201). */
export const registerStation = (body: NewStation) => detailOf(client.stations.$post({ json: body }))

/** Edits, moves, closes or reopens a station (PATCH /api/stations/:id). */
export const editStation = (id: number, changes: StationChanges) =>
  detailOf(client.stations[':id'].$patch({ param: { id: String(id) }, json: changes }))

/** Uploads a CSV or GeoJSON file to POST /api/stations/import (multipart): a dry run, or the all-or-nothing commit. */
export function importStations(r: { file: File; crs: 'wgs84' | 'gcj02'; dryRun: boolean }): Promise<StationImportResult> {
  return okJson(client.stations.import.$post({ form: { file: r.file, crs: r.crs, dry_run: r.dryRun ? 'true' : 'false' } }))
}

/** After a write: the station itself, every station list, coverage and siting figures that count stations. */
export async function refreshAfterStationWrite(qc: QueryClient, detail?: StationDetail): Promise<void> {
  if (detail) qc.setQueryData(stationDetailQuery(detail.id).queryKey, detail)
  await qc.invalidateQueries({ queryKey: ['stations'] })
}

/** Today in Asia/Shanghai as YYYY-MM-DD: the date a closing is recorded with. */
export const shanghaiToday = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
