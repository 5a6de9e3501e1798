// Coverage validation (issue 7) through the HTTP API against its budgets (a street with every level
// below it ≤ 2 s, the whole district ≤ 10 s) and against two baselines measured in the same run:
//   - the same SQL (coverageSql) run directly in psql as the owner: no session, no RLS, no HTTP;
//   - a naive check, as first written by hand: ST_Intersection of every pair of siblings (no `&&`
//     or ST_Relate filter), ST_Difference(parent, ST_Union(children)) and child minus parent at
//     full floating precision, every piece measured on the spheroid. It answers counts only.
//
//   DATABASE_URL=postgres://…/gp_bench npm run bench -- coverage [--runs=10]
//
// The API is asked as `admin` (the same rows psql sees). API and baselines alternate in rounds so
// machine noise hits every side alike. Both psql sides run with jit = off, as the route does.
import http from 'node:http'
import { PgDialect } from 'drizzle-orm/pg-core'
import pg from 'pg'
import { startServer } from '../api/server.ts'
import { coverageSql, SLIVER_DEFAULTS, type CoverageOptions } from '../api/areas/coverage.ts'
import { fmt, percentile, psqlTimings, serverTotalMs, signIn, table } from './lib.ts'

interface Case {
  label: string
  id: number
  depth: CoverageOptions['depth']
  budgetMs: number | null
  runs: number
  naive: boolean
}

/** The textbook check over the same parents as coverageSql(id, depth 'all'): counts of pieces over 0.01 m². */
function naiveSql(id: number): string {
  return `
    with parents as (select p.id, p.geom from areas p where p.path @> array[${id}] and p.level <> 'micro_grid'),
    kids as (select c.id, c.parent_id, c.geom from areas c where c.parent_id in (select id from parents))
    select
      (select count(*) from (select ST_Area(ST_Difference(p.geom, ST_Union(k.geom))::geography) as m2
         from parents p join kids k on k.parent_id = p.id group by p.id, p.geom) g where m2 > 0.01) as gaps,
      (select count(*) from (select ST_Area(ST_Intersection(a.geom, b.geom)::geography) as m2
         from kids a join kids b on a.parent_id = b.parent_id and a.id < b.id) o where m2 > 0.01) as overlaps,
      (select count(*) from (select ST_Area(ST_Difference(k.geom, p.geom)::geography) as m2
         from kids k join parents p on p.id = k.parent_id) x where m2 > 0.01) as outside`
}

/** The statement as psql runs it: parameters inlined as literals (numbers and fixed words only). */
function literal(id: number, depth: CoverageOptions['depth']): string {
  const q = new PgDialect().sqlToQuery(coverageSql(id, { depth, sliverM2: SLIVER_DEFAULTS.m2, sliverWidthM: SLIVER_DEFAULTS.widthM }))
  return q.sql.replace(/\$(\d+)/g, (_, n) => {
    const v = q.params[Number(n) - 1]
    return typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`
  })
}

/**
 * GET on a fresh connection: between rounds psql runs for longer than the server's keep-alive
 * timeout (5 s), and a reused socket the server has just closed fails with ECONNRESET.
 */
function get(url: string, cookie: string): Promise<{ status: number; serverMs: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { Cookie: cookie, 'Accept-Encoding': 'identity' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const timing = new Headers({ 'Server-Timing': String(res.headers['server-timing'] ?? '') })
        resolve({ status: res.statusCode ?? 0, serverMs: serverTotalMs(new Response(null, { headers: timing })), body: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

/** The connection URL with jit off for every statement of that psql session. */
const withoutJit = (url: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c jit=off')}`

export async function benchCoverage(databaseUrl: string, runs = 10) {
  const owner = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const pick = async (q: string) => Number((await owner.query(q)).rows[0].id)
  // The street with the most grids (the budget speaks of ~60 grids), a grid of it, and the district.
  const street = await pick(`select street_id as id from areas where level = 'grid' group by street_id order by count(*) desc, street_id limit 1`)
  const grid = await pick(`select id from areas where level = 'grid' and street_id = ${street} order by id limit 1`)
  const district = await pick(`select id from areas where level = 'district' order by id limit 1`)
  const sizes = new Map<number, string>()
  for (const id of [grid, street, district]) {
    const { rows } = await owner.query(
      `select count(*) filter (where level = 'grid')::int as grids, count(*) filter (where level = 'micro_grid')::int as micro from areas where path @> array[$1::int]`,
      [id],
    )
    sizes.set(id, `${rows[0].grids} / ${rows[0].micro}`)
  }
  await owner.end()

  const cases: Case[] = [
    { label: 'one grid, depth=1', id: grid, depth: '1', budgetMs: null, runs, naive: false },
    { label: `street ${street}, depth=all`, id: street, depth: 'all', budgetMs: 2000, runs, naive: true },
    { label: `district ${district}, depth=all`, id: district, depth: 'all', budgetMs: 10_000, runs: Math.max(3, Math.ceil(runs / 3)), naive: true },
  ]
  const server = await startServer({ databaseUrl, port: 0, seedScale: null, quiet: true })
  const psqlUrl = withoutJit(databaseUrl)
  try {
    const { cookie } = await signIn(server.url, 'admin')
    const rows: (string | number)[][] = []
    for (const c of cases) {
      const path = `${server.url}api/areas/${c.id}/coverage?depth=${c.depth}`
      const statement = literal(c.id, c.depth)
      const client: number[] = []
      const serverMs: number[] = []
      const psql: number[] = []
      const naive: number[] = []
      let features = NaN
      let validated = { parents: NaN, children: NaN }
      const rounds = Math.min(c.runs, 5)
      const per = Math.ceil(c.runs / rounds)
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < per + 1; i++) {
          const t0 = performance.now()
          const res = await get(path, cookie)
          if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`)
          if (i === 0) continue // warm-up of this round
          client.push(performance.now() - t0)
          serverMs.push(res.serverMs)
          const fc = JSON.parse(res.body)
          features = fc.features.length
          validated = fc.validated
        }
        psql.push(...psqlTimings(psqlUrl, statement, per + 1).slice(1))
        if (c.naive) naive.push(...psqlTimings(psqlUrl, naiveSql(c.id), Math.max(1, Math.ceil(per / 2))))
      }
      const s = sizes.get(c.id)!
      const [s50, s95, h95, p50, p95] = [percentile(serverMs, 50), percentile(serverMs, 95), percentile(client, 95), percentile(psql, 50), percentile(psql, 95)]
      rows.push([
        c.label, `${validated.parents} / ${validated.children}`, s, features,
        fmt(s50), fmt(s95), fmt(h95), fmt(p50), fmt(p95), (s95 / p95).toFixed(2),
        c.naive ? `${fmt(percentile(naive, 50))} (${naive.length})` : '–',
        c.budgetMs === null ? '–' : `${c.budgetMs} ${s95 <= c.budgetMs ? 'met' : 'NOT MET'}`,
      ])
    }
    console.log(`\nGET /api/areas/:id/coverage vs the same SQL in psql and a naive check (${runs} runs, district ${Math.max(3, Math.ceil(runs / 3))}; ms)`)
    table(
      ['request', 'parents / children', 'grids / micro-grids', 'problems', 'server p50', 'server p95', 'client p95', 'SQL p50', 'SQL p95', 'server p95 ÷ SQL p95', 'naive p50 (runs)', 'budget (server p95)'],
      rows,
    )
    console.log('server = Server-Timing of the API as admin (session, scoped transaction with RLS, the check, response); client adds HTTP;')
    console.log('SQL = the same statement in psql as the owner (jit off, as the route sets it); naive = every sibling pair intersected, no filter, no precision grid')
  } finally {
    await server.close()
  }
}

