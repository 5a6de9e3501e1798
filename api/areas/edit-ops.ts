/**
 * The ops of boundary editing (docs/editing.md): a working copy of a parent's children in two
 * temporary tables of the request's transaction, and the ops applied to it one statement at a time,
 * every overlay snap-rounded to COVERAGE_GRID_DEG so that an edge two areas share stays one edge.
 *
 * - edit_areas: the children (id; negative ids for areas the edit creates), their attributes, the
 *   current and the stored shape, and whether the edit removes them.
 * - edit_subs: the children's own children (sub-areas) with the child they belong to now and before,
 *   their current and stored shape, and whether the edit removes them (negative ids: sub-areas the
 *   edit creates, from FIRST_SUB_TEMP_ID down, so they never clash with the ids an op may name).
 *
 * Reshape and create carry the sub-areas along, one level down (carrySubAreas): a sub-area is clipped
 * to its area's new shape, and ground an area gains goes to its sub-area sharing the longest border.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import type { RequestTx } from '../lib/scope.ts'
import { COVERAGE_GRID_DEG } from './coverage.ts'
import type { EditOp } from './edit.ts'
import { problem, type ImportProblem } from './import-check.ts'
import { codesTaken } from './import.ts'

const g = sql`${COVERAGE_GRID_DEG}::float8`

/** A sub-area cut by a split line by more than this (m²) on two sides blocks the split. */
const CROSSED_TOLERANCE_M2 = 1

/** The polygonal part of an overlay as a MultiPolygon (the areas column's type). */
export const multi = (geom: SQL) => sql`ST_Multi(ST_CollectionExtract(${geom}, 3))`

/** A GeoJSON geometry from the request, in WGS84. */
export const fromGeoJson = (geometry: unknown) => sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}::text), 4326)`

/** Length in metres of the border two polygons share (snap-rounded, so collinear edges with different vertices still count). */
export const sharedBorderM = (a: SQL, b: SQL) =>
  sql`ST_Length(ST_CollectionExtract(ST_Intersection(ST_Boundary(${a}), ST_Boundary(${b}), ${g}), 2)::geography)`

/** Temporary ids of sub-areas the edit creates count down from here (below every id an op may name). */
export const FIRST_SUB_TEMP_ID = -1001

/** Create the working copy of the children of `parent` at `level` and of their sub-areas. */
export async function loadWorkingCopy(tx: RequestTx, parent: number, level: AreaLevel): Promise<void> {
  await tx.execute(sql`drop table if exists edit_areas, edit_subs, edit_old_sub_gaps`)
  // op_geom: the shape before the op being applied (carrySubAreas compares with it).
  await tx.execute(sql`create temporary table edit_areas on commit drop as
    select a.id, a.code, a.name, a.households, a.geom, a.geom as orig_geom, a.code as orig_code, a.name as orig_name,
      a.households as orig_households, false as removed, a.geom as op_geom
    from areas a where a.parent_id = ${parent} and a.level = ${level}`)
  await tx.execute(sql`alter table edit_areas add primary key (id)`)
  await tx.execute(sql`create temporary table edit_subs on commit drop as
    select s.id, s.code, s.name, s.parent_id as parent_now, s.parent_id as parent_orig, s.geom, s.geom as orig_geom, false as removed
    from areas s join edit_areas a on a.id = s.parent_id`)
  await tx.execute(sql`alter table edit_subs add primary key (id)`)
}

/** Keep the children's gaps in their sub-areas before the edit (each child minus its stored sub-areas) in edit_old_sub_gaps. */
export async function saveOldSubGaps(tx: RequestTx): Promise<void> {
  await tx.execute(sql`create temporary table edit_old_sub_gaps on commit drop as
    select coalesce(ST_Union(d.geom), ST_SetSRID('POLYGON EMPTY'::geometry, 4326)) as geom
    from (select coalesce(ST_Difference(a.orig_geom, (select ST_Union(s.geom) from edit_subs s where s.parent_orig = a.id), ${g}), a.orig_geom) as geom
      from edit_areas a) d`)
}

export interface WorkingArea {
  id: number
  code: string
  name: string
  households: number
  removed: boolean
}

/** The working copy's areas (ids, attributes) as they stand. */
export async function workingAreas(tx: RequestTx): Promise<WorkingArea[]> {
  return (await tx.execute<WorkingArea & Record<string, unknown>>(sql`select id, code, name, households, removed from edit_areas order by id`)).rows
}

/** `geom` clipped to the parent, as a MultiPolygon; null when nothing of it lies inside. */
export async function clipToParent(tx: RequestTx, parent: number, geom: SQL): Promise<string | null> {
  const { rows } = await tx.execute<{ clipped: string | null }>(sql`
    select case when ST_IsEmpty(c) then null else ST_AsHEXEWKB(c) end as clipped
    from (select ${multi(sql`ST_Intersection(${geom}, p.geom, ${g})`)} as c from areas p where p.id = ${parent}) x`)
  return rows[0]?.clipped ?? null
}

/** A geometry handed back by clipToParent (hex EWKB). */
export const ewkb = (hex: string) => sql`${hex}::text::geometry`

/** Every sibling of `id` (not removed) loses what `shape` covers; a sibling left with nothing is removed. */
async function carveSiblings(tx: RequestTx, id: number | null, shape: SQL): Promise<void> {
  await tx.execute(sql`
    update edit_areas s set geom = ${multi(sql`ST_Difference(s.geom, ${shape}, ${g})`)}
    where not s.removed and s.id is distinct from ${id} and s.geom && ${shape} and ST_Relate(s.geom, ${shape}, '2********')`)
  await tx.execute(sql`update edit_areas set removed = true where not removed and ST_IsEmpty(geom)`)
}

/**
 * Reshape: `id` takes `shape` (already clipped to the parent); siblings lose what it now covers, and
 * each piece it gives up (per ST_Dump) goes to the sibling sharing the longest border with that
 * piece. A piece touching no sibling stays a gap.
 */
export async function reshapeArea(tx: RequestTx, id: number, shape: SQL): Promise<void> {
  await carveSiblings(tx, id, shape)
  await tx.execute(sql`
    with released as (
      select row_number() over () as k, d.geom
      from edit_areas a, ST_Dump(ST_CollectionExtract(ST_Difference(a.geom, ${shape}, ${g}), 3)) d where a.id = ${id}
    ),
    best as (
      select distinct on (r.k) r.k, r.geom, s.id as sibling, ${sharedBorderM(sql`r.geom`, sql`s.geom`)} as border
      from released r join edit_areas s on not s.removed and s.id <> ${id} and s.geom && ST_Expand(r.geom, 10 * ${g})
      order by r.k, border desc, s.id
    ),
    gained as (select sibling, ST_Union(geom) as geom from best where border > 0 group by sibling)
    update edit_areas s set geom = ${multi(sql`ST_Union(s.geom, gained.geom, ${g})`)} from gained where s.id = gained.sibling`)
  await tx.execute(sql`update edit_areas set geom = ${multi(shape)} where id = ${id}`)
}

/** Create: a new area (negative temp id) at `shape` (clipped to the parent); siblings lose what it covers. */
export async function createArea(tx: RequestTx, temp: number, shape: SQL, a: { code: string; name: string; households: number }): Promise<void> {
  await carveSiblings(tx, null, shape)
  await tx.execute(sql`insert into edit_areas (id, code, name, households, geom, orig_geom, orig_code, orig_name, orig_households, removed)
    values (${temp}, ${a.code}, ${a.name}, ${a.households}, ${multi(shape)}, null, null, null, null, false)`)
}

/** Remember every area's shape before an op (op_geom), so carrySubAreas sees what each lost and gained. */
export async function snapshotShapes(tx: RequestTx): Promise<void> {
  await tx.execute(sql`update edit_areas set op_geom = geom`)
}

/**
 * One level down after a reshape or create: every sub-area of an area that changed is clipped to
 * its area's new shape (one clipped to nothing is removed), and each piece an area gained (new − op_geom,
 * per ST_Dump) goes to the area's sub-area sharing the longest border with it. A gained piece
 * touching none of its sub-areas stays a gap of that area (the sub-area coverage check reports it).
 */
export async function carrySubAreas(tx: RequestTx): Promise<void> {
  const changed = sql`a.op_geom is not null and ST_AsEWKB(a.geom) <> ST_AsEWKB(a.op_geom)`
  await tx.execute(sql`
    update edit_subs s set geom = ${multi(sql`ST_Intersection(s.geom, a.geom, ${g})`)}
    from edit_areas a where a.id = s.parent_now and not s.removed and ${changed} and not ST_CoveredBy(s.geom, a.geom)`)
  await tx.execute(sql`update edit_subs set removed = true where not removed and ST_IsEmpty(geom)`)
  await tx.execute(sql`
    with gained as (
      select row_number() over () as k, a.id as area, d.geom
      from edit_areas a, ST_Dump(ST_CollectionExtract(ST_Difference(a.geom, a.op_geom, ${g}), 3)) d
      where not a.removed and ${changed}
    ),
    best as (
      select distinct on (r.k) r.k, r.geom, s.id as sub, ${sharedBorderM(sql`r.geom`, sql`s.geom`)} as border
      from gained r join edit_subs s on not s.removed and s.parent_now = r.area and s.geom && ST_Expand(r.geom, 10 * ${g})
      order by r.k, border desc, s.id
    ),
    taken as (select sub, ST_Union(geom) as geom from best where border > 0 group by sub)
    update edit_subs s set geom = ${multi(sql`ST_Union(s.geom, taken.geom, ${g})`)} from taken where s.id = taken.sub`)
}

/** A new sub-area (temp id `temp`) covering all of area `area` (a created area at a level with sub-levels). */
export async function addWholeSubArea(tx: RequestTx, temp: number, area: number, a: { code: string; name: string }): Promise<void> {
  await tx.execute(sql`insert into edit_subs (id, code, name, parent_now, parent_orig, geom, orig_geom, removed)
    select ${temp}, ${a.code}, ${a.name}, id, null, geom, null, false from edit_areas where id = ${area}`)
}

export interface SplitPiece {
  k: number
  m2: number
  /** Households of the buildings whose point on surface lies in the piece. */
  building_households: number
  /** This piece is a whole part of a MultiPolygon the line did not cut. */
  uncut: boolean
}

/** The pieces of `id` cut by `line` (ST_Split), largest first, kept in the temporary table edit_pieces. */
export async function splitPieces(tx: RequestTx, id: number, line: SQL): Promise<SplitPiece[]> {
  await tx.execute(sql`drop table if exists edit_pieces`)
  await tx.execute(sql`create temporary table edit_pieces on commit drop as
    select row_number() over (order by ST_Area(d.geom::geography) desc)::int as k, ${multi(sql`d.geom`)} as geom,
      exists (select 1 from ST_Dump(a.geom) c where ST_Equals(c.geom, d.geom)) as uncut
    from edit_areas a, ST_Dump(ST_CollectionExtract(ST_Split(a.geom, ${line}), 3)) d where a.id = ${id}`)
  const { rows } = await tx.execute<SplitPiece & Record<string, unknown>>(sql`
    select p.k, ST_Area(p.geom::geography) as m2, p.uncut,
      coalesce((select sum(b.households) from buildings b
        where b.geom && p.geom and ST_Intersects(ST_PointOnSurface(b.geom), p.geom)), 0)::int as building_households
    from edit_pieces p order by p.k`)
  return rows
}

/** Per sub-area of `id`: its m² in each split piece (pieces with ≥ 1 cm² only). */
export async function subAreasInPieces(tx: RequestTx, id: number): Promise<Array<{ sub: number; k: number; m2: number }>> {
  const { rows } = await tx.execute<{ sub: number; k: number; m2: number }>(sql`
    select s.id as sub, p.k, ST_Area(ST_Intersection(s.geom, p.geom, ${g})::geography) as m2
    from edit_subs s join edit_pieces p on s.geom && p.geom and ST_Intersects(s.geom, p.geom)
    where s.parent_now = ${id}
    order by s.id, p.k`)
  return rows.filter((r) => r.m2 >= 1e-4)
}

/** Give the split pieces their areas: `owner[k]` is the area id piece k goes to (the split area itself or a new temp id). */
export async function splitInto(
  tx: RequestTx,
  id: number,
  created: Array<{ temp: number; k: number[]; code: string; name: string; households: number }>,
  keep: { k: number[]; households: number },
): Promise<void> {
  const union = (ks: number[]) => sql`(select ${multi(sql`ST_Union(geom)`)} from edit_pieces where k = any(${sql.param(ks)}::int[]))`
  for (const c of created) {
    await tx.execute(sql`insert into edit_areas (id, code, name, households, geom, orig_geom, orig_code, orig_name, orig_households, removed)
      values (${c.temp}, ${c.code}, ${c.name}, ${c.households}, ${union(c.k)}, null, null, null, null, false)`)
  }
  await tx.execute(sql`update edit_areas set geom = ${union(keep.k)}, households = ${keep.households} where id = ${id}`)
}

/** Sub-areas move to another area of the working copy. */
export async function moveSubAreas(tx: RequestTx, moves: Array<{ sub: number; to: number }>): Promise<void> {
  if (moves.length === 0) return
  await tx.execute(sql`update edit_subs s set parent_now = m.to_id
    from json_to_recordset(${JSON.stringify(moves.map((m) => ({ sub: m.sub, to_id: m.to })))}::json) as m(sub int, to_id int) where s.id = m.sub`)
}

/** Pairs of `ids` sharing a border longer than 0 m. */
export async function adjacentPairs(tx: RequestTx, ids: number[]): Promise<Array<[number, number]>> {
  const { rows } = await tx.execute<{ a: number; b: number }>(sql`
    select a.id as a, b.id as b from edit_areas a join edit_areas b on a.id < b.id and a.geom && b.geom
    where a.id = any(${sql.param(ids)}::int[]) and b.id = any(${sql.param(ids)}::int[]) and ${sharedBorderM(sql`a.geom`, sql`b.geom`)} > 0`)
  return rows.map((r) => [r.a, r.b])
}

/** Merge: `keep` becomes the union of `ids`, with their households summed; the others are removed and their sub-areas move to `keep`. */
export async function mergeAreas(tx: RequestTx, keep: number, ids: number[]): Promise<void> {
  const others = ids.filter((i) => i !== keep)
  await tx.execute(sql`update edit_areas k set geom = m.geom, households = m.households
    from (select ${multi(sql`ST_Union(geom, ${g})`)} as geom, sum(households)::int as households from edit_areas where id = any(${sql.param(ids)}::int[])) m
    where k.id = ${keep}`)
  await tx.execute(sql`update edit_areas set removed = true where id = any(${sql.param(others)}::int[])`)
  await tx.execute(sql`update edit_subs set parent_now = ${keep} where parent_now = any(${sql.param(others)}::int[])`)
}

/** What the edit does to each area: keep, update, insert or remove (a new area removed again is dropped). */
export const ACTION = sql`case when a.removed then 'remove' when a.id < 0 then 'insert'
  when ST_AsEWKB(a.geom) <> ST_AsEWKB(a.orig_geom) or a.code <> a.orig_code or a.name <> a.orig_name or a.households <> a.orig_households then 'update'
  else 'keep' end`

/** The working copy as GeoJSON features (7 decimals); removed areas with their stored shape. */
export const resultFeaturesSql = sql`
  select coalesce(json_agg(json_build_object('type', 'Feature', 'id', a.id,
      'geometry', ST_AsGeoJSON(case when a.removed then a.orig_geom else a.geom end, 7)::json,
      'properties', json_build_object('id', a.id, 'code', a.code, 'name', a.name, 'households', a.households,
        'area_m2', round(ST_Area((case when a.removed then a.orig_geom else a.geom end)::geography)::numeric, 3), 'action', ${ACTION}))
    order by a.id < 0, abs(a.id)), '[]'::json) as features
  from edit_areas a where not (a.removed and a.id < 0)`

/** What the edit does to each sub-area: keep, update (shape or area changed), insert or remove. */
const SUB_ACTION = sql`case when s.removed then 'remove' when s.id < 0 then 'insert'
  when s.parent_now <> s.parent_orig or ST_AsEWKB(s.geom) <> ST_AsEWKB(s.orig_geom) then 'update' else 'keep' end`

/** The sub-areas the edit changes as GeoJSON features (7 decimals), `parent` the area they belong to; removed ones with their stored shape and area. */
export const resultSubsSql = sql`
  select coalesce(json_agg(json_build_object('type', 'Feature', 'id', s.id,
      'geometry', ST_AsGeoJSON(case when s.removed then s.orig_geom else s.geom end, 7)::json,
      'properties', json_build_object('id', s.id, 'parent', case when s.removed then s.parent_orig else s.parent_now end, 'code', s.code, 'name', s.name,
        'area_m2', round(ST_Area((case when s.removed then s.orig_geom else s.geom end)::geography)::numeric, 3), 'action', x.action))
    order by s.id < 0, abs(s.id)), '[]'::json) as features
  from edit_subs s, lateral (select ${SUB_ACTION} as action) x
  where x.action <> 'keep' and not (s.removed and s.id < 0)`

/** Areas (not removed) that the edit removes but that keep live sub-areas (merge and split move them; clipping removes them). */
export const subAreaFactsSql = sql`
  select a.id, a.code, count(s.id)::int as subs
  from edit_areas a join edit_subs s on s.parent_now = a.id and not s.removed
  where a.removed group by a.id, a.code order by a.id`

/** Live areas the edit creates or changes, or whose sub-areas it changes: their sub-areas must tile them. */
export const changedAreasSql = sql`
  select a.id, a.geom from edit_areas a where not a.removed and (a.id < 0 or ST_AsEWKB(a.geom) <> ST_AsEWKB(a.orig_geom)
    or exists (select 1 from edit_subs s where (s.parent_now = a.id or s.parent_orig = a.id) and ${SUB_ACTION} <> 'keep'))`

/** The sub-areas of the working copy as coverage children (id, parent_id, geom). */
export const liveSubsSql = sql`select id, parent_now as parent_id, geom from edit_subs where not removed`

/** Sub-areas whose shape the edit changes (inserted, updated in shape, removed). */
export async function reshapedSubs(tx: RequestTx): Promise<Array<{ id: number; code: string; parent: number }>> {
  return (
    await tx.execute<{ id: number; code: string; parent: number }>(sql`
      select id, code, coalesce(parent_now, parent_orig) as parent from edit_subs
      where not (removed and id < 0) and (removed or id < 0 or ST_AsEWKB(geom) <> ST_AsEWKB(orig_geom)) order by id`)
  ).rows
}

/** Keep the parent's gaps before the edit (parent minus its stored children) in the temporary table edit_old_gaps. */
export async function saveOldGaps(tx: RequestTx, parent: number, level: AreaLevel): Promise<void> {
  await tx.execute(sql`drop table if exists edit_old_gaps`)
  await tx.execute(sql`create temporary table edit_old_gaps on commit drop as
    select coalesce(ST_Difference(p.geom, (select ST_Union(c.geom) from areas c where c.parent_id = ${parent} and c.level = ${level}), ${g}), p.geom) as geom
    from areas p where p.id = ${parent}`)
}

/** The gaps before the edit: of the parent in its children, or of the children in their sub-areas. */
export const OLD_GAPS = { areas: sql`(select geom from edit_old_gaps)`, subs: sql`(select geom from edit_old_sub_gaps)` } as const

/**
 * Per gap piece of the result (GeoJSON, numbered k): m² of it outside the gaps before the edit,
 * counting only pieces of at least `minM2` and `minWidthM` wide (2·area/perimeter), so an
 * unchanged gap's edge redrawn to the centimetre opens nothing.
 */
export const newGapM2Sql = (gaps: Array<{ k: number; g: unknown }>, minM2: number, minWidthM: number, before: SQL = OLD_GAPS.areas) => sql`
  select o.k, coalesce((
    select sum(ST_Area(d.geom::geography)) from ST_Dump(ST_CollectionExtract(coalesce(
      ST_Difference(ST_SetSRID(ST_GeomFromGeoJSON(o.g::text), 4326), ${before}, ${g}),
      ST_SetSRID(ST_GeomFromGeoJSON(o.g::text), 4326)), 3)) d
    where ST_Area(d.geom::geography) >= ${minM2}::float8
      and 2 * ST_Area(d.geom::geography) / nullif(ST_Perimeter(d.geom::geography), 0) >= ${minWidthM}::float8), 0)::float8 as m2
  from json_to_recordset(${JSON.stringify(gaps)}::json) as o(k int, g json)`

// ---------------------------------------------------------------------------------------------
// Applying the ops (the rules of docs/editing.md around the SQL above)

export interface Context {
  tx: RequestTx
  parent: number
  level: AreaLevel
  parentCode: string
  /** The level of the children's own children (undefined when the children are micro-grids). */
  subLevel: AreaLevel | undefined
  nextTemp: number
  /** The next temporary id of a sub-area the edit creates (FIRST_SUB_TEMP_ID, counting down). */
  nextSubTemp: number
  /** Problems found while applying (sub-areas crossed by a split line). */
  problems: ImportProblem[]
  /** Sub-areas crossed by a split line (left out of the generic sub-area check). */
  crossed: Set<number>
}

export const label = (a: { id: number; code: string }) => (a.id < 0 ? `new area ${a.id} (code ${a.code})` : `area #${a.id} (code ${a.code})`)

/** The live (not removed) area `id` of the working copy, or 400. */
async function liveArea(cx: Context, i: number, id: number): Promise<WorkingArea> {
  const a = (await workingAreas(cx.tx)).find((w) => w.id === id)
  if (!a || a.removed) {
    const what = id < 0 ? 'no earlier op of this edit created it' : `it is not a ${cx.level} of area ${cx.parent}`
    throw new ApiFailure(400, 'unknown_area', `ops[${i}]: area ${id} cannot be edited: ${a?.removed ? 'an earlier op removed it' : what}`)
  }
  return a
}

/** The shape of a reshape or create, clipped to the parent; 400 when nothing of it lies inside. */
async function clipped(cx: Context, i: number, geometry: unknown): Promise<SQL> {
  const hex = await clipToParent(cx.tx, cx.parent, fromGeoJson(geometry))
  if (hex === null) throw new ApiFailure(400, 'outside_parent', `ops[${i}]: the geometry lies outside area ${cx.parent}`)
  return ewkb(hex)
}

/** `n` codes `<base><k>` free in the working copy and district-wide, counting k from `from`. */
async function freeCodes(cx: Context, base: string, n: number, from: number): Promise<string[]> {
  const used = new Set((await cx.tx.execute<{ code: string }>(sql`select code from edit_areas union select orig_code from edit_areas where orig_code is not null union select code from edit_subs`)).rows.map((r) => r.code))
  const out: string[] = []
  for (let k = from; out.length < n && k < from + 10_000; k += 50) {
    const batch = Array.from({ length: 50 }, (_, j) => `${base}${k + j}`).filter((c) => !used.has(c))
    const taken = new Set(await codesTaken(cx.tx, cx.parent, cx.level, batch))
    out.push(...batch.filter((c) => !taken.has(c)).slice(0, n - out.length))
  }
  return out
}

/** Split `total` in proportion to `weights` (largest remainder; whole numbers summing to total). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0)
  if (sum <= 0) return weights.map((_, k) => (k === 0 ? total : 0))
  const exact = weights.map((w) => (total * w) / sum)
  const out = exact.map(Math.floor)
  const order = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (let r = total - out.reduce((s, v) => s + v, 0), j = 0; r > 0; r--, j++) out[order[j][1]]++
  return out
}

async function applySplit(cx: Context, i: number, op: Extract<EditOp, { op: 'split' }>): Promise<void> {
  const area = await liveArea(cx, i, op.id)
  const pieces = await splitPieces(cx.tx, op.id, fromGeoJson(op.line))
  const cut = pieces.filter((p) => !p.uncut)
  if (cut.length < 2) throw new ApiFailure(400, 'line_does_not_split', `ops[${i}]: the line does not cross ${label(area)} from edge to edge (it cuts it into ${cut.length} piece(s))`)
  // The largest cut piece keeps the area; parts of a MultiPolygon the line missed stay with it.
  const keeper = cut[0]
  const others = cut.slice(1)
  const byBuildings = pieces.reduce((s, p) => s + p.building_households, 0) > 0
  const weightOf = (ks: number[]) => pieces.filter((p) => ks.includes(p.k)).reduce((s, p) => s + (byBuildings ? p.building_households : p.m2), 0)
  const keepKs = [keeper.k, ...pieces.filter((p) => p.uncut).map((p) => p.k)]
  const hh = apportion(area.households, [weightOf(keepKs), ...others.map((p) => weightOf([p.k]))])
  const codes = await freeCodes(cx, `${area.code}-`, others.length, 2)
  const created = others.map((p, j) => ({ temp: cx.nextTemp--, k: [p.k], code: codes[j], name: `${area.name} ${j + 2}`, households: hh[j + 1] }))
  await splitInto(cx.tx, op.id, created, { k: keepKs, households: hh[0] })

  // Sub-areas go to the piece holding most of them; one cut by the line is a blocking problem.
  const ownerOf = new Map<number, number>([...keepKs.map((k) => [k, op.id] as const), ...created.map((c) => [c.k[0], c.temp] as const)])
  const inPieces = await subAreasInPieces(cx.tx, op.id)
  const bySub = new Map<number, typeof inPieces>()
  for (const r of inPieces) bySub.set(r.sub, [...(bySub.get(r.sub) ?? []), r])
  const moves: Array<{ sub: number; to: number }> = []
  for (const [sub, rows] of bySub) {
    const best = rows.reduce((a, b) => (b.m2 > a.m2 ? b : a))
    const to = ownerOf.get(best.k)!
    if (to !== op.id) moves.push({ sub, to })
    const sides = new Set(rows.filter((r) => r.m2 > CROSSED_TOLERANCE_M2).map((r) => ownerOf.get(r.k)))
    if (sides.size > 1) {
      cx.crossed.add(sub)
      const geom = (await cx.tx.execute<{ g: unknown }>(sql`select ST_AsGeoJSON(geom, 7)::json as g from edit_subs where id = ${sub}`)).rows[0].g
      cx.problems.push(
        problem('sub_areas', cx.parent, [op.id], `ops[${i}]: sub-area #${sub} of ${label(area)} is crossed by the split line: split it first or draw the line along its edge`, {}, geom),
      )
    }
  }
  await moveSubAreas(cx.tx, moves)
}

async function applyMerge(cx: Context, i: number, op: Extract<EditOp, { op: 'merge' }>): Promise<void> {
  const ids = [...new Set(op.ids)]
  if (ids.length < 2) throw new ApiFailure(400, 'invalid_merge', `ops[${i}]: merge needs at least two different areas`)
  for (const id of ids) await liveArea(cx, i, id)
  // Connected by shared borders: every area reachable from the first.
  const pairs = await adjacentPairs(cx.tx, ids)
  const reached = new Set([ids[0]])
  for (let grew = true; grew; ) {
    grew = false
    for (const [a, b] of pairs) {
      if (reached.has(a) !== reached.has(b)) {
        reached.add(a)
        reached.add(b)
        grew = true
      }
    }
  }
  const apart = ids.filter((id) => !reached.has(id))
  if (apart.length > 0) throw new ApiFailure(400, 'not_adjacent', `ops[${i}]: areas ${apart.join(', ')} share no border with ${ids.filter((id) => reached.has(id)).join(', ')}: not adjacent`)
  await mergeAreas(cx.tx, ids[0], ids)
}

async function applyCreate(cx: Context, i: number, op: Extract<EditOp, { op: 'create' }>): Promise<void> {
  const shape = await clipped(cx, i, op.geometry)
  let code = op.code
  if (code === undefined) {
    const n = (await workingAreas(cx.tx)).length
    code = (await freeCodes(cx, `${cx.parentCode}-`, 1, n + 1))[0]
  } else {
    const inCopy = (await workingAreas(cx.tx)).some((a) => a.code === code)
    const taken = await codesTaken(cx.tx, cx.parent, cx.level, [code])
    if (inCopy || taken.length > 0) throw new ApiFailure(400, 'duplicate_code', `ops[${i}]: code ${code} is already used`)
  }
  await snapshotShapes(cx.tx)
  const temp = cx.nextTemp--
  await createArea(cx.tx, temp, shape, { code, name: op.name, households: op.households ?? 0 })
  if (cx.subLevel) {
    // Coverage holds one level down: the new area gets one sub-area covering all of it.
    const [subCode] = await freeCodes(cx, `${code}-`, 1, 1)
    await addWholeSubArea(cx.tx, cx.nextSubTemp--, temp, { code: subCode, name: `${op.name} 1` })
    await carrySubAreas(cx.tx)
  }
}

export async function applyOp(cx: Context, i: number, op: EditOp): Promise<void> {
  if (op.op === 'reshape') {
    await liveArea(cx, i, op.id)
    const shape = await clipped(cx, i, op.geometry)
    await snapshotShapes(cx.tx)
    await reshapeArea(cx.tx, op.id, shape)
    if (cx.subLevel) await carrySubAreas(cx.tx)
  } else if (op.op === 'split') await applySplit(cx, i, op)
  else if (op.op === 'merge') await applyMerge(cx, i, op)
  else await applyCreate(cx, i, op)
}
