import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { openDatabase, type Database } from '../../db/client.ts'

// Several connections sending parameterised queries at once must each get their own answers, also
// when some of them fail: the embedded engine multiplexes every connection onto one PGlite session.
let pools: Database[] = []
beforeAll(async () => {
  pools = await Promise.all([1, 2, 3].map(() => openDatabase({ databaseUrl: inject('dbUrl'), poolSize: 4 })))
})
afterAll(async () => {
  await Promise.all(pools.map((p) => p.pool.end()))
})

describe('concurrent clients on one database', () => {
  it('get their own rows back, with failing statements mixed in', async () => {
    const jobs = Array.from({ length: 300 }, (_, i) => async () => {
      const pool = pools[i % pools.length].pool
      if (i % 10 === 7) {
        await expect(pool.query('select 1 / $1::int as v', [0])).rejects.toThrow(/division by zero/)
        return
      }
      const { rows } = await pool.query('select $1::int as v, $2::text as s, (select count(*)::int from areas where id <= $1) as n', [i, `q${i}`])
      expect(rows).toEqual([{ v: i, s: `q${i}`, n: expect.any(Number) }])
    })
    await Promise.all(jobs.map((job) => job()))
    // The connections are still in step afterwards.
    for (const p of pools) expect((await p.pool.query('select $1::text as ok', ['yes'])).rows[0].ok).toBe('yes')
  })
})
