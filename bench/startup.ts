// `npm start` on the embedded database: fresh (build + migrate + seed `district`) to a usable map,
// then a restart with the data kept. "Usable" = the page has drawn the grid layer in headless Chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { table } from './lib.ts'

const root = join(import.meta.dirname, '..')
const PORT = 8797

type Browser = Awaited<ReturnType<typeof import('playwright-core')['chromium']['launch']>>

/** Time from t0 until the API answers, then until an already-open browser has drawn the map. */
async function waitUsable(t0: number, deadlineMs: number, browser: Browser | null): Promise<{ api: number; map: number | null }> {
  const base = `http://127.0.0.1:${PORT}`
  let api = NaN
  while (performance.now() - t0 < deadlineMs) {
    try {
      const res = await fetch(`${base}/api/areas?level=grid`)
      if (res.ok) {
        await res.arrayBuffer()
        api = performance.now() - t0
        break
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  if (Number.isNaN(api)) throw new Error('server did not answer in time')
  if (!browser) return { api, map: null }
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  try {
    await page.goto(base + '/')
    await page.waitForFunction(() => (window as any).__gridpulse?.ready === true, null, { timeout: deadlineMs })
    return { api, map: performance.now() - t0 }
  } finally {
    await page.close()
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
    for (const run of ['first start (migrate + seed district)', 'restart with data']) {
      t0 = performance.now()
      const p = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], { cwd: root, env, stdio: 'ignore' })
      try {
        const { api, map } = await waitUsable(t0, 180_000, browser)
        rows.push([run, (api / 1000).toFixed(1), map === null ? 'no chromium' : (map / 1000).toFixed(1)])
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
