// `npm run db:migrate` / `npm run db:seed -- [--scale small|district|large] [--seed N] [--force]`
// Uses DATABASE_URL when set, else the embedded database in DATA_DIR.
import { parseArgs } from 'node:util'
import { loadConfig } from '../api/config.ts'
import { openDatabase } from './client.ts'
import { migrate } from './migrate.ts'
import { isEmpty, seedDemo } from './seed.ts'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { scale: { type: 'string' }, seed: { type: 'string' }, force: { type: 'boolean', default: false } },
})
const cfg = loadConfig()
const db = await openDatabase({ databaseUrl: cfg.DATABASE_URL, dataDir: cfg.DATA_DIR })
try {
  const applied = await migrate(db.pool)
  console.log(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date')
  if (positionals[0] === 'seed') {
    if (!(await isEmpty(db.pool))) {
      if (!values.force) throw new Error('the database already holds areas; pass --force to wipe and reseed')
      await db.pool.query('truncate areas, area_versions, roads, buildings, people, person_areas, stations, incidents, patrol_tasks, track_points restart identity cascade')
    }
    const scale = (values.scale ?? cfg.SEED_SCALE) as 'small' | 'district' | 'large'
    const report = await seedDemo(db.pool, db.kind, { scale, seed: values.seed ? Number(values.seed) : cfg.SEED, demoAccounts: { password: cfg.DEMO_PASSWORD }, log: console.log })
    const total = Object.values(report.rows).reduce((a, b) => a + b, 0)
    console.log(`seeded ${total} rows in ${(report.loadMs / 1000).toFixed(1)} s (${Math.round(total / (report.loadMs / 1000))} rows/s)`)
  }
} catch (err) {
  console.error((err as Error).message)
  process.exitCode = 1
} finally {
  await db.close()
}
