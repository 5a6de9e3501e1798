import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { MultiPolygon, Polygon } from 'geojson'
import type { InferResponseType } from 'hono/client'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import type { ImportField } from '../../api/areas/import-check.ts'
import { okJson } from '../app/api.ts'
import { client, type AreaDetail } from '../app/client.ts'
import { inScope, type User } from '../auth/queries.ts'

/** The preview answer of POST /api/areas/import (docs/import.md). */
export type ImportPreview = InferResponseType<typeof client.areas.import.$post, 200>
export type ImportCommit = InferResponseType<(typeof client.areas.import)[':previewId']['commit']['$post'], 200>
export type ImportFeature = ImportPreview['features']['features'][number]
/** A preview problem with an id (its 1-based place in the answer) so the list and the map can name it. */
export type ImportProblem = ImportPreview['problems'][number] & { id: number }
export type ImportProblemKind = ImportProblem['properties']['kind']
export type { ImportField }
export type ImportMapping = Partial<Record<ImportField, string>>
export type ImportCrs = 'wgs84' | 'gcj02'
export type ExportFormat = 'geojson' | 'shp' | 'csv'

/** A polygon geometry the map can draw, or null (the API answers a file's geometry as it is, even when it is not one). */
export function polygonOf(g: unknown): Polygon | MultiPolygon | null {
  const t = (g as { type?: unknown } | null)?.type
  return (t === 'Polygon' || t === 'MultiPolygon') && Array.isArray((g as { coordinates?: unknown }).coordinates) ? (g as Polygon | MultiPolygon) : null
}

/** The level right below `level`, or undefined for the lowest. */
export function childLevel(level: AreaLevel): AreaLevel | undefined {
  return AREA_LEVELS[AREA_LEVELS.indexOf(level) + 1]
}

/**
 * May the user import the children of this area? The API's rule (area_import_allowed() in
 * 0022_area_import.sql): admins anywhere, commanders for an area inside their scope (their street
 * itself included: its communities are inside it); and only where a level lies below.
 */
export function canImportInto(user: User, d: AreaDetail): boolean {
  if (!childLevel(d.level)) return false
  if (user.role === 'admin') return true
  return user.role === 'commander' && inScope(user, d.ancestors.map((a) => a.id), d.id)
}

/** Every role may export the children of an area in its scope (GET /api/areas/export answers 404 outside it). */
export function canExport(user: User, d: AreaDetail): boolean {
  return !!childLevel(d.level) && d.children.length > 0 && inScope(user, d.ancestors.map((a) => a.id), d.id)
}

/** Download address of an area's children in one format (an attachment; the session cookie goes along). */
export function areaExportUrl(parent: number, format: ExportFormat): string {
  return `/api/areas/export?${new URLSearchParams({ parent: String(parent), format })}`
}

/** Upload a file for a preview; only the mapping fields the user filled are sent (the others are guessed by the API). */
export function previewAreaImport(r: { parent: number; level: AreaLevel; file: File; mapping: ImportMapping; crs: ImportCrs }): Promise<ImportPreview> {
  const form: Parameters<typeof client.areas.import.$post>[0]['form'] = {
    file: r.file,
    level: r.level as Exclude<AreaLevel, 'district'>,
    parent: String(r.parent),
    crs: r.crs,
  }
  const mapping = Object.fromEntries(Object.entries(r.mapping).filter(([, col]) => col?.trim()).map(([f, col]) => [f, col!.trim()]))
  if (Object.keys(mapping).length) form.mapping = JSON.stringify(mapping)
  return okJson(client.areas.import.$post({ form }))
}

/** Typed columns wait this long for the next key before the file is previewed again. */
const MAPPING_DEBOUNCE_MS = 500

/** The import of the selected area's children: file, options, preview, commit; read by the area panel and the map. */
export interface AreaImport {
  /** The area whose children are imported, while the dialog is open. */
  areaId?: number
  file: File | null
  /** Changes when the file is forgotten (discard, commit), so the file input empties too and the same file can be chosen again. */
  fileKey: number
  mapping: ImportMapping
  crs: ImportCrs
  preview?: ImportPreview
  /** The preview's problems with ids; the map draws those with a polygon. */
  problems: ImportProblem[]
  previewError: Error | null
  previewing: boolean
  committed?: ImportCommit
  commitError: Error | null
  committing: boolean
  selectedProblem?: number
  open(areaId: number, level: AreaLevel): void
  choose(file: File | null): void
  setMapping(field: ImportField, column: string): void
  setCrs(crs: ImportCrs): void
  select(problemId: number | undefined): void
  commit(): void
  /** Forget the file and its preview (the server drops an uncommitted preview when it expires). */
  discard(): void
  close(): void
}

/**
 * State of a boundary import, kept in the shell (like the coverage check) because the panel lists
 * the preview and the map draws it. Every change of file, mapping or coordinate system previews
 * again; another area closes the dialog.
 */
export function useAreaImport(selectedId: number | undefined): AreaImport {
  const qc = useQueryClient()
  const [target, setTarget] = useState<{ areaId: number; level: AreaLevel } | undefined>()
  const [file, setFile] = useState<File | null>(null)
  const [fileKey, setFileKey] = useState(0)
  const [mapping, setMappingState] = useState<ImportMapping>({})
  const [crs, setCrs] = useState<ImportCrs>('wgs84')
  const [selectedProblem, setSelectedProblem] = useState<number | undefined>()

  const preview = useMutation({ mutationFn: previewAreaImport })
  const commitRun = useMutation({
    mutationFn: (previewId: string) => okJson(client.areas.import[':previewId'].commit.$post({ param: { previewId } })),
    onSuccess: async () => {
      preview.reset()
      setFile(null)
      setFileKey((k) => k + 1)
      setSelectedProblem(undefined)
      // New boundaries: every area layer, panel, coverage answer and per-area figure is out of date.
      await Promise.all(['areas', 'area', 'area-coverage', 'analytics', 'incidents'].map((k) => qc.invalidateQueries({ queryKey: [k] })))
    },
  })

  const reset = useCallback(() => {
    setFile(null)
    setFileKey((k) => k + 1)
    setMappingState({})
    setSelectedProblem(undefined)
    preview.reset()
    commitRun.reset()
  }, [preview.reset, commitRun.reset])

  // Another area closes the dialog (adjusting state on a prop change, as useCoverageCheck does).
  const [forArea, setForArea] = useState(selectedId)
  if (forArea !== selectedId) {
    setForArea(selectedId)
    setTarget(undefined)
    reset()
  }

  const mappingKey = JSON.stringify(mapping)
  const mutatePreview = preview.mutate
  const level = target ? childLevel(target.level) : undefined
  useEffect(() => {
    if (!target || !file || !level) return
    const typed = JSON.parse(mappingKey) as ImportMapping
    // Only the newest preview is shown: TanStack's mutation observer follows the last mutate().
    const run = () => mutatePreview({ parent: target.areaId, level, file, mapping: typed, crs })
    const h = setTimeout(run, Object.keys(typed).length ? MAPPING_DEBOUNCE_MS : 0)
    return () => clearTimeout(h)
  }, [target, level, file, mappingKey, crs, mutatePreview])

  const problems = useMemo(() => (preview.data?.problems ?? []).map((p, i) => ({ ...p, id: i + 1 })), [preview.data])
  const previewId = preview.data?.previewId
  const mutateCommit = commitRun.mutate
  return {
    areaId: target?.areaId,
    file,
    fileKey,
    mapping,
    crs,
    preview: preview.data,
    problems,
    previewError: preview.error,
    previewing: preview.isPending,
    committed: commitRun.data,
    commitError: commitRun.error,
    committing: commitRun.isPending,
    selectedProblem,
    open: useCallback((areaId: number, lvl: AreaLevel) => {
      reset()
      setTarget({ areaId, level: lvl })
    }, [reset]),
    choose: useCallback((f: File | null) => {
      preview.reset()
      commitRun.reset()
      setSelectedProblem(undefined)
      setFile(f)
    }, [preview.reset, commitRun.reset]),
    setMapping: useCallback((field: ImportField, column: string) => {
      // Emptied: back to the API's guess for that field.
      setMappingState(({ [field]: _, ...rest }) => (column ? { ...rest, [field]: column } : rest))
    }, []),
    setCrs,
    select: setSelectedProblem,
    commit: useCallback(() => {
      if (previewId) mutateCommit(previewId)
    }, [previewId, mutateCommit]),
    discard: reset,
    close: useCallback(() => {
      setTarget(undefined)
      reset()
    }, [reset]),
  }
}
