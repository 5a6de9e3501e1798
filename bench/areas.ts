// GET /api/areas?level=grid through the HTTP server vs the same SQL run directly in psql.
// Needs a seeded real PostGIS with the demo accounts: DATABASE_URL=postgres://… npm run bench -- areas
// The API is asked as `admin` (the whole district, the same rows psql returns), so the server side
// includes the session lookup and the scoped transaction (RLS policies); psql runs as the owner.
import { PgDialect } from 'drizzle-orm/pg-core'
import { startServer } from '../api/server.ts'
import { areasGeoJson } from '../api/areas/queries.ts'
import { fmt, percentile, psqlTimings, serverTotalMs, signIn, table } from './lib.ts'

export async function benchAreas(databaseUrl: string, runs = 200) {
  const server = await startServer({ databaseUrl, port: 0, seedScale: null, quiet: true })
  try {
    const { cookie } = await signIn(server.url, 'admin')
    const rows: (string | number)[][] = []
    for (const level of ['grid', 'community', 'micro_grid'] as const) {
      const path = `${server.url}api/areas?level=${level}`
      let bytes = 0
      const http: number[] = []
      const serverMs: number[] = []
      const psql: number[] = []
      const q = new PgDialect().sqlToQuery(areasGeoJson({ level }))
      const literal = q.sql.replace(/\$(\d+)/g, (_, n) => `'${String(q.params[Number(n) - 1]).replace(/'/g, "''")}'`)
      // Alternate short rounds of API and psql so machine noise hits both sides alike.
      const rounds = 10
      for (let r = 0; r < rounds; r++) {
        const per = Math.ceil(runs / rounds)
        for (let i = 0; i < per + 2; i++) {
          const t0 = performance.now()
          const res = await fetch(path, { headers: { Cookie: cookie, 'Accept-Encoding': 'identity' } })
          const body = await res.arrayBuffer()
          if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`)
          if (i < 2) continue // warm-up of this round
          http.push(performance.now() - t0)
          serverMs.push(serverTotalMs(res))
          bytes = body.byteLength
        }
        psql.push(...psqlTimings(databaseUrl, literal, per + 2).slice(2))
      }
      const [s50, s95, h95, p50, p95] = [percentile(serverMs, 50), percentile(serverMs, 95), percentile(http, 95), percentile(psql, 50), percentile(psql, 95)]
      rows.push([`areas?level=${level}`, (bytes / 1024).toFixed(0), fmt(s50), fmt(s95), fmt(h95), fmt(p50), fmt(p95), (s95 / p95).toFixed(2)])
    }
    console.log(`\nGET /api/areas vs the same SQL in psql (${runs} runs each, alternating rounds of ${runs / 10}, ms)`)
    table(['request', 'KiB', 'server p50', 'server p95', 'client wall p95', 'psql p50', 'psql p95', 'server p95 ÷ psql p95'], rows)
    console.log('server = Server-Timing of the API as admin (session lookup, scoped transaction, query, response); client wall adds HTTP and the in-process client;')
    console.log('psql = the same SQL as the owner (no session, no RLS)')
  } finally {
    await server.close()
  }
}
