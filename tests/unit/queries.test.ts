import { describe, expect, it } from 'vitest'
import { PgDialect } from 'drizzle-orm/pg-core'
import { decodeCursor, encodeCursor, incidentWhere } from '../../api/incidents/queries.ts'
import { areasGeoJson } from '../../api/areas/queries.ts'
import { BboxParam } from '../../api/lib/router.ts'

const dialect = new PgDialect()

describe('query builders', () => {
  it('keeps every filter value out of the SQL text', () => {
    const evil = "x'); drop table incidents; --"
    const q = dialect.sqlToQuery(
      incidentWhere({ types: [evil], statuses: ['closed'], from: '2026-01-01', to: '2026-02-01', bbox: [104, 30, 105, 31], area: { id: 7, level: 'grid' } }),
    )
    expect(q.sql).not.toContain('drop table')
    expect(q.params).toContainEqual(evil)
    expect(q.sql).toContain('i.grid_id = $')
    expect(q.sql).toContain('ST_MakeEnvelope($')
  })

  it('filters areas only by what was asked', () => {
    const all = dialect.sqlToQuery(areasGeoJson({}))
    expect(all.params).toEqual([])
    const some = dialect.sqlToQuery(areasGeoJson({ level: 'grid', parent: 3 }))
    expect(some.params).toEqual(['grid', 3])
    expect(some.sql).toMatch(/a\.level = \$1 and a\.parent_id = \$2/)
  })

  it('round-trips page cursors and refuses forged ones', () => {
    const c = { t: '2026-11-20T08:00:00.000Z', id: 42 }
    expect(decodeCursor(encodeCursor(c))).toEqual(c)
    expect(decodeCursor('bm9wZQ')).toBeNull()
    expect(decodeCursor(Buffer.from('2026-11-20|1e400').toString('base64url'))).toBeNull()
  })

  it('parses a bbox and explains a bad one', () => {
    expect(BboxParam.parse('104.2,30.5,104.3,30.6')).toEqual([104.2, 30.5, 104.3, 30.6])
    for (const bad of ['104.2,30.5,104.3', '104.3,30.5,104.2,30.6', '104,91,105,92', 'a,b,c,d', '1,2,3,4,5']) {
      expect(BboxParam.safeParse(bad).success, bad).toBe(false)
    }
  })
})
