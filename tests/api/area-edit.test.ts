import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql, type SQL } from 'drizzle-orm'
import { coverageSql } from '../../api/areas/coverage.ts'
import { runEdit, type EditRequest } from '../../api/areas/edit.ts'
import { RequestTx } from '../../api/lib/scope.ts'
import { cleanSplitLine } from '../../bench/edit.ts'
import { adminScope, type AccountScope } from '../helpers/rollback.ts'
import { testApi, type Client } from '../helpers/api.ts'

// Boundary editing (api/areas/edit.ts, docs/editing.md) on the seeded `small` district. Saves run
// through runEdit (what the route calls) in an admin's request transaction that is rolled back:
// other test files, running at the same time on PostgreSQL, check that the district tiles
// perfectly. Everything through HTTP is a check, a refused save (rolled back by the middleware) or
// a draft this file deletes again.

let t: Awaited<ReturnType<typeof testApi>>
let ADMIN: AccountScope
let COMMANDER: Omit<AccountScope, 'role' | 'userId'> & { role: 'commander'; userId: number | null }
let admin: Client
let commander: Client
let leader: Client
let street: number
/** A grid of the commander's street with at least four micro-grids. */
let grid: number
let otherStreetGrid: number

const q = async <T = Record<string, any>>(text: string, params: unknown[] = []) => (await t.db.pool.query(text, params)).rows as T[]

beforeAll(async () => {
  t = await testApi()
  ADMIN = await adminScope(t.db.pool)
  admin = await t.as('admin')
  commander = await t.as('commander')
  leader = await t.as('leader')
  street = (await q(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`))[0].area_id
  grid = (await q(`select g.id from areas g where g.level = 'grid' and g.street_id = $1 and (select count(*) from areas m where m.parent_id = g.id) >= 4 order by g.id limit 1`, [street]))[0].id
  const [c] = await q(`select u.id, u.person_id from users u where u.username = 'commander'`)
  COMMANDER = { userId: c.person_id, role: 'commander', areaIds: [street], accountId: c.id, username: 'commander' }
  otherStreetGrid = (await q(`select id from areas where level = 'grid' and street_id <> $1 order by id limit 1`, [street]))[0].id
})
afterAll(() => t.close())

/** Run `fn` in a request transaction of the admin (or the commander), then roll it back. */
async function rolledBackTx<T>(fn: (tx: RequestTx) => Promise<T>, as: 'admin' | 'commander' = 'admin'): Promise<T> {
  const scope = as === 'admin' ? ADMIN : COMMANDER
  const tx = new RequestTx(t.db.pool, { ...scope, clientAddr: null })
  try {
    return await fn(tx)
  } finally {
    await tx.finish(false)
  }
}
const rows = async <T = Record<string, any>>(tx: RequestTx, query: SQL) => (await tx.execute<T & Record<string, unknown>>(query)).rows as T[]

/** The areas table as one fingerprint: what a refused save or a draft must leave unchanged. */
const fingerprint = async () => (await q(`select md5(string_agg(id || ':' || code || ':' || md5(ST_AsEWKB(geom)) || ':' || coalesce(parent_id, 0), ',' order by id)) f from areas`))[0].f

const edit = (client: Client, parent: number, body: unknown) => client.send(`/api/areas/${parent}/edit`, body)

/** Two micro-grids of the grid sharing the longest border, and that border's midpoint. */
async function neighbours(parent: number) {
  return (
    await q<{ a: number; b: number; x: number; y: number }>(`
      select a.id a, b.id b, ST_X(m) x, ST_Y(m) y from areas a join areas b on b.parent_id = a.parent_id and a.id < b.id and ST_Touches(a.geom, b.geom),
        lateral (select ST_LineMerge(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)) as l) s,
        lateral (select ST_LineInterpolatePoint(ST_GeometryN(s.l, 1), 0.5) as m) p
      where a.parent_id = $1 and ST_GeometryType(ST_GeometryN(s.l, 1)) = 'ST_LineString'
      order by ST_Length(s.l) desc limit 1`, [parent])
  )[0]
}

describe('POST /api/areas/:parentId/edit — reshape', () => {
  it('moves a shared edge: the neighbour loses exactly what the area gains, and the grid stays fully covered', async () => {
    const { a, b, x, y } = await neighbours(grid)
    // A bite of B around the middle of their shared border, ~8 m across.
    const [{ shape, bite }] = await q(`
      select ST_AsGeoJSON(ST_ReducePrecision(ST_Union(a.geom, ST_Intersection(b.geom, ST_Buffer(ST_SetSRID(ST_Point($3, $4), 4326), 0.00008))), 1e-7), 7)::json shape,
        ST_Area(ST_Intersection(b.geom, ST_Buffer(ST_SetSRID(ST_Point($3, $4), 4326), 0.00008))::geography) bite
      from areas a, areas b where a.id = $1 and b.id = $2`, [a, b, x, y])
    expect(bite).toBeGreaterThan(20)

    // As the commander over HTTP: a check, nothing written.
    const before = await fingerprint()
    const res = await edit(commander, grid, { ops: [{ op: 'reshape', id: a, geometry: shape }], mode: 'check' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body).toMatchObject({ mode: 'check', parent: grid, level: 'micro_grid', summary: { updated: 2, inserted: 0, removed: [], blocking: 0, committable: true } })
    const action = Object.fromEntries(body.result.features.map((f: { id: number; properties: { action: string } }) => [f.id, f.properties.action]))
    expect(action[a]).toBe('update')
    expect(action[b]).toBe('update')
    expect(Object.values(action).filter((v) => v === 'keep').length).toBe(body.result.features.length - 2)
    expect(body.problems.filter((p: { properties: { kind: string } }) => p.properties.kind !== 'sliver')).toEqual([])
    expect(await fingerprint()).toBe(before)

    // Saved in a rolled-back transaction: areas in m², coverage, history.
    const seen = await rolledBackTx(async (tx) => {
      const m2 = () => rows<{ id: number; m2: number }>(tx, sql`select id, ST_Area(geom::geography) m2 from areas where parent_id = ${grid} order by id`)
      const was = new Map((await m2()).map((r) => [r.id, r.m2]))
      const { answer, blocked } = await runEdit(tx, ADMIN.accountId, grid, { ops: [{ op: 'reshape', id: a, geometry: shape }], mode: 'save', reason: 'road widened' } as EditRequest)
      const now = new Map((await m2()).map((r) => [r.id, r.m2]))
      const coverage = JSON.parse((await rows<{ fc: string }>(tx, coverageSql(grid, { depth: '1', sliverM2: 1, sliverWidthM: 0.5 })))[0].fc)
      const versions = await rows<{ area_id: number; reason: string }>(tx, sql`select area_id, reason from area_versions where valid_from = now() and valid_to is null order by area_id`)
      return { answer, blocked, was, now, coverage, versions }
    })
    expect(seen.blocked).toBe(false)
    expect(seen.answer.saved!.updated.map((r) => r.id).sort()).toEqual([a, b].sort())
    expect(Math.abs(seen.now.get(a)! - seen.was.get(a)! - bite)).toBeLessThan(1)
    expect(Math.abs(seen.was.get(b)! - seen.now.get(b)! - bite)).toBeLessThan(1)
    for (const [id, m2] of seen.was) if (id !== a && id !== b) expect(seen.now.get(id)).toBeCloseTo(m2, 3)
    expect(seen.coverage.features).toEqual([])
    expect(seen.versions).toEqual([
      { area_id: Math.min(a, b), reason: 'road widened' },
      { area_id: Math.max(a, b), reason: 'road widened' },
    ])
  })

  it('gives a piece the area releases to the neighbour sharing the longest border with it', async () => {
    const { a, b, x, y } = await neighbours(grid)
    const [{ shape, piece }] = await q(`
      select ST_AsGeoJSON(ST_ReducePrecision(ST_Difference(a.geom, ST_Buffer(ST_SetSRID(ST_Point($2, $3), 4326), 0.00008)), 1e-7), 7)::json shape,
        ST_Area(ST_Intersection(a.geom, ST_Buffer(ST_SetSRID(ST_Point($2, $3), 4326), 0.00008))::geography) piece
      from areas a where a.id = $1`, [a, x, y])
    const seen = await rolledBackTx(async (tx) => {
      const area = async (id: number) => (await rows<{ m2: number }>(tx, sql`select ST_Area(geom::geography) m2 from areas where id = ${id}`))[0].m2
      const was = { a: await area(a), b: await area(b) }
      const { answer, blocked } = await runEdit(tx, ADMIN.accountId, grid, { ops: [{ op: 'reshape', id: a, geometry: shape }], mode: 'save' } as EditRequest)
      expect(blocked).toBe(false)
      const coverage = JSON.parse((await rows<{ fc: string }>(tx, coverageSql(grid, { depth: '1', sliverM2: 1, sliverWidthM: 0.5 })))[0].fc)
      const reason = (await rows<{ reason: string }>(tx, sql`select reason from area_versions where area_id = ${a} and valid_to is null`))[0].reason
      return { answer, was, now: { a: await area(a), b: await area(b) }, coverage, reason }
    })
    expect(Math.abs(seen.was.a - seen.now.a - piece)).toBeLessThan(1)
    expect(Math.abs(seen.now.b - seen.was.b - piece)).toBeLessThan(1)
    expect(seen.coverage.features).toEqual([])
    expect(seen.reason).toBe(`edit: reshape #${a}`)
  })
})

/** A grid of the commander's street with incidents and a line along its micro-grids' edges that cuts it in two (bench/edit.ts finds the same for its split case). */
async function cleanSplit() {
  const grids = await q<{ id: number }>(`select g.id from areas g where g.level = 'grid' and g.street_id = $1 and (select count(*) from areas m where m.parent_id = g.id) >= 4
    and exists (select 1 from incidents i where i.grid_id = g.id) order by g.id`, [street])
  for (const { id } of grids) {
    const split = await cleanSplitLine(t.db.pool, id)
    if (split) return { grid: id, ...split }
  }
  throw new Error('no grid of the commander’s street splits cleanly along micro-grid edges')
}

describe('POST /api/areas/:parentId/edit — split', () => {
  it('splits a grid along micro-grid edges (as the commander): two grids, micro-grids re-parented, incidents follow', async () => {
    const s = await cleanSplit()
    const community = (await q(`select parent_id from areas where id = $1`, [s.grid]))[0].parent_id
    const [g] = await q(`select code, name, households from areas where id = $1`, [s.grid])
    const seen = await rolledBackTx(async (tx) => {
      // As the commander of the street: the policies let them write inside it.
      const { answer, blocked } = await runEdit(tx, COMMANDER.accountId, community, { ops: [{ op: 'split', id: s.grid, line: s.line }], mode: 'save', reason: 'split test' } as EditRequest)
      const made = answer.saved?.inserted ?? []
      const parents = await rows<{ id: number; parent_id: number; grid_in_path: number }>(tx, sql`select id, parent_id, path[4] grid_in_path from areas where id = any(${sql.param([...s.west, ...s.east])}::int[]) order by id`)
      // Independently of the stored columns: which of the two grids holds each incident of the old grid.
      const incidents = await rows<{ grid_id: number; holder: number }>(tx, sql`
        select i.grid_id, (select a.id from areas a where a.id = any(${sql.param([s.grid, ...made.map((m) => m.id)])}::int[]) and ST_Contains(a.geom, i.geom) order by a.id limit 1) holder
        from incidents i where i.grid_id = any(${sql.param([s.grid, ...made.map((m) => m.id)])}::int[])`)
      const households = await rows<{ id: number; households: number }>(tx, sql`select id, households from areas where id = any(${sql.param([s.grid, ...made.map((m) => m.id)])}::int[])`)
      return { answer, blocked, made, parents, incidents, households }
    }, 'commander')
    expect(seen.blocked, JSON.stringify(seen.answer.problems)).toBe(false)
    expect(seen.made).toHaveLength(1)
    const piece = seen.made[0]
    expect(piece.code).toBe(`${g.code}-2`)
    expect(piece.name).toBe(`${g.name} 2`)
    // The bigger side keeps the grid; every micro-grid goes to the side it lies on.
    const sideOf = new Map(seen.parents.map((p) => [p.id, p.parent_id]))
    const westParent = sideOf.get(s.west[0])!
    expect(new Set(s.west.map((m) => sideOf.get(m)))).toEqual(new Set([westParent]))
    expect(new Set(s.east.map((m) => sideOf.get(m)))).toEqual(new Set([westParent === s.grid ? piece.id : s.grid]))
    for (const p of seen.parents) expect(p.grid_in_path).toBe(p.parent_id)
    expect(seen.incidents.length).toBeGreaterThan(0)
    for (const i of seen.incidents) expect(i.grid_id).toBe(i.holder)
    expect(seen.households.reduce((sum, h) => sum + h.households, 0)).toBe(g.households)
  })

  it('reports a micro-grid crossed by the split line as a blocking problem', async () => {
    const community = (await q(`select parent_id from areas where id = $1`, [grid]))[0].parent_id
    // A west–east line through the inside of one micro-grid, across the whole grid.
    const [{ line, micro }] = await q(`
      select json_build_object('type', 'LineString', 'coordinates', json_build_array(json_build_array(ST_XMin(g.geom) - 0.001, ST_Y(p)), json_build_array(ST_XMax(g.geom) + 0.001, ST_Y(p)))) line, m.id micro
      from areas g join areas m on m.parent_id = g.id, lateral (select ST_PointOnSurface(m.geom) p) x where g.id = $1 order by m.id limit 1`, [grid])
    const res = await edit(commander, community, { ops: [{ op: 'split', id: grid, line }], mode: 'check' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    const crossed = body.problems.filter((p: { properties: { kind: string; blocking: boolean } }) => p.properties.kind === 'sub_areas' && p.properties.blocking)
    expect(crossed.map((p: { properties: { reason: string } }) => p.properties.reason).join('\n')).toContain(`sub-area #${micro} `)
    expect(crossed[0].properties.reason).toMatch(/crossed by the split line/)
    expect(body.summary.committable).toBe(false)
    // Saving it is refused and writes nothing.
    const before = await fingerprint()
    const save = await edit(commander, community, { ops: [{ op: 'split', id: grid, line }], mode: 'save' })
    expect(save.status).toBe(422)
    expect((await save.json()).error).toBe('coverage_broken')
    expect(await fingerprint()).toBe(before)
  })

  it('answers 400 for a line that does not cross the area', async () => {
    const community = (await q(`select parent_id from areas where id = $1`, [grid]))[0].parent_id
    const [{ x, y }] = await q(`select ST_X(p) x, ST_Y(p) y from (select ST_PointOnSurface(geom) p from areas where id = $1) s`, [grid])
    const res = await edit(admin, community, { ops: [{ op: 'split', id: grid, line: { type: 'LineString', coordinates: [[x, y], [x + 1e-6, y]] } }], mode: 'check' })
    expect(res.status).toBe(400)
    expect((await res.json()).message).toMatch(/^ops\[0\]: the line does not cross/)
  })
})

describe('POST /api/areas/:parentId/edit — merge and create', () => {
  it('merges two adjacent grids: one grid, micro-grids re-parented, incidents follow, history with the reason', async () => {
    const [pair] = await q<{ keep: number; gone: number; community: number }>(`
      select a.id keep, b.id gone, a.parent_id community from areas a join areas b on b.parent_id = a.parent_id and a.id < b.id and ST_Touches(a.geom, b.geom)
      where a.level = 'grid' and a.street_id = $1 and ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)::geography) > 10
        and exists (select 1 from incidents i where i.grid_id = b.id)
      order by a.id, b.id limit 1`, [street])
    const [was] = await q(`select (select households from areas where id = $1) + (select households from areas where id = $2) hh,
      (select ST_Area(ST_Union(geom)::geography) from areas where id in ($1, $2)) m2,
      (select array_agg(id order by id) from areas where parent_id = $2) micro,
      (select array_agg(id order by id) from incidents where grid_id = $2) incidents`, [pair.keep, pair.gone])
    const seen = await rolledBackTx(async (tx) => {
      const { answer, blocked } = await runEdit(tx, ADMIN.accountId, pair.community, { ops: [{ op: 'merge', ids: [pair.keep, pair.gone] }], mode: 'save', reason: 'merged two grids' } as EditRequest)
      const [kept] = await rows(tx, sql`select households, ST_Area(geom::geography) m2 from areas where id = ${pair.keep}`)
      const gone = await rows(tx, sql`select 1 from areas where id = ${pair.gone}`)
      const micro = await rows<{ parent_id: number; grid: number }>(tx, sql`select parent_id, path[4] grid from areas where id = any(${sql.param(was.micro)}::int[])`)
      const incidents = await rows<{ grid_id: number; inside: boolean }>(tx, sql`select i.grid_id, ST_Contains(a.geom, i.geom) inside from incidents i, areas a where a.id = ${pair.keep} and i.id = any(${sql.param(was.incidents)}::int[])`)
      const history = await rows<{ area_id: number; change: string; reason: string }>(tx, sql`
        select area_id, change, reason from area_versions where area_id in (${pair.keep}, ${pair.gone})
          and (valid_from = now() or (valid_to = now() and change = 'delete')) order by area_id, version`)
      return { answer, blocked, kept, gone, micro, incidents, history }
    })
    expect(seen.blocked, JSON.stringify(seen.answer.problems)).toBe(false)
    expect(seen.answer.saved!.removed.map((r) => r.id)).toEqual([pair.gone])
    expect(seen.answer.result.features.find((f) => f.id === pair.gone)!.properties.action).toBe('remove')
    expect(seen.kept.households).toBe(was.hh)
    expect(Math.abs(seen.kept.m2 - was.m2)).toBeLessThan(1)
    expect(seen.gone).toEqual([])
    for (const m of seen.micro) expect(m).toEqual({ parent_id: pair.keep, grid: pair.keep })
    expect(seen.incidents.length).toBe(was.incidents.length)
    for (const i of seen.incidents) expect(i).toEqual({ grid_id: pair.keep, inside: true })
    expect(seen.history).toEqual([
      { area_id: pair.keep, change: 'update', reason: 'merged two grids' },
      { area_id: pair.gone, change: 'delete', reason: 'merged two grids' },
    ])
  })

  it('answers 400 for a merge of grids that do not touch', async () => {
    const [pair] = await q(`
      select a.id a, b.id b, a.parent_id community from areas a join areas b on b.parent_id = a.parent_id and a.id < b.id and not ST_Intersects(a.geom, b.geom)
      where a.level = 'grid' and a.street_id = $1 order by a.id, b.id limit 1`, [street])
    const res = await edit(commander, pair.community, { ops: [{ op: 'merge', ids: [pair.a, pair.b] }], mode: 'check' })
    expect(res.status).toBe(400)
    expect((await res.json())).toMatchObject({ error: 'not_adjacent', message: expect.stringMatching(/not adjacent/) })
  })

  it('creates a micro-grid over a gap', async () => {
    const [{ micro, hole }] = await q(`
      select m.id micro, ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(m.geom), 0.00005, 8), 7)::json hole
      from areas m where m.parent_id = $1 and ST_Within(ST_Buffer(ST_PointOnSurface(m.geom), 0.00006), m.geom) order by m.id limit 1`, [grid])
    const seen = await rolledBackTx(async (tx) => {
      // A gap first (as a half-finished edit would leave it).
      await tx.execute(sql`update areas set geom = ST_Multi(ST_Difference(geom, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(hole)}), 4326))) where id = ${micro}`)
      const gapsBefore = JSON.parse((await rows<{ fc: string }>(tx, coverageSql(grid, { depth: '1', sliverM2: 1, sliverWidthM: 0.5 })))[0].fc).features.map((f: { properties: { kind: string } }) => f.properties.kind)
      const { answer } = await runEdit(tx, ADMIN.accountId, grid, { ops: [{ op: 'create', geometry: hole, name: '新微网格', households: 3 }], mode: 'save' } as EditRequest)
      const after = JSON.parse((await rows<{ fc: string }>(tx, coverageSql(grid, { depth: '1', sliverM2: 1, sliverWidthM: 0.5 })))[0].fc).features
      const made = answer.saved!.inserted[0]
      const [row] = await rows(tx, sql`select parent_id, level, households, path[5] = id own_path, path[4] = ${grid} in_grid, street_id,
        (select coalesce(sum(b.households), 0)::int from buildings b where b.micro_grid_id = a.id) building_households from areas a where id = ${made.id}`)
      return { gapsBefore, answer, after, row }
    })
    expect(seen.gapsBefore).toEqual(['gap'])
    expect(seen.answer.summary).toMatchObject({ inserted: 1, updated: 0, blocking: 0 })
    expect(seen.after).toEqual([])
    // Households of stored areas are the buildings' (refresh_area_totals() after the insert), not the 3 asked for.
    expect(seen.answer.result.features.find((f) => f.properties.action === 'insert')!.properties.households).toBe(3)
    expect(seen.row).toMatchObject({ parent_id: grid, level: 'micro_grid', households: seen.row.building_households, own_path: true, in_grid: true, street_id: street })
    expect(seen.answer.saved!.inserted[0].name).toBe('新微网格')
  })
})

describe('POST /api/areas/:parentId/edit — sub-areas carried along', () => {
  /** Two adjacent grids of the commander's street, and A grown 20 m into B (clipped by B, so the community clips it too), preferring a strip that holds incidents. */
  async function grownGrid() {
    const [r] = await q(`
      with pairs as (
        select a.id a, b.id b, a.parent_id community,
          ST_Union(a.geom, ST_Intersection(b.geom, ST_Buffer(a.geom::geography, 20)::geometry)) grown
        from areas a join areas b on b.parent_id = a.parent_id and a.id <> b.id and ST_Touches(a.geom, b.geom)
        where a.level = 'grid' and a.street_id = $1 and ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)::geography) > 50
          and (select count(*) from areas m where m.parent_id = a.id) >= 2 and (select count(*) from areas m where m.parent_id = b.id) >= 2
      )
      select a, b, community, ST_AsGeoJSON(ST_ReducePrecision(grown, 1e-7), 7)::json shape,
        (select count(*) from incidents i, areas bb where bb.id = b and i.grid_id = b and ST_Intersects(i.geom, grown))::int strip_incidents
      from pairs order by strip_incidents desc, a, b limit 1`, [street])
    return r as { a: number; b: number; community: number; shape: unknown; strip_incidents: number }
  }

  it('blocks ground a grid gains that touches none of its micro-grids, as a gap the edit opens in it', async () => {
    const s = await grownGrid()
    const problems = await rolledBackTx(async (tx) => {
      // A's micro-grids pulled back 3 m from B first: the strip A gains then borders none of them.
      await tx.execute(sql`update areas m set geom = ST_Multi(ST_CollectionExtract(ST_Difference(m.geom, ST_Buffer(b.geom::geography, 3)::geometry), 3))
        from areas b where b.id = ${s.b} and m.parent_id = ${s.a} and ST_DWithin(m.geom::geography, b.geom::geography, 3)`)
      const { answer } = await runEdit(tx, ADMIN.accountId, s.community, { ops: [{ op: 'reshape', id: s.a, geometry: s.shape }], mode: 'check' } as EditRequest)
      return answer.problems.filter((p) => p.properties.kind === 'sub_areas')
    })
    const blocking = problems.filter((p) => p.properties.blocking)
    expect(blocking.length, JSON.stringify(problems.map((p) => p.properties.reason))).toBeGreaterThan(0)
    expect(blocking.every((p) => p.properties.children[0] === s.a)).toBe(true)
    expect(blocking[0].properties.reason).toMatch(/^[\d,]+ m² of area #\d+ \(code .*\) lie in none of its sub-areas.*: the edit would open a gap there$/)
  })

  it('moves the shared edge of two grids and carries their micro-grids: both still tiled, area kept, incidents where their point is', async () => {
    const s = await grownGrid()
    expect(s.strip_incidents).toBeGreaterThan(0)
    const op = { op: 'reshape', id: s.a, geometry: s.shape }

    // A check over HTTP, as the commander: nothing blocks, the changed micro-grids come in `subs`, not in `result`.
    const res = await edit(commander, s.community, { ops: [op], mode: 'check' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.problems.filter((p: { properties: { blocking: boolean } }) => p.properties.blocking)).toEqual([])
    expect(body.summary).toMatchObject({ inserted: 0, removed: [], committable: true })
    // Other neighbours of A may change by snap-rounding noise only (where the drawn shape crosses their edge, its vertices are rounded to 1e-7°).
    const stored = new Map((await q<{ id: number; m2: number }>(`select id, ST_Area(geom::geography) m2 from areas where parent_id = $1 or parent_id in (select id from areas where parent_id = $1)`, [s.community])).map((r) => [r.id, r.m2]))
    const changed = (fc: { features: Array<{ id: number; properties: { action: string; area_m2: number } }> }) => fc.features.filter((f) => f.properties.action !== 'keep')
    const moved = (fc: Parameters<typeof changed>[0], ids: number[]) => changed(fc).filter((f) => !ids.includes(f.id)).map((f) => Math.abs(f.properties.area_m2 - stored.get(f.id)!))
    expect(changed(body.result).map((f) => f.id)).toEqual(expect.arrayContaining([s.a, s.b]))
    for (const d of moved(body.result, [s.a, s.b])) expect(d).toBeLessThan(1)
    const bigSubs = changed(body.subs).filter((f) => Math.abs(f.properties.area_m2 - stored.get(f.id)!) >= 1)
    expect(new Set(bigSubs.map((f) => (f.properties as unknown as { parent: number }).parent))).toEqual(new Set([s.a, s.b]))
    const childIds = new Set(body.result.features.map((f: { id: number }) => f.id))
    for (const f of body.subs.features) expect(childIds.has(f.id)).toBe(false)

    const seen = await rolledBackTx(async (tx) => {
      const m2 = async () =>
        (await rows<{ grids: number; micro: number }>(tx, sql`select
          (select sum(ST_Area(geom::geography)) from areas where id in (${s.a}, ${s.b})) grids,
          (select sum(ST_Area(geom::geography)) from areas where parent_id in (${s.a}, ${s.b})) micro`))[0]
      const before = await m2()
      const { answer, blocked } = await runEdit(tx, COMMANDER.accountId, s.community, { ops: [op], mode: 'save', reason: 'edge moved 20 m' } as EditRequest)
      const coverage = async (id: number) => JSON.parse((await rows<{ fc: string }>(tx, coverageSql(id, { depth: '1', sliverM2: 1, sliverWidthM: 0.5 })))[0].fc).features
      // Independently of the stored columns: the micro-grid holding each incident of the two grids, and its grid.
      const incidents = await rows<{ id: number; micro_grid_id: number; grid_id: number; holder: number | null; holder_grid: number | null }>(tx, sql`
        select i.id, i.micro_grid_id, i.grid_id, h.id holder, h.parent_id holder_grid
        from incidents i left join lateral (select m.id, m.parent_id from areas m where m.level = 'micro_grid' and ST_Contains(m.geom, i.geom) order by m.id limit 1) h on true
        where i.grid_id in (${s.a}, ${s.b}) or h.parent_id in (${s.a}, ${s.b})`)
      const history = await rows<{ reason: string }>(tx, sql`select distinct reason from area_versions where valid_from = now() and area_id in (select id from areas where parent_id in (${s.a}, ${s.b}))`)
      return { answer, blocked, before, after: await m2(), covA: await coverage(s.a), covB: await coverage(s.b), covCommunity: await coverage(s.community), incidents, history }
    }, 'commander')
    expect(seen.blocked, JSON.stringify(seen.answer.problems)).toBe(false)
    expect(seen.answer.saved!.updated.map((r) => r.id)).toEqual(expect.arrayContaining([s.a, s.b]))
    expect(seen.answer.saved!.sub_areas.updated.length).toBeGreaterThanOrEqual(2)
    expect(seen.covA).toEqual([])
    expect(seen.covB).toEqual([])
    expect(seen.covCommunity).toEqual([])
    expect(Math.abs(seen.after.grids - seen.before.grids)).toBeLessThan(1)
    expect(Math.abs(seen.after.micro - seen.before.micro)).toBeLessThan(1)
    expect(Math.abs(seen.after.micro - seen.after.grids)).toBeLessThan(1)
    expect(seen.incidents.length).toBeGreaterThan(0)
    for (const i of seen.incidents) expect({ id: i.id, micro: i.micro_grid_id, grid: i.grid_id }).toEqual({ id: i.id, micro: i.holder, grid: i.holder_grid })
    // The strip's incidents moved from B to A.
    expect(seen.incidents.filter((i) => i.grid_id === s.a).length).toBeGreaterThan(0)
    expect(seen.history).toEqual([{ reason: 'edge moved 20 m' }])
  })
})

describe('POST /api/areas/:parentId/edit — sub-areas of created areas and deeper levels', () => {
  it('creates a grid over a micro-grid and its edge: the new grid gets one micro-grid, the swallowed one is removed, the rest clipped, incidents follow', async () => {
    // The micro-grid of the commander's street with the most incidents, grown 5 m inside its grid.
    const [m] = await q(`
      select m.id micro, m.parent_id grid, g.parent_id community, c.code community_code,
        ST_AsGeoJSON(ST_ReducePrecision(ST_Intersection(g.geom, ST_Buffer(m.geom::geography, 5)::geometry), 1e-7), 7)::json shape,
        (select count(*) from incidents i where i.micro_grid_id = m.id)::int incidents
      from areas m join areas g on g.id = m.parent_id join areas c on c.id = g.parent_id
      where m.level = 'micro_grid' and m.street_id = $1 and (select count(*) from areas s where s.parent_id = g.id) >= 3
      order by incidents desc, m.id limit 1`, [street])
    expect(m.incidents).toBeGreaterThan(0)
    const op = { op: 'create', geometry: m.shape, name: '新网格', code: `${m.community_code}-X9` }
    const seen = await rolledBackTx(async (tx) => {
      const { answer, blocked } = await runEdit(tx, COMMANDER.accountId, m.community, { ops: [op], mode: 'save' } as EditRequest)
      const made = answer.saved?.inserted[0]
      const subs = made ? await rows<{ id: number; code: string; name: string; level: string; own_path: boolean; m2: number; grid_m2: number }>(tx, sql`
        select s.id, s.code, s.name, s.level, s.path[5] = s.id and s.path[4] = ${made.id} own_path, ST_Area(s.geom::geography) m2,
          (select ST_Area(geom::geography) from areas where id = ${made.id}) grid_m2 from areas s where s.parent_id = ${made.id}`) : []
      const gone = await rows(tx, sql`select id from areas where id = ${m.micro}`)
      const coverage = async (id: number) => JSON.parse((await rows<{ fc: string }>(tx, coverageSql(id, { depth: '1', sliverM2: 1, sliverWidthM: 0.5 })))[0].fc).features
      const incidents = await rows<{ micro_grid_id: number; grid_id: number; holder: number | null; holder_grid: number | null }>(tx, sql`
        select i.micro_grid_id, i.grid_id, h.id holder, h.parent_id holder_grid
        from incidents i left join lateral (select a.id, a.parent_id from areas a where a.level = 'micro_grid' and ST_Contains(a.geom, i.geom) order by a.id limit 1) h on true
        where i.grid_id in (${m.grid}, ${made?.id ?? 0})`)
      return { answer, blocked, made, subs, gone, covGrid: await coverage(m.grid), covNew: made ? await coverage(made.id) : null, covCommunity: await coverage(m.community), incidents }
    }, 'commander')
    expect(seen.blocked, JSON.stringify(seen.answer.problems)).toBe(false)
    expect(seen.subs).toHaveLength(1)
    expect(seen.subs[0]).toMatchObject({ code: `${m.community_code}-X9-1`, name: '新网格 1', level: 'micro_grid', own_path: true })
    expect(Math.abs(seen.subs[0].m2 - seen.subs[0].grid_m2)).toBeLessThan(0.01)
    expect(seen.gone).toEqual([])
    expect(seen.answer.saved!.sub_areas.removed.map((r) => r.id)).toEqual([m.micro])
    expect(seen.answer.saved!.sub_areas.inserted.map((r) => r.code)).toEqual([`${m.community_code}-X9-1`])
    const subActions = Object.fromEntries(seen.answer.subs.features.map((f) => [f.id, f.properties.action]))
    expect(subActions[m.micro]).toBe('remove')
    expect(subActions[seen.subs[0].id]).toBe('insert')
    expect(seen.answer.subs.features.find((f) => f.id === seen.subs[0].id)!.properties.parent).toBe(seen.made!.id)
    expect(seen.covGrid).toEqual([])
    expect(seen.covNew).toEqual([])
    expect(seen.covCommunity).toEqual([])
    expect(seen.incidents.filter((i) => i.grid_id === seen.made!.id).length).toBeGreaterThanOrEqual(m.incidents)
    for (const i of seen.incidents) expect({ micro: i.micro_grid_id, grid: i.grid_id }).toEqual({ micro: i.holder, grid: i.holder_grid })
  })

  it('blocks an edit of a street’s communities that would move grid edges, naming the level it does not carry', async () => {
    // A community grown 20 m into its neighbour: the grids along the edge would change, and their micro-grids are two levels down.
    const [r] = await q(`
      select a.id a, b.id b, ST_AsGeoJSON(ST_ReducePrecision(ST_Union(a.geom, ST_Intersection(b.geom, ST_Buffer(a.geom::geography, 20)::geometry)), 1e-7), 7)::json shape
      from areas a join areas b on b.parent_id = a.parent_id and a.id < b.id and ST_Touches(a.geom, b.geom)
      where a.level = 'community' and a.street_id = $1 and ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)::geography) > 50
      order by a.id, b.id limit 1`, [street])
    const before = await fingerprint()
    const res = await edit(commander, street, { ops: [{ op: 'reshape', id: r.a, geometry: r.shape }], mode: 'check' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    const deep = body.problems.filter((p: { properties: { kind: string; blocking: boolean; reason: string } }) => p.properties.kind === 'sub_areas' && p.properties.blocking)
    expect(deep.length).toBeGreaterThan(0)
    expect(deep[0].properties.reason).toMatch(/^grid #\d+ .* would change shape, but an edit of community areas carries only their grid areas along, not the micro_grid areas/)
    expect(body.summary.committable).toBe(false)
    const save = await edit(commander, street, { ops: [{ op: 'reshape', id: r.a, geometry: r.shape }], mode: 'save' })
    expect(save.status).toBe(422)
    expect(await fingerprint()).toBe(before)
  })
})

describe('POST /api/areas/:parentId/edit — refused saves and drafts', () => {
  /** A micro-grid of the grid with a 10 m hole cut in it: the released disc touches no other micro-grid. */
  async function holedShape() {
    const [r] = await q(`
      select m.id, ST_AsGeoJSON(ST_Difference(m.geom, ST_Buffer(ST_PointOnSurface(m.geom), 0.00005, 8)), 7)::json shape
      from areas m where m.parent_id = $1 and ST_Within(ST_Buffer(ST_PointOnSurface(m.geom), 0.00006), m.geom) order by m.id limit 1`, [grid])
    return { op: 'reshape', id: r.id, geometry: r.shape }
  }

  it('refuses a save that opens a gap with 422 and the problems, and writes nothing', async () => {
    const before = await fingerprint()
    const res = await edit(commander, grid, { ops: [await holedShape()], mode: 'save' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(422)
    expect(body.error).toBe('coverage_broken')
    expect(body.message).toMatch(/would open a gap/)
    const gap = body.problems.find((p: { properties: { kind: string } }) => p.properties.kind === 'gap')
    expect(gap.properties.blocking).toBe(true)
    expect(gap.properties.area_m2).toBeGreaterThan(40)
    expect(gap.geometry.type).toBe('Polygon')
    expect(await fingerprint()).toBe(before)
  })

  it('blocks only the gap an edit opens, not one that was there before', async () => {
    const holes = await q(`
      select m.id, ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(m.geom), 0.00005, 8), 7)::json hole,
        ST_AsGeoJSON(ST_Difference(m.geom, ST_Buffer(ST_PointOnSurface(m.geom), 0.00005, 8)), 7)::json holed
      from areas m where m.parent_id = $1 and ST_Within(ST_Buffer(ST_PointOnSurface(m.geom), 0.00006), m.geom) order by m.id limit 2`, [grid])
    expect(holes).toHaveLength(2)
    const gaps = await rolledBackTx(async (tx) => {
      await tx.execute(sql`update areas set geom = ST_Multi(ST_Difference(geom, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(holes[0].hole)}), 4326))) where id = ${holes[0].id}`)
      const { answer } = await runEdit(tx, ADMIN.accountId, grid, { ops: [{ op: 'reshape', id: holes[1].id, geometry: holes[1].holed }], mode: 'check' } as EditRequest)
      return answer.problems
        .filter((p) => p.properties.kind === 'gap')
        .map((p) => ({ blocking: p.properties.blocking, children: p.properties.children }))
        .sort((a, b) => a.children[0] - b.children[0])
    })
    expect(gaps).toEqual([
      { blocking: false, children: [holes[0].id] },
      { blocking: true, children: [holes[1].id] },
    ].sort((a, b) => a.children[0] - b.children[0]))
  })

  it('keeps the same edit as a draft: areas unchanged, listed, replaced, deleted', async () => {
    const before = await fingerprint()
    const op = await holedShape()
    const res = await edit(commander, grid, { ops: [op], mode: 'draft', reason: 'later' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.draftId).toMatch(/^[0-9a-f-]{36}$/)
    expect(body.summary.committable).toBe(false)
    expect(await fingerprint()).toBe(before)

    const list = await commander.json(`/api/areas/${grid}/edit/drafts`)
    expect(list.status).toBe(200)
    expect(list.body).toEqual([
      { id: body.draftId, parent: grid, level: 'micro_grid', ops: [op], reason: 'later', problems_count: body.problems.length, created_at: expect.any(String), updated_at: expect.any(String) },
    ])
    // Another account does not see it (the admin would: admins see every draft, but lists show their own).
    const leaderList = await leader.json(`/api/areas/${grid}/edit/drafts`)
    expect(leaderList.status).toBe(403)

    // A later draft replaces it (same id); a save naming a draft that is not there is 404.
    const again = await edit(commander, grid, { ops: [op], mode: 'draft', reason: 'later still', draftId: body.draftId })
    expect((await again.json()).draftId).toBe(body.draftId)
    expect((await commander.json(`/api/areas/${grid}/edit/drafts`)).body.map((d: { reason: string }) => d.reason)).toEqual(['later still'])

    // The admin's own list does not show it; the commander cannot delete the admin's drafts (RLS), the admin may delete theirs.
    expect((await admin.json(`/api/areas/${grid}/edit/drafts`)).body.map((d: { id: string }) => d.id)).not.toContain(body.draftId)
    const adminDraft = (await (await edit(admin, grid, { ops: [op], mode: 'draft' })).json()).draftId
    expect((await commander.request(`/api/areas/edit/drafts/${adminDraft}`, { method: 'DELETE' })).status).toBe(404)
    expect((await admin.request(`/api/areas/edit/drafts/${adminDraft}`, { method: 'DELETE' })).status).toBe(204)

    expect((await commander.request(`/api/areas/edit/drafts/${body.draftId}`, { method: 'DELETE' })).status).toBe(204)
    expect((await commander.json(`/api/areas/${grid}/edit/drafts`)).body).toEqual([])
    expect((await commander.request(`/api/areas/edit/drafts/${body.draftId}`, { method: 'DELETE' })).status).toBe(404)
    const missing = await edit(commander, grid, { ops: [op], mode: 'save', draftId: body.draftId })
    expect(missing.status).toBe(404)
    expect(await fingerprint()).toBe(before)
  })

  it('refuses a save when the children changed since the state it was checked against (409)', async () => {
    const op = await holedShape()
    const res = await edit(commander, grid, { ops: [op], mode: 'save', state: '0'.repeat(32) })
    expect(res.status).toBe(409)
    expect((await res.json()).error).toBe('stale_edit')
  })
})

describe('POST /api/areas/:parentId/edit — bad input and access', () => {
  const square = (x: number, y: number, d = 0.0003) => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
  let micro: number
  let x: number
  let y: number
  beforeAll(async () => {
    ;[{ id: micro, x, y }] = await q(`select id, ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where parent_id = $1 order by id limit 1`, [grid])
  })

  it.each([
    ['a self-intersecting ring', () => ({ type: 'Polygon', coordinates: [[[x, y], [x + 0.001, y + 0.001], [x + 0.001, y], [x, y + 0.001], [x, y]]] }), /^ops\[0\]: invalid geometry: Self-intersection/],
    ['an unclosed ring', () => ({ type: 'Polygon', coordinates: [square(x, y).slice(0, 4)] }), /^ops\[0\]: polygon 1 ring 1: ring not closed/],
    ['longitude 200', () => ({ type: 'Polygon', coordinates: [square(200, y)] }), /^ops\[0\]: polygon 1 ring 1: \(200, .*\) is not longitude\/latitude/],
    ['a point', () => ({ type: 'Point', coordinates: [x, y] }), /^ops\.0\.geometry\.type/],
    ['a polygon without rings', () => ({ type: 'Polygon', coordinates: [] }), /^ops\[0\]: polygon 1 has no rings/],
    ['a ring of one repeated point', () => ({ type: 'Polygon', coordinates: [[[x, y], [x, y], [x, y], [x, y]]] }), /^ops\[0\]: invalid geometry: Too few points/],
    ['Polygon coordinates under MultiPolygon', () => ({ type: 'MultiPolygon', coordinates: [square(x, y)] }), /^ops\[0\]: polygon 1 ring 1: coordinates are not \[x, y\] number pairs/],
    ['text for a coordinate', () => ({ type: 'Polygon', coordinates: [[[x, y], [x, 'north'], [x + 0.001, y], [x, y]]] }), /^ops\[0\]: polygon 1 ring 1: coordinates are not/],
  ])('answers 400 with the reason for %s', async (_label, geometry, message) => {
    const res = await edit(admin, grid, { ops: [{ op: 'reshape', id: micro, geometry: geometry() }], mode: 'check' })
    const body = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(400)
    expect(body.message).toMatch(message)
  })

  it('answers 400 for a split line of one point and for an empty edit', async () => {
    const one = await edit(admin, grid, { ops: [{ op: 'split', id: micro, line: { type: 'LineString', coordinates: [[x, y], [x, y]] } }], mode: 'check' })
    expect(one.status).toBe(400)
    expect((await one.json()).message).toMatch(/^ops\[0\]: a line needs at least 2 distinct points/)
    const none = await edit(admin, grid, { ops: [], mode: 'check' })
    expect(none.status).toBe(400)
    expect((await none.json()).error).toBe('invalid_request')
  })

  it('answers 400 for an area that is not a child of the parent', async () => {
    const res = await edit(admin, grid, { ops: [{ op: 'reshape', id: grid, geometry: { type: 'Polygon', coordinates: [square(x, y)] } }], mode: 'check' })
    expect(res.status).toBe(400)
    expect((await res.json()).message).toMatch(/^ops\[0\]: area \d+ cannot be edited: it is not a micro_grid of area/)
  })

  it('is in the OpenAPI document with its request and answer schemas', async () => {
    const { status, body } = await admin.json('/api/openapi.json')
    expect(status).toBe(200)
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/areas/{parentId}/edit', '/areas/{parentId}/edit/drafts', '/areas/edit/drafts/{id}']))
    expect(Object.keys(body.components.schemas)).toEqual(expect.arrayContaining(['AreaEditRequest', 'AreaEditAnswer', 'AreaEditDraft']))
  })

  it('forbids grid leaders (403) and hides other streets from a commander (404)', async () => {
    const body = { ops: [{ op: 'reshape', id: micro, geometry: { type: 'Polygon', coordinates: [square(x, y)] } }], mode: 'check' }
    expect((await edit(leader, grid, body)).status).toBe(403)
    const other = await edit(commander, otherStreetGrid, body)
    expect(other.status).toBe(404)
    expect((await other.json()).error).toBe('not_found')
    expect((await commander.json(`/api/areas/${otherStreetGrid}/edit/drafts`)).status).toBe(404)
  })
})
