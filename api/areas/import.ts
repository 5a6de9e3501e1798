/**
 * Boundary import (issue 7; docs/import.md): POST /areas/import reads a GeoJSON or zipped
 * Shapefile, maps its attributes, checks it against the parent in PostGIS (the coverage check of
 * api/areas/coverage.ts run on the file's features) and stores a preview; POST
 * /areas/import/:previewId/commit replaces the parent's children at that level with it, in the
 * request's one transaction.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { requireRole } from '../auth/routes.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponse, errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import type { RequestTx } from '../lib/scope.ts'
import { COVERAGE_GRID_DEG, coverageProblemsSql, SLIVER_DEFAULTS } from './coverage.ts'
import { BLOCKING_KINDS, IMPORT_FIELDS, mapFeatures, problem, type ImportProblem, type MappedFeature } from './import-check.ts'
import { areaInScope } from './queries.ts'
import { readBoundaryFile } from './upload.ts'

/** How long a preview can be committed. */
export const PREVIEW_TTL_MINUTES = 60

/** A sub-area may stick out of its re-drawn area by less than this (m²) before the import is refused. */
export const SUB_AREA_TOLERANCE_M2 = 1

/** A file with more columns than this lists only the first ones (a mapping may still name any). */
const MAX_FILE_COLUMNS = 100

export const CHILD_LEVEL: Partial<Record<AreaLevel, AreaLevel>> = { district: 'street', street: 'community', community: 'grid', grid: 'micro_grid' }

const ImportableLevel = z.enum(AREA_LEVELS.slice(1) as [AreaLevel, ...AreaLevel[]])

// ---------------------------------------------------------------------------------------------
// SQL

/** The mapped features with a usable geometry as a select of (id = fid, parent_id, code, geom). */
export function featuresSource(parent: number, features: MappedFeature[]): SQL {
  const rows = features.filter((f) => f.geometry !== null).map((f) => ({ fid: f.fid, code: f.code, geometry: f.geometry }))
  return sql`select f.fid as id, ${parent}::int as parent_id, f.code,
      ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f.geometry::text), 4326)) as geom
    from json_to_recordset(${JSON.stringify(rows)}::json) as f(fid int, code text, geometry json)`
}

/** Fingerprint of the parent's shape and its children at `level` (ids, codes, shapes): a commit refuses a preview made before a change. */
export const childrenState = (parent: number, level: AreaLevel) => sql`
  select md5(coalesce((select md5(ST_AsEWKB(p.geom)) from areas p where p.id = ${parent}), '') ||
    coalesce(string_agg(a.id || ':' || a.code || ':' || md5(ST_AsEWKB(a.geom)), ',' order by a.id), '')) as state
  from areas a where a.parent_id = ${parent} and a.level = ${level}`

/** Per feature: whether it touches the parent, whether it would with x and y swapped, its area. */
const featureFacts = (parent: number, source: SQL) => sql`
  with p as (select geom from areas where id = ${parent}),
  f as (select id, case when ST_IsValid(geom) then geom else ST_CollectionExtract(ST_MakeValid(geom), 3) end as geom from (${source}) s)
  select f.id as fid, ST_Intersects(f.geom, p.geom) as touches,
    not ST_Intersects(f.geom, p.geom) and ST_Intersects(ST_FlipCoordinates(f.geom), p.geom) as swapped,
    ST_Area(f.geom::geography) as m2
  from f, p`

/**
 * The parent's children at `level` today, matched by code to the file: how many sub-areas each
 * has, and for a matched one with sub-areas, how many m² of them its new shape would leave out.
 */
const existingChildren = (parent: number, level: AreaLevel, source: SQL) => sql`
  with f as (${source}),
  e as (select a.id, a.code, a.name, a.geom, (select count(*) from areas s where s.parent_id = a.id)::int as subs
        from areas a where a.parent_id = ${parent} and a.level = ${level})
  select e.id, e.code, e.name, e.subs, f.id as fid,
    case when f.id is not null and e.subs > 0 then ST_Area(ST_Difference(
      (select ST_Union(s.geom) from areas s where s.parent_id = e.id),
      case when ST_IsValid(f.geom) then f.geom else ST_CollectionExtract(ST_MakeValid(f.geom), 3) end,
      ${COVERAGE_GRID_DEG}::float8)::geography) end as left_out_m2
  from e left join f on f.code = e.code
  order by e.id`

type Existing = {
  id: number
  code: string
  name: string
  subs: number
  fid: number | null
  left_out_m2: number | null
}

/** Problems of the existing children: removing one with sub-areas, or re-drawing one so its sub-areas fall outside. */
function subAreaProblems(parent: number, existing: Existing[]): ImportProblem[] {
  const out: ImportProblem[] = []
  for (const e of existing) {
    if (e.subs === 0) continue
    if (e.fid === null) {
      out.push(problem('sub_areas', parent, [e.id], `area #${e.id} (code ${e.code}, ${e.name}) has ${e.subs} sub-areas and is not in the file (no feature with its code): an import cannot remove it`))
    } else if ((e.left_out_m2 ?? 0) >= SUB_AREA_TOLERANCE_M2) {
      out.push(problem('sub_areas', parent, [e.id], `feature ${e.fid} re-draws area #${e.id} (code ${e.code}) so that ${Math.round(e.left_out_m2!)} m² of its ${e.subs} sub-areas lie outside it`))
    }
  }
  return out
}

export async function codesTaken(tx: RequestTx, parent: number, level: AreaLevel, codes: string[]): Promise<string[]> {
  const { rows } = await tx.execute<{ taken: string[] }>(sql`select area_codes_taken(${parent}, ${level}, ${sql.param(codes)}::text[]) as taken`)
  return rows[0].taken
}

/** Parent in the user's writable scope and the level right below it; 404 / 400 otherwise. */
export async function checkParent(tx: RequestTx, parent: number, level: AreaLevel): Promise<void> {
  const found = await tx.execute<{ level: AreaLevel }>(areaInScope(parent))
  const allowed = found.rows.length > 0 && (await tx.execute<{ ok: boolean }>(sql`select area_import_allowed(${parent}) as ok`)).rows[0].ok
  // Out of scope answers like a missing area.
  if (!allowed) throw new ApiFailure(404, 'not_found', `area ${parent} does not exist`)
  const below = CHILD_LEVEL[found.rows[0].level]
  if (below !== level) {
    throw new ApiFailure(400, 'invalid_level', `area ${parent} is a ${found.rows[0].level}: its children are ${below ?? 'none (the lowest level)'}, not ${level}`)
  }
}

const kindLabel = (p: ImportProblem['properties']) => `${p.kind === 'sliver' ? `sliver (${p.sliver_of})` : p.kind}`

/** The coverage check's problems with feature numbers as children, each with a reason naming them. */
function describeCoverage(raw: Array<{ geometry: unknown; properties: Omit<ImportProblem['properties'], 'blocking'> }>, facts: Map<number, Fact>, byFid: Map<number, MappedFeature>): ImportProblem[] {
  const name = (fid: number) => `feature ${fid}${byFid.get(fid)?.code ? ` (code ${byFid.get(fid)!.code})` : ''}`
  return raw.map((r) => {
    const p = r.properties
    const m2 = `${Math.round(p.area_m2 ?? 0).toLocaleString('en')} m²`
    let reason: string
    if (p.kind === 'invalid') reason = p.children.length ? `${name(p.children[0])}: ${p.reason}` : `the parent's own boundary is invalid: ${p.reason}`
    else if (p.kind === 'overlap') reason = `${p.children.map(name).join(' and ')} overlap by ${m2}`
    else if (p.kind === 'outside') {
      const fact = facts.get(p.children[0])
      reason = fact?.swapped
        ? `${name(p.children[0])} lies outside the parent, but inside it with x and y exchanged: the coordinates look swapped (lat, lon instead of lon, lat)`
        : `${name(p.children[0])} has ${m2} outside the parent${fact && !fact.touches ? ' (all of it)' : ''}`
    } else if (p.kind === 'gap') reason = `${m2} of the parent lie in no feature${p.children.length ? ` (next to ${p.children.map(name).join(', ')})` : ''}`
    else reason = `${kindLabel({ ...p, blocking: false })} of ${m2}${p.children.length ? ` at ${p.children.map(name).join(', ')}` : ''}`
    return { type: 'Feature', geometry: r.geometry, properties: { ...p, blocking: BLOCKING_KINDS.has(p.kind), reason } }
  })
}

/** Attribute names of the file's features in the order first seen (at most MAX_FILE_COLUMNS): the choices of a mapping. */
function fileColumns(features: Array<{ properties: Record<string, unknown> }>): string[] {
  const seen = new Set<string>()
  for (const f of features) {
    for (const k of Object.keys(f.properties)) {
      if (seen.size >= MAX_FILE_COLUMNS) return [...seen]
      seen.add(k)
    }
  }
  return [...seen]
}

type Fact = {
  fid: number
  touches: boolean
  swapped: boolean
  m2: number
}

// ---------------------------------------------------------------------------------------------
// Routes

const ImportForm = z
  .object({
    file: z.any().openapi({ type: 'string', format: 'binary', description: 'GeoJSON FeatureCollection or a zip with one Shapefile (.shp, .shx, .dbf, .prj, .cpg)' }),
    level: ImportableLevel.openapi({ description: 'level of the imported areas: the one right below the parent' }),
    parent: z.coerce.number().int().positive().max(2_147_483_647),
    mapping: z.string().optional().openapi({ description: `JSON object from field (${IMPORT_FIELDS.join(', ')}) to the file's column, e.g. {"name":"NAME","code":"CODE","households":"HH"}` }),
    crs: z.enum(['wgs84', 'gcj02']).optional().openapi({ description: 'coordinates are WGS84 or GCJ-02 lon/lat; required for a Shapefile without .prj; gcj02 converts to WGS84' }),
  })
  .openapi('AreaImportForm')

/** A problem feature of an import preview or a boundary edit; `children` says what its numbers are. */
export const problemSchema = (children: string) =>
  z.object({
    type: z.literal('Feature'),
    geometry: z.any(),
    properties: z.object({
      kind: z.enum(['invalid', 'gap', 'overlap', 'outside', 'sliver', 'attribute', 'duplicate_code', 'sub_areas']),
      blocking: z.boolean(),
      area_m2: z.number().nullable(),
      width_m: z.number().nullable(),
      parent: z.number(),
      children: z.array(z.number()).openapi({ description: children }),
      reason: z.string().nullable(),
      location: z.tuple([z.number(), z.number()]).nullable(),
      sliver_of: z.enum(['gap', 'overlap', 'outside']).nullable(),
    }),
  })

const ProblemSchema = problemSchema('feature numbers (1-based, file order); for sub_areas, ids of existing areas').openapi('AreaImportProblem')

const PreviewSchema = z
  .object({
    previewId: z.string(),
    expires_at: z.string(),
    parent: z.number(),
    level: ImportableLevel,
    features: z.object({
      type: z.literal('FeatureCollection'),
      features: z.array(
        z.object({
          type: z.literal('Feature'),
          id: z.number(),
          geometry: z.any(),
          properties: z.object({
            fid: z.number(),
            code: z.string(),
            name: z.string(),
            households: z.number(),
            area_m2: z.number().nullable(),
            action: z.enum(['insert', 'update']).openapi({ description: 'update: an existing child with this code keeps its id' }),
            problems: z.array(z.object({ kind: z.string(), blocking: z.boolean(), reason: z.string().nullable() })),
          }),
        }),
      ),
    }),
    problems: z.array(ProblemSchema),
    summary: z.object({
      format: z.enum(['geojson', 'shapefile']),
      crs: z.string(),
      encoding: z.string().nullable(),
      columns: z.record(z.string(), z.string().nullable()),
      file_columns: z.array(z.string()).openapi({ description: 'the columns (attribute names) found in the file, first seen first, for choosing a mapping' }),
      features: z.number(),
      blocking: z.number(),
      warnings: z.number(),
      committable: z.boolean(),
      insert: z.number(),
      update: z.number(),
      remove: z.array(z.object({ id: z.number(), code: z.string(), name: z.string() })),
    }),
  })
  .openapi('AreaImportPreview')

const CommitSchema = z
  .object({
    parent: z.number(),
    level: ImportableLevel,
    inserted: z.array(z.object({ id: z.number(), code: z.string(), name: z.string() })),
    updated: z.array(z.object({ id: z.number(), code: z.string(), name: z.string() })),
    removed: z.array(z.object({ id: z.number(), code: z.string(), name: z.string() })),
    relocated: z.record(z.string(), z.number()).openapi({ description: 'rows moved off removed areas (incidents, buildings, stations, people_links, user_links, patrol_tasks)' }),
  })
  .openapi('AreaImportCommit')

const previewRoute = createRoute({
  method: 'post',
  path: '/import',
  tags: ['areas'],
  summary: 'Preview a boundary import (multipart: file, level, parent, mapping, crs): features in WGS84 with their problems; nothing is written to areas',
  middleware: [requireRole('admin', 'commander')] as const,
  request: { body: { required: true, content: { 'multipart/form-data': { schema: ImportForm } } } },
  responses: {
    200: { description: 'The preview', content: { 'application/json': { schema: PreviewSchema } } },
    413: errorResponse('Upload larger than the body limit'),
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const commitRoute = createRoute({
  method: 'post',
  path: '/import/{previewId}/commit',
  tags: ['areas'],
  summary: 'Commit a preview: the parent’s children at that level become the file’s features, all or nothing',
  middleware: [requireRole('admin', 'commander')] as const,
  request: { params: z.object({ previewId: z.uuid().openapi({ param: { name: 'previewId', in: 'path' } }) }) },
  responses: {
    200: { description: 'What was written', content: { 'application/json': { schema: CommitSchema } } },
    409: errorResponse('The parent changed since the preview, a code is taken, or a removed area has sub-areas'),
    410: errorResponse('The preview expired'),
    422: errorResponse('The preview has blocking problems (listed in `problems`)'),
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

const MappingSchema = z.partialRecord(z.enum(IMPORT_FIELDS), z.string().min(1).max(100))

function parseMapping(raw: string | undefined) {
  if (!raw) return {}
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    throw new ApiFailure(400, 'invalid_mapping', 'mapping: not JSON')
  }
  const parsed = MappingSchema.safeParse(json)
  if (!parsed.success) throw new ApiFailure(400, 'invalid_mapping', `mapping: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
  return parsed.data
}

interface StoredPreview {
  parent_id: number
  level: AreaLevel
  features: MappedFeature[]
  blocking: ImportProblem[]
  children_state: string
  expired: boolean
}

export const areaImportRoutes = newRouter()
  .openapi(previewRoute, async (c) => {
    const form = c.req.valid('form')
    const tx = c.get('tx')
    const file = form.file as unknown
    if (!(file instanceof File)) throw new ApiFailure(400, 'invalid_request', 'file: attach the GeoJSON or zip as the form field "file"')
    const mapping = parseMapping(form.mapping)
    const { parent, level } = form
    await checkParent(tx, parent, level)
    const read = await readBoundaryFile(new Uint8Array(await file.arrayBuffer()), form.crs)
    if (read.features.length === 0) throw new ApiFailure(400, 'empty_file', 'the file has no features')
    const { mapped, problems: own, columns } = mapFeatures(read.features, mapping, parent)
    const byFid = new Map(mapped.map((f) => [f.fid, f]))
    const source = featuresSource(parent, mapped)

    await tx.execute(sql`select set_config('jit', 'off', true)`)
    const cov = await tx.execute<{ features: Array<{ geometry: unknown; properties: Omit<ImportProblem['properties'], 'blocking'> }> }>(
      coverageProblemsSql({ parents: sql`select id, geom from areas where id = ${parent}`, kids: source }, { sliverM2: SLIVER_DEFAULTS.m2, sliverWidthM: SLIVER_DEFAULTS.widthM }),
    )
    const facts = new Map((await tx.execute<Fact>(featureFacts(parent, source))).rows.map((f) => [f.fid, f]))
    const existing = (await tx.execute<Existing>(existingChildren(parent, level, source))).rows
    const taken = await codesTaken(tx, parent, level, [...new Set(mapped.map((f) => f.code).filter(Boolean))])
    const problems = [
      ...own,
      ...describeCoverage(cov.rows[0].features, facts, byFid),
      ...taken.map((code) =>
        problem('duplicate_code', parent, mapped.filter((f) => f.code === code).map((f) => f.fid), `code ${code} is already used by an area that is not a ${level} of area ${parent}`),
      ),
      ...subAreaProblems(parent, existing),
    ]
    const blocking = problems.filter((p) => p.properties.blocking)
    const matched = new Set(existing.filter((e) => e.fid !== null).map((e) => e.code))
    const removed = existing.filter((e) => e.fid === null).map(({ id, code, name }) => ({ id, code, name }))
    const summary = {
      format: read.format,
      crs: read.crs,
      encoding: read.encoding,
      columns,
      file_columns: fileColumns(read.features),
      features: mapped.length,
      blocking: blocking.length,
      warnings: problems.length - blocking.length,
      committable: blocking.length === 0,
      insert: mapped.filter((f) => !matched.has(f.code)).length,
      update: mapped.filter((f) => matched.has(f.code)).length,
      remove: removed,
    }
    const state = (await tx.execute<{ state: string }>(childrenState(parent, level))).rows[0].state
    // Previews of this user that can no longer be committed go when a new one is made.
    await tx.execute(sql`delete from area_import_previews where expires_at < now()`)
    const stored = await tx.execute<{ id: string; expires_at: string }>(sql`
      insert into area_import_previews (account_id, parent_id, level, features, blocking, children_state, summary, expires_at)
      values (${c.get('user').id}, ${parent}, ${level}, ${JSON.stringify(mapped)}::jsonb, ${JSON.stringify(blocking)}::jsonb, ${state},
        ${JSON.stringify(summary)}::jsonb, now() + make_interval(mins => ${PREVIEW_TTL_MINUTES}))
      returning id, to_json(expires_at)#>>'{}' as expires_at`)

    const perFeature = new Map<number, Array<{ kind: string; blocking: boolean; reason: string | null }>>()
    for (const p of problems) {
      if (p.properties.kind === 'sub_areas') continue
      for (const fid of p.properties.children) perFeature.set(fid, [...(perFeature.get(fid) ?? []), { kind: p.properties.kind, blocking: p.properties.blocking, reason: p.properties.reason }])
    }
    return c.json(
      {
        previewId: stored.rows[0].id,
        expires_at: stored.rows[0].expires_at,
        parent,
        level,
        features: {
          type: 'FeatureCollection' as const,
          features: mapped.map((f) => ({
            type: 'Feature' as const,
            id: f.fid,
            geometry: f.geometry ?? read.features[f.fid - 1].geometry,
            properties: {
              fid: f.fid,
              code: f.code,
              name: f.name,
              households: f.households,
              area_m2: facts.has(f.fid) ? Math.round(facts.get(f.fid)!.m2 * 1000) / 1000 : null,
              action: matched.has(f.code) ? ('update' as const) : ('insert' as const),
              problems: perFeature.get(f.fid) ?? [],
            },
          })),
        },
        problems,
        summary,
      },
      200,
    )
  })
  .openapi(commitRoute, async (c) => {
    const { previewId } = c.req.valid('param')
    const tx = c.get('tx')
    const found = await tx.execute<StoredPreview & Record<string, unknown>>(sql`
      select parent_id, level, features, blocking, children_state, expires_at < now() as expired, summary from area_import_previews where id = ${previewId}`)
    // Someone else's preview is invisible (RLS) and answers like a missing one.
    if (found.rows.length === 0) throw new ApiFailure(404, 'not_found', `import preview ${previewId} does not exist`)
    const pv = found.rows[0]
    if (pv.expired) throw new ApiFailure(410, 'preview_expired', `import preview ${previewId} expired; upload the file again`)
    const parent = pv.parent_id
    const level = pv.level
    await checkParent(tx, parent, level)
    if (pv.blocking.length > 0) {
      const message = `the import has ${pv.blocking.length} blocking problem(s): ${pv.blocking.slice(0, 5).map((p) => p.properties.reason).join('; ')}${pv.blocking.length > 5 ? '; …' : ''}`
      return c.json({ error: 'import_blocked', message, problems: pv.blocking }, 422)
    }
    // One import per parent at a time; the second waits, then finds the state changed.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('area_import'), ${parent})`)
    const state = (await tx.execute<{ state: string }>(childrenState(parent, level))).rows[0].state
    if (state !== pv.children_state) throw new ApiFailure(409, 'stale_preview', `area ${parent} or its ${level} areas changed since the preview: upload the file again`)

    // Why, for the boundary history (0026): a generated set of micro-grids or an imported file.
    const summary = (pv as { summary?: { source?: string; target?: number; format?: string; crs?: string } }).summary ?? {}
    const reason = summary.source === 'generate' ? `generated micro-grids (target ${summary.target} households)` : `import (${summary.format ?? 'file'}${summary.crs ? `, ${summary.crs}` : ''})`
    await tx.execute(sql`select set_config('app.change_reason', ${reason}, true)`)

    const features = pv.features
    const source = featuresSource(parent, features)
    const existing = (await tx.execute<Existing>(existingChildren(parent, level, source))).rows
    const sub = subAreaProblems(parent, existing)
    if (sub.length > 0) throw new ApiFailure(409, 'has_sub_areas', sub.map((p) => p.properties.reason).join('; '))
    const taken = await codesTaken(tx, parent, level, features.map((f) => f.code))
    if (taken.length > 0) throw new ApiFailure(409, 'duplicate_code', `codes already used elsewhere: ${taken.join(', ')}`)

    const matched = new Map(existing.filter((e) => e.fid !== null).map((e) => [e.code, e]))
    const removed = existing.filter((e) => e.fid === null)
    const rows = (fs: MappedFeature[]) => JSON.stringify(fs.map((f) => ({ ...f, geometry: f.geometry })))
    const recordset = (fs: MappedFeature[]) =>
      sql`json_to_recordset(${rows(fs)}::json) as f(fid int, code text, name text, households int, geometry json)`
    const geomOf = sql`ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f.geometry::text), 4326))`

    const toInsert = features.filter((f) => !matched.has(f.code))
    const inserted: Array<{ id: number; code: string; name: string }> = []
    if (toInsert.length > 0) {
      // path = the parent's for now (the policies read it); the new id is appended right after.
      const ins = await tx.execute<{ id: number; code: string; name: string }>(sql`
        insert into areas (parent_id, level, code, name, geom, households, path, street_id)
        select p.id, ${level}, f.code, f.name, ${geomOf}, f.households, p.path, p.street_id
        from areas p, ${recordset(toInsert)} where p.id = ${parent}
        order by f.fid
        returning id, code, name`)
      inserted.push(...ins.rows)
      await tx.execute(sql`update areas set path = path || id, street_id = case when level = 'street' then id else street_id end
        where id = any(${sql.param(inserted.map((r) => r.id))}::int[])`)
    }
    const toUpdate = features.filter((f) => matched.has(f.code))
    const updated: Array<{ id: number; code: string; name: string }> = []
    if (toUpdate.length > 0) {
      const upd = await tx.execute<{ id: number; code: string; name: string }>(sql`
        update areas a set geom = ${geomOf}, name = f.name, households = f.households
        from ${recordset(toUpdate)}
        where a.parent_id = ${parent} and a.level = ${level} and a.code = f.code
        returning a.id, a.code, a.name`)
      updated.push(...upd.rows)
    }
    const finalIds = [...inserted, ...updated].map((r) => r.id)
    const relocated = (
      await tx.execute<{ moved: Record<string, number> }>(sql`
        select area_import_repoint(${parent}, ${level}, ${sql.param(removed.map((r) => r.id))}::int[], ${sql.param(finalIds)}::int[]) as moved`)
    ).rows[0].moved
    if (removed.length > 0) await tx.execute(sql`delete from areas where id = any(${sql.param(removed.map((r) => r.id))}::int[])`)
    await tx.execute(sql`delete from area_import_previews where id = ${previewId}`)
    // The area rows are audited by their statement triggers; this row says which import made them.
    const detail = { preview: previewId, parent, level, inserted: inserted.length, updated: updated.length, removed: removed.map((r) => r.id) }
    await tx.execute(sql`select audit_record('update', 'area_import', ${sql.param(finalIds)}::bigint[], ${finalIds.length}, ${JSON.stringify(detail)}::jsonb)`)
    return c.json(
      { parent, level, inserted, updated, removed: removed.map(({ id, code, name }) => ({ id, code, name })), relocated },
      200,
    )
  })
