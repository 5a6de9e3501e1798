// Sign-in cost: POST /api/auth/login through HTTP (argon2id verify + session insert + audit row)
// against the bare argon2id verify() of @node-rs/argon2 on the same stored hash, in this process.
// Budget (issue 3): login ≤ 300 ms p95 with OWASP's parameters (argon2id m=19 MiB, t=2, p=1).
// `npm run bench -- login` on an embedded database seeded `small` in a temporary directory, or on
// DATABASE_URL (a seeded database with the demo accounts) when it is set. Only successful sign-ins:
// the rate limiter counts failures only.
import { verify } from '@node-rs/argon2'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../api/server.ts'
import { BENCH_PASSWORD, fmt, percentile, serverTotalMs, signIn, table } from './lib.ts'

const USER = 'admin'

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now()
  const v = await fn()
  return [performance.now() - t0, v]
}

export async function benchLogin(databaseUrl: string | undefined, runs = 50, concurrency = 8, bursts = 5) {
  const dataDir = databaseUrl ? undefined : mkdtempSync(join(tmpdir(), 'gridpulse-bench-login-'))
  const t0 = performance.now()
  const server = await startServer(databaseUrl ? { databaseUrl, port: 0, seedScale: null, quiet: true } : { dataDir, port: 0, seedScale: 'small', quiet: true })
  const startS = (performance.now() - t0) / 1000
  try {
    const { rows } = await server.db.pool.query<{ password_hash: string }>('select password_hash from users where username = $1', [USER])
    if (!rows[0]) throw new Error(`no account "${USER}": seed the demo district (npm run db:seed -- --force) first`)
    const stored = rows[0].password_hash
    const params = /^\$(argon2\w+)\$v=\d+\$([^$]+)\$/.exec(stored)
    if (!(await verify(stored, BENCH_PASSWORD))) throw new Error(`the demo password does not match "${USER}" (set DEMO_PASSWORD)`)

    const login = async () => {
      const t = performance.now()
      const res = await fetch(new URL('api/auth/login', server.url), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: USER, password: BENCH_PASSWORD }),
      })
      await res.arrayBuffer()
      const wall = performance.now() - t
      if (res.status !== 200) throw new Error(`login: HTTP ${res.status}`)
      return { wall, server: serverTotalMs(res) }
    }
    const verifyOnce = async () => (await timed(() => verify(stored, BENCH_PASSWORD)))[0]

    // Warm-up (JIT, pool connections, the argon2 thread pool), then alternate rounds of HTTP and bare verify().
    await signIn(server.url, USER)
    for (let i = 0; i < 3; i++) {
      await login()
      await verifyOnce()
    }
    const seqWall: number[] = []
    const seqServer: number[] = []
    const seqVerify: number[] = []
    const rounds = 5
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < runs / rounds; i++) {
        const l = await login()
        seqWall.push(l.wall)
        seqServer.push(l.server)
      }
      for (let i = 0; i < runs / rounds; i++) seqVerify.push(await verifyOnce())
    }
    // Bursts of `concurrency` sign-ins at once (and, alternating, as many bare verify() calls at once).
    const parWall: number[] = []
    const parServer: number[] = []
    const parVerify: number[] = []
    const burstLogin: number[] = []
    const burstVerify: number[] = []
    for (let b = 0; b < bursts; b++) {
      const [wl, ls] = await timed(() => Promise.all(Array.from({ length: concurrency }, login)))
      burstLogin.push(wl)
      parWall.push(...ls.map((l) => l.wall))
      parServer.push(...ls.map((l) => l.server))
      const [wv, vs] = await timed(() => Promise.all(Array.from({ length: concurrency }, verifyOnce)))
      burstVerify.push(wv)
      parVerify.push(...vs)
    }

    const stat = (xs: number[]) => [xs.length, fmt(percentile(xs, 50)), fmt(percentile(xs, 95)), fmt(Math.max(...xs))]
    const budget = (xs: number[]) => (percentile(xs, 95) <= 300 ? 'yes' : 'NO')
    const engine = databaseUrl ? `PostgreSQL (${new URL(databaseUrl).pathname.slice(1)})` : `embedded PGlite, small demo (started in ${startS.toFixed(1)} s)`
    console.log(
      `\nSign-in as "${USER}" (${params ? `${params[1]} ${params[2]}` : 'unrecognised hash'}) on ${engine}; ${cpus().length} cores, ` +
        `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}; ms`,
    )
    table(['what', 'n', 'p50', 'p95', 'max', 'p95 ≤ 300 ms'], [
      ['POST /api/auth/login, sequential: client wall', ...stat(seqWall), budget(seqWall)],
      ['  same, server time (Server-Timing total)', ...stat(seqServer), budget(seqServer)],
      ['  baseline: verify() in-process, sequential', ...stat(seqVerify), budget(seqVerify)],
      [`POST /api/auth/login, ${concurrency} at once (${bursts} bursts): client wall`, ...stat(parWall), budget(parWall)],
      ['  same, server time (Server-Timing total)', ...stat(parServer), budget(parServer)],
      [`  baseline: ${concurrency} verify() at once in-process`, ...stat(parVerify), budget(parVerify)],
    ])
    console.log(
      [
        `sequential: login p50 − verify p50 = ${fmt(percentile(seqWall, 50) - percentile(seqVerify, 50))} ms (HTTP, user and session queries, audit row).`,
        `${concurrency} at once: a whole burst takes ${fmt(percentile(burstLogin, 50))} ms through HTTP vs ${fmt(percentile(burstVerify, 50))} ms for ${concurrency} bare verify() (median of ${bursts});`,
        `argon2 runs on libuv's thread pool (${process.env.UV_THREADPOOL_SIZE ?? 4} threads) over ${cpus().length} cores: ${concurrency} at once share the cores, so a burst costs about ` +
          `${concurrency} ÷ ${cpus().length} = ${(concurrency / cpus().length).toFixed(0)} single verify() times (${fmt((concurrency / cpus().length) * percentile(seqVerify, 50))} ms) plus the queries.`,
      ].join('\n'),
    )
  } finally {
    await server.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}
