// Browser test: the real server on the run's database (embedded PostGIS, or TEST_DATABASE_URL)
// seeded with the small district, the built web app, Debian's Chromium with software WebGL. It checks what a user sees:
// grid outlines drawn on the map, and clicking down to a grid opens its panel.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { PNG } from 'pngjs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startServer, type RunningServer } from '../../api/server.ts'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = join(import.meta.dirname, '..', '..')
/** Grid outline colour, LEVEL_STYLE.grid in web/map/colors.ts. */
const GRID_RGB: [number, number, number] = [0, 150, 136]
const canRun = existsSync(CHROMIUM) || process.env.CI === 'true'

type Ring = [number, number][]
interface GridFeature {
  geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }
  properties: { id: number; name: string; households: number; level: string }
}

/** Area-weighted centroid of the outer ring of the first part (grids here are convex-ish quads). */
function centroid(g: GridFeature['geometry']): [number, number] {
  const ring = (g.type === 'Polygon' ? (g.coordinates as Ring[])[0] : (g.coordinates as Ring[][])[0][0])
  let a = 0, cx = 0, cy = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
    a += f
    cx += (ring[j][0] + ring[i][0]) * f
    cy += (ring[j][1] + ring[i][1]) * f
  }
  return [cx / (3 * a), cy / (3 * a)]
}

/** Waits until the app says its first data is drawn and MapLibre has gone idle after a fresh frame. */
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

/** Signs in through the login page as a demo account. */
async function signInPage(page: Page, username: string) {
  await page.waitForSelector('[data-testid=login-form]')
  await page.fill('[data-testid=login-username]', username)
  await page.fill('[data-testid=login-password]', 'gridpulse-demo')
  await page.click('[data-testid=login-submit]')
}

/** Counts screenshot pixels within `tol` of `rgb`. */
async function countColour(page: Page, rgb: [number, number, number], tol = 24): Promise<number> {
  const { data: rgba } = PNG.sync.read(await page.screenshot())
  let n = 0
  for (let i = 0; i < rgba.length; i += 4) {
    if (Math.abs(rgba[i] - rgb[0]) <= tol && Math.abs(rgba[i + 1] - rgb[1]) <= tol && Math.abs(rgba[i + 2] - rgb[2]) <= tol) n++
  }
  return n
}

/** Clicks the map at a lon/lat, then waits for the panel to show a new area and the camera to frame it. */
async function clickLonLat(page: Page, lonLat: [number, number], previousAreaId: string | null) {
  const { x, y } = await page.evaluate((ll) => window.__gridpulse!.map.project(ll), lonLat)
  await page.mouse.click(x, y)
  await page
    .waitForFunction(
      (prev) => {
        const id = document.querySelector('[data-testid=area-panel]')?.getAttribute('data-area-id')
        return !!id && id !== prev && !!window.__gridpulse?.fitted?.startsWith(`area-${id}-`)
      },
      previousAreaId,
      { timeout: 20_000 },
    )
    .catch(async (err: Error) => {
      const state = await page.evaluate((xy) => ({
        area: document.querySelector('[data-testid=area-panel]')?.getAttribute('data-area-id'),
        fitted: window.__gridpulse?.fitted,
        picked: window.__gridpulse?.overlay.pickObject({ x: xy.x, y: xy.y })?.layer?.id,
      }), { x, y })
      throw new Error(`after clicking ${lonLat} at ${x},${y} (was area ${previousAreaId}): ${JSON.stringify(state)}; ${err.message}`)
    })
  await settle(page)
}

describe.skipIf(!canRun)('map in a real browser', () => {
  let server: RunningServer
  let browser: Browser
  let page: Page
  const pageErrors: string[] = []

  beforeAll(async () => {
    // The server serves dist/web; build it when web/ changed since the last build.
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`)
    // The run's seeded database (embedded or TEST_DATABASE_URL), see tests/setup/global.ts.
    server = await startServer({ port: 0, databaseUrl: inject('dbUrl'), seedScale: null, quiet: true })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    // A Content-Security-Policy violation is logged to the console: the map must work under ours.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`)
    })
    // Nothing but our own origin may be fetched (no external tiles, fonts, glyphs).
    await page.route((url) => !url.href.startsWith(server.url), (route) => {
      pageErrors.push(`external request: ${route.request().url()}`)
      return route.abort()
    })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  }, 60_000)

  it('draws the grid outlines and drills down to a grid on click', async () => {
    const login = await fetch(new URL('api/auth/login', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'gridpulse-demo' }),
    })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]
    const grids = (await (await fetch(new URL('api/areas?level=grid', server.url), { headers: { cookie } })).json()) as { features: GridFeature[] }
    expect(grids.features.length).toBeGreaterThan(0)
    const grid = grids.features[0]

    const res = await page.goto(server.url)
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
    await signInPage(page, 'admin')
    await settle(page)
    expect(await page.textContent('[data-testid=user-badge]')).toContain('admin')
    expect(await page.getAttribute('[data-testid=layer-panel]', 'data-grid-count')).toBe(String(grids.features.length))
    // Chinese text is drawn with the shipped font (the machine has no CJK font of its own).
    expect(await page.evaluate(() => document.fonts.check('500 16px "Noto Sans SC"', '网格'))).toBe(true)

    // Grid outlines are drawn: their colour disappears when the grid layer is switched off.
    const withGrids = await countColour(page, GRID_RGB)
    await page.click('[data-testid=toggle-grids]')
    await settle(page)
    const withoutGrids = await countColour(page, GRID_RGB)
    await page.click('[data-testid=toggle-grids]')
    await settle(page)
    expect(withGrids).toBeGreaterThan(1500)
    expect(withoutGrids).toBeLessThan(withGrids / 5)

    // The first view is the district; each click drills one level down to the grid under the point.
    const panel = page.locator('[data-testid=area-panel]')
    expect(await panel.getAttribute('data-level')).toBe('district')
    const point = centroid(grid.geometry)
    for (const level of ['street', 'community', 'grid']) {
      await clickLonLat(page, point, await panel.getAttribute('data-area-id'))
      expect(await panel.getAttribute('data-level')).toBe(level)
    }
    expect(await panel.getAttribute('data-area-id')).toBe(String(grid.properties.id))
    await expect.poll(() => page.textContent('[data-testid=area-name]')).toBe(grid.properties.name)
    const households = new Intl.NumberFormat('zh-CN').format(grid.properties.households)
    expect(await page.textContent('[data-testid=area-households]')).toBe(households)
    expect(pageErrors).toEqual([])
  }, 120_000)

  it('signs out, and a grid leader starts at their own grid with out-of-scope ancestors not clickable', async () => {
    await page.click('[data-testid=logout]')
    await signInPage(page, 'leader')
    await settle(page)
    const panel = page.locator('[data-testid=area-panel]')
    expect(await panel.getAttribute('data-level')).toBe('grid')
    expect(await page.textContent('[data-testid=user-badge]')).toContain('leader')
    // The breadcrumb names district, street and community, but none of them is a link.
    expect(await page.locator('.breadcrumb button').count()).toBe(0)
    expect(await page.locator('.breadcrumb span').first().textContent()).toBeTruthy()
    expect(pageErrors).toEqual([])
  }, 120_000)
})
