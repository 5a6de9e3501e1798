// Browser test of boundary import and export (issue 7; docs/import.md, "In the app"): the real server
// on the run's database (embedded PostGIS, or TEST_DATABASE_URL), the built web app, Debian's
// Chromium with software WebGL. A commander drills down to a grid, downloads its micro-grids as
// GeoJSON through the panel's export link, uploads the file unchanged through the import dialog and
// sees it previewed on the map as updates with no blocking problem, commits it (same codes, same
// shapes: the grid is as before), then uploads a copy with a self-intersecting ring and sees the
// problem listed with PostGIS's reason and "commit" disabled.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../api/server.ts'
import { canRunBrowser, mapColour, openCommanderSession, settle, type BrowserSession, type RGB } from '../helpers/browser.ts'

/** IMPORT_ACTION_COLORS.update in web/map/colors.ts. */
const UPDATE: RGB = [118, 255, 3]
/** COVERAGE_COLORS.gap: the gaps a crossed ring leaves, drawn like the coverage check's. */
const GAP: RGB = [255, 0, 170]

interface AreaDetail {
  id: number
  level: string
  children: { id: number; name: string; code: string }[]
}
type Ring = number[][]
interface ExportedCollection {
  type: 'FeatureCollection'
  features: { type: 'Feature'; properties: Record<string, unknown>; geometry: { type: string; coordinates: Ring[][] } }[]
}

describe.skipIf(!canRunBrowser)('boundary import and export in a real browser', () => {
  let session: BrowserSession
  let server: RunningServer
  let page: Page
  let pageErrors: string[]
  let grid: AreaDetail
  let exported: string

  const detailOf = (id: number) => page.evaluate(async (i) => (await fetch(`/api/areas/${i}`)).json(), id) as Promise<AreaDetail>
  const summary = () => page.locator('[data-testid=area-import-summary]')
  const upload = (name: string, text: string) =>
    page.setInputFiles('[data-testid=area-import-file]', { name, mimeType: 'application/geo+json', buffer: Buffer.from(text) })

  beforeAll(async () => {
    session = await openCommanderSession()
    ;({ server, page, pageErrors } = session)
    // Down the panel's sub-area lists: street → its first community → that community's first grid.
    for (const level of ['community', 'grid']) {
      await page.click('[data-testid=area-panel] .children li:first-child button')
      await page.waitForSelector(`[data-testid=area-panel][data-level=${level}]`)
    }
    const id = Number(await page.getAttribute('[data-testid=area-panel]', 'data-area-id'))
    grid = await detailOf(id)
    await settle(page)
  }, 180_000)

  afterAll(() => session?.close(), 60_000)

  it('exports the grid’s micro-grids as GeoJSON through the panel’s link', async () => {
    const links = page.locator('[data-testid=area-export] a')
    expect(await links.count()).toBe(3)
    const href = await page.getAttribute('[data-testid=area-export-geojson]', 'href')
    expect(href).toBe(`/api/areas/export?parent=${grid.id}&format=geojson`)
    expect(await page.getAttribute('[data-testid=area-export-shp]', 'href')).toContain('format=shp')
    const res = await page.evaluate(async (h) => {
      const r = await fetch(h!)
      return { status: r.status, disposition: r.headers.get('content-disposition'), text: await r.text() }
    }, href)
    expect(res.status).toBe(200)
    expect(res.disposition).toMatch(new RegExp(`^attachment; filename="areas-${grid.id}-micro_grid-.*\\.geojson"$`))
    exported = res.text
    const fc = JSON.parse(exported) as ExportedCollection
    expect(fc.features.map((f) => f.properties.code)).toEqual(grid.children.map((c) => c.code))
    expect(pageErrors).toEqual([])
  })

  it('previews the unchanged file on the map as updates with no blocking problem, follows the mapping, and commits it', async () => {
    // Incident points off, so only the preview can paint its colours.
    await page.click('[data-testid=toggle-incidents]')
    await settle(page)
    const before = await mapColour(page, UPDATE)

    await page.click('[data-testid=area-import-open]')
    await upload('grid.geojson', exported)
    await expect.poll(() => summary().getAttribute('data-update'), { timeout: 30_000 }).toBe(String(grid.children.length))
    expect(await summary().getAttribute('data-blocking')).toBe('0')
    expect(await summary().getAttribute('data-insert')).toBe('0')
    expect(await summary().getAttribute('data-remove')).toBe('0')
    expect(await summary().getAttribute('data-committable')).toBe('true')
    expect(await page.textContent('[data-testid=area-import-counts]')).toBe(`新增 0 · 更新 ${grid.children.length} · 删除 0`)
    await page.click('[data-testid=lang-en]')
    expect(await page.textContent('[data-testid=area-import-counts]')).toBe(`insert 0 · update ${grid.children.length} · remove 0`)
    expect(await page.textContent('[data-testid=area-import] h3')).toBe('Import boundaries (Micro-grid)')
    await page.click('[data-testid=lang-zh-CN]')
    expect(await page.locator('[data-testid=area-import-problems] button[data-blocking=true]').count()).toBe(0)
    expect(await page.isEnabled('[data-testid=area-import-commit]')).toBe(true)
    // The mapping offers the file's columns and shows which the server picked.
    const offered = await page.locator('#area-import-columns option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
    expect(offered).toEqual(expect.arrayContaining(['id', 'code', 'name', 'households', 'population']))
    expect(await page.getAttribute('[data-testid=area-import-map-households]', 'placeholder')).toBe('自动：households')

    await settle(page)
    const drawn = await mapColour(page, UPDATE)
    await page.screenshot({ path: '/tmp/area-import-preview.png' })
    expect(drawn).toBeGreaterThan(before + 500)

    // A column the file lacks: previewed again, refused with the columns it has; emptied, back to the guess.
    await page.click('[data-testid=area-import-mapping] >> xpath=..')
    await page.fill('[data-testid=area-import-map-name]', 'nope')
    const error = page.locator('[data-testid=area-import-error]')
    await error.waitFor({ timeout: 30_000 })
    expect(await error.getAttribute('data-code')).toBe('invalid_mapping')
    expect(await error.textContent()).toContain('no column "nope"')
    expect(await page.isEnabled('[data-testid=area-import-commit]')).toBe(false)
    await page.fill('[data-testid=area-import-map-name]', '')
    await expect.poll(() => summary().getAttribute('data-committable'), { timeout: 30_000 }).toBe('true')

    // Committed: the same codes and shapes, so the same micro-grids, and the preview is gone from the map.
    await page.click('[data-testid=area-import-commit]')
    const result = page.locator('[data-testid=area-import-result]')
    await result.waitFor({ timeout: 30_000 })
    expect(await result.textContent()).toContain(`新增 0、更新 ${grid.children.length}、删除 0`)
    expect(await summary().count()).toBe(0)
    expect(await page.inputValue('[data-testid=area-import-file]')).toBe('')
    expect((await detailOf(grid.id)).children.map((c) => c.id)).toEqual(grid.children.map((c) => c.id))
    await settle(page)
    expect(await mapColour(page, UPDATE)).toBeLessThan(before + (drawn - before) / 10)
    expect(pageErrors).toEqual([])
  }, 180_000)

  it('lists a self-intersecting ring as a blocking problem and keeps "commit" disabled', async () => {
    const fc = JSON.parse(exported) as ExportedCollection
    const ring = fc.features[1].geometry.coordinates[0][0]
    // Two consecutive vertices exchanged: the ring's edges cross.
    ;[ring[1], ring[2]] = [ring[2], ring[1]]
    const gapsBefore = await mapColour(page, GAP)
    await upload('broken.geojson', JSON.stringify(fc))
    const invalid = page.locator('[data-testid=area-import-problems] button[data-kind=invalid]')
    await invalid.first().waitFor({ timeout: 30_000 })
    expect(await invalid.first().getAttribute('data-blocking')).toBe('true')
    const text = await invalid.first().textContent()
    expect(text).toContain('无效几何')
    expect(text).toMatch(/feature 2 \(code .+\): (Ring )?Self-intersection/)
    expect(Number(await summary().getAttribute('data-blocking'))).toBeGreaterThan(0)
    expect(await summary().getAttribute('data-committable')).toBe('false')
    expect(await page.isDisabled('[data-testid=area-import-commit]')).toBe(true)
    expect(await page.locator('[data-testid=legend-coverage]').count()).toBe(1)
    // The gaps beside the crossed ring are listed as warnings and drawn.
    expect(Number(await summary().getAttribute('data-warnings'))).toBeGreaterThan(0)
    await settle(page)
    expect(await mapColour(page, GAP)).toBeGreaterThan(gapsBefore + 200)

    // The listed problem frames its place on the map.
    await invalid.first().click()
    await page.waitForFunction(() => !!window.__gridpulse?.fitted?.startsWith('problem-'), undefined, { timeout: 20_000 })
    await settle(page)
    await page.screenshot({ path: '/tmp/area-import-broken.png' })

    // Discarded: nothing listed, nothing drawn, nothing written.
    await page.click('[data-testid=area-import-discard]')
    expect(await summary().count()).toBe(0)
    expect(await page.locator('[data-testid=legend-coverage]').count()).toBe(0)
    expect((await detailOf(grid.id)).children.map((c) => c.id)).toEqual(grid.children.map((c) => c.id))
    expect(pageErrors).toEqual([])
  }, 180_000)
})
