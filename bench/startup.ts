// `npm start` on the embedded database: fresh (build + migrate + seed `district`) to a usable map,
// then a restart with the data kept. "Usable" = the page has drawn the grid layer in headless Chromium.
//
// Every /api route but health and login needs a session. The browser does not sign in through the
// form: its context gets the `gp_session` cookie (context.addCookies) before it navigates, as for a
// returning user whose browser kept the cookie, so "map drawn" is not an argon2 benchmark (that is
// `npm run bench -- login`). The cookie comes from one POST /api/auth/login as `admin` during the
// first start (counted in its "API answering": the first moment the seeded accounts can sign in);
// the restart reuses that session (kept in the database across restarts, 12 h), so its timings
// include no sign-in at all.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signIn, table } from './lib.ts'

const root = join(import.meta.dirname, '..')
const PORT = 8797

type Browser = Awaited<ReturnType<typeof import('playwright-core')['chromium']['launch']>>

/**
 * Time from t0 until the API answers GET /api/areas?level=grid signed in, then until an already-open
 * browser, given the session cookie, has drawn the map. Without a `token` the first answer is a sign-in.
 */
async function waitUsable(t0: number, deadlineMs: number, browser: Browser | null, token: string | null): Promise<{ api: number; map: number | null; token: string }> {
  const base = `http://127.0.0.1:${PORT}`
  let api = NaN
  while (performance.now() - t0 < deadlineMs) {
    let res: Response | undefined
    try {
      token ??= (await signIn(base + '/', 'admin')).token
      res = await fetch(`${base}/api/areas?level=grid`, { headers: { Cookie: `gp_session=${token}` } })
      await res.arrayBuffer()
    } catch (err) {
      // Not listening yet: try again. A refused sign-in will not get better (and retries would hit the rate limit).
      if ((err as Error).message.startsWith('sign-in as')) throw err
    }
    if (res?.ok) {
      api = performance.now() - t0
      break
    }
    if (res?.status === 401) throw new Error('GET /api/areas answered 401 with the session cookie: the session did not survive the restart')
    await new Promise((r) => setTimeout(r, 200))
  }
  if (Number.isNaN(api) || !token) throw new Error('server did not answer in time')
  if (!browser) return { api, map: null, token }
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  try {
    await context.addCookies([{ name: 'gp_session', value: token, url: base, httpOnly: true, sameSite: 'Strict' }])
    const page = await context.newPage()
    await page.goto(base + '/')
    // The login form instead of the map means the cookie was refused: fail now, not at the deadline.
    await page.waitForFunction(() => (window as any).__gridpulse?.ready === true || !!document.querySelector('[data-testid=login-form]'), null, {
      timeout: deadlineMs,
    })
    if (await page.$('[data-testid=login-form]')) throw new Error('the page shows the sign-in form: the session cookie was not accepted')
    return { api, map: performance.now() - t0, token }
  } finally {
    await context.close()
  }
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    p.once('exit', () => resolve())
    p.kill('SIGTERM')
  })
}

export async function benchStartup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridpulse-bench-'))
  const env = { ...process.env, PORT: String(PORT), DATA_DIR: dataDir, DATABASE_URL: '', SEED_SCALE: 'district' }
  // The user's browser is already open: launch it before timing anything.
  const browser = existsSync('/usr/bin/chromium')
    ? await (await import('playwright-core')).chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      })
    : null
  try {
    let t0 = performance.now()
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-web.mjs'), '--force'], { cwd: root, stdio: 'ignore' })
    if (build.status !== 0) throw new Error('web build failed')
    const buildMs = performance.now() - t0
    const rows: (string | number)[][] = []
    let token: string | null = null
    for (const run of ['first start (migrate + seed district, sign in)', 'restart with data (session kept)']) {
      t0 = performance.now()
      const p = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], { cwd: root, env, stdio: 'ignore' })
      try {
        const r = await waitUsable(t0, 180_000, browser, token)
        token = r.token
        rows.push([run, (r.api / 1000).toFixed(1), r.map === null ? 'no chromium' : (r.map / 1000).toFixed(1)])
      } finally {
        await stop(p)
      }
    }
    console.log(`\nnpm start on the embedded database (web build alone: ${(buildMs / 1000).toFixed(1)} s; budget: fresh ≤ 90 s incl. build, restart ≤ 10 s)`)
    table(['run', 's to API answering', 's to map drawn (Chromium)'], [
      ['web build (fresh clone)', (buildMs / 1000).toFixed(1), ''],
      ...rows,
      ['fresh clone total (build + first start)', '', rows[0][2] === 'no chromium' ? '' : ((buildMs + Number(rows[0][2]) * 1000) / 1000).toFixed(1)],
    ])
  } finally {
    await browser?.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
