import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminScope, rolledBack, type AccountScope } from '../helpers/rollback.ts'
import { testApi } from '../helpers/api.ts'

// Boundary edits re-locate what lies under them (db/migrations/0020_follow_boundaries.sql). Every
// edit here runs in a transaction that is rolled back: other files, running at the same time on
// PostgreSQL, check that the demo district tiles perfectly.
let t: Awaited<ReturnType<typeof testApi>>
let ADMIN: AccountScope
beforeAll(async () => {
  t = await testApi()
  ADMIN = await adminScope(t.db.pool)
})
afterAll(() => t.close())

describe('boundary changes re-assign incidents, their history and buildings in the same transaction', () => {
  it('moves a piece of one micro-grid into a neighbour of another grid and everything in it follows', async () => {
    // An incident in a micro-grid that touches a micro-grid of another grid.
    const { rows } = await t.db.pool.query(`
      select i.id, i.micro_grid_id as a, n.neighbour_id as b, nb.path[4] as b_grid
      from incidents i
      join area_neighbours n on n.area_id = i.micro_grid_id
      join areas nb on nb.id = n.neighbour_id and nb.level = 'micro_grid' and nb.path[4] <> i.grid_id
      order by i.id limit 1`)
    expect(rows).toHaveLength(1)
    const { id, a, b, b_grid } = rows[0]

    const seen = await rolledBack(t.db.pool, ADMIN, async (c) => {
      // A history row, carrying the incident's areas as the API writes them.
      await c.query(
        `insert into incident_events (incident_id, street_id, community_id, grid_id, micro_grid_id, to_status, comment)
         select id, street_id, community_id, grid_id, micro_grid_id, status, 'test' from incidents where id = $1`,
        [id],
      )
      // The piece: the part of A within ~30 m of the incident.
      await c.query(
        `create temp table piece on commit drop as
           select ST_Intersection(a.geom, ST_Buffer(i.geom, 0.0003)) as g from areas a, incidents i where a.id = $1 and i.id = $2`,
        [a, id],
      )
      const buildingsInPiece = (
        await c.query(`select array_agg(b.id order by b.id) ids from buildings b, piece p where ST_Intersects(ST_PointOnSurface(b.geom), p.g)`)
      ).rows[0].ids as number[] | null
      await c.query(`update areas set geom = ST_Multi(ST_CollectionExtract(ST_Difference(geom, (select g from piece)), 3)) where id = $1`, [a])
      await c.query(`update areas set geom = ST_Multi(ST_CollectionExtract(ST_Union(geom, (select g from piece)), 3)) where id = $1`, [b])
      const incident = (await c.query(`select micro_grid_id, grid_id from incidents where id = $1`, [id])).rows[0]
      const events = (await c.query(`select distinct micro_grid_id, grid_id from incident_events where incident_id = $1`, [id])).rows
      const buildings = buildingsInPiece
        ? (await c.query(`select distinct micro_grid_id from buildings where id = any($1)`, [buildingsInPiece])).rows.map((r) => r.micro_grid_id)
        : []
      const audited = (await c.query(`select count(*)::int n from audit_log where target = 'incidents' and action = 'update' and $1 = any(ids)`, [id])).rows[0].n
      return { incident, events, buildings, audited }
    })
    expect(seen.incident).toEqual({ micro_grid_id: b, grid_id: b_grid })
    expect(seen.events).toEqual([{ micro_grid_id: b, grid_id: b_grid }])
    for (const m of seen.buildings) expect(m).toBe(b)
    // The re-assignment is a write like any other: in the audit log, by the admin who moved the line.
    expect(seen.audited).toBe(1)

    // Rolled back: nothing changed for anyone else.
    const after = (await t.db.pool.query(`select micro_grid_id from incidents where id = $1`, [id])).rows[0]
    expect(after.micro_grid_id).toBe(a)
  })

  it('leaves a point no micro-grid holds any more where it was (a gap shows in the coverage check)', async () => {
    const { rows } = await t.db.pool.query(`select id, micro_grid_id from incidents order by id desc limit 1`)
    const { id, micro_grid_id } = rows[0]
    const seen = await rolledBack(t.db.pool, ADMIN, async (c) => {
      await c.query(
        `update areas a set geom = ST_Multi(ST_CollectionExtract(ST_Difference(a.geom, ST_Buffer(i.geom, 0.0002)), 3)) from incidents i where a.id = $1 and i.id = $2`,
        [micro_grid_id, id],
      )
      return (await c.query(`select micro_grid_id from incidents where id = $1`, [id])).rows[0].micro_grid_id
    })
    expect(seen).toBe(micro_grid_id)
  })
})
