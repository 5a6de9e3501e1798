/** Time-slider steps: local (Asia/Shanghai) days or Monday-based weeks. */
export type FrameStep = 'day' | 'week'

const DAY = 86_400_000
const SHANGHAI = 8 * 3600_000 // UTC+8 all year

/**
 * Consecutive frames covering [from, to): each local day or week (the first and last clipped to
 * the period), as ISO instants for the API.
 */
export function framesOf(period: { from: string; to: string }, step: FrameStep): { from: string; to: string }[] {
  const from = Date.parse(period.from)
  const to = Date.parse(period.to)
  const localMidnight = Math.floor((from + SHANGHAI) / DAY) * DAY - SHANGHAI
  let start = localMidnight
  if (step === 'week') {
    const weekday = (new Date(localMidnight + SHANGHAI).getUTCDay() + 6) % 7 // 0 = Monday
    start -= weekday * DAY
  }
  const len = step === 'day' ? DAY : 7 * DAY
  const out: { from: string; to: string }[] = []
  for (let s = start; s < to && out.length < 1000; s += len) {
    out.push({ from: new Date(Math.max(s, from)).toISOString(), to: new Date(Math.min(s + len, to)).toISOString() })
  }
  return out
}
