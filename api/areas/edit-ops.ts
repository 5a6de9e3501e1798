/**
 * The SQL of boundary editing (docs/editing.md): a working copy of a parent's children in two
 * temporary tables of the request's transaction, and the ops applied to it one statement at a time,
 * every overlay snap-rounded to COVERAGE_GRID_DEG so that an edge two areas share stays one edge.
 *
 * - edit_areas: the children (id; negative ids for areas the edit creates), their attributes, the
 *   current and the stored shape, and whether the edit removes them.
 * - edit_subs: the children's own children (sub-areas) with the child they belong to now and before.
 */
import { sql, type SQL } from 'drizzle-orm'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import type { RequestTx } from '../lib/scope.ts'
import { COVERAGE_GRID_DEG } from './coverage.ts'

const g = sql`${COVERAGE_GRID_DEG}::float8`

/** The polygonal part of an overlay as a MultiPolygon (the areas column's type). */
export const multi = (geom: SQL) => sql`ST_Multi(ST_CollectionExtract(${geom}, 3))`

/** A GeoJSON geometry from the request, in WGS84. */
export const fromGeoJson = (geometry: unknown) => sql`ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}::text), 4326)`

/** Length in metres of the border two polygons share (snap-rounded, so collinear edges with different vertices still count). */
export const sharedBorderM = (a: SQL, b: SQL) =>
  sql`ST_Length(ST_CollectionExtract(ST_Intersection(ST_Boundary(${a}), ST_Boundary(${b}), ${g}), 2)::geography)`

/** Create the working copy of the children of `parent` at `level` and of their sub-areas. */
export async function loadWorkingCopy(tx: RequestTx, parent: number, level: AreaLevel): Promise<void> {
  await tx.execute(sql`drop table if exists edit_areas, edit_subs`)
  await tx.execute(sql`create temporary table edit_areas on commit drop as
    select a.id, a.code, a.name, a.households, a.geom, a.geom as orig_geom, a.code as orig_code, a.name as orig_name,
      a.households as orig_households, false as removed
    from areas a where a.parent_id = ${parent} and a.level = ${level}`)
  await tx.execute(sql`alter table edit_areas add primary key (id)`)
  await tx.execute(sql`create temporary table edit_subs on commit drop as
    select s.id, s.parent_id as parent_now, s.parent_id as parent_orig, s.geom
    from areas s join edit_areas a on a.id = s.parent_id`)
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
export async function applySplit(
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

/** Per area with sub-areas: m² of its sub-areas (but `skip`) outside it, and sub-areas left on a removed area. */
export const subAreaFactsSql = (skip: Set<number>) => sql`
  select a.id, a.code, a.removed, count(s.id)::int as subs,
    case when a.removed then 0 else ST_Area(ST_Difference(ST_Union(s.geom), a.geom, ${g})::geography) end as left_out_m2
  from edit_areas a join edit_subs s on s.parent_now = a.id and not s.id = any(${sql.param([...skip])}::int[])
  group by a.id, a.code, a.removed, a.geom
  order by a.id`

/** Keep the parent's gaps before the edit (parent minus its stored children) in the temporary table edit_old_gaps. */
export async function saveOldGaps(tx: RequestTx, parent: number, level: AreaLevel): Promise<void> {
  await tx.execute(sql`drop table if exists edit_old_gaps`)
  await tx.execute(sql`create temporary table edit_old_gaps on commit drop as
    select coalesce(ST_Difference(p.geom, (select ST_Union(c.geom) from areas c where c.parent_id = ${parent} and c.level = ${level}), ${g}), p.geom) as geom
    from areas p where p.id = ${parent}`)
}

/**
 * Per gap piece of the result (GeoJSON, numbered k): m² of it outside the gaps before the edit,
 * counting only pieces of at least `minM2` and `minWidthM` wide (2·area/perimeter), so an
 * unchanged gap's edge redrawn to the centimetre opens nothing.
 */
export const newGapM2Sql = (gaps: Array<{ k: number; g: unknown }>, minM2: number, minWidthM: number) => sql`
  select o.k, coalesce((
    select sum(ST_Area(d.geom::geography)) from ST_Dump(ST_CollectionExtract(coalesce(
      ST_Difference(ST_SetSRID(ST_GeomFromGeoJSON(o.g::text), 4326), (select geom from edit_old_gaps), ${g}),
      ST_SetSRID(ST_GeomFromGeoJSON(o.g::text), 4326)), 3)) d
    where ST_Area(d.geom::geography) >= ${minM2}::float8
      and 2 * ST_Area(d.geom::geography) / nullif(ST_Perimeter(d.geom::geography), 0) >= ${minWidthM}::float8), 0)::float8 as m2
  from json_to_recordset(${JSON.stringify(gaps)}::json) as o(k int, g json)`
