// Station coverage (issue 6): GET /api/stations/coverage, /uncovered and /service-areas at district
// scale through HTTP (a real server on a local port) as `planner` and `admin`, against the same SQL
// run as the owner on one pooled connection (no session, no RLS, no HTTP) in the same run, in
// alternating rounds so machine noise hits both sides alike. Budget: households coverage of one
// station type over the whole district ≤ 1 s.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench npx tsx bench/run.ts stcoverage [--runs=10]
//
// The bench database's rows are not touched. When db/migrations/0019_station_coverage.sql is not
// recorded as applied there, its one function is (re)created (schema only) and the bench says so.
import { readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type pg from 'pg'
import { createApi } from '../api/app.ts'
import { createLogger } from '../api/lib/log.ts'
import { coverageTotalsSql, disksSql, type Resolved } from '../api/stations/coverage.ts'
import { demandTableSql, districtSql, type AreaRow } from '../api/siting/queries.ts'
import { openDatabase } from '../db/client.ts'
import { fmt, percentile, serverTotalMs, signIn, table } from './lib.ts'

const dialect = new PgDialect()

interface Case {
  label: string
  query: string
  path: 'coverage' | 'uncovered' | 'service-areas'
  /** The owner-side statements of the same request. */
  owner: (area: AreaRow) => SQL[]
  budgetMs: number | null
}

async function ownerRun(client: pg.PoolClient, statements: SQL[]): Promise<number> {
  const t0 = performance.now()
  await client.query('begin')
  try {
    for (const s of statements) {
      const q = dialect.sqlToQuery(s)
      await client.query(q.sql, q.params)
    }
  } finally {
    await client.query('rollback')
  }
  return performance.now() - t0
}

const resolved = (area: AreaRow, types: string[], radius: number | null): Resolved => ({ area, types, radius, distance: 'straight' })
const setup = (area: AreaRow) => [sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`, ...demandTableSql(area.level, area.id)]

export async function benchStationCoverage(databaseUrl: string, runs = 10) {
  const db = await openDatabase({ databaseUrl, poolSize: 4 })
  const applied = await db.pool.query(`select 1 from schema_migrations where name = '0019_station_coverage.sql'`)
  if (applied.rows.length === 0) {
    // `create or replace` of the one function (the bench database may be behind the migrations); no row changes.
    await db.pool.query(readFileSync(new URL('../db/migrations/0019_station_coverage.sql', import.meta.url), 'utf8'))
    console.log('\nstcoverage: (re)created area_station_coverage_incidents() from db/migrations/0019_station_coverage.sql (function only, no rows changed)')
  }
  const area = (await db.pool.query<AreaRow>(dialect.sqlToQuery(districtSql).sql)).rows[0]
  const counts = (await db.pool.query(`select (select count(*) from buildings where households > 0)::int b, (select count(*) from incidents where reported_at >= now() - interval '365 days')::int i`)).rows[0]
  const api = new Hono().route('/api', createApi({ ...db, kind: 'postgres' }, { logger: createLogger('silent') }))
  const server = serve({ fetch: api.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  const port = (server.address() as { port: number }).port
  const base = `http://127.0.0.1:${port}/`
  const owner = await db.pool.connect()
  // The owner has no session: the scope an admin's request would carry, set for this transaction.
  const incidentsSql = (types: string[]) => [
    sql`select set_config('app.role', 'admin', true), set_config('app.row_scope', '*', true)`,
    sql`select * from area_station_coverage_incidents(${area.id}::int, now() - interval '365 days', now(), ${sql.param(types)}::text[], null::float8, null::text[])`,
  ]
  const cases: Case[] = [
    {
      label: 'coverage psych_legal, households (incidents=false)', path: 'coverage', query: 'type=psych_legal&incidents=false', budgetMs: 1000,
      owner: (a) => [...setup(a), coverageTotalsSql(resolved(a, ['psych_legal'], null), 'street'), sql`select count(*) from (${disksSql(resolved(a, ['psych_legal'], null))}) s`],
    },
    {
      label: 'coverage self_governance, households (incidents=false)', path: 'coverage', query: 'type=self_governance&incidents=false', budgetMs: 1000,
      owner: (a) => [...setup(a), coverageTotalsSql(resolved(a, ['self_governance'], null), 'street'), sql`select count(*) from (${disksSql(resolved(a, ['self_governance'], null))}) s`],
    },
    {
      label: 'coverage psych_legal + incidents of 365 days', path: 'coverage', query: 'type=psych_legal', budgetMs: null,
      owner: (a) => [...setup(a), coverageTotalsSql(resolved(a, ['psych_legal'], null), 'street'), ...incidentsSql(['psych_legal'])],
    },
    {
      label: 'uncovered psych_legal r=600', path: 'uncovered', query: 'type=psych_legal&radius=600', budgetMs: null,
      owner: (a) => [...setup(a), sql`select count(*) from siting_demand d join buildings b on b.id = d.id where d.i not in (select distinct d.i from (${disksSql(resolved(a, ['psych_legal'], 600))}) s join siting_demand d on d.p <@ circle(s.p, s.r))`],
    },
  ]
  const rows: (string | number)[][] = []
  try {
    for (const role of ['planner', 'admin']) {
      const { cookie } = await signIn(base, role)
      for (const c of cases) {
        const server: number[] = []
        const client: number[] = []
        const sqlMs: number[] = []
        let status = 0
        let summary = ''
        const rounds = Math.min(runs, 5)
        const per = Math.ceil(runs / rounds)
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < per + (r === 0 ? 1 : 0); i++) {
            const t0 = performance.now()
            const res = await fetch(`${base}api/stations/${c.path}?${c.query}`, { headers: { cookie, 'accept-encoding': 'identity' } })
            const body = await res.json()
            status = res.status
            if (status !== 200) throw new Error(`${c.path}?${c.query} as ${role}: HTTP ${status} ${JSON.stringify(body).slice(0, 200)}`)
            if (r === 0 && i === 0) continue // warm-up
            client.push(performance.now() - t0)
            server.push(serverTotalMs(res))
            summary = c.path === 'coverage'
              ? `${body.households_covered}/${body.households_total} hh${body.incidents ? `, inc ${body.incidents.inside}/${body.incidents.total}` : ''}`
              : `${body.features.length} features`
          }
          for (let i = 0; i < per + (r === 0 ? 1 : 0); i++) {
            const ms = await ownerRun(owner, c.owner(area))
            if (!(r === 0 && i === 0)) sqlMs.push(ms)
          }
        }
        const [s50, s95, c95, q50, q95] = [percentile(server, 50), percentile(server, 95), percentile(client, 95), percentile(sqlMs, 50), percentile(sqlMs, 95)]
        rows.push([role, c.label, summary, fmt(s50), fmt(s95), fmt(c95), fmt(q50), fmt(q95), (s50 / q50).toFixed(2), c.budgetMs === null ? '–' : `${c.budgetMs} ${s95 <= c.budgetMs ? 'met' : 'NOT MET'}`])
      }
    }
  } finally {
    owner.release()
    server.close()
    await db.close()
  }
  console.log(`\nstation coverage, district ${area.name}: ${counts.b.toLocaleString('en')} buildings with households, ${counts.i.toLocaleString('en')} incidents in 365 days (${runs} runs each; ms)`)
  table(['role', 'request', 'answer', 'server p50', 'server p95', 'client p95', 'SQL p50', 'SQL p95', 'server ÷ SQL (p50)', 'budget (server p95)'], rows)
  console.log('server = Server-Timing (session, scoped transaction with RLS, queries, JSON); client adds HTTP on 127.0.0.1;')
  console.log('SQL = the same statements as the owner on one connection, rolled back. Timings are noisy: 2 cores shared with other jobs.')
}
