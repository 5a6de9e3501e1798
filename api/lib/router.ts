import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Database } from '../../db/client.ts'
import type { SessionUser } from '../auth/service.ts'
import type { LoginLimiter } from '../auth/limiter.ts'
import type { Logger } from './log.ts'
import type { RequestTx } from './scope.ts'

/**
 * What every handler can read from the context. Feature routes query through `tx` (the signed-in
 * user's scoped transaction); `db` (the owner pool) is for the system and auth routes only.
 */
export type Env = {
  Variables: {
    db: Database
    log: Logger
    clientAddr: string | null
    limiter: LoginLimiter
    user: SessionUser
    tx: RequestTx
  }
}

/** A feature router whose validation failures answer 400 with the common error shape. */
export function newRouter() {
  return new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const message = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')
        return c.json({ error: 'invalid_request', message }, 400)
      }
    },
  })
}

export const ErrorSchema = z.object({ error: z.string(), message: z.string() }).openapi('Error')

/** An OpenAPI response answered with the common error shape. */
export const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } }) as const

export const errorResponses = {
  400: errorResponse('Invalid input'),
  401: errorResponse('Not signed in'),
  503: errorResponse('Database unavailable'),
} as const

export const forbidden = { 403: errorResponse('Not allowed for this role') } as const

export const notFound = { 404: errorResponse('Not found') } as const

/** Bounding box query parameter `minLon,minLat,maxLon,maxLat` in WGS84. */
export const BboxParam = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)))
    const [minLon, minLat, maxLon, maxLat] = parts
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) return fail('bbox must be four numbers: minLon,minLat,maxLon,maxLat')
    if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) return fail('bbox is outside WGS84 longitude/latitude ranges')
    if (minLon >= maxLon || minLat >= maxLat) return fail('bbox minimum must be below its maximum')
    return [minLon, minLat, maxLon, maxLat] as [number, number, number, number]
  })
  .openapi({ type: 'string', example: '104.20,30.50,104.35,30.62', description: 'minLon,minLat,maxLon,maxLat (WGS84)' })

export const IdParam = z.object({
  id: z.coerce.number().int().positive().max(2_147_483_647).openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
})
