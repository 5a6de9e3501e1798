// Does the map stay interactive with the district heatmap on (issue 4)? The commander page in
// headless Chromium (Debian's, software WebGL on the same 2 cores as the server), signed in as the
// admin (whole district): the same scripted pans and zooms with the heatmap on and, as the
// baseline in the same run, with the data layer switched off (the page's "show the data layer").
// Frame times come from requestAnimationFrame during each camera move; "settled" is the time from
// the start of a move to MapLibre's next `idle` (which includes refetching density for a new zoom).
//
//   DATABASE_URL=…/gp_large npm run bench -- interactive [--runs=3]
import { existsSync } from 'node:fs'
import { startServer } from '../api/server.ts'
import { fmt, percentile, signIn, table } from './lib.ts'

interface MoveStats {
  frames: number[]
  settledMs: number[]
}

export async function benchInteractive(databaseUrl: string, runs = 3) {
  if (!existsSync('/usr/bin/chromium')) {
    console.log('\ninteractive: skipped (no /usr/bin/chromium)')
    return
  }
  const server = await startServer({ port: 0, databaseUrl, seedScale: null, quiet: true })
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  try {
    const admin = await signIn(server.url, 'admin')
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    await context.addCookies([{ name: 'gp_session', value: admin.token, url: server.url, httpOnly: true, sameSite: 'Strict' }])
    // tsx compiles this file with esbuild's keepNames: functions sent to page.evaluate call __name().
    await context.addInitScript('window.__name = (f) => f')
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${server.url}/#/commander`)
    await page.click('[data-testid=period-365]')
    // The district heatmap is drawn once the page reports ready and MapLibre is idle.
    await page.waitForFunction(() => (window as any).__gridpulse?.ready === true && !!document.querySelector('[data-testid=density-summary]'), null, { timeout: 120_000 })
    const cells = await page.textContent('[data-testid=density-summary]')

    /** One scripted session: pan four ways, zoom in two levels and back out, timing frames and idle. */
    const session = () =>
      page.evaluate(async () => {
        const map = (window as any).__gridpulse.map
        const frames: number[] = []
        const settledMs: number[] = []
        const idle = () => new Promise<void>((r) => map.once('idle', () => r()))
        const move = async (start: () => void) => {
          let last = performance.now()
          let on = true
          const tick = (t: number) => {
            frames.push(t - last)
            last = t
            if (on) requestAnimationFrame(tick)
          }
          const t0 = performance.now()
          const done = new Promise<void>((r) => map.once('moveend', () => r()))
          requestAnimationFrame(tick)
          start()
          await done
          on = false
          await idle()
          settledMs.push(performance.now() - t0)
        }
        for (const [x, y] of [[300, 0], [0, 250], [-300, 0], [0, -250]]) await move(() => map.panBy([x, y], { duration: 800 }))
        const z = map.getZoom()
        await move(() => map.zoomTo(z + 2, { duration: 800 }))
        await move(() => map.zoomTo(z, { duration: 800 }))
        return { frames, settledMs }
      })

    // The baseline hides the data layer with the page's own switch, so the page re-renders as a user's would.
    const hide = async (hidden: boolean) => {
      await page.setChecked('[data-testid=show-layer]', !hidden)
      await page.evaluate(() => new Promise<void>((r) => {
        const map = (window as any).__gridpulse.map
        map.once('idle', () => r())
        map.triggerRepaint()
      }))
    }

    const stats: Record<'on' | 'off', MoveStats> = { on: { frames: [], settledMs: [] }, off: { frames: [], settledMs: [] } }
    for (let r = 0; r < runs; r++) {
      for (const side of (r % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as ('on' | 'off')[]) {
        if (side === 'off') await hide(true)
        const s = await session()
        if (side === 'off') await hide(false)
        stats[side].frames.push(...s.frames.slice(1))
        stats[side].settledMs.push(...s.settledMs)
      }
    }
    await page.screenshot({ path: '/tmp/gridpulse-interactive.png' })
    const row = (side: 'on' | 'off', label: string) => {
      const f = stats[side].frames
      return [label, f.length, fmt(percentile(f, 50)), fmt(percentile(f, 95)), (1000 / percentile(f, 50)).toFixed(0), fmt(percentile(stats[side].settledMs, 50)), fmt(percentile(stats[side].settledMs, 95))]
    }
    console.log(`\n## Map interaction with the district heatmap (admin, one year; ${cells}; ${runs} sessions of 6 moves per side)\n`)
    table(['layer', 'frames', 'frame p50 ms', 'frame p95 ms', 'fps (p50)', 'move → idle p50 ms', 'move → idle p95 ms'], [
      row('on', 'district heatmap on'),
      row('off', 'baseline: heatmap hidden'),
    ])
    console.log('Headless Chromium renders WebGL in software (SwiftShader) on the same 2 cores as the server and PostgreSQL,')
    console.log('so absolute frame times are far slower than a desktop GPU: compare the two rows. Screenshot: /tmp/gridpulse-interactive.png')
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`)
    await context.close()
  } finally {
    await browser.close()
    await server.close()
  }
}
