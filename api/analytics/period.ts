import { z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import type { RequestTx } from '../lib/scope.ts'
import { Instant } from '../incidents/routes.ts'
import { checkIncidentTypes } from '../incidents/types.ts'

const DAY = 24 * 3600_000

/** Query fields shared by the aggregate endpoints: a period and incident types. */
export const PeriodFields = {
  from: Instant.optional().openapi({ description: 'start (inclusive); default: 30 days before `to`' }),
  to: Instant.optional().openapi({ description: 'end (exclusive); default: now' }),
  type: z.string().max(2000).optional().openapi({ description: 'comma-separated incident type codes' }),
}

export interface Period {
  from: Date
  to: Date
  /** Known type codes, or undefined for every type. */
  types?: string[]
}

/** The period and types of a request: `to` defaults to now, `from` to 30 days before; at most three years; unknown types are a 400. */
export async function resolvePeriod(tx: RequestTx, q: { from?: string; to?: string; type?: string }): Promise<Period> {
  const to = q.to ? new Date(q.to) : new Date()
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY)
  if (!(from < to)) throw new ApiFailure(400, 'invalid_request', 'from: must be before `to`')
  if (to.getTime() - from.getTime() > 3 * 366 * DAY) throw new ApiFailure(400, 'invalid_request', 'from: the period may span at most three years')
  const types = q.type?.split(',').map((s) => s.trim()).filter(Boolean)
  if (types?.length) await checkIncidentTypes(tx, types)
  return { from, to, types: types?.length ? types : undefined }
}

/** SQL arguments `from, to, types` for the aggregate functions (types NULL = every type). */
export const periodArgs = (p: Period) =>
  sql`${p.from.toISOString()}::timestamptz, ${p.to.toISOString()}::timestamptz, ${p.types ? sql`${sql.param(p.types)}::text[]` : sql`null::text[]`}`
