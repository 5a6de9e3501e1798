import { spawnSync } from 'node:child_process'

/** p-th percentile (0..100) of a list of numbers. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

export const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1))

/** Print rows as an aligned text table. */
export function table(head: string[], rows: (string | number)[][]): void {
  const all = [head, ...rows.map((r) => r.map(String))]
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)))
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |'
  console.log(line(head))
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|')
  for (const r of all.slice(1)) console.log(line(r))
}

/** Run one statement `runs` times in psql with \timing and return each run's milliseconds. */
export function psqlTimings(url: string, statement: string, runs: number): number[] {
  const script = ['\\timing on', '\\o /dev/null', ...Array(runs).fill(statement + ';')].join('\n')
  const r = spawnSync('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1'], { input: script, encoding: 'utf8', maxBuffer: 1 << 30 })
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`)
  return [...r.stdout.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]))
}
