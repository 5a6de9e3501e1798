import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from '../helpers/api.ts'

// Invariants of the seeded demo district, checked by PostGIS itself (areas in m² via geography).
let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

describe('demo district hierarchy in PostGIS', () => {
  it('has valid geometries at every level', async () => {
    const { rows } = await t.db.pool.query(`select count(*)::int n from areas where not ST_IsValid(geom)`)
    expect(rows[0].n).toBe(0)
  })

  it('children tile their parent: union equals parent within 1 m², no overlaps', async () => {
    const { rows } = await t.db.pool.query(`
      with kids as (
        select p.id, p.level, p.geom as pg, ST_Union(c.geom) as ug, count(*) as n
        from areas p join areas c on c.parent_id = p.id group by p.id
      )
      select id, level,
        ST_Area(ST_SymDifference(pg, ug)::geography) as diff_m2,
        ST_Area(pg::geography) as parent_m2
      from kids`)
    expect(rows.length).toBeGreaterThan(10)
    for (const r of rows) expect(r.diff_m2, `area ${r.id} (${r.level})`).toBeLessThan(1)

    const overlaps = await t.db.pool.query(`
      select a.id, b.id as other, ST_Area(ST_Intersection(a.geom, b.geom)::geography) as m2
      from areas a join areas b on a.parent_id = b.parent_id and a.id < b.id and a.geom && b.geom
      where ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 0.01`)
    expect(overlaps.rows).toEqual([])
  })

  it('places every micro-grid inside one grid and adds households up every level', async () => {
    const outside = await t.db.pool.query(`
      select c.id from areas c join areas p on p.id = c.parent_id
      where ST_Area(ST_Difference(c.geom, p.geom)::geography) > 0.01`)
    expect(outside.rows).toEqual([])
    const sums = await t.db.pool.query(`
      select p.id, p.households, sum(c.households)::int as kids from areas p join areas c on c.parent_id = p.id
      group by p.id having p.households <> sum(c.households)`)
    expect(sums.rows).toEqual([])
    const micro = await t.db.pool.query(`
      select m.id, m.households, coalesce(sum(b.households), 0)::int as b from areas m left join buildings b on b.micro_grid_id = m.id
      where m.level = 'micro_grid' group by m.id having m.households <> coalesce(sum(b.households), 0) or m.households not between 30 and 150`)
    expect(micro.rows).toEqual([])
  })

  it('keeps every building inside the micro-grid it is assigned to', async () => {
    const { rows } = await t.db.pool.query(`
      select b.id from buildings b join areas m on m.id = b.micro_grid_id where not ST_Within(b.geom, m.geom)`)
    expect(rows).toEqual([])
  })
})
