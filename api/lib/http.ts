import type { Context, MiddlewareHandler } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'
import { secureHeaders } from 'hono/secure-headers'
import { ApiFailure } from './errors.ts'

/** Strip the IPv4-mapped IPv6 prefix so `::ffff:10.0.0.1` and `10.0.0.1` are one client. */
const normalise = (a: string) => a.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')

/** The connection's peer address, or null without a socket (app.request() in tests). */
function peerAddress(c: Context): string | null {
  try {
    const address = getConnInfo(c).remote.address
    return address ? normalise(address) : null
  } catch {
    return null
  }
}

/**
 * The client's address: the connection's peer, never a header, unless that peer is a trusted
 * proxy (TRUST_PROXY); then the right-most X-Forwarded-For entry that is not itself trusted.
 */
export function clientAddress(c: Context, trustedProxies: ReadonlySet<string>): string | null {
  const peer = peerAddress(c)
  if (!peer) return null
  if (!trustedProxies.has(peer)) return peer
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map(normalise).filter(Boolean)
  for (let i = hops.length - 1; i >= 0; i--) if (!trustedProxies.has(hops[i])) return hops[i]
  return peer
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * CSRF: a state-changing request must come from our own origin. Browsers send `Origin` (and
 * `Sec-Fetch-Site`) on every cross-site POST, so a form on another site is refused even before the
 * SameSite=Strict cookie would be withheld. Requests with neither header come from non-browser
 * clients (curl, scripts), which cannot be made to carry a victim's cookie.
 */
export function sameOriginWrites(trustedProxies: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    if (UNSAFE.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site')
      if (site && site !== 'same-origin' && site !== 'none') throw new ApiFailure(403, 'csrf', `cross-site request refused (Sec-Fetch-Site: ${site})`)
      const origin = c.req.header('origin')
      if (origin !== undefined) {
        const own = ownOrigins(c, trustedProxies)
        if (!own.has(origin)) throw new ApiFailure(403, 'csrf', 'cross-origin request refused: Origin does not match this server')
      }
    }
    await next()
  }
}

function ownOrigins(c: Context, trustedProxies: ReadonlySet<string>): Set<string> {
  const url = new URL(c.req.url)
  const origins = new Set([url.origin])
  const host = c.req.header('host')
  if (host) origins.add(`${url.protocol}//${host}`)
  // Behind a trusted proxy the browser saw the proxy's scheme and host.
  const peer = peerAddress(c)
  if (peer && trustedProxies.has(peer)) {
    const proto = c.req.header('x-forwarded-proto')?.split(',')[0].trim()
    const fwdHost = c.req.header('x-forwarded-host')?.split(',')[0].trim() ?? host
    if (proto && fwdHost) origins.add(`${proto}://${fwdHost}`)
  }
  return origins
}

/** Origins (scheme://host[:port]) of a basemap URL or tile template, for the CSP. */
export function originOf(url: string | null | undefined): string | null {
  if (!url) return null
  try {
    return new URL(url.replace(/\{[a-z]+\}/gi, '0')).origin
  } catch {
    return null
  }
}

/**
 * Security headers with a Content-Security-Policy the map works under: scripts, workers and styles
 * from this server only (MapLibre's worker is a file of the build, see web/map), data from this
 * server plus any configured basemap origins, no framing.
 */
export function securityHeaders(extraOrigins: string[]): MiddlewareHandler {
  const remote = [...new Set(extraOrigins)]
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      workerSrc: ["'self'", 'blob:'],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:', ...remote],
      connectSrc: ["'self'", ...remote],
      fontSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: 'same-origin',
    referrerPolicy: 'same-origin',
    strictTransportSecurity: 'max-age=15552000; includeSubDomains',
    xFrameOptions: 'DENY',
    permissionsPolicy: { camera: [], microphone: [], geolocation: ['self'] },
  })
}
