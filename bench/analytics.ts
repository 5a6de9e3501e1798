// Commander analytics and the incident list at full scale, through HTTP, against their budgets
// (issue 4) and against the same SQL run directly as the owner in the same run.
//
//   createdb gp_large && DATABASE_URL=…/gp_large npm run db:seed -- --scale large --force
//   DATABASE_URL=…/gp_large npm run bench -- analytics [--runs=20]
//
// The server runs in this process (migrating the database first, like `npm start`). Each request
// is answered once to record the SQL its handler ran (RequestTx.execute is wrapped: statement text
// and parameters, nothing else changes); the baseline replays those statements through `pg` as the
// owner — no session lookup, no row-level security, no HTTP or JSON/binary work in Node — inside
// a transaction that has the same app.* settings, so SECURITY DEFINER aggregates answer for the
// same scope. API and baseline alternate in rounds, so machine noise hits both alike.
import http from 'node:http'
import { gunzipSync } from 'node:zlib'
import pg from 'pg'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { SQL } from 'drizzle-orm'
import { startServer } from '../api/server.ts'
import { RequestTx } from '../api/lib/scope.ts'
import { fmt, percentile, serverTotalMs, signIn, table, type SignedIn } from './lib.ts'

interface Kind {
  group: 'density' | 'areas' | 'hotspots' | 'commander' | 'list'
  user: 'admin' | 'commander'
  label: string
  path: string
  /** Budget in ms on server p95 (and on wire bytes for density). */
  budgetMs: number
  budgetBytes?: number
}

interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  wire: number
  body: Buffer
  ms: number
}

/**
 * GET as a browser would (gzip accepted), counting the bytes on the wire before decompression. A
 * request sent on a kept-alive socket just as the server closes it (its 5 s idle timeout; seen
 * under heavy load) fails with ECONNRESET before anything was answered: it is sent again once.
 */
function get(url: string, cookie: string): Promise<Answer> {
  return getOnce(url, cookie).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ECONNRESET') throw e
    return getOnce(url, cookie)
  })
}

function getOnce(url: string, cookie: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const req = http.get(url, { headers: { Cookie: cookie, 'Accept-Encoding': 'gzip, deflate' }, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
        resolve({ status: res.statusCode ?? 0, headers: res.headers, wire: raw.length, body, ms: performance.now() - t0 })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 })

/** Cells or rows in an answer: X-Count for binary layers, features for GeoJSON. */
function rowsOf(a: Answer): number {
  if (a.headers['x-count'] !== undefined) return Number(a.headers['x-count'])
  try {
    return JSON.parse(a.body.toString('utf8')).features.length
  } catch {
    return NaN
  }
}

const dialect = new PgDialect()
type Statement = { sql: string; params: unknown[] }
let recording: Statement[] | null = null
const execute = RequestTx.prototype.execute
RequestTx.prototype.execute = function (this: RequestTx, query: SQL) {
  if (recording) recording.push(dialect.sqlToQuery(query))
  return execute.call(this, query) as never
} as typeof execute

const DAY = 24 * 3600_000

export async function benchAnalytics(databaseUrl: string, runs = 20) {
  const server = await startServer({ databaseUrl, port: 0, seedScale: null, quiet: true })
  const owner = new pg.Client({ connectionString: databaseUrl })
  await owner.connect()
  try {
    // A migration that rewrote incidents (0011) leaves no visibility map until autovacuum comes by:
    // index-only scans would visit the heap. Production gets there by itself; the bench does it now.
    const vm = (await owner.query(`select relallvisible::float / greatest(relpages, 1) as share from pg_class where relname = 'incidents'`)).rows[0].share
    if (vm < 0.9) {
      console.log(`incidents: ${(vm * 100).toFixed(0)} % of pages all-visible; VACUUM ANALYZE incidents first…`)
      await owner.query('vacuum analyze incidents')
    }
    const sessions: Record<Kind['user'], SignedIn> = { admin: await signIn(server.url, 'admin'), commander: await signIn(server.url, 'commander') }
    const config = JSON.parse((await get(new URL('api/config', server.url).toString(), sessions.admin.cookie)).body.toString())
    const district = (config.districtBbox as number[]).join(',')
    const [{ n, t1 }] = (await owner.query(`select count(*)::int n, max(reported_at) t1 from incidents`)).rows
    const street = sessions.commander.user.areas[0]
    const pick = async (text: string, params: unknown[] = []) => (await owner.query(text, params)).rows[0].id as number
    const grid = await pick(`select id from areas where level = 'grid' and street_id = $1 order by id limit 1`, [street])
    const micro = await pick(`select id from areas where level = 'micro_grid' and parent_id = $1 order by id limit 1`, [grid])
    const community = await pick(`select id from areas where level = 'community' and parent_id = $1 order by id limit 1`, [street])
    // One year up to the latest incident (the seed's end), and a month half a year back.
    const to = new Date(Math.ceil(new Date(t1).getTime() / DAY) * DAY)
    const year = `from=${new Date(to.getTime() - 365 * DAY).toISOString()}&to=${to.toISOString()}`
    const month = `from=${new Date(to.getTime() - 180 * DAY).toISOString()}&to=${new Date(to.getTime() - 150 * DAY).toISOString()}`
    const [x0, y0, x1, y1] = config.districtBbox as number[]
    const cx = (x0 + x1) / 2
    const cy = (y0 + y1) / 2
    const km = `${(cx - 0.005).toFixed(5)},${(cy - 0.0045).toFixed(5)},${(cx + 0.005).toFixed(5)},${(cy + 0.0045).toFixed(5)}`

    const kinds: Kind[] = []
    for (const zoom of [11, 13, 15, 17]) {
      for (const [what, period] of [['every incident', ''], ['one year', `&${year}`]] as const) {
        kinds.push({ group: 'density', user: 'admin', label: `density z${zoom}, district bbox, ${what}`, path: `api/analytics/density?zoom=${zoom}&bbox=${district}${period}`, budgetMs: 300, budgetBytes: 1 << 20 })
      }
    }
    kinds.push({ group: 'density', user: 'commander', label: 'density z13, own street, one year', path: `api/analytics/density?zoom=13&${year}`, budgetMs: 300, budgetBytes: 1 << 20 })
    kinds.push(
      { group: 'areas', user: 'admin', label: 'areas?level=micro_grid, one year, geometry=false', path: `api/analytics/areas?level=micro_grid&${year}&geometry=false`, budgetMs: 500 },
      { group: 'areas', user: 'admin', label: 'areas?level=micro_grid, one year, with geometry', path: `api/analytics/areas?level=micro_grid&${year}`, budgetMs: 500 },
      { group: 'hotspots', user: 'admin', label: 'hotspots?level=micro_grid, one year', path: `api/analytics/hotspots?level=micro_grid&${year}`, budgetMs: 2000 },
      // The rest of the commander page; the issue names no budget: ours is 1 s for a card or chart, 2 s for DBSCAN.
      { group: 'commander', user: 'admin', label: 'kpis, district, one year', path: `api/analytics/kpis?area=${config.districtId}&${year}`, budgetMs: 1000 },
      { group: 'commander', user: 'admin', label: 'charts, district, one year', path: `api/analytics/charts?area=${config.districtId}&${year}`, budgetMs: 1000 },
      { group: 'commander', user: 'commander', label: 'kpis, own street, one year', path: `api/analytics/kpis?area=${street}&${year}`, budgetMs: 1000 },
      { group: 'commander', user: 'commander', label: 'charts, own street, one year', path: `api/analytics/charts?area=${street}&${year}`, budgetMs: 1000 },
      { group: 'commander', user: 'commander', label: 'clusters, own street, 30 days', path: `api/analytics/clusters?area=${street}&from=${new Date(to.getTime() - 30 * DAY).toISOString()}&to=${to.toISOString()}`, budgetMs: 2000 },
    )
    const lists: [Kind['user'], string, string][] = [
      ['admin', 'no filter', ''],
      ['admin', 'type (rarest)', 'type=telecom_fraud'],
      ['admin', 'status (rare)', 'status=returned'],
      ['admin', 'type + status', 'type=noise&status=dispatched'],
      ['admin', 'types + statuses', 'type=telecom_fraud,water_leak&status=handled,verified'],
      ['admin', 'area = street', `area=${street}`],
      ['admin', 'area = grid', `area=${grid}`],
      ['admin', 'area = micro-grid', `area=${micro}`],
      ['admin', 'period (a month)', month],
      ['admin', 'bbox (1 km²)', `bbox=${km}`],
      ['admin', 'grid + type + year', `area=${grid}&type=parking_dispute&${year}`],
      ['admin', 'bbox + type + closed + month', `bbox=${km}&type=noise&status=closed&${month}`],
      ['commander', 'no filter (own street)', ''],
      ['commander', 'status (rare)', 'status=returned'],
      ['commander', 'area = community + type', `area=${community}&type=hallway_clutter`],
    ]
    for (const [user, label, q] of lists) {
      kinds.push({ group: 'list', user, label: `list limit=50, ${label}`, path: `api/incidents?limit=50${q ? `&${q}` : ''}`, budgetMs: 50 })
    }

    // Record each request's SQL (first answer), and check it answers at all.
    const statements = new Map<Kind, Statement[]>()
    const unavailable = new Set<Kind>()
    for (const k of kinds) {
      recording = []
      const a = await get(new URL(k.path, server.url).toString(), sessions[k.user].cookie)
      statements.set(k, recording)
      recording = null
      if (a.status === 404 && k.group === 'hotspots') unavailable.add(k)
      else if (a.status !== 200) throw new Error(`${k.path} as ${k.user}: HTTP ${a.status} ${a.body.toString().slice(0, 200)}`)
    }

    const baseline = async (k: Kind) => {
      const u = sessions[k.user].user
      await owner.query('begin')
      await owner.query(`select app_set_scope($1, null, $2::int[])`, [u.role, u.areas])
      const t0 = performance.now()
      for (const s of statements.get(k)!) await owner.query(s.sql, s.params)
      const ms = performance.now() - t0
      await owner.query('rollback')
      return ms
    }

    type Samples = { server: number[]; client: number[]; base: number[]; wire: number; raw: number; rows: number }
    const samples = new Map<Kind, Samples>(kinds.map((k) => [k, { server: [], client: [], base: [], wire: 0, raw: 0, rows: 0 }]))
    const rounds = Math.min(5, runs)
    const per = Math.ceil(runs / rounds)
    const t0 = performance.now()
    for (let r = 0; r < rounds; r++) {
      for (const k of kinds) {
        if (unavailable.has(k)) continue
        const s = samples.get(k)!
        const url = new URL(k.path, server.url).toString()
        for (let i = 0; i < per + 1; i++) {
          const a = await get(url, sessions[k.user].cookie)
          if (a.status !== 200) throw new Error(`${k.path}: HTTP ${a.status}`)
          if (i === 0) continue // warm-up of this round
          s.server.push(serverTotalMs(new Response(null, { headers: { 'Server-Timing': String(a.headers['server-timing'] ?? '') } })))
          s.client.push(a.ms)
          s.wire = a.wire
          s.raw = a.body.length
          s.rows = rowsOf(a)
        }
        for (let i = 0; i < per + 1; i++) {
          const ms = await baseline(k)
          if (i > 0) s.base.push(ms)
        }
      }
    }
    const totalS = (performance.now() - t0) / 1000

    const kb = (b: number) => (b >= 10 * 1024 ? (b / 1024).toFixed(0) : (b / 1024).toFixed(1))
    for (const group of ['density', 'areas', 'hotspots', 'commander', 'list'] as const) {
      const rows: (string | number)[][] = []
      for (const k of kinds.filter((x) => x.group === group)) {
        if (unavailable.has(k)) {
          rows.push([k.user, k.label, 'not available', '', '', '', '', '', '', '', '', '', `≤ ${k.budgetMs} ms`, ''])
          continue
        }
        const s = samples.get(k)!
        const [s50, s95, c50, c95, b50, b95] = [percentile(s.server, 50), percentile(s.server, 95), percentile(s.client, 50), percentile(s.client, 95), percentile(s.base, 50), percentile(s.base, 95)]
        const okTime = s95 <= k.budgetMs
        const okBytes = k.budgetBytes === undefined || s.wire <= k.budgetBytes
        rows.push([
          k.user,
          k.label,
          fmt(s50),
          fmt(s95),
          fmt(c50),
          fmt(c95),
          kb(s.wire),
          kb(s.raw),
          s.rows,
          fmt(b50),
          fmt(b95),
          (s50 / b50).toFixed(2),
          `≤ ${k.budgetMs} ms${k.budgetBytes ? ', ≤ 1 MB' : ''}`,
          okTime && okBytes ? 'yes' : okTime ? 'NO (bytes)' : s50 <= k.budgetMs ? 'NO (p95; p50 ok)' : 'NO',
        ])
      }
      console.log(`\n${group} (${rounds * per} requests per row in ${rounds} rounds; ms; KiB)`)
      table(['user', 'request', 'server p50', 'server p95', 'client p50', 'client p95', 'wire KiB', 'raw KiB', 'rows/cells', 'SQL p50', 'SQL p95', 'server÷SQL p50', 'budget (server p95)', 'within'], rows)
    }
    const mem = (await owner.query(`select current_setting('server_version') v, current_setting('shared_buffers') sb`)).rows[0]
    console.log(
      [
        `\n${n.toLocaleString('en')} incidents; PostgreSQL ${mem.v}, shared_buffers ${mem.sb}; ${totalS.toFixed(0)} s.`,
        'server = Server-Timing `total` (session lookup, scoped transaction with row-level security, queries, encoding);',
        'client = HTTP wall time in this process incl. body and gunzip; wire = bytes sent (gzip when the server compresses; the',
        'binary density layer is sent as is), raw = decompressed; rows/cells = features or X-Count.',
        'SQL = the statements the handler ran, replayed through pg as the owner (no RLS, no HTTP, no Node encoding) in one',
        'transaction with the same app.* scope settings; server÷SQL = what the API adds.',
      ].join('\n'),
    )
  } finally {
    RequestTx.prototype.execute = execute
    keepAlive.destroy()
    await owner.end()
    await server.close()
  }
}
