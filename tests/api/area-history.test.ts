import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminScope, rolledBack, type AccountScope } from '../helpers/rollback.ts'
import { testApi, type Client } from '../helpers/api.ts'

// Boundary history (db/migrations/0026_area_history.sql, api/areas/history.ts). Edits run in an
// admin's app-role transaction that is rolled back: other test files check that the demo district
// tiles perfectly and count its areas.
let t: Awaited<ReturnType<typeof testApi>>
let ADMIN: AccountScope
let commander: Client
let leader: Client
let street: number
let leaderGrid: number
let otherGrid: number

beforeAll(async () => {
  t = await testApi()
  ADMIN = await adminScope(t.db.pool)
  commander = await t.as('commander')
  leader = await t.as('leader')
  street = (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)).rows[0].area_id
  leaderGrid = (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader'`)).rows[0].area_id
  otherGrid = (await t.db.pool.query(`select id from areas where level = 'grid' and id <> $1 and street_id = (select street_id from areas where id = $1) order by id limit 1`, [leaderGrid])).rows[0].id
})
afterAll(() => t.close())

describe('boundary history', () => {
  it('starts with one current version per area', async () => {
    const { rows } = await t.db.pool.query(`
      select (select count(*)::int from areas) as areas,
             (select count(*)::int from area_versions where valid_to is null) as current,
             (select count(*)::int from areas a where not exists (select 1 from area_versions v where v.area_id = a.id and v.valid_to is null)) as missing`)
    expect(rows[0].missing).toBe(0)
    expect(rows[0].current).toBe(rows[0].areas)
  })

  it('versions a change in its transaction, with who and why; a second change in the same transaction replaces it', async () => {
    const seen = await rolledBack(t.db.pool, ADMIN, async (c) => {
      await c.query(`select set_config('app.change_reason', 'moved the road edge', true)`)
      const before = (await c.query(`select max(version)::int v from area_versions where area_id = $1`, [otherGrid])).rows[0].v as number
      // Households change (the totals refresh does this): no version.
      await c.query(`update areas set households = households + 1 where id = $1`, [otherGrid])
      const afterTotals = (await c.query(`select max(version)::int v from area_versions where area_id = $1`, [otherGrid])).rows[0].v as number
      await c.query(`update areas set name = name || '（改）' where id = $1`, [otherGrid])
      await c.query(`update areas set name = name || '（再改）' where id = $1`, [otherGrid])
      const versions = (await c.query(
        `select version, change, name, valid_to is null as current, valid_to = now() as closed_now, valid_from = now() as from_now, changed_by_name, reason
         from area_versions where area_id = $1 order by version`, [otherGrid])).rows
      // An area made and removed in one transaction leaves no history.
      const made = (await c.query(
        `insert into areas (parent_id, level, code, name, geom, path, street_id)
         select parent_id, level, code || '-tmp', name || ' tmp', geom, path, street_id from areas where id = $1 returning id`, [otherGrid])).rows[0].id as number
      const madeVersions = (await c.query(`select count(*)::int n from area_versions where area_id = $1`, [made])).rows[0].n as number
      await c.query(`delete from areas where id = $1`, [made])
      const afterDelete = (await c.query(`select count(*)::int n from area_versions where area_id = $1`, [made])).rows[0].n as number
      return { before, afterTotals, versions, madeVersions, afterDelete }
    })
    expect(seen.afterTotals).toBe(seen.before)
    // One new version for the two renames, the previous one closed at the same instant.
    expect(seen.versions).toHaveLength(seen.before + 1)
    const [prev, cur] = seen.versions.slice(-2)
    expect(prev).toMatchObject({ current: false, closed_now: true })
    expect(cur).toMatchObject({ version: seen.before + 1, change: 'update', current: true, from_now: true, changed_by_name: 'admin', reason: 'moved the road edge' })
    expect(cur.name).toMatch(/（改）（再改）$/)
    expect(seen.madeVersions).toBe(1)
    expect(seen.afterDelete).toBe(0)
    // Rolled back: nothing of it stays.
    const { rows } = await t.db.pool.query(`select count(*)::int n from area_versions where area_id = $1 and version > $2`, [otherGrid, seen.before])
    expect(rows[0].n).toBe(0)
  })

  it('answers the map as of an instant and each area’s versions, within the user’s scope', async () => {
    const now = await commander.json(`/api/areas?level=grid`)
    const asOf = await commander.json(`/api/areas/as-of?level=grid&at=${encodeURIComponent(new Date().toISOString())}`)
    expect(asOf.status).toBe(200)
    const ids = (fc: { features: { properties: { id: number } }[] }) => fc.features.map((f) => f.properties.id).sort((a, b) => a - b)
    expect(ids(asOf.body)).toEqual(ids(now.body))
    expect(asOf.body.features.every((f: { properties: { valid_to: string | null } }) => f.properties.valid_to === null)).toBe(true)
    // Before the district existed: nothing.
    const early = await commander.json(`/api/areas/as-of?level=grid&at=2000-01-01`)
    expect(early.body.features).toEqual([])

    const history = await commander.json(`/api/areas/${street}/history`)
    expect(history.status).toBe(200)
    expect(history.body.features[0].properties).toMatchObject({ id: street, version: 1, change: 'insert', level: 'street' })
    expect(history.body.features.at(-1).properties.valid_to).toBeNull()
    expect(history.body.features[0].geometry.type).toBe('MultiPolygon')

    // A grid leader sees their grid's history, not a sibling's (404, like a missing area).
    expect((await leader.json(`/api/areas/${leaderGrid}/history`)).status).toBe(200)
    expect((await leader.json(`/api/areas/${otherGrid}/history`)).status).toBe(404)
    const leaderAsOf = await leader.json(`/api/areas/as-of?level=grid&at=${encodeURIComponent(new Date().toISOString())}`)
    expect(ids(leaderAsOf.body)).toEqual([leaderGrid])
    expect((await commander.json(`/api/areas/999999999/history`)).status).toBe(404)
  })

  it('refuses a malformed instant', async () => {
    for (const at of ['yesterday', '2026-13-01', "2026-01-01' or 1=1--", '2026-01-01T10:00']) {
      const res = await commander.json(`/api/areas/as-of?at=${encodeURIComponent(at)}`)
      expect(res.status, at).toBe(400)
    }
  })
})
