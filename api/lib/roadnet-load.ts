/**
 * The road network of the database a request talks to, built once and cached (api/lib/roadnet.ts
 * has the model). Roads are read through the request's transaction, so the graph is that
 * database's real data. The cache is keyed by a fingerprint of the table (row count, largest id and
 * the md5 of every geometry in id order), checked on every use: one small query (2 ms warm, ~20 ms
 * cold on the district's 1,900 roads), and any insert, update or delete of a road gives a new key, so a changed
 * network is never answered from an old graph. Several databases (tests, benches) share the
 * process: the last few graphs are kept, least recently used dropped first.
 */
import { sql } from 'drizzle-orm'
import type { RequestTx } from './scope.ts'
import { buildRoadGraph, type RoadGraph } from './roadnet.ts'

/** Graphs kept at once (one per database fingerprint). */
const CACHE_SIZE = 4
const cache = new Map<string, RoadGraph>()

/** Parse a WKB LineString (either byte order) into flat [x0, y0, x1, y1, …]; Z/M ordinates are dropped. */
export function lineFromWkb(buf: Buffer): Float64Array {
  const le = buf[0] === 1
  const type = le ? buf.readUInt32LE(1) : buf.readUInt32BE(1)
  const base = type % 1000
  if (base !== 2) throw new Error(`roads: expected a LineString, got WKB type ${type}`)
  const dims = type >= 3000 ? 4 : type >= 1000 ? 3 : 2
  const n = le ? buf.readUInt32LE(5) : buf.readUInt32BE(5)
  const out = new Float64Array(2 * n)
  for (let i = 0; i < n; i++) {
    const at = 9 + 8 * dims * i
    out[2 * i] = le ? buf.readDoubleLE(at) : buf.readDoubleBE(at)
    out[2 * i + 1] = le ? buf.readDoubleLE(at + 8) : buf.readDoubleBE(at + 8)
  }
  return out
}

/** The walking network of the roads table, in EPSG:32648 metres (cached by the table's fingerprint). */
export async function roadGraphOf(tx: RequestTx): Promise<RoadGraph> {
  const { rows: [f] } = await tx.execute<{ n: number; max_id: number; sum: string }>(sql`
    select count(*)::int as n, coalesce(max(id), 0)::int as max_id,
      md5(coalesce(string_agg(ST_AsBinary(geom), ''::bytea order by id), ''::bytea)) as sum
    from roads`)
  const key = `${f.n}:${f.max_id}:${f.sum}`
  const hit = cache.get(key)
  if (hit) {
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  const { rows } = await tx.execute<{ wkb: Buffer }>(sql`select ST_AsBinary(ST_Transform(geom, 32648)) as wkb from roads order by id`)
  const graph = buildRoadGraph(rows.map((r) => lineFromWkb(r.wkb)))
  cache.set(key, graph)
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
  return graph
}
