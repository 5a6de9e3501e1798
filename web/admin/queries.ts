import { queryOptions } from '@tanstack/react-query'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { okJson } from '../app/api.ts'
import { client } from '../app/client.ts'

export type AdminUser = InferResponseType<typeof client.admin.users.$get, 200>[number]
export type NewUser = InferRequestType<typeof client.admin.users.$post>['json']
export type UserChanges = InferRequestType<(typeof client.admin.users)[':id']['$patch']>['json']
export type AuditPage = InferResponseType<typeof client.admin.audit.$get, 200>
export type AuditEntry = AuditPage['entries'][number]
export type AuditFilter = { user?: string; action?: AuditEntry['action']; target?: string; from?: string; to?: string }

export type AdminIncidentType = InferResponseType<(typeof client.admin)['incident-types']['$get'], 200>[number]
export type NewIncidentType = InferRequestType<(typeof client.admin)['incident-types']['$post']>['json']
export type IncidentTypeChanges = InferRequestType<(typeof client.admin)['incident-types'][':code']['$patch']>['json']

export const incidentTypesQuery = () =>
  queryOptions({
    queryKey: ['admin', 'incident-types'],
    queryFn: ({ signal }) => okJson(client.admin['incident-types'].$get(undefined, { init: { signal } })),
  })
export const createIncidentType = (ty: NewIncidentType) => okJson(client.admin['incident-types'].$post({ json: ty }))
export const updateIncidentType = (code: string, changes: IncidentTypeChanges) =>
  okJson(client.admin['incident-types'][':code'].$patch({ param: { code }, json: changes }))

export const usersQuery = () =>
  queryOptions({
    queryKey: ['admin', 'users'],
    queryFn: ({ signal }) => okJson(client.admin.users.$get(undefined, { init: { signal } })),
  })

export const createUser = (u: NewUser) => okJson(client.admin.users.$post({ json: u }))
export const updateUser = (id: number, changes: UserChanges) => okJson(client.admin.users[':id'].$patch({ param: { id: String(id) }, json: changes }))

/** A calendar day typed in the UI as the instant its Asia/Shanghai day starts (`next` = the day after). */
function dayStart(day: string | undefined, next = false): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined
  const d = new Date(`${day}T00:00:00+08:00`)
  if (next) d.setUTCDate(d.getUTCDate() + 1)
  return d.toISOString()
}

/** One page of the audit log, newest first; `before` continues after the previous page. */
export const auditQuery = (f: AuditFilter, before?: number) =>
  queryOptions({
    queryKey: ['admin', 'audit', f, before ?? null],
    queryFn: ({ signal }) =>
      okJson(
        client.admin.audit.$get(
          {
            query: {
              user: f.user || undefined,
              action: f.action || undefined,
              target: f.target || undefined,
              // Days are Asia/Shanghai days, `to` inclusive.
              from: dayStart(f.from),
              to: dayStart(f.to, true),
              limit: '100',
              before: before === undefined ? undefined : String(before),
            },
          },
          { init: { signal } },
        ),
      ),
  })
