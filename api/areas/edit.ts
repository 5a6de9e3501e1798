/**
 * Boundary editing on the map (issue 7; docs/editing.md): POST /areas/:parentId/edit applies ops
 * (reshape, split, merge, create) to a working copy of the parent's children in PostGIS
 * (api/areas/edit-ops.ts), validates the result with the import's coverage check, and then answers
 * it (check), writes it in the request's one transaction (save), or keeps it as a draft (draft).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { requireRole } from '../auth/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'
import { coverageProblemsSql, SLIVER_DEFAULTS } from './coverage.ts'
import * as ops from './edit-ops.ts'
import { BLOCKING_KINDS, problem, ringFault, type ImportProblem } from './import-check.ts'
import { checkParent, CHILD_LEVEL, childrenState, problemSchema } from './import.ts'
import { areaInScope } from './queries.ts'

const MAX_OPS = 100

// ---------------------------------------------------------------------------------------------
// Request

const AreaRef = z
  .number()
  .int()
  .min(-MAX_OPS * 10)
  .max(2_147_483_647)
  .refine((n) => n !== 0, 'an area id (negative: an area created by an earlier op of this edit)')
const PolygonGeometry = z.object({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.any()) }).openapi({ description: 'GeoJSON Polygon or MultiPolygon (WGS84)' })
const LineGeometry = z.object({ type: z.literal('LineString'), coordinates: z.array(z.any()) }).openapi({ description: 'GeoJSON LineString (WGS84)' })

const EditOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('reshape'), id: AreaRef, geometry: PolygonGeometry }),
  z.object({ op: z.literal('split'), id: AreaRef, line: LineGeometry }),
  z.object({ op: z.literal('merge'), ids: z.array(AreaRef).min(2).max(50) }),
  z.object({
    op: z.literal('create'),
    geometry: PolygonGeometry,
    name: z.string().trim().min(1).max(200),
    code: z.string().trim().min(1).max(100).optional(),
    households: z.number().int().min(0).max(2_147_483_647).optional(),
  }),
])
export type EditOp = z.infer<typeof EditOp>

export const EditRequest = z
  .object({
    ops: z.array(EditOp).min(1).max(MAX_OPS),
    mode: z.enum(['check', 'save', 'draft']),
    reason: z.string().trim().min(1).max(500).optional().openapi({ description: 'why, for the boundary history' }),
    draftId: z.uuid().optional().openapi({ description: 'a draft this draft replaces, or this save deletes' }),
    state: z.string().max(64).optional().openapi({ description: 'the `state` of an earlier answer: a save refuses (409) when the children changed since' }),
  })
  .openapi('AreaEditRequest')
export type EditRequest = z.infer<typeof EditRequest>

const ParentParam = z.object({
  parentId: z.coerce.number().int().positive().max(2_147_483_647).openapi({ param: { name: 'parentId', in: 'path' }, example: 1 }),
})

// ---------------------------------------------------------------------------------------------
// Validation of the input geometries (before any computing)

const bad = (i: number, message: string) => new ApiFailure(400, 'invalid_geometry', `ops[${i}]: ${message}`)

/** Structure of each op's geometry: rings closed, ≥ 4 points, lon/lat in range; a line of ≥ 2 distinct points. */
function checkStructure(list: EditOp[]): void {
  list.forEach((op, i) => {
    if (op.op === 'reshape' || op.op === 'create') {
      const polygons = (op.geometry.type === 'Polygon' ? [op.geometry.coordinates] : op.geometry.coordinates) as unknown[]
      if (polygons.length === 0) throw bad(i, 'polygon without rings')
      polygons.forEach((poly, pi) => {
        if (!Array.isArray(poly) || poly.length === 0) throw bad(i, `polygon ${pi + 1} has no rings`)
        poly.forEach((ring, ri) => {
          // ringFault closes an unclosed ring in place; here that is refused, not repaired.
          const fault = ringFault(ring, `polygon ${pi + 1} ring ${ri + 1}`)
          if (fault) throw bad(i, fault.reason)
        })
      })
    } else if (op.op === 'split') {
      const pts = op.line.coordinates
      if (!pts.every((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]))) throw bad(i, 'line coordinates are not [x, y] number pairs')
      const out = (pts as number[][]).find(([x, y]) => Math.abs(x) > 180 || Math.abs(y) > 90)
      if (out) throw bad(i, `line point (${out[0]}, ${out[1]}) is not longitude/latitude`)
      if (new Set((pts as number[][]).map(([x, y]) => `${x} ${y}`)).size < 2) throw bad(i, 'a line needs at least 2 distinct points')
    }
  })
}

/** PostGIS validity of each polygon (ST_IsValidReason), in one query; 400 naming the op. */
async function checkValidity(tx: RequestTx, list: EditOp[]): Promise<void> {
  const geoms = list.flatMap((op, i) => (op.op === 'reshape' || op.op === 'create' ? [{ i, g: op.geometry }] : []))
  if (geoms.length === 0) return
  const { rows } = await tx.execute<{ i: number; reason: string }>(sql`
    select o.i, ST_IsValidReason(ST_GeomFromGeoJSON(o.g::text)) as reason
    from json_to_recordset(${JSON.stringify(geoms)}::json) as o(i int, g json)
    where not ST_IsValid(ST_GeomFromGeoJSON(o.g::text))
    order by o.i limit 1`)
  if (rows.length > 0) throw bad(rows[0].i, `invalid geometry: ${rows[0].reason}`)
}

// ---------------------------------------------------------------------------------------------
// Validation of the result

type CoverageRow = { geometry: unknown; properties: Omit<ImportProblem['properties'], 'blocking'> }

/** The coverage problems of the working copy, with reasons naming areas; a gap blocks where the edit opened it (not a gap before). */
async function coverageProblems(cx: ops.Context): Promise<ImportProblem[]> {
  const { rows } = await cx.tx.execute<{ features: CoverageRow[] }>(
    coverageProblemsSql(
      { parents: sql`select id, geom from areas where id = ${cx.parent}`, kids: sql`select id, ${cx.parent}::int as parent_id, geom from edit_areas where not removed` },
      { sliverM2: SLIVER_DEFAULTS.m2, sliverWidthM: SLIVER_DEFAULTS.widthM },
    ),
  )
  const gaps = rows[0].features.flatMap((r, k) => (r.properties.kind === 'gap' ? [{ k, g: r.geometry }] : []))
  const opened = new Map(
    gaps.length === 0 ? [] : (await cx.tx.execute<{ k: number; m2: number }>(ops.newGapM2Sql(gaps, SLIVER_DEFAULTS.m2, SLIVER_DEFAULTS.widthM))).rows.map((r) => [r.k, r.m2]),
  )
  const areas = new Map((await ops.workingAreas(cx.tx)).map((a) => [a.id, a]))
  const name = (id: number) => (areas.has(id) ? ops.label(areas.get(id)!) : `area ${id}`)
  return rows[0].features.map((r, k) => {
    const p = r.properties
    const newM2 = opened.get(k) ?? 0
    const m2 = `${Math.round(p.area_m2 ?? 0).toLocaleString('en')} m²`
    const reason =
      p.kind === 'invalid' ? `${p.children.length ? name(p.children[0]) : `area ${cx.parent}`}: ${p.reason}`
      : p.kind === 'overlap' ? `${p.children.map(name).join(' and ')} overlap by ${m2}`
      : p.kind === 'outside' ? `${name(p.children[0])} has ${m2} outside area ${cx.parent}`
      : p.kind === 'gap' ? `${m2} of area ${cx.parent} lie in no ${cx.level}${p.children.length ? ` (next to ${p.children.map(name).join(', ')})` : ''}${newM2 > 0 ? `: the edit would open a gap (${Math.round(newM2).toLocaleString('en')} m² of it were covered before)` : ' (a gap before the edit)'}`
      : `sliver (${p.sliver_of}) of ${m2}${p.children.length ? ` at ${p.children.map(name).join(', ')}` : ''}`
    const blocking = BLOCKING_KINDS.has(p.kind) || newM2 > 0
    return { type: 'Feature' as const, geometry: r.geometry, properties: { ...p, blocking, reason } }
  })
}

/**
 * One level down: the sub-areas of every area the edit changes must tile it (no gap the edit opened,
 * no overlap, nothing outside), and no area it removes may keep sub-areas. Below a street or a
 * district the sub-areas have children of their own, which edits do not carry: a changed sub-area
 * there blocks (docs/editing.md, "Sub-areas").
 */
async function subAreaProblems(cx: ops.Context): Promise<ImportProblem[]> {
  const { rows } = await cx.tx.execute<{ id: number; code: string; subs: number }>(ops.subAreaFactsSql)
  const out = rows.map((r) => problem('sub_areas', cx.parent, [r.id], `${ops.label(r)} is covered by other areas and would be removed, but it has ${r.subs} sub-areas`))
  if (!cx.subLevel) return out
  const deeper = CHILD_LEVEL[cx.subLevel]
  if (deeper) {
    for (const s of await ops.reshapedSubs(cx.tx)) {
      const which = s.id < 0 ? `a new ${cx.subLevel} (code ${s.code})` : `${cx.subLevel} #${s.id} (code ${s.code})`
      const why = `${which} of area ${s.parent} would change shape, but an edit of ${cx.level} areas carries only their ${cx.subLevel} areas along, not the ${deeper} areas inside those: edit the ${cx.subLevel} areas first so that no ${cx.subLevel} edge moves`
      out.push(problem('sub_areas', cx.parent, [s.parent], why))
    }
    return out
  }
  return [...out, ...(await subCoverageProblems(cx))]
}

/** The coverage check one level down, on the changed areas; problems of kind sub_areas naming the sub-areas by id. */
async function subCoverageProblems(cx: ops.Context): Promise<ImportProblem[]> {
  const { rows } = await cx.tx.execute<{ features: CoverageRow[] }>(
    coverageProblemsSql({ parents: ops.changedAreasSql, kids: ops.liveSubsSql }, { sliverM2: SLIVER_DEFAULTS.m2, sliverWidthM: SLIVER_DEFAULTS.widthM }),
  )
  // Sub-areas crossed by a split line are reported already.
  const features = rows[0].features.filter((r) => !r.properties.children.some((c) => cx.crossed.has(c)))
  const gaps = features.flatMap((r, k) => (r.properties.kind === 'gap' ? [{ k, g: r.geometry }] : []))
  const opened = new Map(
    gaps.length === 0 ? [] : (await cx.tx.execute<{ k: number; m2: number }>(ops.newGapM2Sql(gaps, SLIVER_DEFAULTS.m2, SLIVER_DEFAULTS.widthM, ops.OLD_GAPS.subs))).rows.map((r) => [r.k, r.m2]),
  )
  const areas = new Map((await ops.workingAreas(cx.tx)).map((a) => [a.id, a]))
  const subs = (ids: number[]) => ids.map((id) => `#${id}`).join(ids.length === 2 ? ' and ' : ', ')
  return features.map((r, k) => {
    const p = r.properties
    const area = areas.has(p.parent) ? ops.label(areas.get(p.parent)!) : `area ${p.parent}`
    const m2 = `${Math.round(p.area_m2 ?? 0).toLocaleString('en')} m²`
    const newM2 = opened.get(k) ?? 0
    const reason =
      p.kind === 'invalid' ? `sub-area ${subs(p.children)} of ${area}: ${p.reason}`
      : p.kind === 'overlap' ? `sub-areas ${subs(p.children)} of ${area} overlap by ${m2}`
      : p.kind === 'outside' ? `sub-area ${subs(p.children)} has ${m2} outside ${area}`
      : p.kind === 'gap' ? `${m2} of ${area} lie in none of its sub-areas${p.children.length ? ` (next to ${subs(p.children)})` : ''}${newM2 > 0 ? ': the edit would open a gap there' : ' (a gap before the edit)'}`
      : `sub-area sliver (${p.sliver_of}) of ${m2} in ${area}${p.children.length ? ` at ${subs(p.children)}` : ''}`
    const blocking = p.kind === 'gap' ? newM2 > 0 : p.kind !== 'sliver'
    return problem('sub_areas', cx.parent, [p.parent], reason, { blocking, area_m2: p.area_m2, width_m: p.width_m, location: p.location, sliver_of: p.sliver_of }, r.geometry)
  })
}

// ---------------------------------------------------------------------------------------------
// The edit

export type EditFeature = {
  type: 'Feature'
  id: number
  geometry: unknown
  properties: { id: number; code: string; name: string; households: number; area_m2: number; action: 'keep' | 'update' | 'insert' | 'remove' }
}

/** A sub-area the edit changes (answer.subs): `parent` is the area it belongs to after the edit (before it, when removed). */
export type EditSubFeature = {
  type: 'Feature'
  id: number
  geometry: unknown
  properties: { id: number; parent: number; code: string; name: string; area_m2: number; action: 'update' | 'insert' | 'remove' }
}

type Named = { id: number; code: string; name: string }

export interface EditAnswer {
  mode: EditRequest['mode']
  parent: number
  level: AreaLevel
  state: string
  result: { type: 'FeatureCollection'; features: EditFeature[] }
  subs: { type: 'FeatureCollection'; features: EditSubFeature[] }
  problems: ImportProblem[]
  summary: { updated: number; inserted: number; removed: number[]; blocking: number; committable: boolean }
  saved?: {
    inserted: Array<{ id: number; code: string; name: string }>
    updated: Array<{ id: number; code: string; name: string }>
    removed: Array<{ id: number; code: string; name: string }>
    sub_areas: { inserted: Named[]; updated: Named[]; removed: Named[] }
    relocated: Record<string, number>
  }
  draftId?: string
}

/** The reason recorded in the boundary history when the request gives none. */
export function defaultReason(list: EditOp[]): string {
  const what = list.map((op) =>
    op.op === 'merge' ? `merge ${op.ids.map((id) => `#${id}`).join(' + ')}` : op.op === 'create' ? `create "${op.name}"` : `${op.op} #${op.id}`,
  )
  return `edit: ${what.join('; ')}`.slice(0, 500)
}

/** The parent's level below it, with the parent in the caller's writable scope (404 otherwise). */
async function editableParent(tx: RequestTx, parent: number): Promise<{ level: AreaLevel; code: string }> {
  const found = await tx.execute<{ level: AreaLevel }>(areaInScope(parent))
  if (found.rows.length === 0) throw new ApiFailure(404, 'not_found', `area ${parent} does not exist`)
  const level = CHILD_LEVEL[found.rows[0].level]
  if (!level) throw new ApiFailure(400, 'no_children', `area ${parent} is a micro-grid: the lowest level has no children to edit`)
  await checkParent(tx, parent, level)
  const code = (await tx.execute<{ code: string }>(sql`select code from areas where id = ${parent}`)).rows[0].code
  return { level, code }
}

/**
 * Apply an edit as the request's user, in its transaction: check, save or keep as a draft. Throws
 * ApiFailure for bad input (400), a stale state (409) and unknown drafts (404); a save with
 * blocking problems answers `blocked` and writes nothing (the caller answers 422).
 */
export async function runEdit(tx: RequestTx, accountId: number, parent: number, body: EditRequest): Promise<{ answer: EditAnswer; blocked: boolean }> {
  const { level, code: parentCode } = await editableParent(tx, parent)
  checkStructure(body.ops)
  await checkValidity(tx, body.ops)
  if (body.draftId && body.mode !== 'check') {
    const d = await tx.execute(sql`select 1 from area_edit_drafts where id = ${body.draftId} and parent_id = ${parent}`)
    if (d.rows.length === 0) throw new ApiFailure(404, 'not_found', `draft ${body.draftId} of area ${parent} does not exist`)
  }
  await tx.execute(sql`select set_config('jit', 'off', true)`)
  // One edit or import per parent at a time (the same lock as api/areas/import.ts).
  if (body.mode === 'save') await tx.execute(sql`select pg_advisory_xact_lock(hashtext('area_import'), ${parent})`)
  const state = (await tx.execute<{ state: string }>(childrenState(parent, level))).rows[0].state
  if (body.mode === 'save' && body.state !== undefined && body.state !== state) {
    throw new ApiFailure(409, 'stale_edit', `area ${parent} or its ${level} areas changed since this edit was checked: load them again`)
  }
  await ops.saveOldGaps(tx, parent, level)
  await ops.loadWorkingCopy(tx, parent, level)
  const subLevel = CHILD_LEVEL[level]
  if (subLevel) await ops.saveOldSubGaps(tx)
  const cx: ops.Context = { tx, parent, level, parentCode, subLevel, nextTemp: -1, nextSubTemp: ops.FIRST_SUB_TEMP_ID, problems: [], crossed: new Set() }
  for (const [i, op] of body.ops.entries()) await ops.applyOp(cx, i, op)

  const problems = [...cx.problems, ...(await coverageProblems(cx)), ...(await subAreaProblems(cx))]
  const features = (await tx.execute<{ features: EditFeature[] }>(ops.resultFeaturesSql)).rows[0].features
  const subs = (await tx.execute<{ features: EditSubFeature[] }>(ops.resultSubsSql)).rows[0].features
  const blocking = problems.filter((p) => p.properties.blocking).length
  const count = (action: EditFeature['properties']['action']) => features.filter((f) => f.properties.action === action)
  const answer: EditAnswer = {
    mode: body.mode,
    parent,
    level,
    state,
    result: { type: 'FeatureCollection', features },
    subs: { type: 'FeatureCollection', features: subs },
    problems,
    summary: { updated: count('update').length, inserted: count('insert').length, removed: count('remove').map((f) => f.id), blocking, committable: blocking === 0 },
  }
  if (body.mode === 'draft') answer.draftId = await storeDraft(tx, accountId, parent, level, body, answer)
  if (body.mode === 'save') {
    if (blocking > 0) return { answer, blocked: true }
    answer.saved = await writeEdit(tx, parent, level, body, features, subs)
    renumber(answer, answer.saved.inserted, answer.saved.sub_areas.inserted)
  }
  return { answer, blocked: false }
}

async function storeDraft(tx: RequestTx, accountId: number, parent: number, level: AreaLevel, body: EditRequest, answer: EditAnswer): Promise<string> {
  const values = { ops: JSON.stringify(body.ops), reason: body.reason ?? null, result: JSON.stringify(answer.result), problems: JSON.stringify(answer.problems) }
  if (body.draftId) {
    await tx.execute(sql`update area_edit_drafts set ops = ${values.ops}::jsonb, reason = ${values.reason}, result = ${values.result}::jsonb,
      problems = ${values.problems}::jsonb, updated_at = now() where id = ${body.draftId}`)
    return body.draftId
  }
  const { rows } = await tx.execute<{ id: string }>(sql`
    insert into area_edit_drafts (account_id, parent_id, level, ops, reason, result, problems)
    values (${accountId}, ${parent}, ${level}, ${values.ops}::jsonb, ${values.reason}, ${values.result}::jsonb, ${values.problems}::jsonb)
    returning id`)
  return rows[0].id
}

/** Write the working copy: inserts, sub-areas re-parented, updates, rows repointed, removals; history reason and one audit row. */
async function writeEdit(tx: RequestTx, parent: number, level: AreaLevel, body: EditRequest, features: EditFeature[], subs: EditSubFeature[]): Promise<NonNullable<EditAnswer['saved']>> {
  const reason = body.reason ?? defaultReason(body.ops)
  await tx.execute(sql`select set_config('app.change_reason', ${reason}, true)`)
  const pick = (action: string) => features.filter((f) => f.properties.action === action).map((f) => ({ id: f.id, code: f.properties.code, name: f.properties.name }))
  const removed = pick('remove')

  // New areas: path = the parent's for now (the policies read it), the new id appended right after (as import does).
  const inserted: Array<{ id: number; code: string; name: string; temp: number }> = []
  if (pick('insert').length > 0) {
    const { rows } = await tx.execute<{ id: number; code: string; name: string }>(sql`
      insert into areas (parent_id, level, code, name, geom, households, path, street_id)
      select p.id, ${level}, w.code, w.name, w.geom, w.households, p.path, p.street_id
      from areas p, edit_areas w where p.id = ${parent} and w.id < 0 and not w.removed
      order by w.id desc
      returning id, code, name`)
    const tempOf = new Map(pick('insert').map((f) => [f.code, f.id]))
    inserted.push(...rows.map((r) => ({ ...r, temp: tempOf.get(r.code)! })))
    await tx.execute(sql`update areas set path = path || id, street_id = case when level = 'street' then id else street_id end
      where id = any(${sql.param(rows.map((r) => r.id))}::int[])`)
    await tx.execute(sql`update edit_subs s set parent_now = m.id
      from json_to_recordset(${JSON.stringify(inserted)}::json) as m(id int, temp int) where s.parent_now = m.temp`)
  }
  const subsInserted = await insertSubAreas(tx, level, subs)
  // Sub-areas (and everything below them) move to their new area: parent, path and, below a district, street.
  await tx.execute(sql`
    update areas d set parent_id = case when d.id = m.id then m.parent_now else d.parent_id end,
      path = array_replace(d.path, m.parent_orig, m.parent_now),
      street_id = case when ${level} = 'street' then m.parent_now else d.street_id end
    from edit_subs m where m.parent_now <> m.parent_orig and d.path @> array[m.id]`)
  const updated = (
    await tx.execute<{ id: number; code: string; name: string }>(sql`
      update areas a set geom = w.geom, code = w.code, name = w.name, households = w.households
      from edit_areas w where a.id = w.id and w.id > 0 and not w.removed
        and (ST_AsEWKB(w.geom) <> ST_AsEWKB(w.orig_geom) or w.name <> w.orig_name or w.households <> w.orig_households)
      returning a.id, a.code, a.name`)
  ).rows
  const finalIds = [...inserted, ...updated].map((r) => r.id)
  const relocated = (
    await tx.execute<{ moved: Record<string, number> }>(sql`
      select area_import_repoint(${parent}, ${level}, ${sql.param(removed.map((r) => r.id))}::int[], ${sql.param(finalIds)}::int[]) as moved`)
  ).rows[0].moved
  const subsWritten = await writeSubAreaShapes(tx, level, relocated)
  if (removed.length > 0) await tx.execute(sql`delete from areas where id = any(${sql.param(removed.map((r) => r.id))}::int[])`)
  if (body.draftId) await tx.execute(sql`delete from area_edit_drafts where id = ${body.draftId}`)
  // The area rows are audited by their statement triggers; this row says which edit made them.
  const detail = { parent, level, reason, ops: body.ops.map((o) => o.op), inserted: inserted.map((r) => r.id), updated: updated.map((r) => r.id), removed: removed.map((r) => r.id) }
  await tx.execute(sql`select audit_record('update', 'area_edit', ${sql.param(finalIds)}::bigint[], ${finalIds.length}, ${JSON.stringify(detail)}::jsonb)`)
  return { inserted: inserted.map(({ id, code, name }) => ({ id, code, name })), updated, removed, sub_areas: { inserted: subsInserted, ...subsWritten }, relocated }
}

/** Insert the sub-areas the edit creates (their areas are stored by now: edit_subs.parent_now holds real ids); edit_subs takes their real ids. */
async function insertSubAreas(tx: RequestTx, level: AreaLevel, subs: EditSubFeature[]): Promise<Named[]> {
  const subLevel = CHILD_LEVEL[level]
  if (!subLevel || !subs.some((f) => f.properties.action === 'insert')) return []
  const { rows } = await tx.execute<Named>(sql`
    insert into areas (parent_id, level, code, name, geom, households, path, street_id)
    select p.id, ${subLevel}, s.code, s.name, s.geom, 0, p.path, p.street_id
    from edit_subs s join areas p on p.id = s.parent_now where s.id < 0 and not s.removed
    order by s.id desc
    returning id, code, name`)
  await tx.execute(sql`update areas set path = path || id where id = any(${sql.param(rows.map((r) => r.id))}::int[])`)
  await tx.execute(sql`update edit_subs s set id = a.id, parent_orig = s.parent_now, orig_geom = s.geom
    from areas a where s.id < 0 and a.id = any(${sql.param(rows.map((r) => r.id))}::int[]) and a.code = s.code`)
  return rows
}

/**
 * Write the sub-areas' new shapes in one statement, after their areas: the follow-boundaries trigger
 * (0020) then re-locates incidents, buildings and stations under their old and new shapes. A removed
 * sub-area first becomes empty there (so nothing is located in it any more), then its people's links
 * go to a successor (area_import_repoint) and it is deleted.
 */
async function writeSubAreaShapes(tx: RequestTx, level: AreaLevel, relocated: Record<string, number>): Promise<{ updated: Named[]; removed: Named[] }> {
  const subLevel = CHILD_LEVEL[level]
  if (!subLevel) return { updated: [], removed: [] }
  const { rows } = await tx.execute<Named & { removed: boolean; parent: number }>(sql`
    update areas a set geom = s.geom from edit_subs s
    where a.id = s.id and s.id > 0 and (s.removed or ST_AsEWKB(s.geom) <> ST_AsEWKB(s.orig_geom))
    returning a.id, a.code, a.name, s.removed, a.parent_id as parent`)
  const removed = rows.filter((r) => r.removed)
  for (const from of new Set(removed.map((r) => r.parent))) {
    const gone = removed.filter((r) => r.parent === from).map((r) => r.id)
    const { rows: moved } = await tx.execute<{ moved: Record<string, number> }>(sql`
      select area_import_repoint(${from}, ${subLevel}, ${sql.param(gone)}::int[],
        array(select id from areas where parent_id = ${from} and level = ${subLevel} and not id = any(${sql.param(gone)}::int[]))) as moved`)
    for (const [k, n] of Object.entries(moved[0].moved)) relocated[k] = (relocated[k] ?? 0) + n
  }
  if (removed.length > 0) await tx.execute(sql`delete from areas where id = any(${sql.param(removed.map((r) => r.id))}::int[])`)
  // Re-parented sub-areas count as updated too (their shape may be the same).
  const moved = (await tx.execute<Named>(sql`select a.id, a.code, a.name from areas a join edit_subs s on s.id = a.id
    where s.parent_orig <> s.parent_now and not s.removed and s.id > 0 and ST_AsEWKB(s.geom) = ST_AsEWKB(s.orig_geom)`)).rows
  const name = ({ id, code, name }: Named) => ({ id, code, name })
  return { updated: [...rows.filter((r) => !r.removed).map(name), ...moved].sort((a, b) => a.id - b.id), removed: removed.map(name) }
}

/** After a save, new areas and sub-areas carry their real ids in the result, the sub-areas and the problems. */
function renumber(answer: EditAnswer, inserted: Array<{ id: number; code: string }>, subsInserted: Array<{ id: number; code: string }>): void {
  const byCode = new Map(inserted.map((r) => [r.code, r.id]))
  const real = new Map(answer.result.features.filter((f) => f.id < 0).map((f) => [f.id, byCode.get(f.properties.code) ?? f.id]))
  for (const f of answer.result.features) {
    if (real.has(f.id)) f.id = f.properties.id = real.get(f.id)!
  }
  const subByCode = new Map(subsInserted.map((r) => [r.code, r.id]))
  for (const f of answer.subs.features) {
    if (f.id < 0) f.id = f.properties.id = subByCode.get(f.properties.code) ?? f.id
    f.properties.parent = real.get(f.properties.parent) ?? f.properties.parent
  }
  for (const p of answer.problems) p.properties.children = p.properties.children.map((c) => real.get(c) ?? c)
}

// ---------------------------------------------------------------------------------------------
// Routes

const Level = z.enum(AREA_LEVELS.slice(1) as [AreaLevel, ...AreaLevel[]])
const NamedSchema = z.object({ id: z.number(), code: z.string(), name: z.string() })
const ProblemSchema = problemSchema('area ids involved (negative: an area the edit creates)')

const EditAnswerSchema = z
  .object({
    mode: z.enum(['check', 'save', 'draft']),
    parent: z.number(),
    level: Level,
    state: z.string().openapi({ description: 'fingerprint of the parent and its children before the edit; send it back with a save' }),
    result: z.object({
      type: z.literal('FeatureCollection'),
      features: z.array(
        z.object({
          type: z.literal('Feature'),
          id: z.number(),
          geometry: z.any(),
          properties: z.object({
            id: z.number(),
            code: z.string(),
            name: z.string(),
            households: z.number(),
            area_m2: z.number(),
            action: z.enum(['keep', 'update', 'insert', 'remove']),
          }),
        }),
      ),
    }),
    subs: z
      .object({
        type: z.literal('FeatureCollection'),
        features: z.array(
          z.object({
            type: z.literal('Feature'),
            id: z.number(),
            geometry: z.any(),
            properties: z.object({ id: z.number(), parent: z.number(), code: z.string(), name: z.string(), area_m2: z.number(), action: z.enum(['update', 'insert', 'remove']) }),
          }),
        ),
      })
      .openapi({ description: 'the sub-areas (children of the edited areas) the edit changes, carried along one level down; never children of the parent' }),
    problems: z.array(ProblemSchema),
    summary: z.object({ updated: z.number(), inserted: z.number(), removed: z.array(z.number()), blocking: z.number(), committable: z.boolean() }),
    saved: z
      .object({
        inserted: z.array(NamedSchema),
        updated: z.array(NamedSchema),
        removed: z.array(NamedSchema),
        sub_areas: z.object({ inserted: z.array(NamedSchema), updated: z.array(NamedSchema), removed: z.array(NamedSchema) }),
        relocated: z.record(z.string(), z.number()),
      })
      .optional(),
    draftId: z.string().optional(),
  })
  .openapi('AreaEditAnswer')

const DraftSchema = z
  .object({
    id: z.string(),
    parent: z.number(),
    level: Level,
    ops: z.array(z.any()),
    reason: z.string().nullable(),
    problems_count: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('AreaEditDraft')

const editRoute = createRoute({
  method: 'post',
  path: '/{parentId}/edit',
  tags: ['areas'],
  summary: 'Edit the children of an area (reshape, split, merge, create): check the result, save it, or keep it as a draft',
  middleware: [requireRole('admin', 'commander')] as const,
  request: { params: ParentParam, body: { required: true, content: { 'application/json': { schema: EditRequest } } } },
  responses: {
    200: { description: 'The edited children and their problems (and what was saved, or the draft id)', content: { 'application/json': { schema: EditAnswerSchema } } },
    409: errorResponse('The children changed since `state` was answered'),
    422: errorResponse('A save with blocking problems (`error: coverage_broken`, listed in `problems`); nothing written'),
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const listDraftsRoute = createRoute({
  method: 'get',
  path: '/{parentId}/edit/drafts',
  tags: ['areas'],
  summary: 'The caller’s boundary edit drafts of an area, newest first',
  middleware: [requireRole('admin', 'commander')] as const,
  request: { params: ParentParam },
  responses: { 200: { description: 'Drafts', content: { 'application/json': { schema: z.array(DraftSchema) } } }, ...forbidden, ...notFound, ...errorResponses },
})

const deleteDraftRoute = createRoute({
  method: 'delete',
  path: '/edit/drafts/{id}',
  tags: ['areas'],
  summary: 'Delete a boundary edit draft (its author, or an admin)',
  middleware: [requireRole('admin', 'commander')] as const,
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 204: { description: 'Deleted' }, ...forbidden, ...notFound, ...errorResponses },
})

export const areaEditRoutes = newRouter()
  .openapi(deleteDraftRoute, async (c) => {
    const { id } = c.req.valid('param')
    // Someone else's draft is invisible (RLS) and answers like a missing one.
    const del = await c.get('tx').execute(sql`delete from area_edit_drafts where id = ${id}`)
    if (del.rowCount === 0) throw new ApiFailure(404, 'not_found', `draft ${id} does not exist`)
    return c.body(null, 204)
  })
  .openapi(listDraftsRoute, async (c) => {
    const { parentId } = c.req.valid('param')
    const tx = c.get('tx')
    await editableParent(tx, parentId)
    const { rows } = await tx.execute<z.infer<typeof DraftSchema>>(sql`
      select id, parent_id as parent, level, ops, reason, jsonb_array_length(problems) as problems_count,
        to_json(created_at)#>>'{}' as created_at, to_json(updated_at)#>>'{}' as updated_at
      from area_edit_drafts where parent_id = ${parentId} and account_id = ${c.get('user').id}
      order by updated_at desc, id`)
    return c.json(rows, 200)
  })
  .openapi(editRoute, async (c) => {
    const { parentId } = c.req.valid('param')
    const { answer, blocked } = await runEdit(c.get('tx'), c.get('user').id, parentId, c.req.valid('json'))
    if (blocked) {
      const reasons = answer.problems.filter((p) => p.properties.blocking).map((p) => p.properties.reason)
      const message = `the edit would break the coverage of area ${parentId}: ${reasons.slice(0, 5).join('; ')}${reasons.length > 5 ? '; …' : ''}`
      return c.json({ error: 'coverage_broken', message, problems: answer.problems }, 422)
    }
    return c.json(answer, 200)
  })
