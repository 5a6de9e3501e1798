import type { TestProject } from 'vitest/node'
import pg from 'pg'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Database } from '../../db/client.ts'
import { migrate } from '../../db/migrate.ts'
import { seedDemo } from '../../db/seed.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    dbUrl: string
    dbKind: 'embedded' | 'postgres'
  }
}

/** Fixed end date so the seeded `small` district is the same in every run. */
export const TEST_SEED_END = new Date('2026-11-01T00:00:00Z')

/**
 * One database for the whole run, seeded with the `small` demo district: the embedded PGlite by
 * default, or a fresh database created on the server of TEST_DATABASE_URL (dropped afterwards).
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL
  let db: Database
  let cleanup: () => Promise<void>
  if (serverUrl) {
    const name = `gridpulse_test_${process.pid}_${Date.now()}`
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    db = await openDatabase({ databaseUrl: url.toString() })
    cleanup = async () => {
      await db.close()
      const a = new pg.Client({ connectionString: serverUrl })
      await a.connect()
      await a.query(`drop database if exists ${name} with (force)`)
      await a.end()
    }
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'gridpulse-test-'))
    db = await openDatabase({ dataDir: dir, poolSize: 12 })
    cleanup = async () => {
      await db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  await migrate(db.pool)
  await seedDemo(db.pool, db.kind, { scale: 'small', end: TEST_SEED_END, demoAccounts: true })
  project.provide('dbUrl', db.url)
  project.provide('dbKind', db.kind)
  return cleanup
}
