// Browser test of the commander page (#/commander): the real server on the run's database, the
// built web app, Debian's Chromium with software WebGL. It checks what a commander sees: KPI
// cards agreeing with the API, charts drawn, the heatmap and the choropleth painted on the map, a
// click on an area drilling down, and a planner offered the aggregate views only.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startServer, type RunningServer } from '../../api/server.ts'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = join(import.meta.dirname, '..', '..')
const canRun = existsSync(CHROMIUM) || process.env.CI === 'true'
/** The darker half of HEAT_RAMP (web/map/layers/analytics.ts): orange to dark red. */
const HOT: [number, number, number][] = [[253, 141, 60], [240, 59, 32], [189, 0, 38], [254, 178, 76]]

async function settle(page: Page) {
  await page.waitForFunction(() => {
    const g = window.__gridpulse
    return !!g && g.ready && !g.map.isMoving()
  }, undefined, { timeout: 60_000 })
  await page.evaluate(
    () => new Promise<void>((resolve) => {
      const map = window.__gridpulse!.map
      map.once('idle', () => resolve())
      map.triggerRepaint()
    }),
  )
}

/** Pixels of the map area (left of the side panel) within `tol` of any of the colours. */
async function countColours(page: Page, colours: [number, number, number][], tol = 30): Promise<number> {
  const { data, width } = PNG.sync.read(await page.screenshot())
  let n = 0
  for (let i = 0; i < data.length; i += 4) {
    if ((i / 4) % width > width - 460) continue
    if (colours.some((c) => Math.abs(data[i] - c[0]) <= tol && Math.abs(data[i + 1] - c[1]) <= tol && Math.abs(data[i + 2] - c[2]) <= tol)) n++
  }
  return n
}

describe.skipIf(!canRun)('commander page in a real browser', () => {
  let server: RunningServer
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []

  async function signIn(username: string) {
    await page.goto(`${server.url}#/commander`)
    if (await page.locator('[data-testid=logout]').count()) await page.click('[data-testid=logout]')
    await page.waitForSelector('[data-testid=login-form]')
    await page.fill('[data-testid=login-username]', username)
    await page.fill('[data-testid=login-password]', 'gridpulse-demo')
    await page.click('[data-testid=login-submit]')
    await page.waitForSelector('[data-testid=commander-panel]')
  }

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`)
    server = await startServer({ port: 0, databaseUrl: inject('dbUrl'), seedScale: null, quiet: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`)
    })
    await page.route((url) => !url.href.startsWith(server.url), (route) => {
      pageErrors.push(`external request: ${route.request().url()}`)
      return route.abort()
    })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  }, 60_000)

  it('shows KPIs and charts for the commander’s street, paints the heatmap and the choropleth, and drills down on click', async () => {
    await signIn('commander')
    // A year, so the seeded incidents (ending 2026-11-01) are inside the period.
    await page.click('[data-testid=period-365]')
    const panel = page.locator('[data-testid=commander-panel]')
    await expect.poll(() => panel.getAttribute('data-area-id'), { timeout: 30_000 }).toBeTruthy()
    const area = await panel.getAttribute('data-area-id')

    // The "new" card shows the API's number for the same area and period.
    await page.waitForFunction(() => !document.querySelector('[data-kpi=new] .kpi-value')?.textContent?.includes('…'), undefined, { timeout: 30_000 })
    const shown = Number((await page.textContent('[data-kpi=new] .kpi-value'))!.replace(/[^\d]/g, ''))
    const [from, to] = [await panel.getAttribute('data-from'), await panel.getAttribute('data-to')]
    const kpis = await page.evaluate(
      async (q) => (await fetch(`/api/analytics/kpis?${new URLSearchParams(q)}`)).json(),
      { area: area!, from: from!, to: to! },
    )
    expect(shown).toBeGreaterThan(0)
    expect(shown).toBe(kpis.current.new)

    // ECharts draws into canvases: the trend and the weekday × hour matrix are there and not blank.
    for (const id of ['chart-trend', 'chart-matrix', 'chart-types']) {
      const blank = await page.evaluate((tid) => {
        const c = document.querySelector(`[data-testid=${tid}] canvas`) as HTMLCanvasElement | null
        if (!c) return null
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let ink = 0
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++
        return ink
      }, id)
      expect(blank, id).toBeGreaterThan(500)
    }

    // Heatmap (the commander's default view): warm colours on the map.
    await settle(page)
    expect(await page.textContent('[data-testid=density-summary]')).toMatch(/\d/)
    const heat = await countColours(page, HOT)
    expect(heat).toBeGreaterThan(500)

    // Choropleth of grids: every grid of the street filled; clicking one drills down to it.
    await page.click('[data-testid=mode-choropleth]')
    await settle(page)
    expect(await countColours(page, HOT.concat([[254, 217, 118], [255, 255, 178]]))).toBeGreaterThan(20_000)
    const grid = await page.evaluate(async () => {
      const fc = await (await fetch('/api/analytics/areas?level=grid&geometry=false')).json()
      return fc.features[0].id as number
    })
    const target = await page.evaluate(async (id) => {
      const fc = await (await fetch(`/api/areas/${id}`)).json()
      const [w, s, e, n] = fc.bbox as number[]
      return window.__gridpulse!.map.project([(w + e) / 2, (s + n) / 2])
    }, grid)
    await page.mouse.click(target.x, target.y)
    await expect.poll(() => panel.getAttribute('data-area-id'), { timeout: 20_000 }).not.toBe(area)
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('offers a planner the aggregate views only', async () => {
    await signIn('planner')
    await page.waitForSelector('[data-testid=mode-choropleth]')
    expect(await page.locator('[data-testid=mode-heatmap]').count()).toBe(0)
    expect(await page.locator('[data-testid=mode-clusters]').count()).toBe(0)
    expect(await page.locator('[data-testid=mode-hotspots]').count()).toBe(1)
    await page.waitForFunction(() => !document.querySelector('[data-kpi=new] .kpi-value')?.textContent?.includes('…'), undefined, { timeout: 30_000 })
    expect(pageErrors).toEqual([])
  }, 120_000)
})
