import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations')

/** Apply the SQL files of db/migrations not yet applied, in name order, each in its own transaction. */
export async function migrate(pool: pg.Pool): Promise<string[]> {
  const client = await pool.connect()
  const applied: string[] = []
  try {
    await client.query('create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())')
    const done = new Set((await client.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name))
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort()) {
      if (done.has(file)) continue
      await client.query('begin')
      try {
        // Two servers starting together on one database: the lock makes the second wait, then skip.
        await client.query('select pg_advisory_xact_lock(7412001)')
        const again = await client.query('select 1 from schema_migrations where name = $1', [file])
        if (again.rowCount === 0) {
          await client.query(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'))
          await client.query('insert into schema_migrations (name) values ($1)', [file])
          applied.push(file)
        }
        await client.query('commit')
      } catch (err) {
        await client.query('rollback')
        throw new Error(`migration ${file} failed: ${(err as Error).message}`)
      }
    }
    // A migration that rewrites a table (0011 adds stored columns to incidents) clears its
    // visibility map, and index-only scans then visit the heap until a VACUUM, which cannot run
    // inside the migration's transaction: vacuum the big tables once any migration was applied.
    if (applied.length > 0) await client.query('vacuum (analyze) incidents')
  } finally {
    client.release()
  }
  return applied
}
