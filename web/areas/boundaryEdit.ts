import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { LineString, MultiPolygon, Polygon, Position } from 'geojson'
import { useCallback, useMemo, useState } from 'react'
import type { InferRequestType, InferResponseType } from 'hono/client'
import { ApiError, ensureOk, okJson } from '../app/api.ts'
import { client, type AreaDetail, type WithGeometry } from '../app/client.ts'
import type { User } from '../auth/queries.ts'
import type { AreaLevel } from '../../geo-data/generate/types.ts'
import { canImportInto, childLevel } from './areaImport.ts'
import { exactVertexLookup, verticesOf } from './editGeometry.ts'
import { areasQuery } from './queries.ts'

/** An op as the panel builds it: GeoJSON-typed, and assignable to the API's op (checked below). */
export type EditOp =
  | { op: 'reshape'; id: number; geometry: Polygon | MultiPolygon }
  | { op: 'split'; id: number; line: LineString }
  | { op: 'merge'; ids: number[] }
  | { op: 'create'; geometry: Polygon; name: string; code?: string; households?: number }
type EditRequest = InferRequestType<EditEndpoint['$post']>['json']
const opsFitTheApi: EditOp[] extends EditRequest['ops'] ? true : false = true
void opsFitTheApi
export type EditMode = EditRequest['mode']

type EditEndpoint = (typeof client.areas)[':parentId']['edit']
/** The answer of POST /api/areas/{parentId}/edit (docs/editing.md), its result narrowed to polygons. */
export type EditAnswer = Omit<InferResponseType<EditEndpoint['$post'], 200>, 'result'> & {
  result: WithGeometry<InferResponseType<EditEndpoint['$post'], 200>['result'], Polygon | MultiPolygon>
}
export type EditFeature = EditAnswer['result']['features'][number]
/** A sub-area (micro-grid of an edited grid...) the edit changes, carried along one level down. */
export type EditSubFeature = WithGeometry<EditAnswer['subs'], Polygon | MultiPolygon>['features'][number]
export type EditAction = EditFeature['properties']['action']
export type EditProblem = EditAnswer['problems'][number]
/** The 422 answer: the route's schema declares only `{error, message}`; its `problems` are the answer's problems (api/areas/edit.ts). */
type Refusal = InferResponseType<EditEndpoint['$post'], 422> & { problems?: EditProblem[] }
export type EditDraft = InferResponseType<EditEndpoint['drafts']['$get'], 200>[number]

/** A problem with an id (its 1-based place in the answer) so the list and the map can name it. */
export type EditProblemListed = EditProblem & { id: number }
export type EditTool = 'select' | 'draw' | 'split' | 'merge'
export type EditNotice = 'split_misses'

/** A save refused because the edit would break coverage (422 coverage_broken): nothing was written. */
export class CoverageRefused extends ApiError {
  constructor(message: string, readonly problems: EditProblem[]) {
    super(422, 'coverage_broken', message)
  }
}

/** Run the ops on the parent's children: check (nothing written), save, or keep as a draft. */
export async function postEdit(parentId: number, body: EditRequest): Promise<EditAnswer> {
  const res = await client.areas[':parentId'].edit.$post({ param: { parentId: String(parentId) }, json: body })
  if (res.status === 422) {
    const refused = (await res.json()) as Refusal
    throw refused.error === 'coverage_broken' ? new CoverageRefused(refused.message, refused.problems ?? []) : new ApiError(422, refused.error, refused.message)
  }
  await ensureOk(res as unknown as Response)
  return (await res.json()) as EditAnswer
}

/** Drafts kept for edits of the parent's children, newest first. */
export const editDraftsQuery = (parentId: number | undefined) =>
  queryOptions({
    queryKey: ['area-edit-drafts', parentId ?? null],
    queryFn: ({ signal }) =>
      okJson(client.areas[':parentId'].edit.drafts.$get({ param: { parentId: String(parentId) } }, { init: { signal } })),
    enabled: parentId !== undefined,
    staleTime: 0,
  })

/**
 * Areas of one level inside the parent (its children, or their sub-areas) from the export, whose
 * coordinates are exact (15 decimals; the map's area layers round to 6, about 10 cm, the edit's
 * answers to 7): a split line snapped to sub-area corners runs exactly along their edges, which
 * the server requires, and ops send the stored corners the user did not move.
 */
const exactAreasQuery = (parentId: number | undefined, level: AreaLevel | undefined) =>
  queryOptions({
    queryKey: ['areas', 'edit-sub-areas', parentId ?? null, level ?? null],
    queryFn: async ({ signal }) => {
      const res = await client.areas.export.$get({ query: { parent: String(parentId), level: level as Exclude<AreaLevel, 'district'>, format: 'geojson' } }, { init: { signal } })
      await ensureOk(res as unknown as Response)
      return (await res.json()) as unknown as { features: { geometry: Polygon | MultiPolygon }[] }
    },
    enabled: parentId !== undefined && level !== undefined,
    staleTime: 60_000,
  })

async function deleteDraft(id: string): Promise<void> {
  await ensureOk((await client.areas.edit.drafts[':id'].$delete({ param: { id } })) as unknown as Response)
}

/** May the user edit the children of this area on the map? The same rule as the import (admins; commanders inside their street). */
export const canEditBoundaries = (user: User, d: AreaDetail) => d.children.length > 0 && canImportInto(user, d)

/** What the last save wrote, shown in the panel after edit mode is left. */
export interface EditSaved {
  parentId: number
  saved: NonNullable<EditAnswer['saved']>
}

/** Boundary editing of one area's children (issue 7): read by the panel, the map layers and terra-draw. */
export interface BoundaryEdit {
  /** The area whose children are edited, while edit mode is on. */
  parentId?: number
  tool: EditTool
  ops: EditOp[]
  /** The children as the ops leave them: the last check's result, or today's children before any op. */
  features: EditFeature[]
  /** Sub-areas the ops change (drawn thin under the children). */
  subs: EditSubFeature[]
  /** Problems of the last check, or of a refused save (which the map draws). */
  problems: EditProblemListed[]
  answer?: EditAnswer
  checking: boolean
  error: Error | null
  /** Something the user did that made no op (a split line that cuts no child). */
  notice: EditNotice | null
  /** Corners of the children's own sub-areas (micro-grids of grids...): a split line snaps to them, so it can run along their edges. */
  subAreaVertices: Position[]
  /** The exact stored vertex a rounded coordinate stands for (or the coordinate itself when none is near). */
  exactVertex(p: Position): Position
  /** Children picked for a merge (in the merge tool). */
  mergePicks: number[]
  /** A polygon just drawn, waiting for its name. */
  pendingCreate: Polygon | null
  draftId?: string
  saving: boolean
  /** The last save refused with these problems (422); the edits are kept. */
  refused: CoverageRefused | null
  draftSaved: boolean
  lastSaved?: EditSaved
  selectedProblem?: number
  start(parent: { id: number; level: AreaLevel; bbox: readonly number[] }): void
  cancel(): void
  setTool(tool: EditTool): void
  addOp(op: EditOp): void
  undo(): void
  toggleMergePick(id: number): void
  mergePicked(): void
  requestCreate(polygon: Polygon): void
  create(name: string, code?: string): void
  dismissCreate(): void
  notify(notice: EditNotice): void
  save(reason: string): void
  saveDraft(reason: string): void
  openDraft(draft: EditDraft): void
  selectProblem(id: number | undefined): void
}

const NO_SUBS: EditSubFeature[] = []

/** Query keys a saved edit makes stale: every area layer, panel, history, coverage answer and per-area figure. */
const STALE_AFTER_SAVE = ['areas', 'area', 'area-coverage', 'area-edit-drafts', 'analytics', 'incidents']

/**
 * State of boundary editing, kept in the shell (like the import) because the panel lists the ops
 * and problems, the map draws the result, and terra-draw edits it. Every op runs a check of the
 * whole list (mode "check"); another area leaves edit mode.
 */
export function useBoundaryEdit(selectedId: number | undefined): BoundaryEdit {
  const qc = useQueryClient()
  // One edit session per "edit boundaries"; a check of an earlier session is never shown.
  const [session, setSession] = useState(0)
  const [parent, setParent] = useState<{ id: number; level: AreaLevel; bbox: readonly number[] } | undefined>()
  const parentId = parent?.id
  const [tool, setToolState] = useState<EditTool>('select')
  const [ops, setOps] = useState<EditOp[]>([])
  const [mergePicks, setMergePicks] = useState<number[]>([])
  const [pendingCreate, setPendingCreate] = useState<Polygon | null>(null)
  const [draftId, setDraftId] = useState<string | undefined>()
  const [notice, setNotice] = useState<EditNotice | null>(null)
  const [lastSaved, setLastSaved] = useState<EditSaved | undefined>()
  const [selectedProblem, setSelectedProblem] = useState<number | undefined>()

  // Every change of the op list checks the whole list again (undo finds its answer cached). The
  // map keeps drawing the last result of this session while the next check runs; the panel shows
  // only the answer for the ops as they are.
  const check = useQuery({
    queryKey: ['area-edit-check', session, parentId ?? null, ops],
    queryFn: () => postEdit(parentId!, { ops, mode: 'check' }),
    enabled: parentId !== undefined && ops.length > 0,
    placeholderData: (prev, prevQuery) => (prevQuery?.queryKey[1] === session ? prev : undefined),
    staleTime: Infinity,
    retry: false,
  })
  const saveRun = useMutation({
    mutationFn: (r: { parentId: number; ops: EditOp[]; reason: string; draftId?: string; state?: string }) =>
      postEdit(r.parentId, { ops: r.ops, mode: 'save', reason: r.reason || undefined, draftId: r.draftId, state: r.state }),
    onSuccess: async (answer) => {
      setLastSaved(answer.saved ? { parentId: answer.parent, saved: answer.saved } : undefined)
      leave()
      await Promise.all(STALE_AFTER_SAVE.map((k) => qc.invalidateQueries({ queryKey: [k] })))
    },
  })
  const draftRun = useMutation({
    mutationFn: (r: { parentId: number; ops: EditOp[]; reason: string; draftId?: string }) =>
      postEdit(r.parentId, { ops: r.ops, mode: 'draft', reason: r.reason || undefined, draftId: r.draftId }),
    onSuccess: async (answer) => {
      if (answer.draftId) setDraftId(answer.draftId)
      await qc.invalidateQueries({ queryKey: ['area-edit-drafts'] })
    },
  })

  const children = useQuery(areasQuery({ parent: parentId }, parentId !== undefined))
  // The children's own sub-areas, loaded with edit mode so their corners are there when a split line is drawn.
  const subLevel = parent ? childLevel(childLevel(parent.level) ?? 'micro_grid') : undefined
  const subAreas = useQuery(exactAreasQuery(parentId, subLevel))
  const subAreaVertices = useMemo(() => (subLevel ? verticesOf(subAreas.data?.features ?? []) : []), [subAreas.data, subLevel])
  const exactChildren = useQuery(exactAreasQuery(parentId, parent ? childLevel(parent.level) : undefined))
  const exactVertex = useMemo(
    () => exactVertexLookup([...verticesOf(exactChildren.data?.features ?? []), ...subAreaVertices]),
    [exactChildren.data, subAreaVertices],
  )

  const resetRuns = useCallback(() => {
    saveRun.reset()
    draftRun.reset()
  }, [saveRun.reset, draftRun.reset])

  const leave = useCallback(() => {
    setParent(undefined)
    setOps([])
    setMergePicks([])
    setPendingCreate(null)
    setDraftId(undefined)
    setNotice(null)
    setSelectedProblem(undefined)
    setToolState('select')
    setSession((n) => n + 1)
    qc.removeQueries({ queryKey: ['area-edit-check'] })
    draftRun.reset()
  }, [qc, draftRun.reset])

  // Another area leaves edit mode and forgets the last save's note (adjusting state on a prop change).
  const [forArea, setForArea] = useState(selectedId)
  if (forArea !== selectedId) {
    setForArea(selectedId)
    setParent(undefined)
    setOps([])
    setMergePicks([])
    setPendingCreate(null)
    setDraftId(undefined)
    setLastSaved(undefined)
  }

  const drawn = ops.length ? check.data : undefined
  const answer = check.isPlaceholderData ? undefined : drawn
  const features = useMemo<EditFeature[]>(() => {
    if (drawn) return drawn.result.features
    return (children.data?.features ?? []).map((f) => ({
      type: 'Feature',
      id: f.properties.id,
      geometry: f.geometry,
      properties: { id: f.properties.id, code: f.properties.code, name: f.properties.name, households: f.properties.households, area_m2: 0, action: 'keep' },
    }))
  }, [drawn, children.data])
  const refused = saveRun.error instanceof CoverageRefused ? saveRun.error : null
  const problems = useMemo<EditProblemListed[]>(
    () => (refused?.problems ?? answer?.problems ?? []).map((p, i) => ({ ...p, id: i + 1 })),
    [refused, answer],
  )

  const addOp = useCallback((op: EditOp) => {
    setNotice(null)
    setSelectedProblem(undefined)
    saveRun.reset()
    draftRun.reset()
    setOps((list) => [...list, op])
  }, [saveRun.reset, draftRun.reset])

  return {
    parentId,
    tool,
    ops,
    features,
    problems,
    answer,
    checking: check.isFetching || (parentId !== undefined && children.isPending),
    notice,
    error: (ops.length ? check.error : null) ?? (refused ? null : saveRun.error) ?? draftRun.error ?? children.error,
    subAreaVertices,
    exactVertex,
    subs: (drawn?.subs.features ?? NO_SUBS) as EditSubFeature[],
    mergePicks,
    pendingCreate,
    draftId,
    saving: saveRun.isPending || draftRun.isPending,
    refused,
    draftSaved: draftRun.isSuccess,
    lastSaved: parentId === undefined ? lastSaved : undefined,
    selectedProblem,
    start: useCallback((p: { id: number; level: AreaLevel; bbox: readonly number[] }) => {
      leave()
      resetRuns()
      setLastSaved(undefined)
      setParent(p)
    }, [leave, resetRuns]),
    cancel: useCallback(() => {
      leave()
      saveRun.reset()
    }, [leave, saveRun.reset]),
    setTool: useCallback((t: EditTool) => {
      setToolState(t)
      setMergePicks([])
      setPendingCreate(null)
      setNotice(null)
    }, []),
    addOp,
    undo: useCallback(() => {
      setNotice(null)
      saveRun.reset()
      setOps((list) => list.slice(0, -1))
    }, [saveRun.reset]),
    toggleMergePick: useCallback((id: number) => setMergePicks((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id])), []),
    mergePicked: useCallback(() => {
      if (mergePicks.length < 2) return
      addOp({ op: 'merge', ids: mergePicks })
      setMergePicks([])
    }, [mergePicks, addOp]),
    requestCreate: useCallback((polygon: Polygon) => setPendingCreate(polygon), []),
    create: useCallback((name: string, code?: string) => {
      if (!pendingCreate) return
      addOp({ op: 'create', geometry: pendingCreate, name, ...(code ? { code } : {}) })
      setPendingCreate(null)
    }, [pendingCreate, addOp]),
    dismissCreate: useCallback(() => setPendingCreate(null), []),
    notify: setNotice,
    save: useCallback((reason: string) => {
      if (parentId !== undefined && ops.length) saveRun.mutate({ parentId, ops, reason, draftId, state: check.data?.state })
    }, [parentId, ops, draftId, check.data?.state, saveRun.mutate]),
    saveDraft: useCallback((reason: string) => {
      if (parentId !== undefined && ops.length) draftRun.mutate({ parentId, ops, reason, draftId })
    }, [parentId, ops, draftId, draftRun.mutate]),
    openDraft: useCallback((draft: EditDraft) => {
      setNotice(null)
      saveRun.reset()
      draftRun.reset()
      setMergePicks([])
      setPendingCreate(null)
      setDraftId(draft.id)
      setOps(draft.ops)
    }, [saveRun.reset, draftRun.reset]),
    selectProblem: setSelectedProblem,
  }
}

/** Delete a kept draft; the list is asked again. */
export function useDeleteDraft() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: deleteDraft,
    onSuccess: () => qc.invalidateQueries({ queryKey: ['area-edit-drafts'] }),
  })
}
