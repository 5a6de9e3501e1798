// Browser test of the workers editor (issue 7; docs/workers.md) in the area panel: the real server
// on the run's database, the built web app, Debian's Chromium. A commander opens a grid of their
// street, sees who covers it as the API lists them, removes a member in the editor and adds them
// back from the candidates (unassigned by then). afterAll puts the grid's members back through the
// API in case a step failed: other test files count people's links per area.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningServer } from '../../api/server.ts'
import { canRunBrowser, openCommanderSession, type BrowserSession } from '../helpers/browser.ts'

type Worker = { id: number; name: string; role: string; relation: string; area: { id: number } }

describe.skipIf(!canRunBrowser)('the workers editor in a real browser', () => {
  let session: BrowserSession
  let server: RunningServer
  let page: Page
  let pageErrors: string[]
  let grid = 0
  let members: number[] = []

  const workersOf = (id: number) => page.evaluate(async (a) => (await (await fetch(`/api/areas/${a}/workers`)).json()).workers as Worker[], id)
  const membersOf = async (id: number) => (await workersOf(id)).filter((w) => w.relation === 'self' && w.role === 'grid_member').map((w) => w.id).sort((a, b) => a - b)

  beforeAll(async () => {
    session = await openCommanderSession()
    ;({ server, page, pageErrors } = session)
  }, 180_000)

  afterAll(async () => {
    if (grid && members.length) {
      await page.evaluate(
        async ({ id, body }) => fetch(`/api/areas/${id}/workers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body }),
        { id: grid, body: JSON.stringify({ members }) },
      )
    }
    await session?.close()
  }, 60_000)

  it('lists who covers a grid, removes a member and adds them back', async () => {
    // A street: its people below as counts per role; not editable by its commander.
    const street = page.locator('[data-testid=area-workers] li[data-relation=below][data-role=grid_leader]')
    await street.waitFor()
    expect(await street.textContent()).toMatch(/下级网格长 \d+ 人/)
    expect(await page.locator('[data-testid=workers-edit]').count()).toBe(0)
    await page.locator('.children button').first().click()
    await page.waitForSelector('[data-testid=area-panel][data-level=community]')
    await page.locator('.children button').first().click()
    await page.waitForSelector('[data-testid=area-panel][data-level=grid]')
    grid = Number(await page.getAttribute('[data-testid=area-panel]', 'data-area-id'))
    const api = await workersOf(grid)
    members = await membersOf(grid)
    expect(members.length).toBe(2)

    const rows = page.locator('[data-testid=area-workers] li')
    await rows.first().waitFor()
    expect(await rows.count()).toBe(api.length)
    expect(await page.locator('[data-testid=area-workers] li[data-relation=above][data-role=commander]').count()).toBe(1)
    expect(await page.locator('[data-testid=area-workers] li[data-relation=below][data-role=micro_grid_leader]').count()).toBe(
      api.filter((w) => w.relation === 'below').length,
    )

    await page.click('[data-testid=workers-edit]')
    await page.locator('[data-testid=workers-editor]').waitFor()
    await page.screenshot({ path: '/tmp/workers-e2e.png' })
    const removed = api.find((w) => w.relation === 'self' && w.role === 'grid_member')!
    await page.locator('[data-testid=workers-member-remove]').first().click()
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=workers-member-remove]').length === n,
      members.length - 1,
      { timeout: 20_000 },
    )
    expect(await membersOf(grid)).toEqual(members.filter((m) => m !== removed.id))

    // The removed member is now unassigned, and still a candidate for the commander.
    const add = page.locator('[data-testid=workers-member-add]')
    await page.fill('[data-testid=workers-search]', removed.name)
    await page.waitForSelector(`[data-testid=workers-member-add] option[value="${removed.id}"]`, { state: 'attached', timeout: 20_000 })
    expect(await add.locator(`option[value="${removed.id}"]`).textContent()).toContain('未分配')
    await add.selectOption(String(removed.id))
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid=workers-member-remove]').length === n,
      members.length,
      { timeout: 20_000 },
    )
    expect(await membersOf(grid)).toEqual(members)
    expect(pageErrors).toEqual([])
  }, 180_000)
})
