// Browser test of the station registry on the planner's page: the real server on the run's
// database, the built web app, Debian's Chromium. The demo planner adds a mediation room by
// clicking the map, sees it drawn with its service area, edits its radius (the drawn area shrinks)
// and closes it (the area goes, the point turns hollow), each step checked against the API.
// The station is deleted afterwards through the database.
import pg from 'pg'
import type { Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { FOCUS_COLOR } from '../../web/map/layers/stations.ts'
import { STATION_COLORS } from '../../web/map/colors.ts'
import { canRunBrowser, centroid, countColours, openBrowserSession, settle, signInPage, type AreaGeometry, type BrowserSession } from '../helpers/browser.ts'

const NAME = `E2E 调解室 ${process.pid}-${Date.now() % 100000}`

/** The screen position of a lon/lat on the current map. */
const project = (page: Page, ll: [number, number]) => page.evaluate((p) => window.__gridpulse!.map.project(p), ll)

/** The colour of one screen pixel. */
async function pixelAt(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const { data } = PNG.sync.read(await page.screenshot({ clip: { x: Math.round(x), y: Math.round(y), width: 1, height: 1 } }))
  return [data[0], data[1], data[2]]
}
const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol)

describe.skipIf(!canRunBrowser)('station registry in a real browser', () => {
  let session: BrowserSession
  const pool = new pg.Pool({ connectionString: inject('dbUrl'), max: 1 })

  beforeAll(async () => {
    session = await openBrowserSession()
  }, 180_000)
  afterAll(async () => {
    await pool.query('delete from stations where name = $1', [NAME])
    await pool.end()
    await session?.close()
  }, 60_000)

  it('adds a station by clicking the map, draws it, edits its radius and closes it', async () => {
    const { page, server, pageErrors } = session
    await page.goto(`${server.url}#/planner`)
    await signInPage(page, 'planner')
    await page.waitForSelector('[data-testid=station-registry]')
    await settle(page)

    // A spot in the middle of a grid, framed at zoom 14 (≈ 4 m a pixel: the 800 m disc fits between the panels).
    const grids = await page.evaluate(async () => (await fetch('/api/areas?level=grid')).json())
    const spot = centroid(grids.features[Math.floor(grids.features.length / 2)].geometry as AreaGeometry)
    await page.evaluate((c) => window.__gridpulse!.map.jumpTo({ center: c, zoom: 14 }), spot)
    await settle(page)

    await page.click('[data-testid=station-add]')
    await page.waitForSelector('[data-testid=station-pick-banner]')
    // The click-catching surface is shown with pick mode; let a frame draw it before clicking.
    await settle(page)
    const at = await project(page, spot)
    await page.mouse.click(at.x, at.y)
    await page.waitForSelector('[data-testid=station-location]')
    await page.selectOption('[data-testid=station-type]', 'mediation_room')
    await page.fill('[data-testid=station-name]', NAME)
    await page.fill('[data-testid=station-capacity]', '6')
    await page.click('[data-testid=station-submit]')
    await page.waitForSelector('[data-testid=station-panel][data-station-id]')
    const id = Number(await page.getAttribute('[data-testid=station-panel]', 'data-station-id'))

    const api = async () => page.evaluate(async (i) => (await fetch(`/api/stations/${i}`)).json(), id)
    const created = await api()
    expect(created).toMatchObject({ name: NAME, type: 'mediation_room', capacity: 6, state: 'open', closed_on: null })
    expect(created.service_radius_m).toBe(created.default_radius_m)
    expect(Math.abs(created.lon - spot[0])).toBeLessThan(2e-5)
    expect(Math.abs(created.lat - spot[1])).toBeLessThan(2e-5)
    expect(await page.textContent('[data-testid=station-radius-value]')).toContain(String(created.service_radius_m))

    // Drawn: the point in the type's colour where it was clicked, its service area's outline around it.
    await page.mouse.move(5, 400)
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/stations-added.png` })
    const p = await project(page, [created.lon, created.lat])
    expect(near(await pixelAt(page, p.x, p.y), STATION_COLORS.mediation_room, 30)).toBe(true)
    const wide = await countColours(page, [FOCUS_COLOR], { tol: 25, rightInset: 400 })
    expect(wide).toBeGreaterThan(300)

    // Edit the radius: the record and the drawn area follow.
    await page.click('[data-testid=station-edit]')
    await page.fill('[data-testid=station-radius]', '310')
    await page.click('[data-testid=station-save]')
    await page.waitForSelector('[data-testid=station-panel][data-radius="310"]')
    expect((await api()).service_radius_m).toBe(310)
    await settle(page)
    const narrow = await countColours(page, [FOCUS_COLOR], { tol: 25, rightInset: 400 })
    expect(narrow).toBeGreaterThan(50)
    expect(narrow).toBeLessThan(wide * 0.6)

    // Close it: closed today, no service area drawn, the point hollow (white inside).
    await page.click('[data-testid=station-close]')
    await page.waitForSelector('[data-testid=station-panel][data-state=closed]')
    const closed = await api()
    expect(closed.closed_on).toBe(new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()))
    const open = await page.evaluate(async () => (await fetch('/api/stations?type=mediation_room')).json())
    expect(open.features.some((f: { id: number }) => f.id === id)).toBe(false)
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/stations-closed.png` })
    expect(await countColours(page, [FOCUS_COLOR], { tol: 25, rightInset: 400 })).toBeLessThan(20)
    expect(near(await pixelAt(page, p.x, p.y), [255, 255, 255], 40)).toBe(true)
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('opens a station’s record from a click on the main map', async () => {
    const { page, server, pageErrors } = session
    await page.goto(`${server.url}#/`)
    await settle(page)
    const open = await page.evaluate(async () => (await fetch('/api/stations?type=police_post')).json())
    const s = open.features[0]
    await page.evaluate((c) => window.__gridpulse!.map.jumpTo({ center: c, zoom: 17 }), s.geometry.coordinates)
    await settle(page)
    const at = await project(page, s.geometry.coordinates)
    await page.mouse.click(at.x, at.y)
    await page.waitForSelector(`[data-testid=station-panel][data-station-id="${s.id}"]`)
    expect(await page.textContent('[data-testid=station-title]')).toBe(s.properties.name)
    expect(await page.getAttribute('[data-testid=station-panel]', 'data-state')).toBe('open')
    // Planners may edit here; moving needs the planner page's map picking.
    expect(await page.locator('[data-testid=station-edit]').count()).toBe(1)
    expect(await page.locator('[data-testid=station-move]').count()).toBe(0)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/stations-main-map.png` })
    expect(pageErrors).toEqual([])
  }, 120_000)
})
