import { inject } from 'vitest'
import type { Database } from '../../db/client.ts'
import { openDatabase } from '../../db/client.ts'
import { Hono } from 'hono'
import { createApi } from '../../api/app.ts'

/** A handle on the run's seeded test database and the API app over it (no HTTP server needed). */
export async function testApi() {
  const opened = await openDatabase({ databaseUrl: inject('dbUrl'), poolSize: 4 })
  const db: Database = { ...opened, kind: inject('dbKind') }
  const api = new Hono().route('/api', createApi(db, { log: () => {} }))
  return {
    db,
    api,
    get: (path: string) => api.request(path),
    json: async <T = any>(path: string): Promise<{ status: number; body: T }> => {
      const res = await api.request(path)
      return { status: res.status, body: (await res.json()) as T }
    },
    close: () => opened.close(),
  }
}
