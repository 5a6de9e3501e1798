import type pg from 'pg'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { from as copyFrom } from 'pg-copy-streams'
import { generateDistrict } from '../geo-data/generate/index.ts'
import type { DemoDistrict, LonLat, Scale } from '../geo-data/generate/types.ts'
import type { DbKind } from './client.ts'
import { withTransaction } from './transaction.ts'
import { createDemoAccounts, DEMO_PASSWORD } from '../api/auth/service.ts'

export interface SeedReport {
  scale: Scale
  rows: Record<string, number>
  generateMs: number
  loadMs: number
}

type Row = (string | number | null)[]

const ring = (r: LonLat[]) => '(' + r.map(([x, y]) => `${x.toFixed(7)} ${y.toFixed(7)}`).join(',') + ')'
const multiPolygon = (r: LonLat[]) => `SRID=4326;MULTIPOLYGON((${ring(r)}))`
const polygon = (r: LonLat[]) => `SRID=4326;POLYGON(${ring(r)})`
const lineString = (l: LonLat[]) => `SRID=4326;LINESTRING${ring(l)}`
const point = (x: number, y: number) => `SRID=4326;POINT(${x.toFixed(7)} ${y.toFixed(7)})`

/** True when the database holds no areas yet (a fresh install). */
export async function isEmpty(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query('select not exists (select 1 from areas) as empty')
  return rows[0].empty
}

/**
 * Load the generated demo district in one transaction: all of it or nothing.
 * Areas of buildings, stations and incidents are assigned by the database triggers from location.
 */
export async function seedDemo(
  pool: pg.Pool,
  kind: DbKind,
  opts: {
    scale: Scale
    seed?: number
    end?: Date
    log?: (msg: string) => void
    /** Also create the demo accounts (password DEMO_PASSWORD, default `gridpulse-demo`; README "Accounts"). */
    demoAccounts?: boolean | { password?: string }
  },
): Promise<SeedReport> {
  const log = opts.log ?? (() => {})
  const t0 = performance.now()
  const end = opts.end ?? startOfUtcDay(new Date())
  const d = generateDistrict({ scale: opts.scale, seed: opts.seed, end })
  const generateMs = performance.now() - t0
  log(`generated ${opts.scale} district in ${Math.round(generateMs)} ms`)
  const rows: Record<string, number> = {}
  const t1 = performance.now()
  await withTransaction(pool, async (client) => {
    const load = async (table: string, columns: string[], data: Iterable<Row>) => {
      const t = performance.now()
      rows[table] = await bulkInsert(client, kind, table, columns, data)
      log(`  ${table}: ${rows[table]} rows in ${Math.round(performance.now() - t)} ms`)
    }
    // Rows placed by location: staged bare, then given their micro-grid (and the levels above, from
    // its path) by one set-based spatial join, with the table's secondary indexes built afterwards.
    const loadLocated = async (table: 'buildings' | 'stations' | 'incidents', columns: string[], data: Iterable<Row>) => {
      const t = performance.now()
      const stage = `stage_${table}`
      await client.query(`create temp table ${stage} on commit drop as select ${columns.join(', ')} from ${table} with no data`)
      const n = await bulkInsert(client, kind, stage, columns, data)
      const probe = table === 'buildings' ? 'ST_PointOnSurface(s.geom)' : 's.geom'
      const cols = columns.map((c) => `s.${c}`).join(', ')
      // Polygon-driven: each micro-grid probes an index of the staged points (with its prepared
      // geometry cached), about 4x faster than one index descent per point on 1M incidents.
      await client.query(`create index on ${stage} using gist ((${probe.replace('s.', '')}))`)
      await client.query(`analyze ${stage}`)
      await withoutSecondaryIndexes(client, table, async () => {
        const res = await client.query(`
          insert into ${table} (${columns.join(', ')}, micro_grid_id, grid_id, community_id, street_id)
          select distinct on (s.id) ${cols}, m.id, m.path[4], m.path[3], m.path[2]
          from areas m join ${stage} s on m.geom && ${probe} and ST_Intersects(m.geom, ${probe})
          where m.level = 'micro_grid'
          order by s.id, m.id`)
        if (res.rowCount !== n) throw new Error(`${table}: ${n - (res.rowCount ?? 0)} generated rows fall outside every micro-grid`)
      })
      rows[table] = n
      log(`  ${table}: ${n} rows in ${Math.round(performance.now() - t)} ms`)
    }
    // The rows checked above come from the area hierarchy itself: skip per-row FK checks and
    // triggers while loading (superuser only; elsewhere the triggers just run and agree).
    await client.query('savepoint replica')
    await client
      .query(`select set_config('session_replication_role', 'replica', true)`)
      .then(() => client.query('release savepoint replica'))
      .catch(() => client.query('rollback to savepoint replica'))
    await load('areas', ['id', 'parent_id', 'level', 'code', 'name', 'geom', 'path', 'street_id'], areaRows(d))
    await load('roads', ['id', 'kind', 'name', 'geom'], d.roads.map((r) => [r.id, r.kind, r.name, lineString(r.line)]))
    await loadLocated(
      'buildings',
      ['id', 'compound', 'name', 'geom', 'floors', 'households', 'population'],
      d.buildings.map((b) => [b.id, b.compound, b.name, polygon(b.ring), b.floors, b.households, b.population]),
    )
    await client.query('select refresh_area_totals()')
    // Areas were loaded with triggers off (as superuser): the boundary history starts here (0026).
    await client.query('select record_missing_area_versions()')
    await load('people', ['id', 'name', 'role', 'phone'], d.people.map((p) => [p.id, p.name, p.role, p.phone]))
    await load('person_areas', ['person_id', 'area_id'], d.people.flatMap((p) => p.areaIds.map((a) => [p.id, a])))
    await loadLocated(
      'stations',
      ['id', 'type', 'name', 'geom', 'service_radius_m', 'opened_on'],
      d.stations.map((s) => [s.id, s.type, s.name, point(s.lon, s.lat), s.serviceRadiusM, s.openedOn]),
    )
    await loadLocated(
      'incidents',
      ['id', 'type', 'status', 'source', 'geom', 'reported_at', 'closed_at', 'description'],
      d.incidents.map((i) => [i.id, i.type, i.status, i.source, point(i.lon, i.lat), i.reportedAt, i.closedAt, i.description]),
    )
    // A task's street and community are its grid's, read from the area hierarchy. The lead member is
    // the task's person_id and its only member; the generated checkpoints keep their order
    // (0021_patrols.sql; the lead-is-a-member key is checked at commit).
    await load(
      'patrol_tasks',
      ['id', 'street_id', 'community_id', 'grid_id', 'person_id', 'day', 'shift', 'status'],
      d.patrolTasks.map((p) => [p.id, streetOf(d, p.gridId), d.areas[p.gridId - 1].parentId, p.gridId, p.personId, p.day, p.shift, p.status]),
    )
    await load(
      'patrol_task_members',
      ['task_id', 'street_id', 'community_id', 'grid_id', 'person_id'],
      d.patrolTasks.map((p) => [p.id, streetOf(d, p.gridId), d.areas[p.gridId - 1].parentId, p.gridId, p.personId]),
    )
    await load(
      'patrol_checkpoints',
      ['task_id', 'street_id', 'community_id', 'grid_id', 'seq', 'kind', 'reason', 'geom'],
      d.patrolTasks.flatMap((p) =>
        p.checkpoints.map(([x, y], seq) => [p.id, streetOf(d, p.gridId), d.areas[p.gridId - 1].parentId, p.gridId, seq, 'manual', 'demo: a building in a busy cell', point(x, y)]),
      ),
    )
    if (d.tracks.length > 0) {
      const { t } = d.tracks
      let lo = Infinity
      let hi = -Infinity
      for (let i = 0; i < t.length; i++) {
        if (t[i] < lo) lo = t[i]
        if (t[i] > hi) hi = t[i]
      }
      await client.query('select ensure_track_partitions($1, $2)', [new Date(lo), new Date(hi)])
    }
    await withoutSecondaryIndexes(client, 'track_points', () =>
      load('track_points', ['person_id', 't', 'geom', 'accuracy'], trackRows(d)),
    )
    for (const table of ['areas', 'roads', 'buildings', 'people', 'stations', 'incidents', 'patrol_tasks']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), greatest(1, (select coalesce(max(id), 0) from ${table})))`)
    }
  })
  // Statistics for the planner, and the visibility map that lets the density query read incidents
  // from its covering index alone (freshly loaded pages are not yet marked all-visible).
  await pool.query('vacuum (analyze) incidents')
  await pool.query('analyze')
  const loadMs = performance.now() - t1
  log(`loaded in ${Math.round(loadMs)} ms`)
  if (opts.demoAccounts) {
    const password = (typeof opts.demoAccounts === 'object' && opts.demoAccounts.password) || DEMO_PASSWORD
    const made = await createDemoAccounts(pool, password)
    if (made.length) log(`demo accounts: ${made.join(', ')} (password ${password === DEMO_PASSWORD ? DEMO_PASSWORD : 'from DEMO_PASSWORD'})`)
  }
  return { scale: opts.scale, rows, generateMs, loadMs }
}

/** Drop a table's secondary indexes, run `fn`, and build them again: much faster for a bulk load. */
async function withoutSecondaryIndexes(client: pg.PoolClient, table: string, fn: () => Promise<unknown>) {
  const { rows } = await client.query<{ name: string; def: string }>(
    `select c.relname as name, pg_get_indexdef(i.indexrelid) as def
     from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = $1::regclass and not i.indisprimary and not i.indisunique`,
    [table],
  )
  for (const r of rows) await client.query(`drop index ${r.name}`)
  await fn()
  // A partitioned table's index is reported `ON ONLY`; recreate it on every partition.
  for (const r of rows) await client.query(r.def.replace(' ON ONLY ', ' ON '))
}

function streetOf(d: DemoDistrict, areaId: number): number {
  let a = d.areas[areaId - 1]
  while (a.level !== 'street') a = d.areas[a.parentId! - 1]
  return a.id
}

function* areaRows(d: DemoDistrict): Iterable<Row> {
  const byId = new Map(d.areas.map((a) => [a.id, a]))
  const pathOf = (id: number): number[] => {
    const a = byId.get(id)!
    return a.parentId === null ? [a.id] : [...pathOf(a.parentId), a.id]
  }
  for (const a of d.areas) {
    const path = pathOf(a.id)
    yield [a.id, a.parentId, a.level, a.code, a.name, multiPolygon(a.ring), `{${path.join(',')}}`, path[1] ?? null]
  }
}

function* trackRows(d: DemoDistrict): Iterable<Row> {
  const { personId, t, lon, lat, accuracy } = d.tracks
  for (let i = 0; i < d.tracks.length; i++) {
    yield [personId[i], new Date(t[i]).toISOString(), point(lon[i], lat[i]), Math.round(accuracy[i] * 10) / 10]
  }
}

/**
 * Insert rows fast: COPY on PostgreSQL; on the embedded engine (no COPY over its socket),
 * batches through json_populate_recordset, one statement per few thousand rows.
 */
export async function bulkInsert(client: pg.PoolClient, kind: DbKind, table: string, columns: string[], data: Iterable<Row>): Promise<number> {
  const cols = columns.join(', ')
  let n = 0
  if (kind === 'postgres') {
    const lines = (function* () {
      let buf = ''
      for (const row of data) {
        n++
        buf += row.map(copyText).join('\t') + '\n'
        if (buf.length > 1 << 20) {
          yield buf
          buf = ''
        }
      }
      if (buf) yield buf
    })()
    await pipeline(Readable.from(lines), client.query(copyFrom(`copy ${table} (${cols}) from stdin`)))
    return n
  }
  const sqlText = `insert into ${table} (${cols}) select ${cols} from json_populate_recordset(null::${table}, $1::json)`
  let batch: Record<string, unknown>[] = []
  const flush = async () => {
    if (batch.length === 0) return
    await client.query(sqlText, [JSON.stringify(batch)])
    batch = []
  }
  for (const row of data) {
    const o: Record<string, unknown> = {}
    for (let i = 0; i < columns.length; i++) o[columns[i]] = row[i]
    batch.push(o)
    n++
    if (batch.length >= 5000) await flush()
  }
  await flush()
  return n
}

function copyText(v: string | number | null): string {
  if (v === null) return '\\N'
  if (typeof v === 'number') return String(v)
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

export function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
}
