// Browser test of the planner's siting page: the real server on the run's database, the built web
// app, Debian's Chromium. The demo planner runs maximal covering for 3 new self-governance stations
// over their district: the page shows the API's coverage before → after and one numbered marker per
// site on the map, and keeps the scenario on the server for comparison (then removes it again).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NEW_SITE_COLOR, UNCOVERED_COLOR } from '../../web/map/layers/siting.ts'
import { canRunBrowser, countColours, openBrowserSession, settle, signInPage, type BrowserSession } from '../helpers/browser.ts'

describe.skipIf(!canRunBrowser)('siting in a real browser', () => {
  let session: BrowserSession

  beforeAll(async () => {
    session = await openBrowserSession()
  }, 180_000)
  afterAll(() => session?.close(), 60_000)

  it('solves maximal covering for the planner and draws the new sites', async () => {
    const { page, server, pageErrors } = session
    await page.goto(`${server.url}#/planner`)
    await signInPage(page, 'planner')
    await page.waitForSelector('[data-testid=siting-form]')
    await settle(page)
    const area = await page.getAttribute('[data-testid=planner-panel]', 'data-area-id')
    await page.click('[data-testid=model-mclp]')
    await page.selectOption('[data-testid=siting-type]', 'self_governance')
    await page.fill('[data-testid=siting-radius]', '300')
    await page.fill('[data-testid=siting-k]', '3')

    // Coverage now, by the existing stations at that radius: the API's figure, and the uncovered
    // buildings drawn as orange dots.
    const now = await page.evaluate(
      async (a) => (await fetch(`/api/stations/coverage?type=self_governance&radius=300&area=${a}&incidents=false`)).json(),
      Number(area),
    )
    expect(now.households_covered).toBeLessThan(now.households_total)
    await expect.poll(() => page.getAttribute('[data-testid=station-coverage]', 'data-covered'), { timeout: 30_000 }).toBe(String(now.households_covered))
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/planner-now.png` })
    expect(await countColours(page, [UNCOVERED_COLOR], { tol: 30, rightInset: 400 })).toBeGreaterThan(50)
    await page.click('[data-testid=siting-solve]')
    await page.waitForSelector('[data-testid=siting-result]', { timeout: 60_000 })
    expect(await page.getAttribute('[data-testid=siting-result]', 'data-sites')).toBe('3')

    // The same request through the API gives the shares the page shows.
    const api = await page.evaluate(
      async (a) =>
        (
          await fetch('/api/siting/solve', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'mclp', stationType: 'self_governance', radius: 300, k: 3, area: a, weight: 'households', exact: false, generate: { method: 'buildings', count: 2000, spacing: 250 } }),
          })
        ).json(),
      Number(area),
    )
    expect(api.share_after).toBeGreaterThan(api.share_before)
    // Siting's "before" is the coverage shown above.
    expect(api.covered_before).toBe(now.households_covered)
    const text = (await page.textContent('[data-testid=siting-coverage]'))!
    expect(text).toContain(`${(api.share_before * 100).toFixed(1)}%`)
    expect(text).toContain(`${(api.share_after * 100).toFixed(1)}%`)

    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/planner.png` })
    expect(await countColours(page, [NEW_SITE_COLOR], { tol: 25, rightInset: 400 })).toBeGreaterThan(100)

    // Keeping the scenario saves it on the server (shared with colleagues of the area): the list is
    // the API's, names who saved it, and removing it deletes it there.
    const listed = async () =>
      (await page.evaluate(async (a) => (await (await fetch(`/api/siting/scenarios?area=${a}`)).json()).scenarios, Number(area))) as { id: number; created_by: { username: string }; share_after: number }[]
    const before = (await listed()).map((s) => s.id)
    let saved: number | undefined
    try {
      await page.click('[data-testid=siting-keep]')
      await expect.poll(async () => (await listed()).length, { timeout: 15_000 }).toBe(before.length + 1)
      const mine = (await listed()).find((s) => !before.includes(s.id))!
      saved = mine.id
      expect(mine.created_by.username).toBe('planner')
      expect(mine.share_after).toBe(api.share_after)
      const row = page.locator(`[data-testid=scenarios] tbody tr[data-scenario-id="${saved}"]`)
      await row.waitFor({ timeout: 15_000 })
      expect(await row.locator('[data-testid=scenario-by]').textContent()).toBe('planner')
      await row.locator('[data-testid=scenario-remove]').click()
      await expect.poll(async () => (await listed()).some((s) => s.id === saved), { timeout: 15_000 }).toBe(false)
      await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0)
      saved = undefined
    } finally {
      // Leave nothing behind if an assertion failed between saving and removing.
      if (saved !== undefined) await page.evaluate(async (id) => { await fetch(`/api/siting/scenarios/${id}`, { method: 'DELETE' }) }, saved)
    }
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('measures coverage and siting along the road network when the planner chooses road distance', async () => {
    const { page, server, pageErrors } = session
    // Its own session and a fresh page load, whatever the test before left behind (a hash-only
    // goto would keep the loaded app and its signed-in state).
    await page.context().clearCookies()
    await page.goto('about:blank')
    await page.goto(`${server.url}#/planner`)
    await signInPage(page, 'planner')
    await page.waitForSelector('[data-testid=siting-form]')
    await settle(page)
    const area = Number(await page.getAttribute('[data-testid=planner-panel]', 'data-area-id'))
    await page.click('[data-testid=model-mclp]')
    await page.selectOption('[data-testid=siting-type]', 'self_governance')
    await page.fill('[data-testid=siting-radius]', '300')
    await page.fill('[data-testid=siting-k]', '3')
    await page.selectOption('[data-testid=siting-distance]', 'road')

    const road = await page.evaluate(
      async (a) => (await fetch(`/api/stations/coverage?type=self_governance&radius=300&area=${a}&incidents=false&distance=road`)).json(),
      area,
    )
    const straight = await page.evaluate(
      async (a) => (await fetch(`/api/stations/coverage?type=self_governance&radius=300&area=${a}&incidents=false`)).json(),
      area,
    )
    expect(road.households_covered).toBeLessThan(straight.households_covered)
    await expect.poll(() => page.getAttribute('[data-testid=station-coverage]', 'data-covered'), { timeout: 30_000 }).toBe(String(road.households_covered))
    expect(await page.textContent('[data-testid=station-coverage-title]')).toContain('路网距离')
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/planner-road.png` })

    await page.click('[data-testid=siting-solve]')
    await page.waitForSelector('[data-testid=siting-result]', { timeout: 60_000 })
    const api = await page.evaluate(
      async (a) =>
        (
          await fetch('/api/siting/solve', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'mclp', stationType: 'self_governance', radius: 300, distance: 'road', k: 3, area: a, weight: 'households', exact: false, generate: { method: 'buildings', count: 2000, spacing: 250 } }),
          })
        ).json(),
      area,
    )
    expect(api.distance).toBe('road')
    expect(api.covered_before).toBe(road.households_covered)
    const text = (await page.textContent('[data-testid=siting-coverage]'))!
    expect(text).toContain('路网距离')
    expect(text).toContain(`${(api.share_before * 100).toFixed(1)}%`)
    expect(text).toContain(`${(api.share_after * 100).toFixed(1)}%`)
    await settle(page)
    expect(await countColours(page, [NEW_SITE_COLOR], { tol: 25, rightInset: 400 })).toBeGreaterThan(20)
    expect(pageErrors).toEqual([])
  }, 180_000)
})
