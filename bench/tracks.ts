// Track ingest and playback (issue 5) on a real PostgreSQL, against the database's own bulk load of
// the same points in the same run.
//
//   createdb gp_tracks && DATABASE_URL=…/gp_tracks npx tsx db/cli.ts seed --scale district --force
//   DATABASE_URL=…/gp_tracks npm run bench -- tracks [--points=200000] [--clients=4]
//
// The server runs in this process (migrating first, like `npm start`); the clients are HTTP
// clients in the same process. Ingest: synthetic walks of 500 grid members on a bench day (one
// 100-minute session each, a fix every 15 s, ~1.3 m/s), POSTed as batches of 500 by `clients`
// concurrent clients signed in as the admin, in two orders: per person (a phone uploading its
// buffer) and by time across everybody (a gateway forwarding fixes as they come). Baselines, on the
// same points moved to other days: COPY FROM STDIN (pg-copy-streams, the owner, no checks) and the
// API's own insert statement (`insert … select from unnest … on conflict do nothing`, batches of 500,
// the same concurrency, as the owner: no session, no RLS, no checks). Playback: the busiest grid-day
// of the seeded tracks, and the bench day (500 tracks) for the whole district; server time from
// Server-Timing, bytes on the wire (gzip, as a browser asks), against the same SQL run as the owner.
// The bench days are deleted at the end. Timing figures are noisy: the machine is shared.
import { writeFileSync, mkdirSync } from 'node:fs'
import http from 'node:http'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { PgDialect } from 'drizzle-orm/pg-core'
import { startServer } from '../api/server.ts'
import { localDay, playbackSql, sessionsSql, trackReadSettings } from '../api/tracks/queries.ts'
import { fmt, percentile, signIn, table } from './lib.ts'

const DAY = 86_400_000
const dialect = new PgDialect()

interface Fix {
  person: number
  t: number
  lon: number
  lat: number
  accuracy: number
}

/** One session per person: a figure-eight of ~200 m around the person's grid, from 08:00–09:40 local, staggered. */
function walks(people: { id: number; x: number; y: number }[], dayStart: number, perPerson: number): Fix[] {
  const out: Fix[] = []
  const mPerDegLat = 111_195
  people.forEach((p, k) => {
    const t0 = dayStart + 8 * 3_600_000 + (k % 60) * 60_000
    const mPerDegLon = mPerDegLat * Math.cos((p.y * Math.PI) / 180)
    let seed = p.id * 2654435761
    // GPS noise of a few metres (deterministic), so the positions compress as real ones do.
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return (seed / 2147483648 - 0.5) * 8
    }
    for (let i = 0; i < perPerson; i++) {
      const s = i * 15
      const w = (2 * Math.PI * s) / 1500 // ~1,900 m per lap of 1,500 s: ~1.3 m/s
      out.push({
        person: p.id,
        t: t0 + s * 1000,
        lon: p.x + (200 * Math.sin(w) + noise()) / mPerDegLon,
        lat: p.y + (120 * Math.sin(2 * w) + noise()) / mPerDegLat,
        accuracy: 5,
      })
    }
  })
  return out
}

const iso = (ms: number) => new Date(ms).toISOString()

/** POST JSON; resolves with the status and parsed body. */
function postJson(url: string, cookie: string, body: unknown, agent: http.Agent): Promise<{ status: number; body: any }> {
  const data = Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { Cookie: cookie, 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(data)
  })
}

function getRaw(url: string, cookie: string, agent: http.Agent): Promise<{ status: number; wire: number; serverMs: number; ms: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    http
      .get(url, { agent, headers: { Cookie: cookie, 'Accept-Encoding': 'gzip' } }, (res) => {
        let wire = 0
        res.on('data', (c: Buffer) => (wire += c.length))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            wire,
            ms: performance.now() - t0,
            serverMs: Number(/dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''))?.[1]),
            headers: res.headers,
          }),
        )
        res.on('error', reject)
      })
      .on('error', reject)
  })
}

/** Run `jobs` with `clients` workers; returns wall-clock ms. */
async function concurrently<T>(jobs: T[], clients: number, run: (job: T) => Promise<void>): Promise<number> {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < jobs.length) await run(jobs[next++])
    }),
  )
  return performance.now() - t0
}

const chunk = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n))
const shift = (fixes: Fix[], ms: number) => fixes.map((f) => ({ ...f, t: f.t + ms }))

export async function benchTracks(databaseUrl: string, opts: { points?: number; clients?: number } = {}) {
  const clients = opts.clients ?? 4
  const perPerson = 400
  const nPeople = Math.ceil((opts.points ?? 200_000) / perPerson)
  const server = await startServer({ databaseUrl, port: 0, seedScale: null, quiet: true })
  const owner = new pg.Pool({ connectionString: databaseUrl, max: clients + 1 })
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients })
  // Bench days: four consecutive local days without seeded fixes, from 20 days back (inside the
  // partitions made ahead; the `large` seed covers months), so the bench deletes only its own rows.
  const today = Math.floor((Date.now() + 8 * 3_600_000) / DAY) * DAY - 8 * 3_600_000
  let back = 20
  for (;;) {
    const lo = today - (back + 3) * DAY
    const busy = (await owner.query(`select exists (select 1 from track_points where t >= $1 and t < $2) as busy`, [iso(lo), iso(lo + 4 * DAY)])).rows[0].busy
    if (!busy) break
    back += 4
    if (back > 320) throw new Error('no four free days in the last 320 days for the bench: use a database whose tracks may be deleted')
  }
  const days = [back, back + 1, back + 2, back + 3].map((d) => today - d * DAY)
  const clear = () => owner.query(`delete from track_points where t >= $1 and t < $2`, [iso(days[3]), iso(days[0] + DAY)])
  try {
    const admin = await signIn(server.url, 'admin')
    const people = (
      await owner.query<{ id: number; x: number; y: number }>(
        `select distinct on (p.id) p.id, ST_X(ST_PointOnSurface(a.geom)) x, ST_Y(ST_PointOnSurface(a.geom)) y
         from people p join person_areas pa on pa.person_id = p.id join areas a on a.id = pa.area_id
         where p.role = 'grid_member' and a.level = 'grid'
           -- walks of ±200 m stay inside the district
           and not exists (select 1 from areas d where d.level = 'district' and ST_DWithin(ST_Boundary(d.geom)::geography, ST_PointOnSurface(a.geom)::geography, 300))
         order by p.id limit $1`,
        [nPeople],
      )
    ).rows
    const fixes = walks(people, days[0], perPerson)
    const n = fixes.length
    console.log(`\ntracks: ${n.toLocaleString('en')} fixes of ${people.length} people per run; ${clients} clients, batches of 500 (server in this process; shared 2-core machine)`)

    const ingestRows: (string | number)[][] = []
    const reasons = new Map<string, number>()
    const viaApi = async (label: string, batches: Fix[][]) => {
      let accepted = 0
      let duplicates = 0
      let rejected = 0
      const ms = await concurrently(batches, clients, async (b) => {
        const r = await postJson(new URL('api/tracks/points', server.url).toString(), admin.cookie, {
          points: b.map((f) => ({ person: f.person, t: iso(f.t), lon: f.lon, lat: f.lat, accuracy: f.accuracy })),
        }, agent)
        if (r.status !== 200) throw new Error(`POST /api/tracks/points: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`)
        accepted += r.body.accepted
        duplicates += r.body.duplicates
        rejected += r.body.rejected.length
        for (const x of r.body.rejected) reasons.set(x.reason.replace(/[\d.]+/g, '#'), (reasons.get(x.reason.replace(/[\d.]+/g, '#')) ?? 0) + 1)
      })
      ingestRows.push([label, n, `${accepted} / ${duplicates} / ${rejected}`, (ms / 1000).toFixed(1), Math.round((n / ms) * 1000).toLocaleString('en')])
    }
    // 1. Phone-like: each batch holds consecutive fixes of one or two people.
    await viaApi('API, batches per person (phones)', chunk(fixes, 500))
    // The same batches again: everything a duplicate (a phone re-sending after a lost answer).
    await viaApi('API, the same batches again (all duplicates)', chunk(fixes, 500))
    // 2. Gateway-like: each batch holds the fixes of the same minutes across everybody.
    const mixed = shift(fixes, days[1] - days[0]).sort((a, b) => a.t - b.t || a.person - b.person)
    await viaApi('API, batches by time across people (gateway)', chunk(mixed, 500))

    // Baseline A: COPY FROM STDIN of the same points (day 3), as the owner.
    const copyDay = shift(fixes, days[2] - days[0])
    {
      const client = await owner.connect()
      const t0 = performance.now()
      const lines = (function* () {
        let buf = ''
        for (const f of copyDay) {
          buf += `${f.person}\t${iso(f.t)}\tSRID=4326;POINT(${f.lon} ${f.lat})\t${f.accuracy}\n`
          if (buf.length > 1 << 20) {
            yield buf
            buf = ''
          }
        }
        if (buf) yield buf
      })()
      await pipeline(Readable.from(lines), client.query(copyFrom('copy track_points (person_id, t, geom, accuracy) from stdin')))
      const ms = performance.now() - t0
      client.release()
      ingestRows.push(['COPY FROM STDIN, one stream, owner (baseline)', n, `${n} / 0 / 0`, (ms / 1000).toFixed(1), Math.round((n / ms) * 1000).toLocaleString('en')])
    }
    // Baseline B: the API's insert statement alone, batches of 500, same concurrency, as the owner (day 4).
    {
      const rows = shift(fixes, days[3] - days[0])
      let stored = 0
      const ms = await concurrently(chunk(rows, 500), clients, async (b) => {
        const r = await owner.query(
          `insert into track_points (person_id, t, geom, accuracy)
           select p, t, ST_SetSRID(ST_MakePoint(x, y), 4326), a
           from unnest($1::int[], $2::timestamptz[], $3::float8[], $4::float8[], $5::real[]) as u(p, t, x, y, a)
           on conflict do nothing`,
          [b.map((f) => f.person), b.map((f) => iso(f.t)), b.map((f) => f.lon), b.map((f) => f.lat), b.map((f) => f.accuracy)],
        )
        stored += r.rowCount ?? 0
      })
      ingestRows.push(['insert … unnest … on conflict, owner, no checks (baseline)', n, `${stored} / ${n - stored} / 0`, (ms / 1000).toFixed(1), Math.round((n / ms) * 1000).toLocaleString('en')])
    }
    table(['ingest', 'fixes', 'accepted / duplicates / rejected', 's', 'fixes/s'], ingestRows)
    if (reasons.size) console.log('rejected:', [...reasons].map(([r, k]) => `${k}× ${r}`).join('; '))

    // Playback and sessions.
    const dayOf = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
    const busiest = (
      await owner.query<{ grid: number; day: string; n: number }>(
        `select pa.area_id grid, to_char(tp.t at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day, count(*)::int n
         from track_points tp join person_areas pa on pa.person_id = tp.person_id join areas a on a.id = pa.area_id and a.level = 'grid'
         where tp.t < $1 or tp.t >= $2
         group by 1, 2 order by 3 desc limit 1`,
        [iso(days[3]), iso(days[0] + DAY)],
      )
    ).rows[0]
    const district = (await owner.query<{ id: number }>(`select id from areas where level = 'district' limit 1`)).rows[0].id
    const street = (await owner.query<{ id: number }>(`select street_id as id from areas where id = $1`, [busiest.grid])).rows[0].id
    const reads: [string, string, { grid: number; day: string }][] = [
      [`playback, busiest seeded grid-day (grid ${busiest.grid}, ${busiest.day})`, 'playback', busiest],
      [`playback, that day, its street ${street}`, 'playback', { grid: street, day: busiest.day }],
      [`playback, bench day, district (${people.length} tracks)`, 'playback', { grid: district, day: dayOf(days[0]) }],
      [`sessions, busiest seeded grid-day`, 'sessions', busiest],
      [`sessions, bench day, district (${people.length} sessions)`, 'sessions', { grid: district, day: dayOf(days[0]) }],
    ]
    const readRows: (string | number)[][] = []
    for (const [label, what, q] of reads) {
      const url = new URL(`api/tracks/${what}?grid=${q.grid}&day=${q.day}`, server.url).toString()
      const server_: number[] = []
      let last: Awaited<ReturnType<typeof getRaw>> | undefined
      for (let i = 0; i < 11; i++) {
        last = await getRaw(url, admin.cookie, agent)
        if (last.status !== 200) throw new Error(`${url}: HTTP ${last.status}`)
        if (i > 0) server_.push(last.serverMs)
      }
      // The same SQL as the owner (no session, no RLS, no packing/compression in Node).
      const persons = (await owner.query<{ ids: number[] }>(
        `select array(select distinct pa.person_id from person_areas pa join areas a on a.id = pa.area_id where a.path @> array[$1]::int[] order by 1) ids`,
        [q.grid],
      )).rows[0].ids
      const { start, end } = localDay(q.day)
      const stmt = dialect.sqlToQuery(what === 'playback' ? playbackSql(persons, start, end) : sessionsSql(persons, start, end))
      const base: number[] = []
      const settings = dialect.sqlToQuery(trackReadSettings)
      const c = await owner.connect()
      for (let i = 0; i < 6; i++) {
        await c.query('begin')
        await c.query(settings.sql, settings.params) // the API's planner settings, as it sets them
        const t0 = performance.now()
        await c.query(stmt.sql, stmt.params)
        if (i > 0) base.push(performance.now() - t0)
        await c.query('rollback')
      }
      c.release()
      const tracks = last!.headers['x-count'] ?? '–'
      const points = last!.headers['x-points'] ?? '–'
      readRows.push([label, `${tracks} / ${points}`, fmt(percentile(server_, 50)), fmt(percentile(server_, 95)), fmt(percentile(base, 50)), (last!.wire / 1024).toFixed(0)])
    }
    table(['read (admin, 10 requests each)', 'tracks / fixes', 'server p50 ms', 'server p95 ms', 'same SQL, owner, p50 ms', 'KiB on the wire (gzip)'], readRows)

    // EXPLAIN (ANALYZE, BUFFERS) as the app role with an admin's scope, into bench/results/.
    mkdirSync('bench/results', { recursive: true })
    const explain = async (name: string, grid: number, day: string, build: typeof playbackSql) => {
      const persons = (await owner.query<{ ids: number[] }>(
        `select array(select distinct pa.person_id from person_areas pa join areas a on a.id = pa.area_id where a.path @> array[$1]::int[] order by 1) ids`,
        [grid],
      )).rows[0].ids
      const { start, end } = localDay(day)
      const stmt = dialect.sqlToQuery(build(persons, start, end))
      const client = await owner.connect()
      try {
        await client.query('begin')
        await client.query(`select app_set_scope('admin', null, array[$1]::int[])`, [district])
        await client.query(dialect.sqlToQuery(trackReadSettings).sql)
        await client.query('set local role gridpulse_app')
        const plan = (await client.query(`explain (analyze, buffers) ${stmt.sql}`, stmt.params)).rows.map((r) => r['QUERY PLAN']).join('\n')
        await client.query('rollback')
        writeFileSync(`bench/results/tracks-${name}.txt`, plan + '\n')
        console.log(`EXPLAIN ${name}: ${plan.split('\n').filter((l) => /Execution Time|Planning Time/.test(l)).map((l) => l.trim()).join(', ')} (bench/results/tracks-${name}.txt)`)
      } finally {
        client.release()
      }
    }
    await explain('playback-bench-day', district, dayOf(days[0]), playbackSql)
    await explain('sessions-bench-day', district, dayOf(days[0]), sessionsSql)
    await explain('playback-busiest', busiest.grid, busiest.day, playbackSql)
    await explain('sessions-busiest', busiest.grid, busiest.day, sessionsSql)
    const total = (await owner.query(`select count(*)::int n from track_points`)).rows[0].n
    console.log(`track_points holds ${total.toLocaleString('en')} rows (bench days included)`)
  } finally {
    await clear()
    agent.destroy()
    await owner.end()
    await server.close()
  }
}
