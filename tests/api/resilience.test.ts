import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { Hono } from 'hono'
import { inject } from 'vitest'
import { openDatabase, type Database } from '../../db/client.ts'
import { createApi } from '../../api/app.ts'
import { createLogger } from '../../api/lib/log.ts'
import { signIn, type Client } from '../helpers/api.ts'

// A TCP proxy between the API and the database lets the test cut the database off and bring it back.
class Proxy {
  private server: Server | null = null
  private sockets = new Set<Socket>()
  port = 0
  constructor(private target: { host: string; port: number }) {}
  async up() {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host)
      for (const s of [client, upstream]) {
        this.sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => this.sockets.delete(s))
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve))
    this.port = (this.server.address() as { port: number }).port
  }
  async down() {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
  }
}

let proxy: Proxy
let db: Database
let api: Hono
let admin: Client
beforeAll(async () => {
  const url = new URL(inject('dbUrl'))
  proxy = new Proxy({ host: url.hostname, port: Number(url.port || 5432) })
  await proxy.up()
  url.host = `127.0.0.1:${proxy.port}`
  db = { ...(await openDatabase({ databaseUrl: url.toString(), poolSize: 2 })), kind: inject('dbKind') }
  api = new Hono().route('/api', createApi(db, { logger: createLogger('silent') }))
  admin = await signIn(api, 'admin')
})
afterAll(async () => {
  await db.pool.end()
  await proxy.down().catch(() => {})
})

describe('a database that goes away and comes back', () => {
  it('answers 503 with a reason while it is down, and 200 again once it is back', async () => {
    expect((await api.request('/api/health')).status).toBe(200)
    await proxy.down()
    for (const path of ['/api/health', '/api/areas?level=street', '/api/incidents?limit=5']) {
      const res = await admin.get(path)
      expect(res.status, path).toBe(503)
      expect((await res.json()).error).toBe('db_unavailable')
      expect(res.headers.get('Retry-After')).toBeTruthy()
    }
    await proxy.up()
    let status = 0
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await admin.get('/api/areas?level=street')).status
      if (status !== 200) await new Promise((r) => setTimeout(r, 250))
    }
    expect(status).toBe(200)
  })
})
