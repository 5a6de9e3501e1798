import type { ClientResponse } from 'hono/client'

/** Thrown for any non-2xx answer; carries the API's `{ error, message }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}


/** Throws an ApiError when the response is not ok, so TanStack Query reports it. */
export async function ensureOk(res: Response): Promise<Response> {
  if (res.ok) return res
  let code = `http_${res.status}`
  let message = res.statusText
  try {
    const body = (await res.json()) as { error?: string; message?: string }
    code = body.error ?? code
    message = body.message ?? message
  } catch {
    // Body was not JSON (e.g. a proxy error page); keep the status text.
  }
  throw new ApiError(res.status, code, message)
}

/** The body type of the 2xx member of an RPC response union. */
type OkBody<R> = R extends ClientResponse<infer T, infer S, string> ? (S extends 200 | 201 ? T : never) : never

/** Awaits an RPC call, throws ApiError unless ok, and returns the body typed from the API's schema. */
export async function okJson<R extends ClientResponse<unknown, number, string>>(call: Promise<R>): Promise<OkBody<R>> {
  const res = await call
  await ensureOk(res as unknown as Response)
  return (await res.json()) as OkBody<R>
}

/** Awaits an RPC call for a binary body, throws ApiError unless ok. */
export async function okBinary(call: Promise<ClientResponse<unknown, number, string>>): Promise<ArrayBuffer> {
  const res = await call
  await ensureOk(res as unknown as Response)
  return res.arrayBuffer()
}

/** A bbox as the API expects it: minLon,minLat,maxLon,maxLat with 6 decimals. */
export function bboxParam(b: readonly number[] | undefined): string | undefined {
  return b ? b.map((v) => v.toFixed(6)).join(',') : undefined
}
