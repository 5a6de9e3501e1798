// Cost of the area scope (row-level security) per request, through HTTP on real PostGIS: the same
// server and requests with the policies on (as deployed) and off (`ALTER TABLE … DISABLE ROW LEVEL
// SECURITY` on every scoped table). Budget (issue 3): overhead ≤ 15 % at p50.
//
// !! This benchmark ALTERs the tables of DATABASE_URL. Run it on a bench database only, e.g.
//   createdb gp_bench && DATABASE_URL=…/gp_bench npm run db:seed -- --scale district --force
//   DATABASE_URL=…/gp_bench npm run bench -- scope [--runs=100]
// RLS is re-enabled (and FORCEd) in a finally block and on SIGINT/SIGTERM; a run that finds it off
// (an earlier run killed hard) turns it back on before measuring.
//
// "Off" keeps everything else of a request: the session lookup, BEGIN; SET LOCAL ROLE gridpulse_app
// and the app.* settings, the audit record of incident reads, COMMIT. Only the policies stop applying.
import pg from 'pg'
import { startServer } from '../api/server.ts'
import { fmt, percentile, serverTotalMs, signIn, table, type SignedIn } from './lib.ts'

/** Every table with policies (db/migrations/0002_scope.sql, 0005_audit.sql). */
const SCOPED_TABLES = ['areas', 'buildings', 'people', 'person_areas', 'stations', 'incidents', 'patrol_tasks', 'track_points', 'audit_log']

/** Demo accounts measured, with the level of the area they are scoped to. */
const ACCOUNTS = [
  { username: 'commander', scope: 'street' },
  { username: 'leader', scope: 'grid' },
  { username: 'admin', scope: 'district' },
] as const

type Side = 'on' | 'off'

interface Kind {
  account: (typeof ACCOUNTS)[number]
  path: string
  label: string
  /** Area-filtered incident list: the same rows on both sides. */
  filtered: boolean
}

interface Samples {
  server: number[]
  wall: number[]
  /** Distinct row counts seen (features), and how many rows lay outside the user's scope. */
  rows: Set<number>
  foreign: Set<number>
}

async function setRls(owner: pg.Client, on: boolean): Promise<void> {
  // One simple-protocol string = one implicit transaction: all tables switch, or none.
  const stmts = SCOPED_TABLES.map((t) =>
    on ? `alter table ${t} enable row level security; alter table ${t} force row level security` : `alter table ${t} disable row level security`,
  )
  await owner.query(stmts.join('; '))
}

async function rlsOffTables(owner: pg.Client): Promise<string[]> {
  const { rows } = await owner.query<{ relname: string }>(
    `select relname from pg_class where relnamespace = 'public'::regnamespace and relname = any($1)
       and not (relrowsecurity and relforcerowsecurity)`,
    [SCOPED_TABLES],
  )
  return rows.map((r) => r.relname)
}

/** Incidents of the answer outside the user's scope (their four area ids miss every scope id). */
function outsideScope(body: { features?: { properties?: Record<string, unknown> }[] }, user: SignedIn['user'], incidents: boolean): number {
  if (!incidents || user.role === 'admin') return 0
  return (body.features ?? []).filter((f) => {
    const p = f.properties ?? {}
    return ![p.street_id, p.community_id, p.grid_id, p.micro_grid_id].some((id) => user.areas.includes(id as number))
  }).length
}

export async function benchScope(databaseUrl: string, runs = 100) {
  const dbName = new URL(databaseUrl).pathname.slice(1) || '(default)'
  const bar = '!'.repeat(100)
  console.log(`\n${bar}\n!! scope bench: DISABLES and re-enables ROW LEVEL SECURITY on ${SCOPED_TABLES.length} tables of database "${dbName}".`)
  console.log(`!! Run it on a bench database only: while it runs, every signed-in user of that database sees every row.\n${bar}`)

  const owner = new pg.Client({ connectionString: databaseUrl })
  await owner.connect()
  await owner.query(`set lock_timeout = '15s'`)
  const leftOff = await rlsOffTables(owner)
  if (leftOff.length) {
    console.log(`!! found RLS off (or not forced) on ${leftOff.join(', ')}: an earlier run was killed? Enabling and forcing it now.`)
    await setRls(owner, true)
  }
  let restored = false
  const restore = async () => {
    if (restored) return
    await setRls(owner, true)
    restored = true
    const still = await rlsOffTables(owner)
    if (still.length) console.log(`!! RLS STILL OFF on ${still.join(', ')}: run \`alter table … enable/force row level security\` by hand`)
    else console.log(`RLS re-enabled and forced on all ${SCOPED_TABLES.length} scoped tables of "${dbName}".`)
  }
  const onSignal = (sig: NodeJS.Signals) => {
    void restore().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  const server = await startServer({ databaseUrl, port: 0, seedScale: null, quiet: true })
  try {
    const sessions = new Map<string, SignedIn>()
    for (const a of ACCOUNTS) sessions.set(a.username, await signIn(server.url, a.username))
    const kinds: Kind[] = []
    for (const account of ACCOUNTS) {
      const own = sessions.get(account.username)!.user.areas[0]
      kinds.push(
        { account, path: 'api/me', label: 'GET /api/me (floor: no scoped query)', filtered: false },
        { account, path: 'api/incidents?limit=100', label: 'GET /api/incidents?limit=100', filtered: false },
        { account, path: `api/incidents?limit=100&area=${own}`, label: `GET /api/incidents?limit=100&area=${own} (own ${account.scope})`, filtered: true },
        { account, path: 'api/areas?level=grid', label: 'GET /api/areas?level=grid', filtered: false },
        { account, path: 'api/areas?level=micro_grid', label: 'GET /api/areas?level=micro_grid', filtered: false },
      )
    }
    const samples = new Map<Kind, Record<Side, Samples>>()
    for (const k of kinds) {
      const empty = (): Samples => ({ server: [], wall: [], rows: new Set(), foreign: new Set() })
      samples.set(k, { on: empty(), off: empty() })
    }

    // Alternate on/off in an ABBA order (on off | off on | on off …) so drift and noise hit both sides.
    const rounds = 10
    const per = Math.ceil(runs / rounds)
    const order: Side[] = []
    for (let r = 0; r < rounds; r++) order.push(...((r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as Side[]))
    let state: Side = 'on'
    const t0 = performance.now()
    for (const side of order) {
      if (side !== state) {
        await setRls(owner, side === 'on')
        state = side
      }
      for (const k of kinds) {
        const s = samples.get(k)![side]
        const session = sessions.get(k.account.username)!
        const url = new URL(k.path, server.url)
        for (let i = 0; i < per + 2; i++) {
          const t = performance.now()
          const res = await fetch(url, { headers: { Cookie: session.cookie, 'Accept-Encoding': 'identity' } })
          const body = await res.arrayBuffer()
          const wall = performance.now() - t
          if (res.status !== 200) throw new Error(`${k.path} as ${k.account.username} (RLS ${side}): HTTP ${res.status} ${Buffer.from(body).toString().slice(0, 200)}`)
          if (i < 2) continue // warm-up of this round (plans, caches after the ALTER)
          s.wall.push(wall)
          s.server.push(serverTotalMs(res))
          if (i === 2 && k.path !== 'api/me') {
            const json = JSON.parse(Buffer.from(body).toString('utf8'))
            s.rows.add(json.features.length)
            s.foreign.add(outsideScope(json, session.user, k.path.startsWith('api/incidents')))
          }
        }
      }
    }
    const totalS = (performance.now() - t0) / 1000
    await restore()

    const show = (set: Set<number>) => [...set].sort((a, b) => a - b).join('/')
    const rows: (string | number)[][] = []
    for (const k of kinds) {
      const { on, off } = samples.get(k)!
      const [son, soff] = [percentile(on.server, 50), percentile(off.server, 50)]
      const ratio = son / soff
      const isMe = k.path === 'api/me'
      const foreignOff = show(off.foreign)
      const same = isMe || (show(on.rows) === show(off.rows) && foreignOff === '0')
      if (!isMe && show(on.foreign) !== '0') console.log(`!! ${k.account.username} ${k.label}: ${show(on.foreign)} rows OUTSIDE the scope with RLS on`)
      rows.push([
        k.account.username,
        k.label,
        isMe ? '–' : show(on.rows),
        isMe ? '–' : show(off.rows) + (foreignOff !== '0' && foreignOff !== '' ? ` (${foreignOff} out of scope)` : ''),
        same ? 'yes' : 'NO',
        fmt(son),
        fmt(soff),
        (son - soff >= 0 ? '+' : '') + (son - soff).toFixed(1),
        ratio.toFixed(2),
        isMe ? 'n/a: no RLS' : !same ? 'n/a: other rows' : ratio <= 1.15 ? 'yes' : 'NO',
        fmt(percentile(on.server, 95)),
        fmt(percentile(off.server, 95)),
        fmt(percentile(on.wall, 50)),
        fmt(percentile(off.wall, 50)),
        fmt(percentile(on.wall, 95)),
        fmt(percentile(off.wall, 95)),
      ])
    }
    console.log(
      `\nRow-level security on vs off, per request through HTTP (database "${dbName}"; ${rounds * per} measured requests per cell and side, ` +
        `${rounds} alternating rounds of ${per} after 2 warm-ups; ${totalS.toFixed(0)} s; ms)`,
    )
    table(
      ['user', 'request', 'rows on', 'rows off', 'same rows', 'server p50 on', 'server p50 off', 'p50 on−off', 'p50 on÷off', '≤ 1.15', 'server p95 on', 'server p95 off', 'client p50 on', 'client p50 off', 'client p95 on', 'client p95 off'],
      rows,
    )
    const fair = kinds.filter((k) => k.filtered || k.account.username === 'admin').filter((k) => k.path !== 'api/me')
    const worst = fair
      .map((k) => ({ k, r: percentile(samples.get(k)!.on.server, 50) / percentile(samples.get(k)!.off.server, 50) }))
      .sort((a, b) => b.r - a.r)[0]
    console.log(
      [
        'server = Server-Timing `total` (session lookup, scoped transaction, query, JSON); client = fetch wall time incl. body.',
        'RLS off = the same requests after ALTER TABLE … DISABLE ROW LEVEL SECURITY; SET ROLE and the scope settings still run.',
        'rows = features in the answer. With RLS off the commander and leader see every street, so their unfiltered lists return',
        "other streets' rows (out of scope) and their area lists many more areas: those rows are NOT a like-for-like comparison.",
        'The fair comparison is the area-filtered incident list (?area=own area: the same rows on both sides) and admin (whole',
        `district either way). Worst of those: ${worst.k.account.username} ${worst.k.label} at ${worst.r.toFixed(2)}× (budget ≤ 1.15).`,
        'GET /api/me runs no scoped query (session lookup as the owner + middleware only): the per-request floor; RLS cannot touch it,',
        'so its on÷off shows the noise of a sub-millisecond figure.',
      ].join('\n'),
    )
  } finally {
    try {
      await restore()
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await server.close()
      await owner.end()
    }
  }
}
