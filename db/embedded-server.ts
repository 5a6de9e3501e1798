import type { PGlite } from '@electric-sql/pglite'
import { createServer, type Server, type Socket } from 'node:net'

/*
 * A PostgreSQL wire-protocol server in front of one PGlite session, so the app reaches the embedded
 * database through node-postgres like a real server.
 *
 * Why not @electric-sql/pglite-socket's server: it queues each protocol message on its own, so
 * two connections' extended-protocol exchanges (Parse, Bind, Execute, Sync) interleave on the one
 * session — one client's unnamed statement can be replaced by another's before it runs, and
 * answers land on the wrong connection (electric-sql/pglite#1046). Under concurrent signed-in
 * requests that showed up as 401s and 500s, and could hand one user another user's rows. Here a
 * connection's messages up to and including its Sync (or a simple Query) run as one unit, and
 * while a connection holds an open transaction only its units run.
 *
 * A failed extended-protocol message makes PGlite answer ReadyForQuery at once (electric-sql/pglite#958);
 * a real server skips to the Sync and answers ReadyForQuery there. We do the same: after an error
 * the unit's remaining messages up to Sync are dropped and only Sync's ReadyForQuery is sent.
 */

const SSL_REQUEST = 80877103
const CANCEL_REQUEST = 80877102
const GSSENC_REQUEST = 80877104
const PROTOCOL_3 = 196608

const SYNC = 0x53 // 'S'
const QUERY = 0x51 // 'Q'
const TERMINATE = 0x58 // 'X'
const COPY_DATA = 0x64 // 'd'
const COPY_DONE = 0x63 // 'c'
const COPY_FAIL = 0x66 // 'f'
const FLUSH = 0x48 // 'H'
const ERROR_RESPONSE = 0x45 // 'E'
const COPY_IN_RESPONSE = 0x47 // 'G'
const READY_FOR_QUERY = 0x5a // 'Z'
const EXECUTE = 0x45 // 'E' from the client (the backend's 'E' is ErrorResponse)
const PORTAL_SUSPENDED = 0x73 // 's'

/** Messages that end a unit: the client waits for an answer after them. */
const UNIT_END = new Set([SYNC, QUERY, TERMINATE, COPY_DATA, COPY_DONE, COPY_FAIL, FLUSH])

interface Unit {
  conn: Connection
  messages: Buffer[]
  /** The unit is the connection's startup message (no type byte). */
  startup: boolean
}

/** Runs units one at a time on the PGlite session, keeping an open transaction's connection in front. */
class Scheduler {
  private queue: Unit[] = []
  private running = false
  /** The connection whose transaction is open on the session. */
  private owner: Connection | null = null

  constructor(private readonly db: PGlite) {}

  submit(unit: Unit) {
    this.queue.push(unit)
    void this.pump()
  }

  /** Drop a closed connection's units; roll back its open transaction so others may proceed. */
  async forget(conn: Connection) {
    this.queue = this.queue.filter((u) => u.conn !== conn)
    if (this.owner === conn) {
      this.owner = null
      if (!this.running) {
        this.running = true
        try {
          await this.db.runExclusive(async () => {
            if (this.db.isInTransaction()) await this.db.exec('rollback')
          })
        } finally {
          this.running = false
        }
      }
      void this.pump()
    }
  }

  private async pump() {
    if (this.running) return
    this.running = true
    try {
      while (this.queue.length > 0) {
        const i = this.owner ? this.queue.findIndex((u) => u.conn === this.owner) : 0
        if (i < 0) break // the transaction's connection has nothing queued yet: wait for it
        const [unit] = this.queue.splice(i, 1)
        if (unit.conn.closed) continue
        try {
          await this.db.runExclusive(() => this.run(unit))
        } catch (err) {
          unit.conn.destroy(err as Error)
        }
        // A connection in a transaction or in the middle of COPY FROM STDIN keeps the session.
        this.owner = (this.db.isInTransaction() || unit.conn.copying) && !unit.conn.closed ? unit.conn : null
        if (this.owner === null && unit.conn.closed && this.db.isInTransaction()) {
          await this.db.runExclusive(() => this.db.exec('rollback'))
        }
      }
    } finally {
      this.running = false
    }
  }

  private async run(unit: Unit) {
    let failed = false
    const last = unit.messages.length - 1
    for (let m = 0; m <= last; m++) {
      const message = unit.messages[m]
      const type = unit.startup ? 0 : message[0]
      if (failed && type !== SYNC) continue
      const chunks: Uint8Array[] = []
      await this.db.execProtocolRawStream(new Uint8Array(message.buffer, message.byteOffset, message.byteLength), {
        onRawData: (d) => chunks.push(d.slice()),
        syncToFs: m === last,
      })
      let out: Buffer = Buffer.concat(chunks)
      // PGlite suspends a portal once an Execute's output grows past its buffer, even when the
      // client asked for every row (maxRows 0), which a real server never does: node-postgres then
      // asks for more with Execute + Sync, but the batch's own Sync has already answered
      // ReadyForQuery, so the query ends early and the rest of its rows land on the next query.
      // Ask again here until the portal completes, as a real server's single answer would.
      if (!unit.startup && type === EXECUTE && executeMaxRows(message) === 0) {
        for (let round = 0; lastMessageType(out) === PORTAL_SUSPENDED && round < 100_000; round++) {
          const more: Uint8Array[] = []
          await this.db.execProtocolRawStream(new Uint8Array(message.buffer, message.byteOffset, message.byteLength), {
            onRawData: (d) => more.push(d.slice()),
            syncToFs: false,
          })
          out = Buffer.concat([withoutMessage(out, PORTAL_SUSPENDED), ...more])
        }
      }
      if (!unit.startup && type !== SYNC && type !== QUERY) {
        // Inside an extended-protocol batch only Sync may answer ReadyForQuery.
        if (hasMessage(out, ERROR_RESPONSE)) failed = true
        out = withoutMessage(out, READY_FOR_QUERY)
      }
      if (type === COPY_DONE || type === COPY_FAIL) unit.conn.copying = false
      else if (type === QUERY && hasMessage(out, COPY_IN_RESPONSE)) unit.conn.copying = true
      if (out.length) unit.conn.write(out)
    }
  }
}

/** Walk the typed messages of a backend buffer. */
function* messagesOf(buf: Buffer): Generator<[type: number, start: number, end: number]> {
  let at = 0
  while (at + 5 <= buf.length) {
    const end = at + 1 + buf.readInt32BE(at + 1)
    yield [buf[at], at, Math.min(end, buf.length)]
    at = end
  }
}

/** The row limit of a frontend Execute message: type, length, portal name (C string), Int32 rows. */
function executeMaxRows(message: Buffer): number {
  const end = message.indexOf(0, 5)
  return end < 0 || end + 5 > message.length ? -1 : message.readInt32BE(end + 1)
}

function lastMessageType(buf: Buffer): number | undefined {
  let last: number | undefined
  for (const [t] of messagesOf(buf)) last = t
  return last
}

const hasMessage = (buf: Buffer, type: number) => {
  for (const [t] of messagesOf(buf)) if (t === type) return true
  return false
}

function withoutMessage(buf: Buffer, type: number): Buffer {
  const kept: Buffer[] = []
  let dropped = false
  for (const [t, s, e] of messagesOf(buf)) {
    if (t === type) dropped = true
    else kept.push(buf.subarray(s, e))
  }
  return dropped ? Buffer.concat(kept) : buf
}

/** One client socket: frames its bytes into messages and hands complete units to the scheduler. */
class Connection {
  private buffer: Buffer = Buffer.alloc(0)
  private pending: Buffer[] = []
  private started = false
  closed = false
  /** Between CopyInResponse and CopyDone/CopyFail. */
  copying = false

  constructor(
    private readonly socket: Socket,
    private readonly scheduler: Scheduler,
    private readonly onClose: (c: Connection) => void,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (data) => this.receive(data))
    socket.on('error', () => this.close())
    socket.on('close', () => this.close())
  }

  write(data: Buffer) {
    if (!this.closed && this.socket.writable) this.socket.write(data)
  }

  destroy(err?: Error) {
    this.socket.destroy(err)
    this.close()
  }

  private close() {
    if (this.closed) return
    this.closed = true
    this.onClose(this)
    void this.scheduler.forget(this)
  }

  private receive(data: Buffer) {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, data]) : data
    while (!this.closed) {
      if (!this.started) {
        if (this.buffer.length < 8) return
        const len = this.buffer.readInt32BE(0)
        const code = this.buffer.readInt32BE(4)
        if (len < 8 || len > 10_000) return this.destroy()
        if (this.buffer.length < len) return
        const message = this.buffer.subarray(0, len)
        this.buffer = this.buffer.subarray(len)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.write(Buffer.from('N'))
        else if (code === CANCEL_REQUEST) return this.destroy() // no backend to signal
        else if (code === PROTOCOL_3) {
          this.started = true
          this.scheduler.submit({ conn: this, messages: [Buffer.from(message)], startup: true })
        } else return this.destroy()
        continue
      }
      if (this.buffer.length < 5) return
      const len = 1 + this.buffer.readInt32BE(1)
      if (len < 5) return this.destroy()
      if (this.buffer.length < len) return
      const message = Buffer.from(this.buffer.subarray(0, len))
      this.buffer = this.buffer.subarray(len)
      const type = message[0]
      if (type === TERMINATE) return this.destroy()
      this.pending.push(message)
      if (UNIT_END.has(type)) {
        const messages = this.pending
        this.pending = []
        this.scheduler.submit({ conn: this, messages, startup: false })
      }
    }
  }
}

export interface EmbeddedServer {
  /** host:port the server listens on. */
  address: string
  stop(): Promise<void>
}

/** Serve one PGlite session to many node-postgres connections on `host` (port 0: any free port). */
export async function serveEmbedded(db: PGlite, host = '127.0.0.1', port = 0): Promise<EmbeddedServer> {
  await db.waitReady
  const scheduler = new Scheduler(db)
  const connections = new Set<Connection>()
  const server: Server = createServer((socket) => {
    connections.add(new Connection(socket, scheduler, (c) => connections.delete(c)))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const addr = server.address()
  if (!addr || typeof addr !== 'object') throw new Error('embedded server: no address')
  return {
    address: `${host}:${addr.port}`,
    async stop() {
      for (const c of connections) c.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
