/** Incident density for heatmaps and hex bins, aggregated in PostGIS (issue 4). */
import { availableParallelism } from 'node:os'
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { incidentWhere, type IncidentFilter } from '../incidents/queries.ts'
import { FilterFields, fromBeforeTo, fromBeforeToError, requireCaseReader, resolveFilter } from '../incidents/routes.ts'
import { errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'

type Box = [number, number, number, number]

/** Most cells in one answer (12 bytes each: ≤ 720 KB on the wire). */
export const MAX_CELLS = 60_000
/**
 * Most cells the bbox may span at the level aggregated in SQL. Above it the level is coarsened
 * before the query (the hash of groups stays small); between MAX_CELLS and this, the answer is
 * coarsened afterwards only when more than MAX_CELLS cells actually hold incidents.
 */
export const MAX_SPANNED_CELLS = 2 * MAX_CELLS
/** Cells of zoom z are the Web-Mercator tiles of level z + 6: 8 × 8 screen pixels with 512-px tiles. */
export const CELL_LEVEL_OFFSET = 6
/** Level of the tile coordinates stored on incidents (`cell_x`, `cell_y`, db/migrations/0011_density.sql). */
export const STORED_LEVEL = 30
const EQUATOR_M = 40_075_016.686
const MAX_LAT = 85.0511287798066

/** Web-Mercator x of a longitude, in tiles of `level`. */
export const mercatorX = (lon: number, level: number) => ((lon + 180) / 360) * 2 ** level
/** Web-Mercator y of a latitude (north = 0), in tiles of `level`. */
export function mercatorY(lat: number, level: number): number {
  const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180
  return ((1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2) * 2 ** level
}
const lonOf = (x: number, level: number) => (x / 2 ** level) * 360 - 180
const latOf = (y: number, level: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / 2 ** level))) * 180) / Math.PI

/** Ground size in metres of a cell of `level` at latitude `lat`. */
export const cellSizeMetres = (level: number, lat: number) => (EQUATOR_M * Math.cos((lat * Math.PI) / 180)) / 2 ** level

/** Number of cells of `level` that box `b` touches. */
export function cellsSpanned(b: Box, level: number): number {
  const w = Math.floor(mercatorX(b[2], level)) - Math.floor(mercatorX(b[0], level)) + 1
  const h = Math.floor(mercatorY(b[1], level)) - Math.floor(mercatorY(b[3], level)) + 1
  return w * h
}

/** The level aggregated for `zoom` over box `b`: zoom + 6, coarsened until the box spans ≤ MAX_SPANNED_CELLS cells. */
export function densityLevel(zoom: number, b: Box): number {
  let level = zoom + CELL_LEVEL_OFFSET
  while (level > 0 && cellsSpanned(b, level) > MAX_SPANNED_CELLS) level--
  return level
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)
/** The float4 next to `v` (a float4 value) towards +∞ (dir 1) or −∞ (dir −1). */
function nextFloat32(v: number, dir: 1 | -1): number {
  if (v === 0) return dir * 1.4e-45
  f32[0] = v
  u32[0] += v > 0 === (dir > 0) ? 1 : -1
  return f32[0]
}
/** PostGIS next_float_down / next_float_up: the float4 at or below / above d. */
const floatDown = (d: number) => (Math.fround(d) <= d ? Math.fround(d) : nextFloat32(Math.fround(d), -1))
const floatUp = (d: number) => (Math.fround(d) >= d ? Math.fround(d) : nextFloat32(Math.fround(d), 1))

/**
 * Strict bounds (lo < coordinate < hi) on a point's exact coordinate that select the same points as
 * PostGIS `geom && envelope(min, max)`. That operator compares float4 boxes rounded outwards (the
 * point's and the envelope's), so it also takes points up to one float4 step (~0.7 m in longitude
 * here) outside the box; the list and /points filter that way, and density counts the same rows.
 */
export function overlapBounds(min: number, max: number): [number, number] {
  return [nextFloat32(floatDown(min), -1), nextFloat32(floatUp(max), 1)]
}

/** A float4 value inside [lo, hi] near `v` (a centre inside the box stays inside after rounding). */
function float32Within(v: number, lo: number, hi: number): number {
  let r = Math.fround(v)
  if (r < lo) r = nextFloat32(r, 1)
  if (r > hi) r = nextFloat32(r, -1)
  return r
}

/** Incident counts per cell (x, y at `level`), as parallel arrays. */
export interface Cells {
  level: number
  x: Int32Array
  y: Int32Array
  n: Uint32Array
}

/** The same counts in cells one level coarser (each holds 2 × 2 of the finer ones). */
export function coarsen(c: Cells): Cells {
  const index = new Map<number, number>()
  const x: number[] = []
  const y: number[] = []
  const n: number[] = []
  let [x0, y0, y1] = [Infinity, Infinity, -Infinity]
  for (let i = 0; i < c.n.length; i++) {
    x0 = Math.min(x0, c.x[i] >> 1)
    y0 = Math.min(y0, c.y[i] >> 1)
    y1 = Math.max(y1, c.y[i] >> 1)
  }
  for (let i = 0; i < c.n.length; i++) {
    const cx = c.x[i] >> 1
    const cy = c.y[i] >> 1
    const key = (cx - x0) * (y1 - y0 + 1) + (cy - y0) // exact: the cells lie in a box of ≤ MAX_SPANNED_CELLS
    const at = index.get(key)
    if (at === undefined) {
      index.set(key, n.length)
      x.push(cx)
      y.push(cy)
      n.push(c.n[i])
    } else n[at] += c.n[i]
  }
  return { level: c.level - 1, x: Int32Array.from(x), y: Int32Array.from(y), n: Uint32Array.from(n) }
}

/**
 * The answer body: Float32 lon[n], Float32 lat[n], Uint32 count[n], little-endian. A cell's position
 * is its centre, or the centre of its part inside `bbox` when the box cuts it (so every position
 * lies in the box and the counts still cover exactly the incidents in it).
 */
export function packCells(c: Cells, bbox?: Box) {
  const count = c.n.length
  const out = Buffer.alloc(count * 12)
  const [x0, x1] = bbox ? [mercatorX(bbox[0], c.level), mercatorX(bbox[2], c.level)] : [-Infinity, Infinity]
  const [y0, y1] = bbox ? [mercatorY(bbox[3], c.level), mercatorY(bbox[1], c.level)] : [-Infinity, Infinity]
  for (let i = 0; i < count; i++) {
    const mx = (Math.max(c.x[i], x0) + Math.min(c.x[i] + 1, x1)) / 2
    const my = (Math.max(c.y[i], y0) + Math.min(c.y[i] + 1, y1)) / 2
    let lon = lonOf(mx, c.level)
    let lat = latOf(my, c.level)
    if (bbox) {
      lon = float32Within(lon, bbox[0], bbox[2])
      lat = float32Within(lat, bbox[1], bbox[3])
    }
    out.writeFloatLE(lon, i * 4)
    out.writeFloatLE(lat, (count + i) * 4)
    out.writeUInt32LE(c.n[i], (2 * count + i) * 4)
  }
  return out
}

/**
 * SQL: incident counts per cell of `level` as three packed big-endian int4 arrays (x, y, count).
 * Reads only columns of `incidents_street_time_idx` (an index-only scan, policy columns included):
 * the bbox as bounds on lon/lat (overlapBounds), the cell from cell_x/cell_y; the other filters as
 * the list writes them. Without an area or scope condition (admins) every street is named, so a
 * period seeks each street's time range in that index instead of reading the whole district.
 * `smallBox`: the bbox holds a small part of the incidents, so `geom && box` is added (the same rows)
 * for the GiST index: a few heap rows beat scanning the whole covering index.
 */
export function densitySql(f: IncidentFilter, level: number, smallBox = false): SQL {
  const where: SQL[] = [incidentWhere({ ...f, bbox: smallBox ? f.bbox : undefined })]
  if (f.bbox) {
    const [xlo, xhi] = overlapBounds(f.bbox[0], f.bbox[2])
    const [ylo, yhi] = overlapBounds(f.bbox[1], f.bbox[3])
    where.push(sql`i.lon > ${xlo}::float8 and i.lon < ${xhi}::float8 and i.lat > ${ylo}::float8 and i.lat < ${yhi}::float8`)
  }
  if (!f.area && !f.scope) where.push(sql`i.street_id = any(array(select s.id from areas s where s.level = 'street'))`)
  const shift = STORED_LEVEL - level
  return sql`
    select count(*)::int as cells,
      coalesce(string_agg(int4send(c.x), ''::bytea), ''::bytea) as xs,
      coalesce(string_agg(int4send(c.y), ''::bytea), ''::bytea) as ys,
      coalesce(string_agg(int4send(c.n), ''::bytea), ''::bytea) as ns
    from (
      select i.cell_x >> ${shift}::int as x, i.cell_y >> ${shift}::int as y, count(*)::int as n
      from incidents i
      where ${sql.join(where, sql` and `)}
      group by 1, 2
    ) c`
}

/** Parallel workers for the aggregation: one per core besides the leader, at most PostgreSQL's default 2 (the database runs on this machine). */
const PARALLEL_WORKERS = Math.max(1, Math.min(2, availableParallelism() - 1))

/** SQL: the extent of the areas whose incidents the filter can reach (the area, else the user's scope as resolveFilter found it; an admin's: the district), and the density query's settings. */
function reachableExtent(f: IncidentFilter): SQL {
  const ids = f.area ? [f.area.id] : f.scope ? Object.values(f.scope).flat() : undefined
  const areas = ids ? sql`a.id = any(${sql.param(ids)}::int[])` : sql`a.level = 'district'`
  // Planner settings for the rest of this transaction (set here to save a round trip): the cells'
  // hash table in memory, not spilled to disk; index pages costed as the cached pages they are (at
  // the default random_page_cost 4, `type=noise` over the district read 144k heap rows through the
  // type index: 190 ms instead of 125 ms for the covering index); no JIT compile (~40 ms, no gain);
  // as many processes as cores (the leader counts: on 2 cores one worker, 1M rows in 165 ms, where
  // two took 185 ms and none 235 ms).
  return sql`
    select ST_XMin(e) as x0, ST_YMin(e) as y0, ST_XMax(e) as x1, ST_YMax(e) as y1,
      set_config('work_mem', '64MB', true), set_config('random_page_cost', '1.1', true), set_config('jit', 'off', true),
      set_config('max_parallel_workers_per_gather', ${String(PARALLEL_WORKERS)}, true)
    from (select ST_Extent(a.geom) as e from areas a where ${areas}) s`
}

/**
 * A bbox covering less than this share of the reachable extent is read through the GiST index
 * (heap rows, ~1.5 µs each) rather than by scanning the covering index (~0.15 µs per incident of the
 * scope): the two cost the same at ~10 % of the incidents.
 */
const SMALL_BOX_SHARE = 0.1
const boxArea = (b: Box) => (b[2] - b[0]) * (b[3] - b[1])

const intersect = (a: Box, b: Box): Box | null => {
  const r: Box = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])]
  return r[0] <= r[2] && r[1] <= r[3] ? r : null
}

function readInt32s(buf: Buffer, n: number): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = buf.readInt32BE(i * 4)
  return out
}

const Zoom = z
  .string()
  .regex(/^\d{1,2}$/, 'must be an integer from 0 to 22')
  .transform(Number)
  .refine((n) => n <= 22, 'must be an integer from 0 to 22')
  .openapi({ type: 'integer', minimum: 0, maximum: 22, example: 13, description: 'map zoom (512-px tiles, as MapLibre/deck.gl); round fractional zooms' })

const DensityQuery = FilterFields.extend({ zoom: Zoom }).refine(fromBeforeTo, fromBeforeToError)

const FORMAT = `Body: little-endian columns for n cells (n = X-Count, 12 bytes per cell, no compression, ≤ ${((MAX_CELLS * 12) / 1000).toFixed(0)} kB):
Float32 lon[n], Float32 lat[n], Uint32 count[n]. Only cells holding incidents are sent; none → an empty body.

Cells are squares of the Web-Mercator grid: at zoom z the tiles of level z + 6, i.e. 8 × 8 screen pixels with
512-px tiles (MapLibre/deck.gl zooms); ${cellSizeMetres(19, 30.56).toFixed(0)} m on the ground at zoom 13 near 30.5° N, halving with
each zoom. X-Cell-Size is the cell side in metres at the centre of the area asked for. A deck.gl HexagonLayer
summing the counts wants a radius of 2–4 cells (the cell is 1/4–1/2 of it); a HeatmapLayer weights by count.

At most ${MAX_CELLS.toLocaleString('en')} cells: when the bbox (clipped to the area or the user's scope) would span more than
${MAX_SPANNED_CELLS.toLocaleString('en')} cells, or more than ${MAX_CELLS.toLocaleString('en')} hold incidents, the cells are coarser (each level
up doubles the side; X-Cell-Size tells). Positions are cell centres; a cell cut by the bbox is placed at the centre
of its part inside it, so every position lies in the bbox.

Filters and scope as GET /incidents/points: the counts add up to exactly the incidents that filter selects (bbox
as PostGIS \`&&\`), within the user's scope (row-level security); an \`area\` outside it → 404. Planners → 403
aggregates_only: at high zoom a cell is one incident's place and, with a narrow period, its time (planners get
per-area counts from GET /analytics/areas).`

const density = createRoute({
  method: 'get',
  path: '/density',
  tags: ['analytics'],
  summary: 'Incident counts per square cell for heatmaps and hex bins, packed binary (not for planners)',
  description: FORMAT,
  request: { query: DensityQuery },
  responses: {
    200: {
      description: 'Packed cells',
      headers: z.object({
        'X-Count': z.string().openapi({ description: 'number of cells n' }),
        'X-Cell-Size': z.string().openapi({ description: 'cell side in metres on the ground (at the centre of the area asked for)' }),
      }),
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

export const densityRoutes = newRouter().openapi(density, async (c) => {
  // Individual incidents are not exposed, but a cell of one incident at zoom 22 is one: case readers only.
  requireCaseReader(c)
  const q = c.req.valid('query')
  const f = await resolveFilter(c, q)
  const tx = c.get('tx')
  const { rows: ext } = await tx.execute<{ x0: number | null; y0: number; x1: number; y1: number }>(reachableExtent(f))
  const e = ext[0]
  const reach = e.x0 === null ? null : intersect(q.bbox ?? [-180, -90, 180, 90], [e.x0, e.y0, e.x1, e.y1])
  let cells: Cells = { level: q.zoom + CELL_LEVEL_OFFSET, x: new Int32Array(0), y: new Int32Array(0), n: new Uint32Array(0) }
  if (reach) {
    const level = densityLevel(q.zoom, reach)
    const smallBox = !!q.bbox && boxArea(reach) < SMALL_BOX_SHARE * boxArea([e.x0!, e.y0, e.x1, e.y1])
    const { rows } = await tx.execute<{ cells: number; xs: Buffer; ys: Buffer; ns: Buffer }>(densitySql(f, level, smallBox))
    const r = rows[0]
    cells = { level, x: readInt32s(r.xs, r.cells), y: readInt32s(r.ys, r.cells), n: Uint32Array.from(readInt32s(r.ns, r.cells)) }
    while (cells.n.length > MAX_CELLS) cells = coarsen(cells)
  }
  const b = reach ?? q.bbox ?? [0, 0, 0, 0]
  const size = cellSizeMetres(cells.level, (b[1] + b[3]) / 2)
  return c.body(packCells(cells, q.bbox), 200, {
    'Content-Type': 'application/octet-stream',
    'X-Count': String(cells.n.length),
    'X-Cell-Size': size.toFixed(2),
  }) as never
})
