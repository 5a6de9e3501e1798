// Boundary editing (issue 7; docs/editing.md): check and save of one edit against the budget (a
// save of one edit in a street ≤ 2 s, the street validation budget) and a baseline measured in the
// same run: the coverage check alone (coverageProblemsSql) of the same parent's stored children, in
// the same kind of transaction. Every run is a fresh admin request transaction (app role, RLS, scope
// set) that is rolled back, so saves write, trigger and re-locate as in production and every run
// starts from the same district. No HTTP: the save must not commit.
//
//   DATABASE_URL=postgres://…/gp_edit npm run bench -- edit [--runs=20]
//
// Cases on a typical grid (the median number of micro-grids): reshape a micro-grid into its
// neighbour (parent: the grid), split the grid along its micro-grids' edges (parent: its community),
// merge it with an adjacent grid (parent: its community), reshape it 20 m into that grid (parent: its
// community; the micro-grids of both follow the moved edge).
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { coverageProblemsSql, SLIVER_DEFAULTS } from '../api/areas/coverage.ts'
import { runEdit, type EditRequest } from '../api/areas/edit.ts'
import { RequestTx } from '../api/lib/scope.ts'
import type { Scope } from '../db/scope.ts'
import { fmt, percentile, table } from './lib.ts'

/**
 * A line along micro-grid edges that cuts grid `grid` in two (its micro-grids ordered west to east or
 * south to north, a prefix against the rest, each side connected), extended 2·10⁻⁷° beyond the grid
 * at both ends so ST_Split cuts through; null when no such prefix exists. Used by the tests too.
 */
export async function cleanSplitLine(pool: pg.Pool, grid: number): Promise<{ line: unknown; west: number[]; east: number[] } | null> {
  const micro = (await pool.query<{ id: number; x: number; y: number }>(`select id, ST_X(ST_Centroid(geom)) x, ST_Y(ST_Centroid(geom)) y from areas where parent_id = $1`, [grid])).rows
  for (const axis of ['x', 'y'] as const) {
    const sorted = [...micro].sort((p, r) => p[axis] - r[axis])
    for (let k = 1; k < sorted.length; k++) {
      const west = sorted.slice(0, k).map((m) => m.id)
      const east = sorted.slice(k).map((m) => m.id)
      const extend = (end: string, next: string) =>
        `ST_Translate(${end}, (ST_X(${end}) - ST_X(${next})) / ST_Distance(${end}, ${next}) * 2e-7, (ST_Y(${end}) - ST_Y(${next})) / ST_Distance(${end}, ${next}) * 2e-7)`
      const { rows } = await pool.query(
        `with w as (select ST_Union(geom) g from areas where id = any($1)), e as (select ST_Union(geom) g from areas where id = any($2)),
         l as (select ST_LineMerge(ST_CollectionExtract(ST_Intersection(w.g, e.g), 2)) l from w, e)
         select ST_GeometryType(l) t, ST_NumGeometries(w.g) nw, ST_NumGeometries(e.g) ne,
           ST_AsGeoJSON(ST_AddPoint(ST_AddPoint(l, ${extend('ST_EndPoint(l)', 'ST_PointN(l, -2)')}), ${extend('ST_StartPoint(l)', 'ST_PointN(l, 2)')}, 0), 9)::json line
         from l, w, e`,
        [west, east],
      )
      const r = rows[0]
      if (r.t === 'ST_LineString' && r.nw === 1 && r.ne === 1) return { line: r.line, west, east }
    }
  }
  return null
}

interface Case {
  label: string
  parent: number
  body: Omit<EditRequest, 'mode'>
}

async function cases(pool: pg.Pool): Promise<Case[]> {
  // Grids by how far their micro-grid count is from the median, nearest first.
  const grids = (
    await pool.query<{ id: number; community: number }>(`
      with g as (select g.id, g.parent_id, (select count(*) from areas m where m.parent_id = g.id) n from areas g where g.level = 'grid'),
      med as (select percentile_disc(0.5) within group (order by n) m from g)
      select g.id, g.parent_id community from g, med where g.n >= 4 order by abs(g.n - med.m), g.id limit 20`)
  ).rows
  const out: Case[] = []
  const grid = grids[0]
  const [bite] = (
    await pool.query(`
      select a.id, ST_AsGeoJSON(ST_ReducePrecision(ST_Union(a.geom, ST_Intersection(b.geom, ST_Buffer(ST_LineInterpolatePoint(ST_GeometryN(l, 1), 0.5), 0.00008))), 1e-7), 7)::json shape
      from areas a join areas b on b.parent_id = a.parent_id and a.id < b.id and ST_Touches(a.geom, b.geom),
        lateral (select ST_LineMerge(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)) l) s
      where a.parent_id = $1 and ST_GeometryType(ST_GeometryN(l, 1)) = 'ST_LineString' order by ST_Length(l) desc limit 1`, [grid.id])
  ).rows
  out.push({ label: `reshape micro-grid #${bite.id} (grid #${grid.id})`, parent: grid.id, body: { ops: [{ op: 'reshape', id: bite.id, geometry: bite.shape }] } })
  for (const g of grids) {
    const split = await cleanSplitLine(pool, g.id)
    if (split) {
      out.push({ label: `split grid #${g.id} (community #${g.community})`, parent: g.community, body: { ops: [{ op: 'split', id: g.id, line: split.line as never }] } })
      break
    }
  }
  const [pair] = (
    await pool.query(`select b.id from areas a join areas b on b.parent_id = a.parent_id and b.id <> a.id and ST_Touches(a.geom, b.geom)
      where a.id = $1 and ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)::geography) > 10 order by b.id limit 1`, [grid.id])
  ).rows
  if (pair) out.push({ label: `merge grids #${grid.id} + #${pair.id}`, parent: grid.community, body: { ops: [{ op: 'merge', ids: [grid.id, pair.id] }] } })
  if (pair) {
    // The grid grown 20 m into that neighbour: the shared edge moves and both grids' micro-grids follow.
    const [grown] = (
      await pool.query(`select ST_AsGeoJSON(ST_ReducePrecision(ST_Union(a.geom, ST_Intersection(b.geom, ST_Buffer(a.geom::geography, 20)::geometry)), 1e-7), 7)::json shape
        from areas a, areas b where a.id = $1 and b.id = $2`, [grid.id, pair.id])
    ).rows
    out.push({ label: `reshape grid #${grid.id} 20 m into #${pair.id} (micro-grids follow)`, parent: grid.community, body: { ops: [{ op: 'reshape', id: grid.id, geometry: grown.shape }] } })
  }
  return out
}

/** Milliseconds of `fn` in a fresh admin request transaction, rolled back afterwards. */
async function timed(pool: pg.Pool, scope: Scope, fn: (tx: RequestTx) => Promise<unknown>): Promise<number> {
  const tx = new RequestTx(pool, scope)
  const t0 = performance.now()
  try {
    await fn(tx)
    return performance.now() - t0
  } finally {
    await tx.finish(false)
  }
}

export async function benchEdit(url: string, runs = 20): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  try {
    const { rows } = await pool.query(`select u.id, array_agg(ua.area_id) areas from users u join user_areas ua on ua.user_id = u.id where u.username = 'admin' group by u.id`)
    const scope: Scope = { userId: null, role: 'admin', areaIds: rows[0].areas, accountId: rows[0].id, username: 'admin', clientAddr: null }
    const list = await cases(pool)
    console.log(`\nedit: one edit through runEdit in a rolled-back admin transaction, ${runs} runs each (budget: save ≤ 2000 ms)`)
    const out: (string | number)[][] = []
    for (const c of list) {
      const times: Record<'coverage' | 'check' | 'save', number[]> = { coverage: [], check: [], save: [] }
      let answer = ''
      // Rounds alternate the three so machine noise hits each alike.
      for (let r = 0; r < runs; r++) {
        times.coverage.push(
          await timed(pool, scope, async (tx) => {
            await tx.execute(sql`select set_config('jit', 'off', true)`)
            await tx.execute(coverageProblemsSql({ parents: sql`select id, geom from areas where id = ${c.parent}`, kids: sql`select id, parent_id, geom from areas` }, { sliverM2: SLIVER_DEFAULTS.m2, sliverWidthM: SLIVER_DEFAULTS.widthM }))
          }),
        )
        times.check.push(await timed(pool, scope, (tx) => runEdit(tx, scope.accountId!, c.parent, { ...c.body, mode: 'check' })))
        times.save.push(
          await timed(pool, scope, async (tx) => {
            const { answer: a, blocked } = await runEdit(tx, scope.accountId!, c.parent, { ...c.body, mode: 'save' })
            if (blocked) throw new Error(`${c.label}: the save was refused: ${a.problems.map((p) => p.properties.reason).join('; ')}`)
            const subs = a.saved!.sub_areas
            answer = `${a.summary.updated} upd, ${a.summary.inserted} ins, ${a.summary.removed.length} rm, ${a.result.features.length} children; subs ${subs.updated.length} upd, ${subs.inserted.length} ins, ${subs.removed.length} rm`
          }),
        )
      }
      for (const k of ['coverage', 'check', 'save'] as const) {
        out.push([c.label, k === 'coverage' ? 'baseline: coverage SQL alone' : k, fmt(percentile(times[k], 50)), fmt(percentile(times[k], 95)), k === 'save' ? answer : ''])
      }
    }
    table(['case', 'what', 'p50 ms', 'p95 ms', 'result'], out)
  } finally {
    await pool.end()
  }
}
