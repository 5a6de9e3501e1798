// Browser test: the real server on the run's database (embedded PostGIS, or TEST_DATABASE_URL)
// seeded with the small district, the built web app, Debian's Chromium with software WebGL. It checks what a user sees:
// grid outlines drawn on the map, and clicking down to a grid opens its panel.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../api/server.ts'
import { canRunBrowser, centroid, countColours, openBrowserSession, settle, signInPage, type AreaGeometry, type BrowserSession } from '../helpers/browser.ts'

/** Grid outline colour, LEVEL_STYLE.grid in web/map/colors.ts. */
const GRID_RGB: [number, number, number] = [0, 150, 136]

interface GridFeature {
  geometry: AreaGeometry
  properties: { id: number; name: string; households: number; level: string }
}

/** Screenshot pixels within 24 of `rgb`. */
const countColour = (page: Page, rgb: [number, number, number]) => countColours(page, [rgb], { tol: 24 })

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

describe.skipIf(!canRunBrowser)('map in a real browser', () => {
  let session: BrowserSession
  let server: RunningServer
  let page: Page
  let pageErrors: string[]

  beforeAll(async () => {
    session = await openBrowserSession()
    ;({ server, page, pageErrors } = session)
  }, 180_000)

  afterAll(() => session?.close(), 60_000)

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
