import { useCallback, useEffect, useState } from 'react'

/**
 * Picking a place on the map for something (reporting an incident, adding or moving a station):
 * the purpose while a pick is on, the point picked so far, and `end` to stop; Escape ends it too.
 */
export function usePickLocation<Mode extends string>() {
  const [mode, setMode] = useState<Mode | null>(null)
  const [picked, setPicked] = useState<[number, number] | null>(null)
  const end = useCallback(() => {
    setMode(null)
    setPicked(null)
  }, [])
  useEffect(() => {
    if (!mode) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') end()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [mode, end])
  return { mode, setMode, picked, setPicked, end }
}
