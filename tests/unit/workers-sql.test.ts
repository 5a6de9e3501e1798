import { describe, expect, it } from 'vitest'
import { PgDialect } from 'drizzle-orm/pg-core'
import { coveringWorkersSql, likePattern, peopleSearchSql } from '../../api/areas/workers.ts'

// The SQL of api/areas/workers.ts as text: what reaches the database, without one.
const dialect = new PgDialect()

describe('workers query builders', () => {
  it('takes LIKE wildcards and backslashes of a name search literally', () => {
    expect(likePattern('王%_\\')).toBe('%王\\%\\_\\\\%')
    expect(likePattern('王')).toBe('%王%')
  })

  it('selects phone numbers only when asked, and keeps the search text out of the SQL', () => {
    const evil = "x'; drop table people; --"
    const without = dialect.sqlToQuery(peopleSearchSql({ role: 'grid_leader', q: evil }, false))
    expect(without.sql).not.toContain('pe.phone')
    expect(without.sql).not.toContain('drop table')
    expect(without.params).toEqual(['grid_leader', `%${evil}%`, 50])
    expect(dialect.sqlToQuery(peopleSearchSql({}, true)).sql).toContain('pe.phone')
    expect(dialect.sqlToQuery(peopleSearchSql({}, true)).params).toEqual([50])
  })

  it('lists the area, its ancestors (by path) and descendants (by the GIN-indexed path), never phones', () => {
    const q = dialect.sqlToQuery(coveringWorkersSql(42, false))
    expect(q.params).toEqual([42, 42, false])
    expect(q.sql).toContain('a.path @> array[$2]::integer[]')
    expect(q.sql).not.toContain('phone')
  })
})
