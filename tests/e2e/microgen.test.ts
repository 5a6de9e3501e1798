// Browser test of micro-grid generation (issue 7; docs/microgrids.md) in the area panel: the real
// server on the run's database, the built web app, Debian's Chromium with software WebGL. A
// commander opens a grid of their street, generates at target 80, sees the same pieces the API
// answers, frames one (outlined in red on the map) and discards the preview. Nothing is accepted
// here: the commit is tested in tests/api/microgrid-generate.test.ts, which puts the grid back.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../api/server.ts'
import { canRunBrowser, countColours, openCommanderSession, settle, type BrowserSession } from '../helpers/browser.ts'

/** SELECTED_OUTLINE in web/map/layers/microgrids.ts. */
const SELECTED: [number, number, number] = [183, 28, 28]
const redOnMap = (page: Page) => countColours(page, [SELECTED], { tol: 25, rightInset: 400 })

describe.skipIf(!canRunBrowser)('micro-grid generation in a real browser', () => {
  let session: BrowserSession
  let server: RunningServer
  let page: Page
  let pageErrors: string[]

  beforeAll(async () => {
    session = await openCommanderSession()
    ;({ server, page, pageErrors } = session)
  }, 180_000)

  afterAll(() => session?.close(), 60_000)

  it('previews a grid’s micro-grids as the API answers them, frames one, and discards the preview', async () => {
    // No generation offered above the grid level.
    expect(await page.locator('[data-testid=microgen]').count()).toBe(0)
    await page.locator('.children button').first().click()
    await page.waitForSelector('[data-testid=area-panel][data-level=community]')
    await page.locator('.children button').first().click()
    await page.waitForSelector('[data-testid=area-panel][data-level=grid]')
    const grid = Number(await page.getAttribute('[data-testid=area-panel]', 'data-area-id'))
    await settle(page)
    const before = await redOnMap(page)

    await page.fill('[data-testid=microgen-target]', '80')
    await page.click('[data-testid=microgen-generate]')
    const summary = page.locator('[data-testid=microgen-summary]')
    await summary.waitFor({ timeout: 30_000 })
    const api = await page.evaluate(
      async (id) => (await fetch(`/api/areas/${id}/microgrids/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"target":80}' })).json(),
      grid,
    )
    expect(Number(await summary.getAttribute('data-count'))).toBe(api.summary.count)
    expect(await summary.textContent()).toContain(`${api.summary.count} 个微网格`)
    const items = page.locator('[data-testid=microgen-pieces] button')
    expect(await items.count()).toBe(api.features.features.length)
    expect(await items.first().textContent()).toContain(`${api.features.features[0].properties.households} 户`)

    // Choosing a piece outlines it in red and frames it.
    await items.nth(1).click()
    await page.waitForFunction(() => !!window.__gridpulse?.fitted?.startsWith('piece-2-'), undefined, { timeout: 20_000 })
    await settle(page)
    const framed = await redOnMap(page)
    await page.screenshot({ path: '/tmp/microgen-e2e.png' })
    expect(framed).toBeGreaterThan(before + 300)

    await page.click('[data-testid=microgen-discard]')
    await settle(page)
    expect(await summary.count()).toBe(0)
    expect(await redOnMap(page)).toBeLessThan(before + (framed - before) / 4)
    expect(pageErrors).toEqual([])
  }, 180_000)
})
