// Browser test of the boundary history in the area panel (issue 7): the commander's street lists
// its versions as the API answers them, and "as of" a day draws that day's child boundaries as
// dashed purple outlines over today's (none before the district existed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AS_OF_COLOR } from '../../web/map/layers/areas.ts'
import { canRunBrowser, countColours, openBrowserSession, settle, signInPage, type BrowserSession } from '../helpers/browser.ts'

describe.skipIf(!canRunBrowser)('boundary history in a real browser', () => {
  let session: BrowserSession

  beforeAll(async () => {
    session = await openBrowserSession()
  }, 180_000)
  afterAll(() => session?.close(), 60_000)

  it('lists the street’s versions and draws its children as of a day', async () => {
    const { page, server, pageErrors } = session
    await page.goto(server.url)
    await signInPage(page, 'commander')
    await page.waitForSelector('[data-testid=area-panel][data-level=street]')
    await settle(page)
    const id = Number(await page.getAttribute('[data-testid=area-panel]', 'data-area-id'))
    const api = await page.evaluate(async (i) => (await fetch(`/api/areas/${i}/history`)).json(), id)
    const detail = await page.evaluate(async (i) => (await fetch(`/api/areas/${i}`)).json(), id)

    await page.click('[data-testid=area-history] summary')
    const versions = page.locator('[data-testid=area-versions]')
    await expect.poll(() => versions.getAttribute('data-count'), { timeout: 20_000 }).toBe(String(api.features.length))
    expect(await versions.locator('li').first().textContent()).toContain('v1')

    const before = await countColours(page, [AS_OF_COLOR], { tol: 30, rightInset: 400 })
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date())
    await page.fill('[data-testid=as-of-day]', today)
    const summary = page.locator('[data-testid=as-of-summary]')
    await expect.poll(() => summary.getAttribute('data-count'), { timeout: 20_000 }).toBe(String(detail.children.length))
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/history.png` })
    expect(await countColours(page, [AS_OF_COLOR], { tol: 30, rightInset: 400 })).toBeGreaterThan(before + 500)

    // Before the district's boundaries were drawn there is nothing to draw.
    await page.fill('[data-testid=as-of-day]', '2001-01-01')
    await expect.poll(() => summary.getAttribute('data-count'), { timeout: 20_000 }).toBe('0')
    expect(pageErrors).toEqual([])
  }, 180_000)
})
