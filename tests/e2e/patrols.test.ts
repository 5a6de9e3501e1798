// Browser test of the patrol page (#/patrols, issue 5): the real server on the run's database, the
// built web app, Debian's Chromium with software WebGL. The demo grid leader's member walks a
// minute-by-minute track on a day of May 2003 (no seed or other test file writes that month; the
// points are deleted afterwards); the page lists the walker with the API's distance, draws the
// track in the walker's colour with a marker where they are, and the play button moves the clock.
// Then the leader plans a patrol for that day from the suggested checkpoints (reasons worded in
// Chinese, the walk drawn over its road path) and sees it scored, in the statistics too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PERSON_COLORS, ROAD_ROUTE_COLOR } from '../../web/map/layers/tracks.ts'
import { canRunBrowser, countColours, openBrowserSession, settle, signInPage, type BrowserSession } from '../helpers/browser.ts'

const DAY = '2003-05-14'
const FIXES = 90

describe.skipIf(!canRunBrowser)('patrol playback in a real browser', () => {
  let session: BrowserSession
  const createdTasks: number[] = []
  const createdIncidents: number[] = []

  beforeAll(async () => {
    session = await openBrowserSession()
  }, 180_000)
  afterAll(async () => {
    await session?.server.db.pool.query(`delete from track_points where t >= '2003-05-01T00:00:00Z' and t < '2003-06-01T00:00:00Z'`)
    if (createdTasks.length) await session?.server.db.pool.query(`delete from patrol_tasks where id = any($1)`, [createdTasks])
    if (createdIncidents.length) await session?.server.db.pool.query(`delete from incidents where id = any($1)`, [createdIncidents])
    await session?.close()
  }, 60_000)

  it('plays back a member’s walk of the chosen day in the leader’s grid', async () => {
    const { page, server, pageErrors } = session
    await page.goto(`${server.url}#/patrols`)
    await signInPage(page, 'leader')
    const panel = page.locator('[data-testid=patrol-panel]')
    await panel.waitFor()
    await expect.poll(() => panel.getAttribute('data-area-id'), { timeout: 30_000 }).not.toBeNull()
    const grid = Number(await panel.getAttribute('data-area-id'))

    // A walk of FIXES fixes, one every 10 s from 09:00 local, eastwards through the grid.
    const walk = await page.evaluate(
      async ({ grid, day, n }) => {
        const area = await (await fetch(`/api/areas/${grid}`)).json()
        const member = area.workers.find((w: { role: string }) => w.role === 'grid_member')
        const [w, s, e, nn] = area.bbox as number[]
        // From a fifth to seven tenths of the grid's width, so the whole walk is left of the panel.
        const x0 = w + (e - w) * 0.2
        const dx = ((e - w) * 0.5) / n
        const y = (s + nn) / 2
        const t0 = Date.parse(`${day}T09:00:00+08:00`)
        const points = Array.from({ length: n }, (_, i) => ({ person: member.id, t: new Date(t0 + i * 10_000).toISOString(), lon: x0 + i * dx, lat: y, accuracy: 5 }))
        const res = await fetch('/api/tracks/points', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points }) })
        return { status: res.status, body: await res.json(), member }
      },
      { grid, day: DAY, n: FIXES },
    )
    expect(walk.status).toBe(200)
    expect(walk.body.accepted).toBe(FIXES)
    const api = await page.evaluate(async ({ grid, day }) => (await fetch(`/api/tracks/sessions?grid=${grid}&day=${day}`)).json(), { grid, day: DAY })
    expect(api.sessions).toHaveLength(1)
    expect(api.people).toEqual([{ id: walk.member.id, name: walk.member.name, role: 'grid_member' }])

    // Two incidents in the grid that day, one reported on patrol: the page lists only that one.
    for (const source of ['patrol', 'hotline_12345']) {
      const { rows } = await server.db.pool.query(
        `insert into incidents (type, status, source, geom, reported_at)
         select 'noise', 'reported', $2, ST_PointOnSurface(geom), $3 from areas where id = $1 returning id`,
        [grid, source, `${DAY}T10:30:00+08:00`],
      )
      createdIncidents.push(rows[0].id)
    }
    await page.fill('[data-testid=patrol-day]', DAY)
    await expect.poll(() => panel.getAttribute('data-points'), { timeout: 30_000 }).toBe(String(FIXES))
    await expect.poll(() => page.getAttribute('[data-testid=patrol-incidents]', 'data-count'), { timeout: 20_000 }).toBe('1')
    expect(await page.textContent('[data-testid=patrol-incidents] li')).toContain('10:30')
    expect(await panel.getAttribute('data-tracks')).toBe('1')
    // The walker's row: name, the time span and the API's distance.
    const row = page.locator(`[data-testid=patrol-people] tr[data-person="${walk.member.id}"]`)
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('km')
    const text = (await row.textContent())!
    expect(text).toContain(walk.member.name)
    expect(text).toContain('09:00–09:14')
    expect(text).toContain(`${new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 }).format(api.sessions[0].distance_m / 1000)} km`)
    // Opened at the day's last fix: the walker is on the map, in their colour.
    expect(await panel.getAttribute('data-heads')).toBe('1')
    expect(await page.textContent('[data-testid=patrol-clock]')).toBe('09:14:50')
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/patrols.png` })
    expect(await countColours(page, [PERSON_COLORS[0]], { tol: 40, rightInset: 400 })).toBeGreaterThan(100)

    // Play starts again from the first fix and moves the clock on.
    await page.selectOption('[data-testid=patrol-speed]', '60')
    await page.click('[data-testid=patrol-play]')
    await expect.poll(() => page.textContent('[data-testid=patrol-clock]'), { timeout: 10_000 }).toMatch(/^09:0\d:\d\d$/)
    await page.click('[data-testid=patrol-play]')
    expect(await panel.getAttribute('data-heads')).toBe('1')
    // Plan a patrol for that day from the suggestions: ordered into a walk, created for the walker,
    // then listed with what the walk shows against it.
    const roadBefore = await countColours(page, [ROAD_ROUTE_COLOR], { tol: 25, rightInset: 400 })
    await page.click('[data-testid=plan-open]')
    const form = page.locator('[data-testid=plan-form]')
    await expect.poll(async () => Number(await form.getAttribute('data-suggestions')), { timeout: 30_000 }).toBeGreaterThan(1)
    await expect.poll(async () => Number(await form.getAttribute('data-chosen'))).toBeGreaterThan(1)
    // The page is Chinese: each reason is worded from its code and figures, not the API's English sentence.
    const suggested = await page.evaluate(async ({ grid, day }) => (await (await fetch(`/api/patrols/suggest?grid=${grid}&day=${day}`)).json()).suggestions, { grid, day: DAY })
    const shown = await form.locator('.suggestions .reason').allTextContents()
    expect(shown).toHaveLength(suggested.length)
    suggested.forEach((s: { reason: string; reason_code: string; detail: Record<string, unknown> }, i: number) => {
      expect(shown[i]).not.toBe(s.reason)
      expect(shown[i]).toMatch(/[\u4e00-\u9fff]/)
      if (s.reason_code === 'not_visited') expect(shown[i]).toBe(`${s.detail.micro_grid_name} 在 ${s.detail.day} 前 ${s.detail.days} 天内无巡查定位`)
    })
    expect(suggested.some((s: { reason_code: string }) => s.reason_code === 'not_visited')).toBe(true)
    // A checkpoint of the leader's own: between the first two suggestions (inside the grid), by a
    // click on the map; it joins the end of the walk.
    const chosen = Number(await form.getAttribute('data-chosen'))
    const spot = await page.evaluate(async ({ grid, day }) => {
      const s = (await (await fetch(`/api/patrols/suggest?grid=${grid}&day=${day}`)).json()).suggestions
      const at: [number, number] = [(s[0].lon + s[1].lon) / 2, (s[0].lat + s[1].lat) / 2]
      return { at, px: window.__gridpulse!.map.project(at) }
    }, { grid, day: DAY })
    // Adding waits for the map's pick surface to be drawn, then takes the clicked position.
    const addAt = async () => {
      await page.click('[data-testid=plan-add]')
      await page.waitForFunction(
        (pt) => window.__gridpulse!.overlay.pickMultipleObjects({ x: pt.x, y: pt.y, radius: 2, depth: 8 }).some((x) => x.layer?.id === 'pick-surface'),
        spot.px,
        { timeout: 20_000 },
      )
      await page.mouse.click(spot.px.x, spot.px.y)
    }
    await addAt()
    await expect.poll(async () => Number(await form.getAttribute('data-chosen'))).toBe(chosen + 1)
    expect(await page.getAttribute('[data-testid=plan-stops] li:last-child', 'data-kind')).toBe('manual')
    // Leaving it out again and back: the list is the leader's to shape.
    await page.locator('[data-testid=plan-stops] li:last-child [data-testid=stop-remove]').click()
    expect(Number(await form.getAttribute('data-chosen'))).toBe(chosen)
    await addAt()
    await expect.poll(async () => Number(await form.getAttribute('data-chosen'))).toBe(chosen + 1)
    await page.click('[data-testid=plan-order]')
    await page.waitForSelector('[data-testid=plan-route]', { timeout: 20_000 })
    // The demo district has roads: the walk is measured along them and drawn over its road path.
    expect(await page.getAttribute('[data-testid=plan-route]', 'data-distance')).toBe('road')
    expect(Number(await page.getAttribute('[data-testid=plan-route]', 'data-length'))).toBeGreaterThan(0)
    expect(Number(await page.getAttribute('[data-testid=plan-route]', 'data-legs'))).toBe(chosen)
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/patrols-plan.png` })
    expect(await countColours(page, [ROAD_ROUTE_COLOR], { tol: 25, rightInset: 400 })).toBeGreaterThan(roadBefore + 200)
    const walker = page.locator('.plan-form .members label', { hasText: walk.member.name }).locator('input')
    if (!(await walker.isChecked())) await walker.check()
    await page.click('[data-testid=plan-create]')
    const tasks = page.locator('[data-testid=patrol-tasks]')
    await expect.poll(() => tasks.getAttribute('data-count'), { timeout: 20_000 }).toBe('1')
    const item = tasks.locator('li[data-task]')
    const taskId = Number(await item.getAttribute('data-task'))
    createdTasks.push(taskId)
    await expect.poll(() => item.getAttribute('data-score'), { timeout: 20_000 }).not.toBeNull()
    const compliance = await page.evaluate(async (id) => (await fetch(`/api/patrols/tasks/${id}/compliance`)).json(), taskId)
    expect(Number(await item.getAttribute('data-score'))).toBe(compliance.score)
    expect(compliance.duration_s).toBe((FIXES - 1) * 10)
    expect(compliance.checkpoints_total).toBe(chosen + 1)
    const saved = await page.evaluate(async (id) => (await fetch(`/api/patrols/tasks/${id}`)).json(), taskId)
    const own = saved.checkpoints.filter((c: { kind: string }) => c.kind === 'manual')
    expect(own).toHaveLength(1)
    expect(own[0].lon).toBeCloseTo(spot.at[0], 4)
    expect(own[0].lat).toBeCloseTo(spot.at[1], 4)
    expect(own[0].reason).toBe('网格长指定')
    // Chosen on creation: its walk is drawn and its checkpoints listed.
    await page.waitForSelector('[data-testid=task-detail]')
    expect(await page.locator('[data-testid=task-detail] .checkpoint-list li').count()).toBe(compliance.checkpoints_total)
    // Its walk is recomputed along roads from the saved checkpoints.
    await expect.poll(() => panel.getAttribute('data-task-route'), { timeout: 20_000 }).toBe('road')

    // Statistics: the day by member, the same numbers as the API, best score first.
    const stats = page.locator('[data-testid=patrol-stats]')
    const statsApi = async (from: string, to: string, by: string) =>
      (await page.evaluate(async (u) => (await fetch(u)).json(), `/api/patrols/compliance?area=${grid}&from=${from}&to=${to}&by=${by}`)).groups
    const rowsOf = async () =>
      stats.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        key: tr.getAttribute('data-key'),
        cells: Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.getAttribute('data-col'), td.textContent])),
      })))
    const fmt1 = (n: number) => new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 1 }).format(n)
    const expectSame = async (groups: any[]) => {
      const sorted = [...groups].sort((a, b) => (b.score_mean ?? -1) - (a.score_mean ?? -1))
      await expect.poll(async () => (await rowsOf()).map((r) => r.key), { timeout: 20_000 }).toEqual(sorted.map((g) => String(g.key)))
      const rows = await rowsOf()
      sorted.forEach((g, i) => {
        expect(rows[i].cells).toEqual({
          tasks: String(g.tasks), checkpoints: `${g.checkpoints_visited}/${g.checkpoints_total}`,
          distance: `${fmt1(g.distance_m / 1000)} km`, time: `${Math.round(g.duration_s / 60)} 分钟`, score: g.score_mean === null ? '–' : fmt1(g.score_mean),
        })
      })
    }
    const byMember = await statsApi(DAY, DAY, 'member')
    expect(byMember.map((g: any) => g.key)).toContain(walk.member.id)
    await expectSame(byMember)
    // A member's row plays back only that person; again: everyone.
    await stats.locator(`tbody tr[data-key="${walk.member.id}"]`).click()
    await expect.poll(() => panel.getAttribute('data-focus')).toBe(String(walk.member.id))
    expect(await panel.getAttribute('data-shown-tracks')).toBe('1')
    await page.evaluate(() => document.querySelector('[data-testid=patrol-stats]')!.scrollIntoView())
    await settle(page)
    if (process.env.E2E_SHOTS) await page.screenshot({ path: `${process.env.E2E_SHOTS}/patrols-stats.png` })
    await stats.locator(`tbody tr[data-key="${walk.member.id}"]`).click()
    await expect.poll(() => panel.getAttribute('data-focus')).toBeNull()
    // The week by grid, and by day.
    await page.click('[data-testid=stats-period-week]')
    await page.click('[data-testid=stats-by-grid]')
    const from = await stats.getAttribute('data-from')
    const to = await stats.getAttribute('data-to')
    expect([from, to]).toEqual(['2003-05-12', '2003-05-18'])
    await expectSame(await statsApi(from!, to!, 'grid'))
    await page.click('[data-testid=stats-by-day]')
    await expectSame(await statsApi(from!, to!, 'day'))

    // A day without tracks says so.
    await page.fill('[data-testid=patrol-day]', '2003-05-13')
    await page.waitForSelector('[data-testid=patrol-empty]', { timeout: 30_000 })
    expect(pageErrors).toEqual([])
  }, 180_000)
})
