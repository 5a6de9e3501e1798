import { useEffect, useState } from 'react'

/**
 * The current UTC hour as a number that changes when the hour turns, so periods "ending now" (see
 * lastDays) move on while the page stays open and fresh reports stay inside the map's period.
 */
export function useCurrentHour(): number {
  const [hour, setHour] = useState(() => Math.floor(Date.now() / 3_600_000))
  useEffect(() => {
    const timer = setInterval(() => setHour(Math.floor(Date.now() / 3_600_000)), 60_000)
    return () => clearInterval(timer)
  }, [])
  return hour
}
