import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** The one error shape every endpoint answers with. */
export interface ApiError {
  error: string
  message: string
}

/** Throw to answer with a 4xx and a reason. */
export class ApiFailure extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(status, { message })
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006'])

/** True when the error says the database cannot be reached right now (restart, network). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (e?.code && CONNECTION_CODES.has(e.code)) return true
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(e?.message ?? '')
}

/** The driver's error behind an ORM wrapper (drizzle throws "Failed query" with the pg error as cause). */
function rootCause(err: unknown): unknown {
  let e = err as { cause?: unknown }
  while (e && typeof e === 'object' && e.cause && !(e as { code?: string }).code) e = e.cause as { cause?: unknown }
  return e
}

/** Map anything thrown to the error shape; never leak SQL text or stack traces to the client. */
export function onError(thrown: unknown, c: Context, log: { error(obj: object, msg: string): void }) {
  const err = thrown instanceof HTTPException ? thrown : rootCause(thrown)
  if (err instanceof ApiFailure) return c.json<ApiError>({ error: err.code, message: err.message }, err.status)
  if (err instanceof HTTPException) {
    const status = err.status
    return c.json<ApiError>({ error: status === 413 ? 'payload_too_large' : 'http_error', message: err.message || 'request failed' }, status)
  }
  if (isConnectionError(err)) {
    c.header('Retry-After', '2')
    return c.json<ApiError>({ error: 'db_unavailable', message: 'the database is not reachable right now; try again shortly' }, 503)
  }
  const pgErr = err as { code?: string; hint?: string; message?: string }
  if (pgErr?.code === '42501' && /row-level security/.test(pgErr.message ?? '')) {
    return c.json<ApiError>({ error: 'outside_scope', message: 'the row would lie outside your areas' }, 403)
  }
  if (pgErr?.code === '23514' && pgErr.hint === 'outside_district') {
    return c.json<ApiError>({ error: 'outside_district', message: 'the location is outside every micro-grid of the district' }, 422)
  }
  log.error({ err: thrown, method: c.req.method, path: c.req.path }, 'unhandled error')
  return c.json<ApiError>({ error: 'internal', message: 'internal error' }, 500)
}
