// Browser test of the planner's siting page: the real server on the run's database, the built web
// app, Debian's Chromium. The demo planner runs maximal covering for 3 new self-governance stations
// over their district: the page shows the API's coverage before → after and one numbered marker per
// site on the map, and keeps the scenario on the server for comparison (then removes it again).
import { PNG } from 'pngjs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CANDIDATE_COLOR, NEW_SITE_COLOR, UNCOVERED_COLOR } from '../../web/map/layers/siting.ts'
import { canRunBrowser, countColours, openBrowserSession, settle, signInPage, type BrowserSession } from '../helpers/browser.ts'

type RGB = [number, number, number]

/** Screen position (CSS pixels) of a WGS84 point on the page's map. */
const project = (page: Page, lon: number, lat: number) =>
  page.evaluate(([x, y]) => { const p = window.__gridpulse!.map.project([x, y]); return { x: p.x, y: p.y } }, [lon, lat] as [number, number])

/** Pixels within `tol` of `colour` in the (2r+1)² box around (x, y) of a fresh screenshot. */
async function pixelsNear(page: Page, at: { x: number; y: number }[], colour: RGB, r: number, tol: number): Promise<number[]> {
  const { data, width, height } = PNG.sync.read(await page.screenshot())
  return at.map(({ x, y }) => {
    let n = 0
    for (let py = Math.max(0, Math.round(y) - r); py <= Math.min(height - 1, Math.round(y) + r); py++) {
      for (let px = Math.max(0, Math.round(x) - r); px <= Math.min(width - 1, Math.round(x) + r); px++) {
        const i = (py * width + px) * 4
        if (Math.abs(data[i] - colour[0]) <= tol && Math.abs(data[i + 1] - colour[1]) <= tol && Math.abs(data[i + 2] - colour[2]) <= tol) n++
      }
    }
    return n
  })
}

/** Metres between two WGS84 points (equirectangular: exact enough within a district). */
const metres = (a: [number, number], b: [number, number]) =>
  Math.hypot((a[0] - b[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180), (a[1] - b[1]) * 110_540)

/** A fresh page load signed in as the planner, the map settled; answers the area being planned. */
async function openPlanner(page: Page, url: string): Promise<number> {
  await page.context().clearCookies()
  await page.goto('about:blank')
  await page.goto(`${url}#/planner`)
  await signInPage(page, 'planner')
  await page.waitForSelector('[data-testid=siting-form]')
  await settle(page)
  return Number(await page.getAttribute('[data-testid=planner-panel]', 'data-area-id'))
}

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

  it('solves over candidates the planner draws: click to add, click again to remove; the chosen site is a drawn point', async () => {
    const { page, server, pageErrors } = session
    const area = await openPlanner(page, server.url)
    await page.selectOption('[data-testid=candidate-kind]', 'drawn')
    // The drawing surface is picked from the frame deck.gl has drawn: wait for one with it.
    await settle(page)
    // Points inside the area to click on: uncovered building centroids, placed on the visible map
    // between the registry column (left) and the planner panel (right), at least 40 px apart.
    const fc = await page.evaluate(async (a) => (await fetch(`/api/stations/uncovered?type=self_governance&radius=300&area=${a}`)).json(), area)
    const chosen: { x: number; y: number }[] = []
    for (const f of fc.features as { geometry: { coordinates: [number, number] } }[]) {
      const p = await project(page, ...f.geometry.coordinates)
      if (p.x < 360 || p.x > 1280 - 430 || p.y < 90 || p.y > 760) continue
      if (chosen.every((q) => Math.hypot(q.x - p.x, q.y - p.y) >= 40)) chosen.push(p)
      if (chosen.length === 3) break
    }
    expect(chosen).toHaveLength(3)
    const drawn = async () => JSON.parse((await page.getAttribute('[data-testid=candidate-count]', 'data-points'))!) as [number, number][]
    for (const [n, p] of chosen.entries()) {
      await page.mouse.click(p.x, p.y)
      await expect.poll(async () => (await drawn()).length, { timeout: 10_000 }).toBe(n + 1)
    }
    // Clicking a drawn point again removes it; clicking there once more puts it back.
    await settle(page)
    await page.mouse.click(chosen[2].x, chosen[2].y)
    await expect.poll(async () => (await drawn()).length, { timeout: 10_000 }).toBe(2)
    await settle(page)
    await page.mouse.click(chosen[2].x, chosen[2].y)
    await expect.poll(async () => (await drawn()).length, { timeout: 10_000 }).toBe(3)
    const points = await drawn()
    await settle(page)
    // Each drawn candidate is on the map in the candidates' colour where it was clicked.
    for (const n of await pixelsNear(page, chosen, CANDIDATE_COLOR, 6, 30)) expect(n).toBeGreaterThan(10)

    await page.click('[data-testid=model-mclp]')
    await page.selectOption('[data-testid=siting-type]', 'self_governance')
    await page.fill('[data-testid=siting-radius]', '300')
    await page.fill('[data-testid=siting-k]', '1')
    await page.click('[data-testid=siting-solve]')
    await page.waitForSelector('[data-testid=siting-result]', { timeout: 60_000 })
    expect(await page.getAttribute('[data-testid=siting-result]', 'data-sites')).toBe('1')
    const site = page.locator('[data-testid=siting-result] .site-list li').first()
    const lonLat: [number, number] = [Number(await site.getAttribute('data-lon')), Number(await site.getAttribute('data-lat'))]
    expect(Math.min(...points.map((p) => metres(p, lonLat)))).toBeLessThan(1)
    await settle(page)
    await page.evaluate(() => document.fonts.ready)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/planner-drawn.png` })
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('imports candidates from CSV and GeoJSON files: rejected rows with their reasons, a point outside the area named by the server with its file row', async () => {
    const { page, server, pageErrors } = session
    const area = await openPlanner(page, server.url)
    await page.selectOption('[data-testid=candidate-kind]', 'imported')
    const fc = await page.evaluate(async (a) => (await fetch(`/api/stations/uncovered?type=self_governance&radius=300&area=${a}`)).json(), area)
    const inside = (fc.features as { geometry: { coordinates: [number, number] } }[]).slice(0, 3).map((f) => f.geometry.coordinates)
    expect(inside).toHaveLength(3)
    // Data rows 1–3 inside the area; 4 not a number; 5 lat/lon swapped; 6 (0, 0); 7 far outside the area.
    const rows = [...inside.map(([x, y]) => `${x},${y}`), 'abc,30.5', `${inside[0][1]},${inside[0][0]}`, '0,0', '103.0,29.0']
    const upload = (lines: string[]) => page.setInputFiles('[data-testid=candidate-file]', { name: 'candidates.csv', mimeType: 'text/csv', buffer: Buffer.from(['lon,lat', ...lines].join('\n')) })
    await upload(rows)
    const imported = page.locator('[data-testid=candidate-imported]')
    await expect.poll(() => imported.getAttribute('data-points'), { timeout: 10_000 }).toBe('4')
    expect(await imported.getAttribute('data-rejected')).toBe('3')
    const rejected = (await page.textContent('[data-testid=candidate-rejected]'))!
    expect(rejected).toContain('第 4 行: 经纬度不是数字')
    expect(rejected).toContain('第 5 行: 经纬度超出范围')
    expect(rejected).toContain('第 6 行: 坐标为 (0, 0)')
    await page.click('[data-testid=model-mclp]')
    await page.selectOption('[data-testid=siting-type]', 'self_governance')
    await page.fill('[data-testid=siting-radius]', '300')
    await page.fill('[data-testid=siting-k]', '1')
    // The server refuses the point outside the area by its index in the request (3); the page names the file row.
    await page.click('[data-testid=siting-solve]')
    const error = page.locator('[data-testid=siting-error]')
    await error.waitFor({ timeout: 60_000 })
    const text = (await error.textContent())!
    expect(text).toContain('at indexes 3')
    expect(text).toContain('文件第 7 行')
    // GeoJSON too: Point features are taken, anything else is rejected by feature number.
    const feature = (geometry: object) => ({ type: 'Feature', properties: {}, geometry })
    await page.setInputFiles('[data-testid=candidate-file]', {
      name: 'candidates.geojson', mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify({ type: 'FeatureCollection', features: [
        feature({ type: 'Point', coordinates: inside[0] }), feature({ type: 'LineString', coordinates: [inside[0], inside[1]] }), feature({ type: 'Point', coordinates: inside[1] }),
      ] })),
    })
    await expect.poll(() => imported.getAttribute('data-points'), { timeout: 10_000 }).toBe('2')
    expect(await imported.getAttribute('data-rejected')).toBe('1')
    expect(await page.textContent('[data-testid=candidate-rejected]')).toContain('第 2 行: 不是点要素')
    // Without the outside point the solve runs over the imported points.
    await upload(rows.slice(0, 3))
    await expect.poll(() => imported.getAttribute('data-points'), { timeout: 10_000 }).toBe('3')
    await page.click('[data-testid=siting-solve]')
    await page.waitForSelector('[data-testid=siting-result]', { timeout: 60_000 })
    const site = page.locator('[data-testid=siting-result] .site-list li').first()
    const lonLat: [number, number] = [Number(await site.getAttribute('data-lon')), Number(await site.getAttribute('data-lat'))]
    expect(Math.min(...inside.map((p) => metres(p, lonLat)))).toBeLessThan(1)
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('opens a saved scenario after a reload: its sites drawn where they are and its saved figures; two compared side by side', async () => {
    const { page, server, pageErrors } = session
    const area = await openPlanner(page, server.url)
    await page.click('[data-testid=model-mclp]')
    await page.selectOption('[data-testid=siting-type]', 'self_governance')
    await page.fill('[data-testid=siting-radius]', '300')
    await page.fill('[data-testid=siting-k]', '3')
    await page.click('[data-testid=siting-solve]')
    await page.waitForSelector('[data-testid=siting-result]', { timeout: 60_000 })
    const listed = async () => (await page.evaluate(async (a) => (await (await fetch(`/api/siting/scenarios?area=${a}`)).json()).scenarios, area)) as { id: number }[]
    const before = (await listed()).map((s) => s.id)
    const made: number[] = []
    try {
      await page.click('[data-testid=siting-keep]')
      await expect.poll(async () => (await listed()).length, { timeout: 15_000 }).toBe(before.length + 1)
      const id = (await listed()).find((s) => !before.includes(s.id))!.id
      made.push(id)
      // A second one, with p-median, saved through the API, to compare with.
      const other = await page.evaluate(async (a) => {
        const request = { model: 'pmedian', stationType: 'self_governance', radius: 400, k: 2, area: a, generate: { method: 'lattice', count: 2000, spacing: 250 } }
        const result = await (await fetch('/api/siting/solve', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) })).json()
        return (await (await fetch('/api/siting/scenarios', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'p-median 400 m', request, result }) })).json()).id as number
      }, area)
      made.push(other)
      const saved = await page.evaluate(async (i) => (await fetch(`/api/siting/scenarios/${i}`)).json(), id)

      // A reload forgets the solve: only the server's copy can bring it back.
      await page.reload()
      await page.waitForSelector('[data-testid=siting-form]')
      await settle(page)
      expect(await page.locator('[data-testid=siting-result]').count()).toBe(0)
      await page.locator(`[data-testid=scenarios] tr[data-scenario-id="${id}"] [data-testid=scenario-open]`).click()
      await page.waitForSelector(`[data-testid=siting-result][data-scenario-id="${id}"]`, { timeout: 30_000 })
      const result = page.locator('[data-testid=siting-result]')
      expect(await result.getAttribute('data-sites')).toBe(String(saved.result.sites.length))
      expect(Number(await result.getAttribute('data-covered-before'))).toBe(saved.result.covered_before)
      expect(Number(await result.getAttribute('data-covered-after'))).toBe(saved.result.covered_after)
      const text = (await page.textContent('[data-testid=siting-coverage]'))!
      expect(text).toContain(`${(saved.result.share_before * 100).toFixed(1)}%`)
      expect(text).toContain(`${(saved.result.share_after * 100).toFixed(1)}%`)
      const lis = await result.locator('.site-list li').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-lon')), Number(e.getAttribute('data-lat'))]))
      expect(lis).toEqual(saved.result.sites.map((s: { lon: number; lat: number }) => [s.lon, s.lat]))
      await settle(page)
      // Every saved site is drawn as a numbered marker at its own position.
      const at = await Promise.all(saved.result.sites.map((s: { lon: number; lat: number }) => project(page, s.lon, s.lat)))
      for (const p of at) expect(p.x).toBeLessThan(1280 - 400)
      for (const n of await pixelsNear(page, at, NEW_SITE_COLOR, 8, 25)) expect(n).toBeGreaterThan(30)
      await page.evaluate(() => document.fonts.ready)
      if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/planner-opened.png` })

      // Side by side: one column per ticked scenario, with the summaries' own figures.
      await page.locator(`[data-testid=scenarios] tr[data-scenario-id="${id}"] [data-testid=scenario-compare]`).check()
      await page.locator(`[data-testid=scenarios] tr[data-scenario-id="${other}"] [data-testid=scenario-compare]`).check()
      const table = page.locator('[data-testid=scenario-compare-table]')
      expect(await table.locator('thead th[data-scenario-id]').count()).toBe(2)
      const cells = (await table.locator('tbody').textContent())!
      const summaries = (await page.evaluate(async (a) => (await (await fetch(`/api/siting/scenarios?area=${a}`)).json()).scenarios, area)) as any[]
      for (const s of summaries.filter((x) => made.includes(x.id))) {
        expect(cells).toContain(s.covered_after.toLocaleString('zh-CN'))
        expect(cells).toContain(`${(s.share_before * 100).toFixed(1)}%`)
      }
      expect(cells).toContain('直线距离')
      await table.scrollIntoViewIfNeeded()
      if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/planner-compare.png` })
    } finally {
      for (const id of made) await page.evaluate(async (i) => { await fetch(`/api/siting/scenarios/${i}`, { method: 'DELETE' }) }, id)
    }
    expect(pageErrors).toEqual([])
  }, 240_000)
})
