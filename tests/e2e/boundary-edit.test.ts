// Browser test of boundary editing on the map (issue 7; docs/editing.md): the real server on the
// run's database (embedded PostGIS, or TEST_DATABASE_URL), the built web app, Debian's Chromium
// with software WebGL, real mouse events so terra-draw's own handling is what runs. The demo
// commander opens a community, enters edit mode, splits a grid by clicking a line across it, sees
// the check drawn with no blocking problem, saves (the community has one grid more), and merges
// the two pieces back through the same toolbar (the count is back). Then an edit that breaks
// coverage: the save answers 422, the problem is listed and drawn, and nothing was written.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../api/server.ts'
import { canRunBrowser, centroid, mapColour, openCommanderSession, outerRing, settle, type AreaGeometry, type BrowserSession, type RGB } from '../helpers/browser.ts'

/** IMPORT_ACTION_COLORS.insert (EDIT_ACTION_COLORS.insert in web/map/layers/boundaryEdit.ts): a new child. */
const INSERT: RGB = [0, 229, 255]
/** COVERAGE_COLORS in web/map/colors.ts. */
const PROBLEM: Record<string, RGB> = { gap: [255, 0, 170], overlap: [0, 70, 255], outside: [255, 110, 0], invalid: [0, 0, 0], sliver: [150, 0, 255] }

interface AreaFeature {
  id: number
  geometry: AreaGeometry
  properties: { id: number; name: string; code: string }
}

describe.skipIf(!canRunBrowser)('boundary editing with terra-draw in a real browser', () => {
  let session: BrowserSession
  let server: RunningServer
  let page: Page
  let pageErrors: string[]
  let community: number

  const childrenOf = async (id: number) =>
    (await page.evaluate(async (i) => (await fetch(`/api/areas?parent=${i}`)).json(), id)) as { features: AreaFeature[] }
  const project = (ll: number[]) => page.evaluate((p) => window.__gridpulse!.map.project(p as [number, number]), ll)
  const click = async (ll: number[]) => {
    const p = await project(ll)
    await page.mouse.move(p.x - 3, p.y - 3)
    await page.mouse.move(p.x, p.y, { steps: 3 })
    await page.mouse.click(p.x, p.y)
  }
  const summary = () => page.locator('[data-testid=edit-summary]')
  /** The panel's "frame this area" button: the whole community on screen again. */
  const frameCommunity = async () => {
    const fits = await page.evaluate(() => window.__gridpulse?.fitted)
    await page.click('[data-testid=area-panel] .row .button >> nth=0')
    await page.waitForFunction((f) => window.__gridpulse?.fitted?.startsWith('area-') && window.__gridpulse.fitted !== f, fits, { timeout: 20_000 })
    await settle(page)
  }
  const openEditor = async () => {
    // A test that failed half-way may have left edit mode on.
    if (await page.locator('[data-testid=edit-cancel]').count()) await page.click('[data-testid=edit-cancel]')
    await page.click('[data-testid=edit-open]')
    await page.waitForSelector('[data-testid=edit-toolbar]')
    await settle(page)
  }

  beforeAll(async () => {
    session = await openCommanderSession()
    ;({ server, page, pageErrors } = session)
    await page.click('[data-testid=area-panel] .children li:first-child button')
    await page.waitForSelector('[data-testid=area-panel][data-level=community]')
    community = Number(await page.getAttribute('[data-testid=area-panel]', 'data-area-id'))
    // Incident points off, so only the edit's layers paint their colours.
    await page.click('[data-testid=toggle-incidents]')
    await page.waitForFunction(() => window.__gridpulse?.fitted?.startsWith('area-'), undefined, { timeout: 20_000 })
    await settle(page)
  }, 180_000)

  afterAll(() => session?.close(), 60_000)

  it('splits a grid by a line clicked across it, saves, and merges the pieces back', async () => {
    const before = (await childrenOf(community)).features
    // The server refuses a line that cuts a micro-grid, so the line follows micro-grid edges from
    // one side of the grid to the other; the editor snaps clicks near a micro-grid corner onto it.
    const grid = before.reduce((a, b) => (span(b) > span(a) ? b : a))
    const micro = (await childrenOf(grid.id)).features
    const path = edgePath(micro.map((m) => outerRing(m.geometry)))
    expect(path.length).toBeGreaterThanOrEqual(2)
    const [w, s, e, n] = bboxOf(grid.geometry)
    await page.evaluate((b) => window.__gridpulse!.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: { top: 120, bottom: 80, left: 320, right: 460 }, duration: 0 }), [w, s, e, n])
    await settle(page)
    const inserted = await mapColour(page, INSERT)

    await openEditor()
    await page.click('[data-testid=lang-en]')
    expect(await page.textContent('[data-testid=edit-toolbar]')).toBe('Select / move verticesDrawSplitMergeUndoCancel')
    await page.click('[data-testid=lang-zh-CN]')
    expect(await page.textContent('[data-testid=edit-toolbar]')).toBe('选择/移动顶点绘制分割合并撤销取消')
    await page.click('[data-testid=edit-tool-split]')
    // The micro-grids' corners the line snaps to have arrived.
    await page.waitForSelector('[data-testid=edit-toolbar]:not([data-snap-vertices="0"])')
    for (const v of path) await click(v)
    await click(path.at(-1)!)
    await expect.poll(() => summary().getAttribute('data-inserted'), { timeout: 30_000 }).toBe('1')
    // The pointer off the map, so no hover highlight is in the picture.
    await page.mouse.move(1100, 780)
    await settle(page)
    await page.screenshot({ path: '/tmp/boundary-edit-split.png' })
    const listed = async () => (await page.locator('[data-testid=edit-problems]').count()) ? (await page.textContent('[data-testid=edit-problems]')) ?? '' : ''
    expect(await summary().getAttribute('data-blocking'), await listed()).toBe('0')
    expect(await summary().getAttribute('data-updated')).toBe('1')
    expect(await page.locator('[data-testid=edit-ops] li[data-op=split]').count()).toBe(1)
    expect(await page.textContent('[data-testid=edit-ops]')).toContain(grid.properties.name)
    expect(await page.locator('[data-testid=edit-problems] button[data-blocking=true]').count()).toBe(0)
    expect(await mapColour(page, INSERT)).toBeGreaterThan(inserted + 300)

    await page.click('[data-testid=edit-save]')
    await page.waitForSelector('[data-testid=edit-saved]', { timeout: 30_000 })
    expect(await page.textContent('[data-testid=edit-saved]')).toContain('新增 1')
    const after = (await childrenOf(community)).features
    expect(after.length).toBe(before.length + 1)
    const piece = after.find((f) => !before.some((b) => b.id === f.id))!
    const kept = after.find((f) => f.id === grid.id)!
    expect(piece).toBeDefined()
    // The panel and the map follow the saved boundaries.
    await expect.poll(() => page.locator('[data-testid=area-panel] .children li').count(), { timeout: 20_000 }).toBe(after.length)

    // Back as it was: the two pieces merged into the grid that kept its id.
    await settle(page)
    await openEditor()
    await page.click('[data-testid=edit-tool-merge]')
    await click(centroid(kept.geometry))
    await click(centroid(piece.geometry))
    await page.click('[data-testid=edit-merge]')
    await expect.poll(() => summary().getAttribute('data-removed'), { timeout: 30_000 }).toBe('1')
    expect(await summary().getAttribute('data-blocking')).toBe('0')
    await page.click('[data-testid=edit-save]')
    await page.waitForSelector('[data-testid=edit-saved]', { timeout: 30_000 })
    const restored = (await childrenOf(community)).features
    expect(restored.map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort())
    expect(pageErrors).toEqual([])
  }, 240_000)

  it('refuses to save a dragged vertex that opens a gap at the community’s edge: the problem is listed and drawn, nothing is written', async () => {
    const before = (await childrenOf(community)).features
    const detail = (await page.evaluate(async (i) => (await fetch(`/api/areas?level=community`)).json(), community)) as { features: AreaFeature[] }
    const parent = detail.features.find((f) => f.id === community || f.properties.id === community)!
    const middle = centroid(parent.geometry)
    // The grid vertex farthest from the community's middle lies on the community's edge; pulled a
    // third of the way into its grid it leaves a piece of the community that no grid covers.
    let best = { grid: before[0], vertex: outerRing(before[0].geometry)[0], d: -1 }
    for (const g of before)
      for (const v of outerRing(g.geometry)) {
        const d = Math.hypot(v[0] - middle[0], v[1] - middle[1])
        if (d > best.d) best = { grid: g, vertex: v, d }
      }
    const inside = centroid(best.grid.geometry)
    const target = [best.vertex[0] + (inside[0] - best.vertex[0]) / 3, best.vertex[1] + (inside[1] - best.vertex[1]) / 3]
    await frameCommunity()
    const gap = await mapColour(page, PROBLEM.gap)

    await openEditor()
    await page.click('[data-testid=edit-tool-select]')
    await click(inside)
    const from = await project(best.vertex)
    const to = await project(target)
    await page.mouse.move(from.x, from.y, { steps: 4 })
    await page.mouse.down()
    await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 })
    await page.mouse.move(to.x, to.y, { steps: 8 })
    await page.mouse.up()
    await expect.poll(() => page.locator('[data-testid=edit-ops] li[data-op=reshape]').count(), { timeout: 30_000 }).toBe(1)
    // Only the grid changes: the corners it shares with its neighbours go back exactly as stored
    // (the map's coordinates are rounded), so no neighbour's edge moves by a few centimetres.
    await expect.poll(() => summary().getAttribute('data-updated'), { timeout: 30_000 }).toBe('1')
    await settle(page)
    await page.screenshot({ path: '/tmp/boundary-edit-reshape.png' })

    await page.click('[data-testid=edit-save]')
    const refused = page.locator('[data-testid=edit-refused]')
    await refused.waitFor({ timeout: 30_000 })
    expect(await refused.textContent()).toContain('coverage')
    // The opened gap blocks; the micro-grids the grid no longer holds are listed too.
    const problem = page.locator('[data-testid=edit-problems] button[data-blocking=true][data-kind=gap]').first()
    await problem.waitFor()
    const kind = 'gap'
    expect(Number(await problem.getAttribute('data-area-m2'))).toBeGreaterThan(1)
    expect(await page.locator('[data-testid=edit-ops] li').count()).toBe(1)
    await problem.click()
    await page.waitForFunction(() => !!window.__gridpulse?.fitted?.startsWith('problem-'), undefined, { timeout: 20_000 })
    await settle(page)
    expect(await mapColour(page, PROBLEM[kind])).toBeGreaterThan(kind === 'gap' ? gap + 200 : 200)
    await page.screenshot({ path: '/tmp/boundary-edit-refused.png' })

    // Nothing written: the same grids with the same shapes.
    const after = (await childrenOf(community)).features
    expect(after.map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort())
    expect(outerRing(after.find((f) => f.id === best.grid.id)!.geometry)).toEqual(outerRing(best.grid.geometry))
    await page.click('[data-testid=edit-cancel]')
    expect(await page.locator('[data-testid=edit-toolbar]').count()).toBe(0)
    expect(pageErrors).toEqual([])
  }, 240_000)

  it('draws a new area that asks for its name (ESC drops a drawing), keeps the edit as a draft, reopens it and deletes it', async () => {
    const before = (await childrenOf(community)).features
    const grid = before.reduce((a, b) => (span(b) > span(a) ? b : a))
    const [w, s, e, n] = bboxOf(grid.geometry)
    const [cx, cy] = centroid(grid.geometry)
    const dx = (e - w) * 0.12
    const dy = (n - s) * 0.12
    const triangle = [[cx - dx, cy - dy], [cx + dx, cy - dy], [cx, cy + dy]]

    await frameCommunity()
    await openEditor()
    await page.click('[data-testid=edit-tool-draw]')
    // Three corners, then ESC: a click on the first corner would have closed that triangle; now it starts another.
    for (const p of triangle) await click(p)
    await page.keyboard.press('Escape')
    await click(triangle[0])
    await page.waitForTimeout(500)
    expect(await page.locator('[data-testid=edit-create]').count()).toBe(0)
    await page.keyboard.press('Escape')
    for (const p of [...triangle, triangle[0]]) await click(p)
    await page.waitForSelector('[data-testid=edit-create]')
    await page.fill('[data-testid=edit-create-name]', 'e2e 新网格')
    await page.click('[data-testid=edit-create-ok]')
    await expect.poll(() => summary().getAttribute('data-inserted'), { timeout: 30_000 }).toBe('1')
    expect(await page.textContent('[data-testid=edit-ops] li[data-op=create]')).toContain('e2e 新网格')

    await page.fill('[data-testid=edit-reason]', 'e2e draft')
    await page.click('[data-testid=edit-save-draft]')
    await page.waitForSelector('[data-testid=edit-draft-saved]', { timeout: 30_000 })
    const drafts = page.locator('[data-testid=edit-drafts] li')
    await expect.poll(() => drafts.count(), { timeout: 20_000 }).toBe(1)
    expect(await drafts.first().textContent()).toContain('e2e draft')

    // Left and opened again: the draft brings its op back and is checked again.
    await page.click('[data-testid=edit-cancel]')
    await openEditor()
    expect(await page.locator('[data-testid=edit-ops] li').count()).toBe(0)
    await expect.poll(() => drafts.count(), { timeout: 20_000 }).toBe(1)
    await page.click('[data-testid=edit-draft-open]')
    await expect.poll(() => summary().getAttribute('data-inserted'), { timeout: 30_000 }).toBe('1')
    expect(await page.locator('[data-testid=edit-ops] li[data-op=create]').count()).toBe(1)
    await page.click('[data-testid=edit-draft-delete]')
    await expect.poll(() => drafts.count(), { timeout: 20_000 }).toBe(0)
    await page.click('[data-testid=edit-cancel]')
    expect((await childrenOf(community)).features.map((f) => f.id).sort()).toEqual(before.map((f) => f.id).sort())
    expect(pageErrors).toEqual([])
  }, 240_000)
})

function bboxOf(g: AreaGeometry): [number, number, number, number] {
  const ring = outerRing(g)
  const xs = ring.map((p) => p[0])
  const ys = ring.map((p) => p[1])
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
}
type Ring = [number, number][]

/**
 * A path along edges two of the rings share, from a corner on the rings' outer boundary to
 * another: a split line that cuts none of them. Breadth-first from each boundary corner; the
 * longest such path found first from the corners tried.
 */
function edgePath(rings: Ring[]): Ring {
  const key = (p: [number, number]) => `${p[0].toFixed(9)},${p[1].toFixed(9)}`
  const at = new Map<string, [number, number]>()
  const uses = new Map<string, number>()
  const edge = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`)
  for (const ring of rings)
    for (let i = 1; i < ring.length; i++) {
      const [a, b] = [key(ring[i - 1]), key(ring[i])]
      at.set(a, ring[i - 1])
      if (a !== b) uses.set(edge(a, b), (uses.get(edge(a, b)) ?? 0) + 1)
    }
  const inner = new Map<string, string[]>()
  const boundary = new Set<string>()
  for (const [e, n] of uses) {
    const [a, b] = e.split('|')
    if (n >= 2) {
      inner.set(a, [...(inner.get(a) ?? []), b])
      inner.set(b, [...(inner.get(b) ?? []), a])
    } else {
      boundary.add(a)
      boundary.add(b)
    }
  }
  let best: string[] = []
  for (const start of boundary) {
    const prev = new Map<string, string>([[start, start]])
    const queue = [start]
    while (queue.length) {
      const v = queue.shift()!
      if (v !== start && boundary.has(v)) {
        const path = [v]
        while (path[0] !== start) path.unshift(prev.get(path[0])!)
        if (path.length > best.length) best = path
        break
      }
      for (const w of inner.get(v) ?? []) if (!prev.has(w)) (prev.set(w, v), queue.push(w))
    }
  }
  return best.map((k) => at.get(k)!)
}

const span = (f: AreaFeature) => {
  const [w, s, e, n] = bboxOf(f.geometry)
  return Math.min(e - w, n - s)
}
