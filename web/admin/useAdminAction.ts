import { useQueryClient, type QueryKey } from '@tanstack/react-query'
import { useState } from 'react'

/**
 * An admin write: runs it, refreshes the queries it affects, and keeps the API's message when it
 * is refused. `run` resolves to whether the write succeeded.
 */
export function useAdminAction(affected: QueryKey[]) {
  const qc = useQueryClient()
  const [error, setError] = useState<string | null>(null)
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setError(null)
    try {
      await fn()
      await Promise.all(affected.map((queryKey) => qc.invalidateQueries({ queryKey })))
      return true
    } catch (err) {
      setError((err as Error).message)
      return false
    }
  }
  return { error, run }
}
