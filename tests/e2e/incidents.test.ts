// Browser test of the incident screens: the real server on the run's database (embedded PostGIS, or
// TEST_DATABASE_URL) seeded with the small district, the built web app, Debian's Chromium with
// software WebGL. As the grid leader it reports an incident by clicking inside their grid and
// filling the form, opens it again by clicking its point, accepts it, and imports a CSV (preview
// with the bad row's reason, all-or-nothing refused, valid rows committed), checking each step
// against the API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../api/server.ts'
import { canRunBrowser, centroid, openBrowserSession, outerRing, settle, signInPage, type AreaGeometry, type BrowserSession } from '../helpers/browser.ts'

interface GridFeature {
  geometry: AreaGeometry
  properties: { id: number; name: string }
}
interface IncidentDetail {
  id: number
  type: string
  status: string
  description: string
  grid_id: number
  history: { from: string | null; to: string; comment: string; username: string | null }[]
}
interface IncidentPage {
  features: { id: number; properties: { description: string; grid_id: number; type: string } }[]
}

/** Clicks the map at a lon/lat. */
async function clickLonLat(page: Page, lonLat: [number, number]) {
  const { x, y } = await page.evaluate((ll) => window.__gridpulse!.map.project(ll), lonLat)
  await page.mouse.click(x, y)
}

describe.skipIf(!canRunBrowser)('incidents in a real browser', () => {
  let session: BrowserSession
  let server: RunningServer
  let page: Page
  let cookie: string
  let tmp: string
  let pageErrors: string[]

  const api = async <T,>(path: string): Promise<T> => {
    const res = await fetch(new URL(`api/${path}`, server.url), { headers: { cookie } })
    expect(res.status, `GET /api/${path}`).toBe(200)
    return (await res.json()) as T
  }

  beforeAll(async () => {
    session = await openBrowserSession()
    ;({ server, page, pageErrors } = session)
    const login = await fetch(new URL('api/auth/login', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'leader', password: 'gridpulse-demo' }),
    })
    cookie = login.headers.get('set-cookie')!.split(';')[0]
    tmp = mkdtempSync(join(tmpdir(), 'gridpulse-e2e-'))
  }, 180_000)

  afterAll(async () => {
    await session?.close()
    if (tmp) rmSync(tmp, { recursive: true, force: true })
  }, 60_000)

  it('reports, opens, accepts and imports incidents in the grid leader’s own grid', async () => {
    const startedAt = new Date(Date.now() - 60_000).toISOString()
    const marker = `e2e-${Date.now()}`
    const me = await api<{ areas: number[] }>('me')
    const grids = await api<{ features: GridFeature[] }>('areas?level=grid')
    const grid = grids.features.find((g) => me.areas.includes(g.properties.id))!
    expect(grid, 'the leader’s grid').toBeTruthy()
    const point = centroid(grid.geometry)

    await page.goto(server.url)
    await signInPage(page, 'leader')
    await settle(page)
    // Close in, so a click hits one incident point and not its neighbours.
    await page.evaluate((c) => window.__gridpulse!.map.jumpTo({ center: c, zoom: 18 }), point)
    await settle(page)

    // Escape leaves the report mode.
    await page.click('[data-testid=report-button]')
    await page.waitForSelector('[data-testid=report-form]')
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-testid=report-form]', { state: 'detached' })

    // Report: pick the point on the map, then fill the form.
    const shownBefore = Number(await page.getAttribute('[data-testid=shown-incidents]', 'data-count'))
    await page.click('[data-testid=report-button]')
    await page.waitForSelector('[data-testid=pick-banner]')
    await clickLonLat(page, point)
    await page.waitForSelector('[data-testid=report-location]')
    await page.selectOption('[data-testid=report-type]', 'hallway_clutter')
    await page.fill('[data-testid=report-description]', `${marker} 楼道堆放杂物`)
    await page.selectOption('[data-testid=report-source]', 'patrol')
    await page.fill('[data-testid=report-name]', '张女士')
    await page.fill('[data-testid=report-phone]', '13800001234')
    await page.click('[data-testid=report-submit]')
    const panel = page.locator('[data-testid=incident-panel]')
    await page.waitForSelector('[data-testid=incident-panel][data-incident-id][data-status=reported]', { timeout: 20_000 })
    const id = Number(await panel.getAttribute('data-incident-id'))

    // It exists, in the leader's grid, as reported.
    const created = await api<IncidentDetail & { geometry: { coordinates: [number, number] } }>(`incidents/${id}`)
    expect(created.grid_id).toBe(grid.properties.id)
    expect(created.type).toBe('hallway_clutter')
    expect(created.description).toBe(`${marker} 楼道堆放杂物`)
    expect(created.status).toBe('reported')
    expect(created.geometry.coordinates[0]).toBeCloseTo(point[0], 5)
    expect(created.geometry.coordinates[1]).toBeCloseTo(point[1], 5)

    // Close the panel, wait for the refreshed points, and open the incident by clicking its point.
    await page.click('[data-testid=incident-close]')
    await page.waitForSelector('[data-testid=incident-panel]', { state: 'detached' })
    await page.waitForFunction(
      // At least: on a shared PostgreSQL others may report in the grid meanwhile.
      (n) => Number(document.querySelector('[data-testid=shown-incidents]')?.getAttribute('data-count')) >= n + 1,
      shownBefore,
      { timeout: 20_000 },
    )
    await settle(page)
    await clickLonLat(page, point)
    await page.waitForSelector(`[data-testid=incident-panel][data-incident-id="${id}"]`, { timeout: 20_000 })
    expect(await page.textContent('[data-testid=incident-type]')).toBe('楼道堆物')
    expect(await page.textContent('[data-testid=incident-description]')).toContain(marker)
    expect(await page.textContent('[data-testid=incident-grid]')).toBe(grid.properties.name)

    // Accept it with the workflow button; the history shows the transition and its comment.
    expect(await page.locator('[data-testid^=transition-]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-testid')))).toEqual([
      'transition-accepted',
      'transition-returned',
    ])
    await page.fill('[data-testid=workflow-comment]', '已受理，安排网格员核实')
    await page.click('[data-testid=transition-accepted]')
    await page.waitForSelector(`[data-testid=incident-panel][data-incident-id="${id}"][data-status=accepted]`, { timeout: 20_000 })
    const accepted = page.locator('[data-testid=incident-history] li[data-to=accepted]')
    await expect.poll(() => accepted.count()).toBe(1)
    expect(await accepted.textContent()).toContain('上报 → 受理')
    expect(await accepted.textContent()).toContain('已受理，安排网格员核实')
    expect(await accepted.textContent()).toContain('leader')
    const afterAccept = await api<IncidentDetail>(`incidents/${id}`)
    expect(afterAccept.status).toBe('accepted')
    expect(afterAccept.history.map((h) => [h.from, h.to])).toEqual([[null, 'reported'], ['reported', 'accepted']])

    // Import: two rows inside the grid and one with an unknown type.
    const ring = outerRing(grid.geometry)
    const toward = (v: [number, number]) => [point[0] + 0.4 * (v[0] - point[0]), point[1] + 0.4 * (v[1] - point[1])].map((x) => x.toFixed(7))
    const [a, b] = [toward(ring[0]), toward(ring[2])]
    const csvPath = join(tmp, 'incidents.csv')
    writeFileSync(
      csvPath,
      ['经度,纬度,类型,描述', `${a[0]},${a[1]},楼道堆物,${marker}-import-1`, `${b[0]},${b[1]},noise,${marker}-import-2`, `${point[0]},${point[1]},不存在的类型,${marker}-bad`].join('\n'),
    )
    await page.click('[data-testid=import-button]')
    await page.setInputFiles('[data-testid=import-file]', csvPath)
    await page.waitForSelector('[data-testid=import-summary]')
    await page.click('[data-testid=import-preview]')
    const result = page.locator('[data-testid=import-result]')
    await page.waitForSelector('[data-testid=import-result][data-mode=preview]', { timeout: 20_000 })
    expect(await result.getAttribute('data-rejected')).toBe('1')
    expect(await result.locator('h3').textContent()).toContain('可导入 2 行')
    expect(await page.textContent('[data-testid=import-rejected] tr[data-row="3"]')).toContain('unknown incident type')
    expect(await page.locator('[data-testid=import-preview-rows] tbody tr').count()).toBe(2)

    // All or nothing refuses the file; importing the valid rows writes two.
    await page.click('[data-testid=import-commit-all]')
    await page.waitForSelector('[data-testid=import-result][data-mode=all]', { timeout: 20_000 })
    expect(await result.getAttribute('data-imported')).toBe('0')
    await page.click('[data-testid=import-commit-valid]')
    await page.waitForSelector('[data-testid=import-result][data-mode=valid]', { timeout: 20_000 })
    expect(await result.getAttribute('data-imported')).toBe('2')
    expect(await result.getAttribute('data-rejected')).toBe('1')
    await page.keyboard.press('Escape')
    await page.waitForSelector('[data-testid=import-dialog]', { state: 'detached' })

    const mine = await api<IncidentPage>(`incidents?area=${grid.properties.id}&from=${encodeURIComponent(startedAt)}&limit=100`)
    const imported = mine.features.filter((f) => f.properties.description.startsWith(`${marker}-import-`))
    expect(imported.map((f) => f.properties.description).sort()).toEqual([`${marker}-import-1`, `${marker}-import-2`])
    expect(imported.map((f) => f.properties.type).sort()).toEqual(['hallway_clutter', 'noise'])
    expect(imported.every((f) => f.properties.grid_id === grid.properties.id)).toBe(true)
    expect(mine.features.some((f) => f.properties.description.startsWith(`${marker}-bad`))).toBe(false)

    expect(pageErrors).toEqual([])
  }, 180_000)
})
