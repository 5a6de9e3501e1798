import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testApi } from '../helpers/api.ts'

let t: Awaited<ReturnType<typeof testApi>>
beforeAll(async () => {
  t = await testApi()
})
afterAll(() => t.close())

describe('schema indexes', () => {
  it('indexes every foreign key (as the first column of some index)', async () => {
    const { rows } = await t.db.pool.query(`
      select c.conrelid::regclass::text as tbl, a.attname as col
      from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype = 'f' and c.connamespace = 'public'::regnamespace
        and not exists (select 1 from pg_index i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1])`)
    expect(rows).toEqual([])
  })

  it('has a GiST index on every geometry column', async () => {
    const { rows } = await t.db.pool.query(`
      select f.f_table_name as tbl, f.f_geometry_column as col
      from geometry_columns f
      join pg_class r on r.relname = f.f_table_name and r.relnamespace = 'public'::regnamespace
      where f.f_table_schema = 'public' and r.relispartition = false
        and f.f_table_name not like 'stage_%'
        and not exists (
          select 1 from pg_index i join pg_class ix on ix.oid = i.indexrelid join pg_am am on am.oid = ix.relam
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
          where i.indrelid = r.oid and am.amname = 'gist' and a.attname = f.f_geometry_column)`)
    expect(rows).toEqual([])
  })
})
