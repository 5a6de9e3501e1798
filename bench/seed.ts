// Seeding a demo district into real PostGIS: rows/s per table vs a bare COPY of the same rows
// into an unindexed, trigger-less table (the bar to beat). Wipes the database of DATABASE_URL.
import { openDatabase } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { bulkInsert, seedDemo } from '../db/seed.ts'
import { generateDistrict } from '../geo-data/generate/index.ts'
import type { Scale } from '../geo-data/generate/types.ts'
import { table } from './lib.ts'

export async function benchSeed(databaseUrl: string, scale: Scale) {
  const db = await openDatabase({ databaseUrl })
  try {
    await migrate(db.pool)
    await db.pool.query('truncate areas, roads, buildings, people, person_areas, stations, incidents, patrol_tasks, track_points restart identity cascade')
    const timings: Record<string, number> = {}
    const report = await seedDemo(db.pool, 'postgres', {
      scale,
      log: (m) => {
        const match = m.match(/^\s+(\w+): (\d+) rows in (\d+) ms/)
        if (match) timings[match[1]] = Number(match[3])
      },
    })
    // Baseline: the same rows, COPY'd into tables without indexes, constraints or triggers.
    const d = generateDistrict({ scale })
    const client = await db.pool.connect()
    const baseline: Record<string, number> = {}
    try {
      await client.query('create temp table copy_incidents (id bigint, type text, status text, source text, geom geometry, reported_at timestamptz, closed_at timestamptz, description text)')
      await client.query('create temp table copy_tracks (person_id int, t timestamptz, geom geometry, accuracy real)')
      const pt = (x: number, y: number) => `SRID=4326;POINT(${x.toFixed(7)} ${y.toFixed(7)})`
      let t0 = performance.now()
      await bulkInsert(client, 'postgres', 'copy_incidents', ['id', 'type', 'status', 'source', 'geom', 'reported_at', 'closed_at', 'description'],
        d.incidents.map((i) => [i.id, i.type, i.status, i.source, pt(i.lon, i.lat), i.reportedAt, i.closedAt, i.description]))
      baseline.incidents = performance.now() - t0
      t0 = performance.now()
      const tr = d.tracks
      await bulkInsert(client, 'postgres', 'copy_tracks', ['person_id', 't', 'geom', 'accuracy'], (function* () {
        for (let i = 0; i < tr.length; i++) yield [tr.personId[i], new Date(tr.t[i]).toISOString(), pt(tr.lon[i], tr.lat[i]), tr.accuracy[i]]
      })())
      baseline.track_points = performance.now() - t0
    } finally {
      client.release()
    }
    const rows = Object.entries(report.rows).map(([name, n]) => {
      const ms = timings[name] ?? NaN
      const base = baseline[name]
      return [name, n, (ms / 1000).toFixed(2), Math.round(n / (ms / 1000)), base ? Math.round(n / (base / 1000)) : '', base ? (base / ms).toFixed(2) : '']
    })
    const total = Object.values(report.rows).reduce((a, b) => a + b, 0)
    console.log(`\nSeeding the ${scale} district into PostgreSQL + PostGIS (generation ${(report.generateMs / 1000).toFixed(1)} s, load ${(report.loadMs / 1000).toFixed(1)} s, ${Math.round(total / (report.loadMs / 1000))} rows/s overall)`)
    table(['table', 'rows', 'seconds', 'rows/s (seed: indexed, areas located)', 'rows/s (bare COPY)', 'seed ÷ bare'], rows)
  } finally {
    await db.close()
  }
}
