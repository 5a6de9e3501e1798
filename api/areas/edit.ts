/**
 * Boundary editing on the map (issue 7; docs/editing.md): POST /areas/:parentId/edit applies ops
 * (reshape, split, merge, create) to a working copy of the parent's children in PostGIS
 * (api/areas/edit-ops.ts), validates the result with the import's coverage check, and then answers
 * it (check), writes it in the request's one transaction (save), or keeps it as a draft (draft).
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { requireRole } from '../auth/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'
import { coverageProblemsSql, SLIVER_DEFAULTS } from './coverage.ts'
import * as ops from './edit-ops.ts'
import { BLOCKING_KINDS, problem, ringFault, type ImportProblem } from './import-check.ts'
import { checkParent, CHILD_LEVEL, childrenState, codesTaken, SUB_AREA_TOLERANCE_M2 } from './import.ts'
import { areaInScope } from './queries.ts'

/** A sub-area cut by a split line by more than this (m²) on two sides blocks the split. */
const CROSSED_TOLERANCE_M2 = 1

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
type EditOp = z.infer<typeof EditOp>

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
// Applying the ops

interface Context {
  tx: RequestTx
  parent: number
  level: AreaLevel
  parentCode: string
  nextTemp: number
  /** Problems found while applying (sub-areas crossed by a split line). */
  problems: ImportProblem[]
  /** Sub-areas crossed by a split line (left out of the generic sub-area check). */
  crossed: Set<number>
}

const label = (a: { id: number; code: string }) => (a.id < 0 ? `new area ${a.id} (code ${a.code})` : `area #${a.id} (code ${a.code})`)

/** The live (not removed) area `id` of the working copy, or 400. */
async function liveArea(cx: Context, i: number, id: number): Promise<ops.WorkingArea> {
  const a = (await ops.workingAreas(cx.tx)).find((w) => w.id === id)
  if (!a || a.removed) {
    const what = id < 0 ? 'no earlier op of this edit created it' : `it is not a ${cx.level} of area ${cx.parent}`
    throw new ApiFailure(400, 'unknown_area', `ops[${i}]: area ${id} cannot be edited: ${a?.removed ? 'an earlier op removed it' : what}`)
  }
  return a
}

/** The shape of a reshape or create, clipped to the parent; 400 when nothing of it lies inside. */
async function clipped(cx: Context, i: number, geometry: unknown): Promise<SQL> {
  const hex = await ops.clipToParent(cx.tx, cx.parent, ops.fromGeoJson(geometry))
  if (hex === null) throw new ApiFailure(400, 'outside_parent', `ops[${i}]: the geometry lies outside area ${cx.parent}`)
  return ops.ewkb(hex)
}

/** `n` codes `<base><k>` free in the working copy and district-wide, counting k from `from`. */
async function freeCodes(cx: Context, base: string, n: number, from: number): Promise<string[]> {
  const used = new Set((await cx.tx.execute<{ code: string }>(sql`select code from edit_areas union select orig_code from edit_areas where orig_code is not null`)).rows.map((r) => r.code))
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
  const pieces = await ops.splitPieces(cx.tx, op.id, ops.fromGeoJson(op.line))
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
  await ops.applySplit(cx.tx, op.id, created, { k: keepKs, households: hh[0] })

  // Sub-areas go to the piece holding most of them; one cut by the line is a blocking problem.
  const ownerOf = new Map<number, number>([...keepKs.map((k) => [k, op.id] as const), ...created.map((c) => [c.k[0], c.temp] as const)])
  const inPieces = await ops.subAreasInPieces(cx.tx, op.id)
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
  await ops.moveSubAreas(cx.tx, moves)
}

async function applyMerge(cx: Context, i: number, op: Extract<EditOp, { op: 'merge' }>): Promise<void> {
  const ids = [...new Set(op.ids)]
  if (ids.length < 2) throw new ApiFailure(400, 'invalid_merge', `ops[${i}]: merge needs at least two different areas`)
  for (const id of ids) await liveArea(cx, i, id)
  // Connected by shared borders: every area reachable from the first.
  const pairs = await ops.adjacentPairs(cx.tx, ids)
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
  await ops.mergeAreas(cx.tx, ids[0], ids)
}

async function applyCreate(cx: Context, i: number, op: Extract<EditOp, { op: 'create' }>): Promise<void> {
  const shape = await clipped(cx, i, op.geometry)
  let code = op.code
  if (code === undefined) {
    const n = (await ops.workingAreas(cx.tx)).length
    code = (await freeCodes(cx, `${cx.parentCode}-`, 1, n + 1))[0]
  } else {
    const inCopy = (await ops.workingAreas(cx.tx)).some((a) => a.code === code)
    const taken = await codesTaken(cx.tx, cx.parent, cx.level, [code])
    if (inCopy || taken.length > 0) throw new ApiFailure(400, 'duplicate_code', `ops[${i}]: code ${code} is already used`)
  }
  await ops.createArea(cx.tx, cx.nextTemp--, shape, { code, name: op.name, households: op.households ?? 0 })
}

async function applyOp(cx: Context, i: number, op: EditOp): Promise<void> {
  if (op.op === 'reshape') {
    await liveArea(cx, i, op.id)
    await ops.reshapeArea(cx.tx, op.id, await clipped(cx, i, op.geometry))
  } else if (op.op === 'split') await applySplit(cx, i, op)
  else if (op.op === 'merge') await applyMerge(cx, i, op)
  else await applyCreate(cx, i, op)
}

// ---------------------------------------------------------------------------------------------
// Validation of the result

type CoverageRow = { geometry: unknown; properties: Omit<ImportProblem['properties'], 'blocking'> }

/** The coverage problems of the working copy, with reasons naming areas; a gap blocks where the edit opened it (not a gap before). */
async function coverageProblems(cx: Context): Promise<ImportProblem[]> {
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
  const name = (id: number) => (areas.has(id) ? label(areas.get(id)!) : `area ${id}`)
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

/** Sub-areas left outside their re-drawn area (≥ SUB_AREA_TOLERANCE_M2), or on an area the edit removes. */
async function subAreaProblems(cx: Context): Promise<ImportProblem[]> {
  const { rows } = await cx.tx.execute<{ id: number; code: string; removed: boolean; subs: number; left_out_m2: number }>(ops.subAreaFactsSql(cx.crossed))
  return rows.flatMap((r) => {
    if (r.removed) return [problem('sub_areas', cx.parent, [r.id], `${label(r)} is covered by other areas and would be removed, but it has ${r.subs} sub-areas`)]
    if (r.left_out_m2 >= SUB_AREA_TOLERANCE_M2) return [problem('sub_areas', cx.parent, [r.id], `${Math.round(r.left_out_m2)} m² of the ${r.subs} sub-areas of ${label(r)} lie outside its new shape`)]
    return []
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

export interface EditAnswer {
  mode: EditRequest['mode']
  parent: number
  level: AreaLevel
  state: string
  result: { type: 'FeatureCollection'; features: EditFeature[] }
  problems: ImportProblem[]
  summary: { updated: number; inserted: number; removed: number[]; blocking: number; committable: boolean }
  saved?: {
    inserted: Array<{ id: number; code: string; name: string }>
    updated: Array<{ id: number; code: string; name: string }>
    removed: Array<{ id: number; code: string; name: string }>
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
  const cx: Context = { tx, parent, level, parentCode, nextTemp: -1, problems: [], crossed: new Set() }
  for (const [i, op] of body.ops.entries()) await applyOp(cx, i, op)

  const problems = [...cx.problems, ...(await coverageProblems(cx)), ...(await subAreaProblems(cx))]
  const features = (await tx.execute<{ features: EditFeature[] }>(ops.resultFeaturesSql)).rows[0].features
  const blocking = problems.filter((p) => p.properties.blocking).length
  const count = (action: EditFeature['properties']['action']) => features.filter((f) => f.properties.action === action)
  const answer: EditAnswer = {
    mode: body.mode,
    parent,
    level,
    state,
    result: { type: 'FeatureCollection', features },
    problems,
    summary: { updated: count('update').length, inserted: count('insert').length, removed: count('remove').map((f) => f.id), blocking, committable: blocking === 0 },
  }
  if (body.mode === 'draft') answer.draftId = await storeDraft(tx, accountId, parent, level, body, answer)
  if (body.mode === 'save') {
    if (blocking > 0) return { answer, blocked: true }
    answer.saved = await writeEdit(tx, parent, level, body, features)
    renumber(answer, answer.saved.inserted)
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
async function writeEdit(tx: RequestTx, parent: number, level: AreaLevel, body: EditRequest, features: EditFeature[]): Promise<NonNullable<EditAnswer['saved']>> {
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
  if (removed.length > 0) await tx.execute(sql`delete from areas where id = any(${sql.param(removed.map((r) => r.id))}::int[])`)
  if (body.draftId) await tx.execute(sql`delete from area_edit_drafts where id = ${body.draftId}`)
  // The area rows are audited by their statement triggers; this row says which edit made them.
  const detail = { parent, level, reason, ops: body.ops.map((o) => o.op), inserted: inserted.map((r) => r.id), updated: updated.map((r) => r.id), removed: removed.map((r) => r.id) }
  await tx.execute(sql`select audit_record('update', 'area_edit', ${sql.param(finalIds)}::bigint[], ${finalIds.length}, ${JSON.stringify(detail)}::jsonb)`)
  return { inserted: inserted.map(({ id, code, name }) => ({ id, code, name })), updated, removed, relocated }
}

/** After a save, new areas carry their real ids in the result and the problems. */
function renumber(answer: EditAnswer, inserted: Array<{ id: number; code: string }>): void {
  const byCode = new Map(inserted.map((r) => [r.code, r.id]))
  const real = new Map(answer.result.features.filter((f) => f.id < 0).map((f) => [f.id, byCode.get(f.properties.code) ?? f.id]))
  for (const f of answer.result.features) {
    if (real.has(f.id)) f.id = f.properties.id = real.get(f.id)!
  }
  for (const p of answer.problems) p.properties.children = p.properties.children.map((c) => real.get(c) ?? c)
}

// ---------------------------------------------------------------------------------------------
// Routes

const Level = z.enum(AREA_LEVELS.slice(1) as [AreaLevel, ...AreaLevel[]])
const Named = z.object({ id: z.number(), code: z.string(), name: z.string() })
const ProblemSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.any(),
  properties: z.object({
    kind: z.enum(['invalid', 'gap', 'overlap', 'outside', 'sliver', 'attribute', 'duplicate_code', 'sub_areas']),
    blocking: z.boolean(),
    area_m2: z.number().nullable(),
    width_m: z.number().nullable(),
    parent: z.number(),
    children: z.array(z.number()).openapi({ description: 'area ids involved (negative: an area the edit creates)' }),
    reason: z.string().nullable(),
    location: z.tuple([z.number(), z.number()]).nullable(),
    sliver_of: z.enum(['gap', 'overlap', 'outside']).nullable(),
  }),
})

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
    problems: z.array(ProblemSchema),
    summary: z.object({ updated: z.number(), inserted: z.number(), removed: z.array(z.number()), blocking: z.number(), committable: z.boolean() }),
    saved: z
      .object({ inserted: z.array(Named), updated: z.array(Named), removed: z.array(Named), relocated: z.record(z.string(), z.number()) })
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
