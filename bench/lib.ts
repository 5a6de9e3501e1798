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

/** The demo accounts' password (DEMO_PASSWORD overrides it, as for the server). */
export const BENCH_PASSWORD = process.env.DEMO_PASSWORD || 'gridpulse-demo'

export interface SignedIn {
  /** `gp_session=<token>`, ready for a Cookie header. */
  cookie: string
  /** The raw session token (for a browser context's cookie jar). */
  token: string
  user: { id: number; username: string; role: string; areas: number[] }
}

/** POST /api/auth/login as a demo account; throws unless the answer is 200 with a gp_session cookie. */
export async function signIn(baseUrl: string, username: string, password = BENCH_PASSWORD): Promise<SignedIn> {
  const res = await fetch(new URL('api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  })
  const body = await res.text()
  if (res.status !== 200) throw new Error(`sign-in as ${username}: HTTP ${res.status} ${body.slice(0, 200)}`)
  const token = res.headers
    .getSetCookie()
    .map((c) => /^gp_session=([^;]*)/.exec(c)?.[1])
    .find((t) => t)
  if (!token) throw new Error(`sign-in as ${username}: no gp_session cookie in the answer`)
  return { cookie: `gp_session=${token}`, token, user: JSON.parse(body).user }
}

/** The `total` entry of a Server-Timing header (hono/timing: `total;desc="server";dur=12.3`), in ms. */
export function serverTotalMs(res: Response): number {
  return Number(/(?:^|,)\s*total;[^,]*?dur=([\d.]+)/.exec(res.headers.get('Server-Timing') ?? '')?.[1])
}
