// Browser test of the admin's incident-type catalogue: the real server on the run's database, the
// built web app, Debian's Chromium. The admin adds a type on the admin page; the map's type filter
// and the report form then offer it under its Chinese name; retired, it leaves the report form but
// stays in the filter (old incidents keep it).
import pg from 'pg'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { canRunBrowser, openBrowserSession, settle, signInPage, type BrowserSession } from '../helpers/browser.ts'

const code = `e2e_type_${process.pid}`
const nameZh = `测试类型${process.pid}`

/** The option values of the report form's type select. */
const reportTypes = (page: Page) => page.$$eval('[data-testid=report-type] option', (os) => os.map((o) => (o as HTMLOptionElement).value))

describe.skipIf(!canRunBrowser)('incident types in a real browser', () => {
  let session: BrowserSession

  beforeAll(async () => {
    session = await openBrowserSession()
  }, 180_000)

  afterAll(async () => {
    await session?.close()
    const owner = new pg.Client({ connectionString: inject('dbUrl') })
    await owner.connect()
    await owner.query('delete from incident_types where code = $1', [code])
    await owner.end()
  }, 60_000)

  it('adds a type that the map filter and the report form then offer, and retires it from the form', async () => {
    const { page, server, pageErrors } = session
    await page.goto(`${server.url}#/admin`)
    await signInPage(page, 'admin')
    await page.click('[data-testid=tab-types]')
    await page.waitForSelector('[data-testid=types-table] tr[data-code=noise]')
    await page.fill('[data-testid=type-code]', code)
    await page.fill('[data-testid=type-name-zh]', nameZh)
    await page.fill('[data-testid=type-name-en]', `E2E type ${process.pid}`)
    await page.click('[data-testid=type-submit]')
    await page.waitForSelector(`[data-testid=types-table] tr[data-code=${code}]`)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/admin-types.png` })

    // A duplicate code is refused with the API's reason, and the form keeps what was typed.
    await page.fill('[data-testid=type-code]', code)
    await page.fill('[data-testid=type-name-zh]', '另一个')
    await page.fill('[data-testid=type-name-en]', 'Another')
    await page.click('[data-testid=type-submit]')
    await expect.poll(() => page.textContent('[data-testid=admin-types] [role=alert]')).toMatch(/exists/)

    await page.click('[data-testid=admin-link]')
    await settle(page)
    await expect.poll(() => page.textContent('[data-testid=layer-panel]')).toContain(nameZh)
    await page.click('[data-testid=report-button]')
    await page.waitForSelector('[data-testid=report-form]')
    expect(await reportTypes(page)).toContain(code)
    await page.keyboard.press('Escape')

    // Retire it: gone from the report form, still in the filter.
    await page.click('[data-testid=admin-link]')
    await page.click('[data-testid=tab-types]')
    await page.click(`[data-testid=types-table] tr[data-code=${code}] [data-testid=type-active]`)
    await page.waitForSelector(`[data-testid=types-table] tr[data-code=${code}].dim`)
    await page.click('[data-testid=admin-link]')
    await settle(page)
    await page.click('[data-testid=report-button]')
    await page.waitForSelector('[data-testid=report-form]')
    expect(await reportTypes(page)).not.toContain(code)
    expect(await reportTypes(page)).toContain('noise')
    expect(await page.textContent('[data-testid=layer-panel]')).toContain(nameZh)
    expect(pageErrors).toEqual([])
  })
})
