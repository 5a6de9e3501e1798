// Shared pieces of the browser tests: the real server on the run's database (embedded PostGIS, or
// TEST_DATABASE_URL; see tests/setup/global.ts), the built web app, and Debian's Chromium with
// software WebGL, with every page error, CSP violation and outside request collected.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { inject } from 'vitest'
import { startServer, type RunningServer } from '../../api/server.ts'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = join(import.meta.dirname, '..', '..')

/** Browser tests run where Chromium is installed, and always on CI (where a missing one must fail). */
export const canRunBrowser = existsSync(CHROMIUM) || process.env.CI === 'true'

export interface BrowserSession {
  server: RunningServer
  browser: Browser
  page: Page
  /** Page errors, CSP violations and requests to any other origin, in order. */
  pageErrors: string[]
  close(): Promise<void>
}

/** Builds the web app when web/ changed, starts the server and opens one 1280×800 page. */
export async function openBrowserSession(): Promise<BrowserSession> {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { cwd: ROOT, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`web build failed:\n${build.stdout}\n${build.stderr}`)
  const server = await startServer({ port: 0, databaseUrl: inject('dbUrl'), seedScale: null, quiet: true })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  // A Content-Security-Policy violation is logged to the console: the app must work under ours.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(`CSP: ${m.text()}`)
  })
  // Nothing but our own origin may be fetched (no external tiles, fonts, glyphs).
  await page.route((url) => !url.href.startsWith(server.url), (route) => {
    pageErrors.push(`external request: ${route.request().url()}`)
    return route.abort()
  })
  return {
    server,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close()
      await server.close()
    },
  }
}

/** Waits until the app says its first data is drawn and MapLibre has gone idle after a fresh frame. */
export async function settle(page: Page) {
  await page.waitForFunction(() => {
    const g = window.__gridpulse
    return !!g && g.ready && !g.map.isMoving()
  }, undefined, { timeout: 60_000 })
  await page.evaluate(
    () => new Promise<void>((resolve) => {
      const map = window.__gridpulse!.map
      map.once('idle', () => resolve())
      map.triggerRepaint()
    }),
  )
}

/** Signs in through the login page as a demo account. */
export async function signInPage(page: Page, username: string) {
  await page.waitForSelector('[data-testid=login-form]')
  await page.fill('[data-testid=login-username]', username)
  await page.fill('[data-testid=login-password]', 'gridpulse-demo')
  await page.click('[data-testid=login-submit]')
}

type Ring = [number, number][]
export type AreaGeometry = { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }

/** The outer ring of a polygon, or of a multipolygon's first part. */
export const outerRing = (g: AreaGeometry): Ring => (g.type === 'Polygon' ? (g.coordinates as Ring[])[0] : (g.coordinates as Ring[][])[0][0])

/** Area-weighted centroid of the outer ring (grids here are convex-ish quads). */
export function centroid(g: AreaGeometry): [number, number] {
  const ring = outerRing(g)
  let a = 0, cx = 0, cy = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1]
    a += f
    cx += (ring[j][0] + ring[i][0]) * f
    cy += (ring[j][1] + ring[i][1]) * f
  }
  return [cx / (3 * a), cy / (3 * a)]
}

export type RGB = [number, number, number]

/** Screenshot pixels within `tol` of any of `colours`, left of `rightInset` pixels (a side panel). */
export async function countColours(page: Page, colours: RGB[], opts: { tol: number; rightInset?: number }): Promise<number> {
  const { data, width } = PNG.sync.read(await page.screenshot())
  const maxX = width - (opts.rightInset ?? 0)
  let n = 0
  for (let i = 0; i < data.length; i += 4) {
    if ((i / 4) % width > maxX) continue
    if (colours.some((c) => Math.abs(data[i] - c[0]) <= opts.tol && Math.abs(data[i + 1] - c[1]) <= opts.tol && Math.abs(data[i + 2] - c[2]) <= opts.tol)) n++
  }
  return n
}

/** Pixels of the map area (left of the 400 px side panel) within 30 of the colour. */
export const mapColour = (page: Page, rgb: RGB) => countColours(page, [rgb], { tol: 30, rightInset: 400 })

/** A browser session signed in as a street's commander, with the area panel open on that street (their first view). */
export async function openCommanderSession(): Promise<BrowserSession> {
  const session = await openBrowserSession()
  await session.page.goto(session.server.url)
  await signInPage(session.page, 'commander')
  await settle(session.page)
  await session.page.waitForSelector('[data-testid=area-panel][data-level=street]')
  return session
}
