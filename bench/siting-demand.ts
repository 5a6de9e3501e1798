// Station siting at 100,000 demand buildings on real PostGIS (issue 6): the district's buildings are
// topped up with seeded synthetic clones inside their own micro-grids, then POST /api/siting/solve
// (mclp, 2,000 building candidates, k = 10) runs through a real HTTP server, against a baseline in
// the same run: the candidate × demand coverage SQL alone, in the same scoped transaction shape.
//
//   DATABASE_URL=…/gp_bench_d npx tsx bench/run.ts siting --demand=100000 [--runs=5] [--seeds=1,2]
//
// The clones are committed (the API reads them through its own connections) and deleted again at
// the end, and at the start should an earlier run have died: use a bench database only.
import { sql } from 'drizzle-orm'
import type pg from 'pg'
import { RequestTx } from '../api/lib/scope.ts'
import { mclpLp, solveMipInWorker, type ExactResult } from '../api/siting/exact.ts'
import { districtSql, loadInstance, prepareTables, type AreaRow } from '../api/siting/queries.ts'
import { solveMclpGreedy } from '../api/siting/solver.ts'
import { startServer } from '../api/server.ts'
import { BENCH_PASSWORD, fmt, percentile, serverTotalMs, signIn, table } from './lib.ts'

const K = 10
const CANDIDATES = 2000
/** Name prefix of the synthetic buildings: what the clean-up deletes, and nothing else. */
const PREFIX = 'bench-synthetic:'
/** Largest offset of a clone from its source building, metres (halved, then zero, until its centroid stays in the micro-grid). */
const JITTER_M = 150

/**
 * Seeded clones of the buildings with households, each moved by a pseudo-random offset (md5 of seed
 * and clone number) inside its source's micro-grid and given 1–200 households, so that the buildings
 * with households number `total`. Area ids are the source's: the offset is only kept where the
 * clone's centroid stays in that micro-grid, so the locating trigger would find the same ones (it is
 * skipped with the other triggers: session_replication_role = replica, this transaction only).
 */
export const cloneBuildingsSql = `
with src as (
  select b.id, b.compound, b.geom, b.floors, b.micro_grid_id, b.grid_id, b.community_id, b.street_id,
         (row_number() over (order by b.id) - 1)::int as r
  from buildings b where b.households > 0 and b.name not like '${PREFIX}%'
),
n as (select count(*)::int as n from src),
c as (
  select g as c, s.*,
    ('x' || substr(md5($1::text || ':' || g || ':x'), 1, 8))::bit(32)::bigint / 4294967296.0 * 2 - 1 as ux,
    ('x' || substr(md5($1::text || ':' || g || ':y'), 1, 8))::bit(32)::bigint / 4294967296.0 * 2 - 1 as uy,
    ('x' || substr(md5($1::text || ':' || g || ':h'), 1, 8))::bit(32)::bigint % 200 + 1 as households
  from n cross join lateral generate_series(0, $2::int - n.n - 1) g join src s on s.r = g % n.n
)
insert into buildings (compound, name, geom, floors, households, population, micro_grid_id, grid_id, community_id, street_id)
select c.compound, '${PREFIX}' || $1 || ':' || c.c, moved.geom, c.floors, c.households, c.households * 3, c.micro_grid_id, c.grid_id, c.community_id, c.street_id
from c join areas mg on mg.id = c.micro_grid_id
cross join lateral (
  select ST_Transform(ST_Translate(ST_Transform(c.geom, 32648), c.ux * ${JITTER_M} * f, c.uy * ${JITTER_M} * f), 4326) as geom
  from unnest(array[1, 0.5, 0.25, 0]::float8[]) with ordinality t(f, o)
  where f = 0 or ST_Covers(mg.geom, ST_Centroid(ST_Transform(ST_Translate(ST_Transform(c.geom, 32648), c.ux * ${JITTER_M} * f, c.uy * ${JITTER_M} * f), 4326)))
  order by o limit 1
) moved`

export async function removeClones(pool: pg.Pool): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query(`begin; set local session_replication_role = replica`)
    const r = await client.query(`delete from buildings where name like '${PREFIX}%'`)
    await client.query('commit')
    await client.query('analyze buildings')
    return r.rowCount ?? 0
  } finally {
    client.release()
  }
}

export async function addClones(pool: pg.Pool, seed: number, total: number): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query(`begin; set local session_replication_role = replica`)
    const r = await client.query(cloneBuildingsSql, [seed, total])
    await client.query('commit')
    await client.query('analyze buildings')
    return r.rowCount ?? 0
  } catch (err) {
    await client.query('rollback').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

interface Case {
  stationType: string
  radius: number
}

interface Row {
  instance: string
  demand: number
  pairs: number
  sqlMs: number
  readMs: number
  joinMs: number
  p50: number
  p95: number
  load: number
  heur: number
  objective: number
  shares: string
  exactStatus: string
  exactObjective: number | null
  bound: number | null
  exactS: number | null
}

/** `POST /api/siting/solve` at `demand` buildings for each seed and case; prints the table. */
export async function benchSitingDemand(databaseUrl: string, opts: { demand: number; runs?: number; seeds?: number[]; cases?: Case[]; exactLimit?: number }) {
  const runs = opts.runs ?? 5
  const exactLimit = opts.exactLimit ?? 30
  const seeds = opts.seeds ?? [1, 2]
  const cases = opts.cases ?? [
    { stationType: 'psych_legal', radius: 1000 },
    { stationType: 'mediation_room', radius: 500 },
    { stationType: 'police_post', radius: 800 },
  ]
  const server = await startServer({ databaseUrl, seedScale: null, quiet: true, logLevel: 'silent' })
  const pool = server.db.pool
  const rows: Row[] = []
  try {
    const stale = await removeClones(pool)
    if (stale) console.log(`siting --demand: removed ${stale} synthetic buildings left by an earlier run`)
    const owner = await pool.query(`select u.id, u.person_id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'planner' group by 1, 2`)
    if (owner.rows.length === 0) throw new Error('no planner demo account in this database')
    const pl = owner.rows[0]
    const scope = { userId: pl.person_id, role: 'planner' as const, areaIds: pl.areas, accountId: pl.id, username: 'planner' }
    const { cookie } = await signIn(server.url, 'planner', BENCH_PASSWORD)
    for (const seed of seeds) {
      const t = performance.now()
      const added = await addClones(pool, seed, opts.demand)
      const [{ n }] = (await pool.query(`select count(*)::int n from buildings where households > 0`)).rows
      console.log(`\nseed ${seed}: ${added.toLocaleString('en')} synthetic buildings added in ${fmt(performance.now() - t)} ms → ${n.toLocaleString('en')} with households`)
      try {
        for (const k of cases) {
          // The API's load (SQL reads + the server-side pair join), then in the same transaction the
          // baseline: the previous pair query, a GiST point/circle join in PostGIS, alone.
          const tx = new RequestTx(pool, scope)
          let sqlMs = 0, pairs = 0, readMs = 0, joinMs = 0, baselinePairs = 0
          let longExact: ExactResult | undefined
          try {
            const area = (await tx.execute<AreaRow>(districtSql)).rows[0]
            const { candidates } = await prepareTables(tx, area, { kind: 'buildings', count: CANDIDATES })
            const inst = await loadInstance(tx, { stationType: k.stationType, radius: k.radius, pmedian: false, m: candidates })
            readMs = inst.ms.tables
            joinMs = inst.ms.pairs
            pairs = inst.pairs
            // Over the API's 30 s ceiling: the same MIP on the same instance, with the heuristic as
            // MIP start like the API, on a worker thread.
            if (exactLimit > 30) {
              const h = solveMclpGreedy(inst.cover, K)
              longExact = await solveMipInWorker(mclpLp(inst.cover, K), { timeLimit: exactLimit, start: h.sites.map((x) => x.candidate) })
            }
            const t0 = performance.now()
            await tx.execute(sql`create index on siting_demand using gist (p)`)
            await tx.execute(sql`analyze siting_demand`)
            const { rows } = await tx.execute<{ n: number }>(sql`select p.n from siting_candidates c
              cross join lateral (select count(*)::int as n, string_agg(int4send(d.i), ''::bytea order by d.i) as idx
                from siting_demand d where d.p <@ circle(c.p, ${k.radius}::float8)) p
              where p.n > 0 order by c.j`)
            sqlMs = performance.now() - t0
            baselinePairs = rows.reduce((s, r) => s + r.n, 0)
          } finally {
            await tx.finish(false)
          }
          if (baselinePairs !== pairs) throw new Error(`pairs differ: ${pairs} in the server, ${baselinePairs} in SQL`)
          const body = { model: 'mclp', stationType: k.stationType, radius: k.radius, k: K, generate: { method: 'buildings', count: CANDIDATES } }
          const post = (b: unknown) =>
            fetch(new URL('api/siting/solve', server.url), { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(b) })
          const server_ms: number[] = []
          let last: any
          for (let r = 0; r < runs; r++) {
            const res = await post(body)
            last = await res.json()
            if (res.status !== 200) throw new Error(`solve: HTTP ${res.status} ${JSON.stringify(last)}`)
            server_ms.push(serverTotalMs(res))
          }
          // Exact: the API's own MIP (HiGHS in a worker, heuristic as MIP start, its 30 s ceiling).
          const ex = longExact
            ? { exact: longExact }
            : await (await post({ ...body, exact: true, time_limit: 30 })).json()
          rows.push({
            instance: `seed ${seed} ${k.stationType} r=${k.radius}`,
            demand: last.counts.demand, pairs, sqlMs, readMs, joinMs,
            p50: percentile(server_ms, 50), p95: percentile(server_ms, 95), load: last.ms.load, heur: last.ms.heuristic,
            objective: last.objective, shares: `${(last.share_before * 100).toFixed(1)} → ${(last.share_after * 100).toFixed(1)} %`,
            exactStatus: ex.exact?.status ?? '–', exactObjective: ex.exact?.objective ?? null, bound: ex.exact?.bound ?? null, exactS: ex.exact?.seconds ?? null,
          })
          const r = rows[rows.length - 1]
          console.log(`  ${r.instance}: server p50 ${fmt(r.p50)} ms, ${r.pairs.toLocaleString('en')} pairs, exact ${r.exactStatus}`)
        }
      } finally {
        await removeClones(pool)
      }
    }
  } finally {
    await removeClones(pool).catch(() => {})
    await server.close()
  }
  console.log(`\nMCLP through HTTP, ${CANDIDATES.toLocaleString('en')} building candidates, k = ${K}; server = Server-Timing total over ${runs} runs; baseline = the previous pair query alone (GiST point/circle join in PostGIS, one bytea per candidate; same transaction); load = demand/candidate tables + reads + the server's pair join; exact = HiGHS with the heuristic as MIP start, ${exactLimit} s limit (${exactLimit > 30 ? 'in-process worker on the same instance' : 'through the API'})`)
  table(
    ['instance', 'demand', 'pairs', 'baseline: pairs in SQL ms', 'SQL reads + pair join ms', 'server p50 ms', 'server p95 ms', 'load / heur ms (last)', 'heuristic obj.', 'share', 'exact status', 'exact obj.', 'heur / exact'],
    rows.map((r) => [
      r.instance, r.demand.toLocaleString('en'), r.pairs.toLocaleString('en'), fmt(r.sqlMs), `${fmt(r.readMs)} + ${fmt(r.joinMs)}`, fmt(r.p50), fmt(r.p95), `${r.load} / ${r.heur}`,
      Math.round(r.objective).toLocaleString('en'), r.shares, r.exactStatus + (r.exactS !== null ? ` (${r.exactS.toFixed(1)} s)` : ''),
      r.exactObjective === null ? '–' : Math.round(r.exactObjective).toLocaleString('en'),
      r.exactStatus === 'optimal' && r.exactObjective ? (r.objective / r.exactObjective).toFixed(4) : r.bound ? `≥ ${(r.objective / r.bound).toFixed(4)} (bound)` : '–',
    ]),
  )
  console.log('Timings are noisy: this machine has 2 cores shared with other jobs.')
}
