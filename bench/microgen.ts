// Micro-grid generation (issue 7; docs/microgrids.md) through the HTTP API, against the budget
// (a 1,000-household grid ≤ 3 s) and a baseline measured in the same run: the territory step alone
// (territoriesSql: Voronoi of the footprint outlines, dissolved per building, clipped, adjacency)
// run in psql as the owner, without session, RLS, grouping, dissolving, coverage check or HTTP.
//
//   DATABASE_URL=postgres://…/gp_bench npm run bench -- microgen [--runs=10]
//
// Cases: the grid with the most households, the grid nearest 1,000 households, and the grid with
// the most buildings (when it is another one). Every answer is checked: pieces within 30–150
// households, no coverage problem. The previews the runs store are deleted at the end; nothing is
// committed.
import http from 'node:http'
import { PgDialect } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { startServer } from '../api/server.ts'
import { MICROGRID_HOUSEHOLDS, territoriesSql } from '../api/areas/microgrids.ts'
import { fmt, percentile, psqlTimings, serverTotalMs, signIn, table } from './lib.ts'

/** POST on a fresh connection (psql runs between requests outlast the server's keep-alive). */
function post(url: string, cookie: string, body: unknown): Promise<{ status: number; serverMs: number; body: string }> {
  const data = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: { Cookie: cookie, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'Accept-Encoding': 'identity' } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const timing = new Headers({ 'Server-Timing': String(res.headers['server-timing'] ?? '') })
          resolve({ status: res.statusCode ?? 0, serverMs: serverTotalMs(new Response(null, { headers: timing })), body: Buffer.concat(chunks).toString('utf8') })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

/** The statement as psql runs it: parameters inlined as literals (numbers only here). */
function literal(grid: number): string {
  const q = new PgDialect().sqlToQuery(territoriesSql(grid))
  return q.sql.replace(/\$(\d+)/g, (_, n) => String(q.params[Number(n) - 1]))
}

const withoutJit = (url: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c jit=off')}`

export async function benchMicrogen(databaseUrl: string, runs = 10) {
  const owner = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const facts = `select g.id, g.name, (select coalesce(sum(households), 0) from buildings b where b.grid_id = g.id)::int as households,
      (select count(*) from buildings b where b.grid_id = g.id)::int as buildings, (select count(*) from areas m where m.parent_id = g.id)::int as micro
    from areas g where g.level = 'grid'`
  const one = async (order: string) => (await owner.query(`select * from (${facts}) f order by ${order}, id limit 1`)).rows[0]
  const picks = [
    { label: 'most households', ...(await one('households desc')) },
    { label: 'nearest 1,000 households', ...(await one('abs(households - 1000)')) },
    { label: 'most buildings', ...(await one('buildings desc')) },
  ].filter((c, i, all) => all.findIndex((d) => d.id === c.id) === i)
  const server = await startServer({ databaseUrl, port: 0, seedScale: null, quiet: true })
  const started = new Date()
  const psqlUrl = withoutJit(databaseUrl)
  try {
    const { cookie, user } = await signIn(server.url, 'admin')
    const rows: (string | number)[][] = []
    for (const c of picks) {
      const url = `${server.url}api/areas/${c.id}/microgrids/generate`
      const client: number[] = []
      const serverMs: number[] = []
      const sqlMs: number[] = []
      let summary = { count: NaN, min: NaN, max: NaN, mean: NaN, problems: NaN }
      const rounds = Math.min(runs, 5)
      const per = Math.ceil(runs / rounds)
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < per + 1; i++) {
          const t0 = performance.now()
          const res = await post(url, cookie, { target: MICROGRID_HOUSEHOLDS.target })
          if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${res.body.slice(0, 300)}`)
          if (i === 0) continue // warm-up of this round
          client.push(performance.now() - t0)
          serverMs.push(res.serverMs)
          summary = JSON.parse(res.body).summary
          if (summary.min < MICROGRID_HOUSEHOLDS.min || summary.max > MICROGRID_HOUSEHOLDS.max || summary.problems !== 0) {
            throw new Error(`grid ${c.id}: pieces ${summary.min}–${summary.max} households, ${summary.problems} coverage problems`)
          }
        }
        sqlMs.push(...psqlTimings(psqlUrl, literal(c.id), per + 1).slice(1))
      }
      const s95 = percentile(serverMs, 95)
      rows.push([
        `${c.label}: #${c.id} ${c.name}`,
        `${c.households} / ${c.buildings} / ${c.micro}`,
        `${summary.count}: ${summary.min} / ${summary.max} / ${summary.mean}`,
        summary.problems,
        fmt(percentile(serverMs, 50)),
        fmt(s95),
        fmt(percentile(client, 95)),
        fmt(percentile(sqlMs, 50)),
        fmt(percentile(sqlMs, 95)),
        (s95 / percentile(sqlMs, 95)).toFixed(2),
        `3000 ${s95 <= 3000 ? 'met' : 'NOT MET'}`,
      ])
    }
    console.log(`\nPOST /api/areas/:id/microgrids/generate (target ${MICROGRID_HOUSEHOLDS.target}) vs the territory SQL alone in psql (${runs} runs; ms)`)
    table(
      ['grid', 'households / buildings / micro-grids now', 'pieces: min / max / mean households', 'coverage problems', 'server p50', 'server p95', 'client p95', 'territory SQL p50', 'territory SQL p95', 'server ÷ SQL (p95)', 'budget (server p95)'],
      rows,
    )
    console.log('server = Server-Timing of the API as admin (session, scoped transaction with RLS, territories, grouping, dissolving, coverage check, preview stored);')
    console.log('territory SQL = territoriesSql in psql as the owner (jit off, as the route sets it)')
    await owner.query(`delete from area_import_previews where account_id = $1 and created_at >= $2 and summary->>'source' = 'generate'`, [user.id, started])
  } finally {
    await server.close()
    await owner.end()
  }
}
