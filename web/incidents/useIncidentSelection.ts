import { useQueryClient } from '@tanstack/react-query'
import { useCallback, useRef, useState } from 'react'
import { incidentsAtQuery, type IncidentPointRef } from './queries.ts'

/** An incident found at a clicked point: enough to tell several at the same spot apart. */
export interface IncidentCandidate {
  id: number
  reported_at: string
  status: string
}

export interface IncidentSelection {
  /** The incident whose panel is open; undefined while a clicked point is being looked up. */
  id?: number
  /** Every incident drawn at the clicked point, nearest first (one in nearly every case). */
  candidates: IncidentCandidate[]
  pending: boolean
  /** The clicked point matched no incident (e.g. it was moved meanwhile), or the lookup failed. */
  error?: unknown
}

/**
 * Which incident's panel is open. Opening by id is immediate; opening a clicked point looks it up
 * first (the points layer has no ids), ignoring answers that arrive after a newer click.
 */
export function useIncidentSelection() {
  const qc = useQueryClient()
  const [selection, setSelection] = useState<IncidentSelection | null>(null)
  const seq = useRef(0)

  const open = useCallback((id: number) => {
    seq.current++
    setSelection({ id, candidates: [], pending: false })
  }, [])

  const openAt = useCallback(
    async (ref: IncidentPointRef) => {
      const mine = ++seq.current
      setSelection({ candidates: [], pending: true })
      try {
        const found = await qc.fetchQuery(incidentsAtQuery(ref))
        if (mine !== seq.current) return
        const candidates = found.map((f) => ({ id: f.properties.id, reported_at: f.properties.reported_at, status: f.properties.status }))
        setSelection(
          candidates.length
            ? { id: candidates[0].id, candidates, pending: false }
            : { candidates, pending: false, error: new Error('not found') },
        )
      } catch (error) {
        if (mine === seq.current) setSelection({ candidates: [], pending: false, error })
      }
    },
    [qc],
  )

  /** Switch between incidents found at the same point. */
  const choose = useCallback((id: number) => setSelection((s) => (s ? { ...s, id } : s)), [])

  const close = useCallback(() => {
    seq.current++
    setSelection(null)
  }, [])

  return { selection, open, openAt, choose, close }
}
