import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import pg from 'pg'
import { openDatabase, type Database } from '../../db/client.ts'
import { APP_ROLE, withScope, type Scope } from '../../db/scope.ts'

// The run's seeded database is shared with other test files: every write here is rolled back.
let db: Database
let owner: pg.Pool
/** Two grids with incidents, the street of the first and a grid of another street. */
let gridX: number
let gridY: number
let streetS: number
let districtId: number
let userId: number

const SCOPED_TABLES = ['areas', 'buildings', 'people', 'person_areas', 'stations', 'incidents', 'patrol_tasks', 'track_points']

const count = async (c: pg.PoolClient | pg.Pool, sql: string, params: unknown[] = []) => (await c.query<{ n: number }>(sql, params)).rows[0].n

/** A point literal for statements that are expected to fail (simple query protocol, no parameters). */
const point = ({ x, y }: { x: number; y: number }) => {
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new TypeError('bad point')
  return `ST_SetSRID(ST_MakePoint(${x}, ${y}), 4326)`
}

class Rollback extends Error {}
/** Run `fn` inside withScope, then force the transaction to roll back. */
async function rolledBack(scope: Scope, fn: (c: pg.PoolClient) => Promise<void>) {
  await expect(
    withScope(owner, scope, async (c) => {
      await fn(c)
      throw new Rollback()
    }),
  ).rejects.toBeInstanceOf(Rollback)
}

beforeAll(async () => {
  db = await openDatabase({ databaseUrl: inject('dbUrl'), poolSize: 6 })
  owner = db.pool
  const grids = (
    await owner.query<{ grid_id: number; street_id: number; n: number }>(
      `select grid_id, street_id, count(*)::int n from incidents group by 1, 2 having count(*) > 5 order by n desc, grid_id`,
    )
  ).rows
  gridX = grids[0].grid_id
  streetS = grids[0].street_id
  gridY = grids.find((g) => g.street_id !== streetS && g.n !== grids[0].n)!.grid_id
  districtId = (await owner.query(`select id from areas where level = 'district' order by id limit 1`)).rows[0].id
  userId = (await owner.query(`select min(id) id from people`)).rows[0].id
})
afterAll(() => db?.close())

describe('row-level security by area scope', () => {
  it('a grid leader sees exactly the grid’s incidents, the areas inside it and their ancestors', async () => {
    const expected = await count(owner, 'select count(*)::int n from incidents where grid_id = $1', [gridX])
    const expectedAreas = (
      await owner.query<{ id: number }>(
        `select id from areas where path && array[$1::int] or id = any ((select path from areas where id = $1)::int[]) order by id`,
        [gridX],
      )
    ).rows.map((r) => r.id)
    const otherIncident = (await owner.query('select id from incidents where grid_id = $1 limit 1', [gridY])).rows[0].id
    const seen = await withScope(owner, { userId, role: 'grid_leader', areaIds: [gridX] }, async (c) => ({
      incidents: await count(c, 'select count(*)::int n from incidents'),
      wrongGrid: await count(c, 'select count(*)::int n from incidents where grid_id <> $1', [gridX]),
      areas: (await c.query<{ id: number }>('select id from areas order by id')).rows.map((r) => r.id),
      other: (await c.query('select id from incidents where id = $1', [otherIncident])).rowCount,
      user: (await c.query('select current_user u')).rows[0].u,
    }))
    expect(expected).toBeGreaterThan(0)
    expect(seen).toEqual({ incidents: expected, wrongGrid: 0, areas: expectedAreas, other: 0, user: APP_ROLE })
    // The grid, its micro-grids, and street + community + district above it; no sibling grid.
    expect(expectedAreas.length).toBeGreaterThan(4)
    expect(expectedAreas).not.toContain(gridY)
  })

  it('a street commander sees that street’s incidents; a district scope and an admin see them all', async () => {
    const street = await count(owner, 'select count(*)::int n from incidents where street_id = $1', [streetS])
    const all = await count(owner, 'select count(*)::int n from incidents')
    const allTracks = await count(owner, 'select count(*)::int n from track_points')
    const allPeople = await count(owner, 'select count(*)::int n from people')
    expect(await withScope(owner, { userId, role: 'commander', areaIds: [streetS] }, (c) => count(c, 'select count(*)::int n from incidents'))).toBe(street)
    expect(street).toBeLessThan(all)
    expect(await withScope(owner, { userId, role: 'commander', areaIds: [districtId] }, (c) => count(c, 'select count(*)::int n from incidents'))).toBe(all)
    const admin = await withScope(owner, { userId, role: 'admin', areaIds: [] }, async (c) => [
      await count(c, 'select count(*)::int n from incidents'),
      await count(c, 'select count(*)::int n from track_points'),
      await count(c, 'select count(*)::int n from people'),
    ])
    expect(admin).toEqual([all, allTracks, allPeople])
  })

  it('a street scope sees the track points and people of that street only', async () => {
    const expected = await count(
      owner,
      `select count(*)::int n from track_points where person_id in
         (select pa.person_id from person_areas pa join areas a on a.id = pa.area_id where a.path && array[$1::int])`,
      [streetS],
    )
    const seen = await withScope(owner, { userId, role: 'commander', areaIds: [streetS] }, (c) => count(c, 'select count(*)::int n from track_points'))
    expect(seen).toBe(expected)
  })

  it('a planner reads stations and buildings in scope but no incident, patrol, person or track row', async () => {
    const stations = await count(owner, 'select count(*)::int n from stations where street_id = $1', [streetS])
    const buildings = await count(owner, 'select count(*)::int n from buildings where street_id = $1', [streetS])
    expect(stations).toBeGreaterThan(0)
    const seen = await withScope(owner, { userId, role: 'planner', areaIds: [streetS] }, async (c) => ({
      stations: await count(c, 'select count(*)::int n from stations'),
      buildings: await count(c, 'select count(*)::int n from buildings'),
      incidents: await count(c, 'select count(*)::int n from incidents'),
      tracks: await count(c, 'select count(*)::int n from track_points'),
      patrols: await count(c, 'select count(*)::int n from patrol_tasks'),
      // Only their own person row.
      people: await count(c, 'select count(*)::int n from people'),
    }))
    expect(seen).toEqual({ stations, buildings, incidents: 0, tracks: 0, patrols: 0, people: 1 })
  })

  it('sees nothing without settings, with no areas, or with an unknown role', async () => {
    const client = await owner.connect()
    try {
      await client.query('begin')
      await client.query(`set local role ${APP_ROLE}`)
      for (const t of SCOPED_TABLES) expect([t, await count(client, `select count(*)::int n from ${t}`)]).toEqual([t, 0])
      await client.query(`select set_config('app.role', 'superhero', true), set_config('app.area_ids', $1, true)`, [String(districtId)])
      for (const t of SCOPED_TABLES) expect([t, await count(client, `select count(*)::int n from ${t}`)]).toEqual([t, 0])
    } finally {
      await client.query('rollback')
      client.release()
    }
    const empty = await withScope(owner, { userId, role: 'commander', areaIds: [] }, async (c) => {
      const n: number[] = []
      for (const t of SCOPED_TABLES.filter((t) => t !== 'people' && t !== 'person_areas')) n.push(await count(c, `select count(*)::int n from ${t}`))
      return n
    })
    expect(empty.every((n) => n === 0)).toBe(true)
  })

  it('refuses writes outside the scope', async () => {
    const spot = async (grid: number) =>
      (await owner.query(`select ST_X(ST_PointOnSurface(geom)) x, ST_Y(ST_PointOnSurface(geom)) y from areas where parent_id = $1 order by id limit 1`, [grid])).rows[0]
    const inside = await spot(gridX)
    const outside = await spot(gridY)
    const otherIncident = (await owner.query('select id from incidents where grid_id = $1 limit 1', [gridY])).rows[0].id
    const ownIncident = (await owner.query('select id from incidents where grid_id = $1 limit 1', [gridX])).rows[0].id
    const insert = (p: { x: number; y: number }) =>
      `insert into incidents (type, status, source, geom, reported_at) values ('noise', 'reported', 'walk_in', ${point(p)}, now()) returning grid_id`
    const scope: Scope = { userId, role: 'grid_leader', areaIds: [gridX] }
    // In scope: the trigger places it in the grid and the policy accepts it.
    await rolledBack(scope, async (c) => {
      expect((await c.query(insert(inside))).rows[0].grid_id).toBe(gridX)
      expect((await c.query(`update incidents set description = 'scoped edit' where id = $1`, [ownIncident])).rowCount).toBe(1)
    })
    // Out of scope: WITH CHECK refuses the insert; the update and delete match no row.
    await expect(withScope(owner, scope, (c) => c.query(insert(outside)))).rejects.toThrow(/row-level security/)
    await rolledBack(scope, async (c) => {
      expect((await c.query(`update incidents set description = 'leak' where id = $1`, [otherIncident])).rowCount).toBe(0)
      expect((await c.query(`delete from incidents where id = $1`, [otherIncident])).rowCount).toBe(0)
    })
    // Moving an own incident into another grid is refused too (the trigger re-places it first).
    await expect(
      withScope(owner, scope, (c) => c.query(`update incidents set geom = ${point(outside)} where id = ${Number(ownIncident)}`)),
    ).rejects.toThrow(/row-level security/)
    // Planners write no incidents even in scope; only admins edit areas.
    await expect(withScope(owner, { ...scope, role: 'planner' }, (c) => c.query(insert(inside)))).rejects.toThrow(/row-level security/)
    await rolledBack(scope, async (c) => {
      expect((await c.query(`update areas set name = name || '!' where id = $1`, [gridX])).rowCount).toBe(0)
    })
    expect(await count(owner, `select count(*)::int n from incidents where description in ('scoped edit', 'leak')`)).toBe(0)
  })

  it('the app role is a plain, non-owning role and every scoped table forces RLS', async () => {
    const role = (await owner.query('select rolsuper, rolbypassrls, rolcanlogin, rolinherit from pg_roles where rolname = $1', [APP_ROLE])).rows[0]
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false, rolinherit: false })
    const tables = (
      await owner.query(
        `select t.tablename, t.tableowner, c.relrowsecurity, c.relforcerowsecurity
         from pg_tables t join pg_class c on c.oid = format('%I.%I', t.schemaname, t.tablename)::regclass
         where t.schemaname = 'public' and t.tablename = any ($1) order by 1`,
        [SCOPED_TABLES],
      )
    ).rows
    expect(tables.map((t) => t.tablename)).toEqual([...SCOPED_TABLES].sort())
    for (const t of tables) {
      expect(t.tableowner).not.toBe(APP_ROLE)
      expect([t.tablename, t.relrowsecurity, t.relforcerowsecurity]).toEqual([t.tablename, true, true])
    }
    // No table of the schema (partitions included) is owned by the app role.
    expect(await count(owner, `select count(*)::int n from pg_tables where tableowner = $1`, [APP_ROLE])).toBe(0)
  })

  it('keeps 500 interleaved scoped transactions apart on the pool', async () => {
    const scopes: { scope: Scope; expected: number }[] = [
      { scope: { userId, role: 'grid_leader', areaIds: [gridX] }, expected: await count(owner, 'select count(*)::int n from incidents where grid_id = $1', [gridX]) },
      { scope: { userId, role: 'commander', areaIds: [streetS] }, expected: await count(owner, 'select count(*)::int n from incidents where street_id = $1', [streetS]) },
      { scope: { userId, role: 'grid_member', areaIds: [gridY] }, expected: await count(owner, 'select count(*)::int n from incidents where grid_id = $1', [gridY]) },
    ]
    expect(new Set(scopes.map((s) => s.expected)).size).toBe(3)
    let leaks = 0
    let done = 0
    const one = async (i: number) => {
      const { scope, expected } = scopes[i % 3]
      const got = await withScope(owner, scope, async (c) => {
        const first = await count(c, 'select count(*)::int n from incidents')
        const row = (await c.query(`select current_user u, current_setting('app.area_ids') a`)).rows[0]
        return { first, ok: row.u === APP_ROLE && row.a === scope.areaIds.join(',') }
      })
      if (got.first !== expected || !got.ok) leaks++
      done++
    }
    for (let i = 0; i < 500; i += 25) await Promise.all(Array.from({ length: 25 }, (_, k) => one(i + k)))
    expect({ done, leaks }).toEqual({ done: 500, leaks: 0 })
  })

  it('gives the connection back as the original user, also after an error', async () => {
    const single = new pg.Pool({ connectionString: inject('dbUrl'), max: 1 })
    try {
      const before = (await single.query('select current_user u, session_user s')).rows[0]
      await withScope(single, { userId, role: 'grid_leader', areaIds: [gridX] }, (c) => c.query('select 1'))
      await expect(withScope(single, { userId, role: 'grid_leader', areaIds: [gridX] }, (c) => c.query('select 1/0'))).rejects.toThrow(/division by zero/)
      const after = (await single.query(`select current_user u, session_user s, coalesce(current_setting('app.area_ids', true), '') a`)).rows[0]
      expect(after).toEqual({ ...before, a: '' })
      expect(after.u).not.toBe(APP_ROLE)
      expect(await count(single, 'select count(*)::int n from incidents')).toBe(await count(owner, 'select count(*)::int n from incidents'))
    } finally {
      await single.end()
    }
  })

  it('rejects malformed scopes before touching the database', async () => {
    const bad = [
      { userId, role: 'grid_leader', areaIds: [1.5] },
      { userId, role: 'grid_leader', areaIds: [-3] },
      { userId, role: 'grid_leader', areaIds: ['1) or (true' as unknown as number] },
      { userId, role: 'root', areaIds: [gridX] },
      { userId: 0, role: 'admin', areaIds: [] },
    ] as Scope[]
    for (const s of bad) await expect(withScope(owner, s, async () => 1)).rejects.toBeInstanceOf(TypeError)
  })
})
