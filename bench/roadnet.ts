// Road distance (issue 6): the same requests with distance=straight (the baseline, in SQL) and
// distance=road (the network of api/lib/roadnet.ts), in alternating rounds through the API
// in-process as `planner` (session, scoped transaction with RLS, JSON included), plus the network
// itself: fingerprint query, loading and building the graph cold. Budget from the issue: coverage
// of all households for one station type across the district ≤ 1 s; siting ≤ 5 s.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/gp_bench npx tsx bench/run.ts roadnet [--runs=5]
//
// Reads only: no row of the bench database changes.
import { Hono } from 'hono'
import { sql } from 'drizzle-orm'
import { createApi } from '../api/app.ts'
import { createLogger } from '../api/lib/log.ts'
import { edgeCount, nodeCount, buildRoadGraph } from '../api/lib/roadnet.ts'
import { lineFromWkb, roadGraphOf } from '../api/lib/roadnet-load.ts'
import { RequestTx } from '../api/lib/scope.ts'
import { openDatabase } from '../db/client.ts'
import { BENCH_PASSWORD, fmt, percentile, table } from './lib.ts'

interface Case {
  label: string
  /** GET path and query without `distance`, or a POST body for siting. */
  get?: string
  post?: Record<string, unknown>
  budgetMs: number | null
  answer: (body: any) => string
}

export async function benchRoadnet(databaseUrl: string, runs = 5) {
  const db = await openDatabase({ databaseUrl, poolSize: 4 })
  try {
    const owner = await db.pool.query(`select u.id, u.person_id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'planner' group by 1, 2`)
    if (owner.rows.length === 0) throw new Error('no planner demo account in this database')
    const pl = owner.rows[0]
    const tx = new RequestTx(db.pool, { userId: pl.person_id, role: 'planner', areaIds: pl.areas, accountId: pl.id, username: 'planner' })
    let graphRow: (string | number)[]
    try {
      // Cold: the fingerprint, reading the roads, building the graph (what the first road request pays).
      let t = performance.now()
      await tx.execute(sql`select count(*), max(id), md5(coalesce(string_agg(ST_AsBinary(geom), ''::bytea order by id), ''::bytea)) from roads`)
      const fingerprint = performance.now() - t
      t = performance.now()
      const { rows } = await tx.execute<{ wkb: Buffer }>(sql`select ST_AsBinary(ST_Transform(geom, 32648)) as wkb from roads order by id`)
      const read = performance.now() - t
      t = performance.now()
      const g = buildRoadGraph(rows.map((r) => lineFromWkb(r.wkb)))
      const build = performance.now() - t
      t = performance.now()
      await roadGraphOf(tx)
      const first = performance.now() - t
      t = performance.now()
      await roadGraphOf(tx)
      const warm = performance.now() - t
      graphRow = [rows.length, nodeCount(g), edgeCount(g), fmt(fingerprint), fmt(read), fmt(build), fmt(first), fmt(warm)]
    } finally {
      await tx.finish(false)
    }
    console.log('\nroadnet: the network (EPSG:32648), cold then cached; ms')
    table(['roads', 'nodes', 'edges', 'fingerprint', 'read roads', 'build graph', 'roadGraphOf cold', 'roadGraphOf cached'], [graphRow])

    const api = new Hono().route('/api', createApi({ ...db, kind: 'postgres' }, { logger: createLogger('silent') }))
    const login = await api.request('/api/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'planner', password: BENCH_PASSWORD }),
    })
    const cookie = /gp_session=[^;]*/.exec(login.headers.get('set-cookie') ?? '')?.[0]
    if (!cookie) throw new Error(`planner sign-in failed: ${login.status}`)
    const hh = (b: any) => `${b.households_covered}/${b.households_total} hh`
    const cases: Case[] = [
      { label: 'coverage psych_legal (own radii), households', get: '/api/stations/coverage?type=psych_legal&incidents=false', budgetMs: 1000, answer: hh },
      { label: 'coverage self_governance (own radii), households', get: '/api/stations/coverage?type=self_governance&incidents=false', budgetMs: 1000, answer: hh },
      { label: 'coverage police_post r=1000, households', get: '/api/stations/coverage?type=police_post&radius=1000&incidents=false', budgetMs: 1000, answer: hh },
      { label: 'uncovered psych_legal r=600', get: '/api/stations/uncovered?type=psych_legal&radius=600', budgetMs: null, answer: (b) => `${b.features.length} features` },
      { label: 'service-areas psych_legal, per type', get: '/api/stations/service-areas?type=psych_legal', budgetMs: null, answer: (b) => `${b.features.length} features` },
      { label: 'service-areas psych_legal, per station', get: '/api/stations/service-areas?type=psych_legal&group=station', budgetMs: null, answer: (b) => `${b.features.length} features` },
      {
        label: 'siting mclp psych_legal r=1000 k=10, 2,000 building candidates', budgetMs: 5000,
        post: { model: 'mclp', stationType: 'psych_legal', radius: 1000, k: 10, generate: { method: 'buildings', count: 2000 } },
        answer: (b) => `${b.covered_before}→${b.covered_after} hh, ${b.counts.pairs} pairs, load ${b.ms.load} ms`,
      },
      {
        label: 'siting pmedian psych_legal r=1500 k=10, 2,000 building candidates', budgetMs: 5000,
        post: { model: 'pmedian', stationType: 'psych_legal', radius: 1500, k: 10, generate: { method: 'buildings', count: 2000 } },
        answer: (b) => `mean ${Math.round(b.objective_before)}→${Math.round(b.objective)} m, ${b.counts.pairs} pairs`,
      },
    ]
    const request = async (c: Case, distance: 'straight' | 'road') => {
      const t = performance.now()
      const res = c.get
        ? await api.request(`${c.get}&distance=${distance}`, { headers: { cookie } })
        : await api.request('/api/siting/solve', { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ ...c.post, distance }) })
      const body = await res.json()
      if (res.status !== 200) throw new Error(`${c.label} (${distance}): HTTP ${res.status} ${JSON.stringify(body)}`)
      return { ms: performance.now() - t, answer: c.answer(body) }
    }
    const out: (string | number)[][] = []
    for (const c of cases) {
      const ms = { straight: [] as number[], road: [] as number[] }
      const answers = { straight: '', road: '' }
      await request(c, 'road') // warm-up (the graph is cached per database after the first road request)
      for (let run = 0; run < runs; run++) {
        for (const d of run % 2 ? (['road', 'straight'] as const) : (['straight', 'road'] as const)) {
          const r = await request(c, d)
          ms[d].push(r.ms)
          answers[d] = r.answer
        }
      }
      const p = (d: 'straight' | 'road', q: number) => percentile(ms[d], q)
      out.push([
        c.label, answers.straight, answers.road, fmt(p('straight', 50)), fmt(p('straight', 95)), fmt(p('road', 50)), fmt(p('road', 95)),
        (p('road', 50) / p('straight', 50)).toFixed(2),
        c.budgetMs === null ? '–' : `${c.budgetMs} ${p('road', 95) <= c.budgetMs ? 'met' : 'MISSED'}`,
      ])
    }
    console.log(`\nroadnet: straight vs road through the API in-process as planner, ${runs} alternating runs each; ms`)
    table(['request', 'straight answer', 'road answer', 'straight p50', 'straight p95', 'road p50', 'road p95', 'road ÷ straight (p50)', 'budget (road p95)'], out)
    console.log('Timings are noisy: this machine has 2 cores shared with other jobs.')
  } finally {
    await db.close()
  }
}
