// Patrol compliance and coverage (issue 5) through the HTTP API, against the same SQL run directly.
//
//   DATABASE_URL=…/gp_bench_a npm run db:seed -- --scale district --force
//   DATABASE_URL=…/gp_bench_a npm run bench -- patrols [--runs=10]
//
// The server runs in this process on a random port; requests carry a demo account's session.
// Cases: one grid-day (the seeded grid-day with the most track fixes: its task's compliance, and the
// grid's aggregate for that day; target ≤ 200 ms) and one street-week (the commander's street, the
// 7 days up to that day, by member; target ≤ 2 s), plus that street-week's coverage per grid.
// Baseline: the same statements run through pg as the owner (no session, no row-level security), in
// a transaction with the same settings, in the same run. Reads only; nothing is written but the
// audit rows of the requests. EXPLAIN (ANALYZE, BUFFERS) of the street-week statement goes to
// bench/results/patrols-street-week.txt.
import { mkdirSync, writeFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { sql, type SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type pg from 'pg'
import { createApi } from '../api/app.ts'
import { createLogger } from '../api/lib/log.ts'
import { aggregateComplianceSql, coverageSql, taskComplianceSql, TARGET_DAY_MINUTES, TARGET_EVENING_MINUTES, VISIT_DWELL_S, VISIT_RADIUS_M } from '../api/patrols/compliance.ts'
import { trackReadSettings } from '../api/tracks/queries.ts'
import { openDatabase } from '../db/client.ts'
import { fmt, percentile, serverTotalMs, signIn, table } from './lib.ts'

const dialect = new PgDialect()
const RULE = { radius: VISIT_RADIUS_M, dwell: VISIT_DWELL_S, target_day: TARGET_DAY_MINUTES, target_evening: TARGET_EVENING_MINUTES }

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

interface Case {
  role: string
  label: string
  path: string
  owner: SQL
  budgetMs: number | null
  summary: (body: any) => string
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)

/** Benchmark the compliance and coverage endpoints against their SQL; prints a table. */
export async function benchPatrols(databaseUrl: string, runs = 10) {
  const db = await openDatabase({ databaseUrl, poolSize: 4 })
  const applied = await db.pool.query(`select 1 from schema_migrations where name = '0021_patrols.sql'`)
  if (applied.rows.length === 0) throw new Error('patrols: the bench database lacks 0021_patrols.sql; run `npm run db:migrate` (or seed it again) first')
  // The busiest grid-day: the done task whose members' fixes inside its shift are the most.
  const busiest = (
    await db.pool.query(`
      select t.id, t.grid_id, t.day::text as day, t.street_id, count(*)::int as fixes
      from patrol_tasks t join patrol_task_members m on m.task_id = t.id
      join track_points tp on tp.person_id = m.person_id and tp.t >= patrol_shift_start(t.day, t.shift) and tp.t < patrol_shift_end(t.day, t.shift)
      where t.status = 'done' group by t.id order by fixes desc, t.id limit 1`)
  ).rows[0]
  if (!busiest) throw new Error('patrols: no patrol task with track points; seed the bench database first')
  const street = (await db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)).rows[0].area_id as number
  const to = busiest.day as string
  const from = addDays(to, -6)
  const week = (
    await db.pool.query(
      `select count(distinct t.id)::int tasks, count(tp.*)::int fixes from patrol_tasks t join patrol_task_members m on m.task_id = t.id
       left join track_points tp on tp.person_id = m.person_id and tp.t >= patrol_shift_start(t.day, t.shift) and tp.t < patrol_shift_end(t.day, t.shift)
       where t.street_id = $1 and t.day between $2 and $3`,
      [street, from, to],
    )
  ).rows[0]

  const api = new Hono().route('/api', createApi({ ...db, kind: 'postgres' }, { logger: createLogger('silent') }))
  const server = serve({ fetch: api.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((r) => server.once('listening', r))
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
  const owner = await db.pool.connect()
  const cases: Case[] = [
    {
      role: 'admin', label: `grid-day: task ${busiest.id} compliance (${busiest.fixes} fixes)`, path: `patrols/tasks/${busiest.id}/compliance`,
      owner: taskComplianceSql(busiest.id, RULE), budgetMs: 200, summary: (b) => `${b.checkpoints_visited}/${b.checkpoints_total} cp, score ${b.score}`,
    },
    {
      role: 'admin', label: `grid-day: grid ${busiest.grid_id} on ${to}, by member`, path: `patrols/compliance?area=${busiest.grid_id}&from=${to}&to=${to}&by=member`,
      owner: aggregateComplianceSql(busiest.grid_id, to, to, 'member', RULE), budgetMs: 200, summary: (b) => `${b.groups.length} groups`,
    },
    ...['commander', 'admin'].map((role) => ({
      role, label: `street-week: street ${street}, ${from}…${to}, by member (${week.tasks} tasks, ${week.fixes} fixes)`,
      path: `patrols/compliance?area=${street}&from=${from}&to=${to}&by=member`,
      owner: aggregateComplianceSql(street, from, to, 'member', RULE), budgetMs: 2000,
      summary: (b: any) => `${b.groups.length} members, ${b.groups.reduce((n: number, g: any) => n + g.checkpoints_visited, 0)} cp visited`,
    })),
    {
      role: 'commander', label: `street-week coverage per grid`, path: `patrols/coverage?area=${street}&from=${from}&to=${to}&level=grid`,
      owner: coverageSql(street, from, to, 'grid'), budgetMs: null,
      summary: (b) => `${b.features.length} grids, ${b.features.reduce((n: number, f: any) => n + f.properties.visited, 0)} mg walked`,
    },
  ]
  const adminScope = sql`select set_config('app.role', 'admin', true), set_config('app.area_ids', (select id::text from areas where level = 'district' order by id limit 1), true), set_config('app.row_scope', '*', true), set_config('app.case_scope', '*', true)`
  const rows: (string | number)[][] = []
  let routeRows: (string | number)[][] = []
  try {
    const cookies = new Map<string, string>()
    for (const c of cases) {
      if (!cookies.has(c.role)) cookies.set(c.role, (await signIn(base, c.role)).cookie)
      const cookie = cookies.get(c.role)!
      const serverMs: number[] = []
      const clientMs: number[] = []
      const sqlMs: number[] = []
      let summary = ''
      for (let i = 0; i <= runs; i++) {
        const t0 = performance.now()
        const res = await fetch(`${base}api/${c.path}`, { headers: { cookie, 'accept-encoding': 'identity' } })
        const body = await res.json()
        const client = performance.now() - t0
        if (res.status !== 200) throw new Error(`${c.path} as ${c.role}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`)
        // The owner's run of the same statement, interleaved so both see the same machine load.
        const ms = await ownerRun(owner, [trackReadSettings, adminScope, c.owner])
        if (i === 0) continue // warm-up
        clientMs.push(client)
        serverMs.push(serverTotalMs(res))
        sqlMs.push(ms)
        summary = c.summary(body)
      }
      const [s50, s95, c95, q50, q95] = [percentile(serverMs, 50), percentile(serverMs, 95), percentile(clientMs, 95), percentile(sqlMs, 50), percentile(sqlMs, 95)]
      rows.push([c.role, c.label, summary, fmt(s50), fmt(s95), fmt(c95), fmt(q50), fmt(q95), (s50 / q50).toFixed(2), c.budgetMs === null ? '–' : `${c.budgetMs} ${s95 <= c.budgetMs ? 'met' : 'NOT MET'}`])
    }
    routeRows = await benchRoute(db.pool, base, cookies.get('admin') ?? (await signIn(base, 'admin')).cookie, busiest.grid_id, runs)
    // The plan of the street-week statement, for docs/patrols.md.
    await owner.query('begin')
    try {
      for (const s of [trackReadSettings, adminScope]) await owner.query(dialect.sqlToQuery(s).sql, dialect.sqlToQuery(s).params)
      const q = dialect.sqlToQuery(aggregateComplianceSql(street, from, to, 'member', RULE))
      const plan = await owner.query(`explain (analyze, buffers) ${q.sql}`, q.params)
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
      writeFileSync(new URL('./results/patrols-street-week.txt', import.meta.url), plan.rows.map((r) => r['QUERY PLAN']).join('\n') + '\n')
    } finally {
      await owner.query('rollback')
    }
  } finally {
    owner.release()
    server.close()
    await db.close()
  }
  console.log(`\npatrols: compliance and coverage (${runs} runs each after a warm-up; ms)`)
  table(['role', 'request', 'answer', 'server p50', 'server p95', 'client p95', 'SQL p50', 'SQL p95', 'server ÷ SQL (p50)', 'budget (server p95)'], rows)
  console.log('server = Server-Timing (session, scoped transaction with RLS, statements, audit, JSON); client adds HTTP on 127.0.0.1;')
  console.log('SQL = the same statement through pg as the owner (no RLS), with the same settings, in the same run.')
  console.log(`\npatrols: POST /route for ${ROUTE_STOPS} checkpoints (${runs} runs each after a warm-up, interleaved; ms)`)
  table(['distance', 'answer', 'server p50', 'server p95', 'client p95', 'road ÷ straight (p50)'], routeRows)
  console.log('road: distance matrix along the road network (one Dijkstra per stop), order, then one search per leg for its path and one ST_Transform back to WGS84;')
  console.log('straight: the same request with distance "straight" (haversine matrix, same ordering), the baseline.')
}

/** Checkpoints of a typical task. */
const ROUTE_STOPS = 12

/**
 * POST /route for a typical task: ROUTE_STOPS buildings of the grid (a fixed spread: by md5 of the
 * id), along roads with the legs' paths, against the same request on straight lines, interleaved.
 */
async function benchRoute(pool: pg.Pool, base: string, cookie: string, grid: number, runs: number): Promise<(string | number)[][]> {
  const { rows } = await pool.query(
    `select ST_X(p) as lon, ST_Y(p) as lat from (select ST_PointOnSurface(geom) p from buildings where grid_id = $1 order by md5(id::text) limit $2) s`,
    [grid, ROUTE_STOPS],
  )
  const points = rows.map((r) => [Number(r.lon), Number(r.lat)])
  const kinds = ['road', 'straight'] as const
  const server: Record<string, number[]> = { road: [], straight: [] }
  const client: Record<string, number[]> = { road: [], straight: [] }
  const summary: Record<string, string> = {}
  for (let i = 0; i <= runs; i++) {
    for (const distance of kinds) {
      const t0 = performance.now()
      const res = await fetch(`${base}api/patrols/route`, {
        method: 'POST', headers: { cookie, 'content-type': 'application/json', 'accept-encoding': 'identity' }, body: JSON.stringify({ points, distance }),
      })
      const body = await res.json()
      const ms = performance.now() - t0
      if (res.status !== 200) throw new Error(`route (${distance}): HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`)
      if (i === 0) continue // warm-up (the road graph is built and cached here)
      server[distance].push(serverTotalMs(res))
      client[distance].push(ms)
      const vertices = body.legs.reduce((n: number, l: { path: unknown[] }) => n + l.path.length, 0)
      summary[distance] = `${body.distance}, ${(body.length_m / 1000).toFixed(2)} km, ${body.legs.length} legs, ${vertices} vertices`
    }
  }
  const straight50 = percentile(server.straight, 50)
  return kinds.map((k) => [k, summary[k], fmt(percentile(server[k], 50)), fmt(percentile(server[k], 95)), fmt(percentile(client[k], 95)), (percentile(server[k], 50) / straight50).toFixed(2)])
}
