import { useMutation, useQueryClient } from '@tanstack/react-query'
import type { MultiPolygon } from 'geojson'
import type { InferResponseType } from 'hono/client'
import { useCallback, useState } from 'react'
import { okJson } from '../app/api.ts'
import { client, type WithGeometry } from '../app/client.ts'
import type { User } from '../auth/queries.ts'

type GeneratedBody = InferResponseType<(typeof client.areas)[':id']['microgrids']['generate']['$post'], 200>

/** A generated partition (docs/microgrids.md): pieces as MultiPolygons with households, buildings, code, action. */
export type MicrogridPreview = Omit<GeneratedBody, 'features'> & { features: WithGeometry<GeneratedBody['features'], MultiPolygon> }
export type MicrogridPiece = MicrogridPreview['features']['features'][number]

/** Who may generate and accept micro-grids (the API's requireRole on the route and the import commit). */
export const canGenerateMicrogrids = (u: User | null | undefined) => !!u && (u.role === 'admin' || u.role === 'commander')

export interface MicrogridGeneration {
  /** The preview of the selected grid, if the user generated one (a preview of another area is not shown). */
  preview?: MicrogridPreview
  error: Error | null
  generating: boolean
  committing: boolean
  /** The last accepted generation: how many micro-grids the grid has now. */
  accepted?: number
  generate(gridId: number, target: number): void
  accept(): void
  discard(): void
}

/**
 * State of micro-grid generation for the selected grid, kept in the shell because the area panel
 * (target, list, accept) and the map (preview layer) both read it. Changing area forgets it; the
 * server keeps an unaccepted preview until it expires.
 */
export function useMicrogridGeneration(selectedId: number | undefined): MicrogridGeneration {
  const qc = useQueryClient()
  const [preview, setPreview] = useState<MicrogridPreview | undefined>()
  const [accepted, setAccepted] = useState<number | undefined>()
  const [forArea, setForArea] = useState(selectedId)
  if (forArea !== selectedId) {
    setForArea(selectedId)
    setPreview(undefined)
    setAccepted(undefined)
  }
  const gen = useMutation({
    mutationFn: ({ gridId, target }: { gridId: number; target: number }) =>
      okJson(client.areas[':id'].microgrids.generate.$post({ param: { id: String(gridId) }, json: { target } })).then((p) => p as unknown as MicrogridPreview),
    onSuccess: (p) => {
      setAccepted(undefined)
      setPreview(p)
    },
  })
  const commit = useMutation({
    mutationFn: (previewId: string) => okJson(client.areas.import[':previewId'].commit.$post({ param: { previewId } })),
    onSuccess: async (done) => {
      setPreview(undefined)
      setAccepted(done.inserted.length + done.updated.length)
      // The grid's children, totals and every area layer changed.
      await Promise.all([qc.invalidateQueries({ queryKey: ['area'] }), qc.invalidateQueries({ queryKey: ['areas'] }), qc.invalidateQueries({ queryKey: ['area-coverage'] })])
    },
  })
  const generate = useCallback((gridId: number, target: number) => gen.mutate({ gridId, target }), [gen.mutate])
  const accept = useCallback(() => {
    if (preview) commit.mutate(preview.previewId)
  }, [preview, commit.mutate])
  const discard = useCallback(() => {
    setPreview(undefined)
    gen.reset()
    commit.reset()
  }, [gen.reset, commit.reset])
  const shown = preview && preview.parent === selectedId ? preview : undefined
  return {
    preview: shown,
    error: gen.error ?? commit.error ?? null,
    generating: gen.isPending,
    committing: commit.isPending,
    accepted,
    generate,
    accept,
    discard,
  }
}
