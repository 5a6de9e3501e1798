/** The commander's page (issue 4): KPI cards and charts for one area and period, aggregates only. */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { AREA_LEVELS, type AreaLevel } from '../../geo-data/generate/types.ts'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponses, newRouter, notFound } from '../lib/router.ts'
import { PeriodFields, periodArgs, resolvePeriod } from './period.ts'

const AreaPeriodQuery = z.object({
  area: z.coerce.number().int().positive().openapi({ description: 'area id (any level in the user’s scope)' }),
  ...PeriodFields,
})

const KpiValues = z
  .object({
    new: z.number().openapi({ description: 'incidents reported in the period' }),
    open: z.number().openapi({ description: 'not closed at the end of the period' }),
    overdue: z.number().openapi({ description: 'open at the end of the period and past their type’s deadline' }),
    closed: z.number().openapi({ description: 'closed in the period' }),
    median_close_hours: z.number().nullable().openapi({ description: 'median hours from report to close of the incidents closed in the period' }),
  })
  .openapi('KpiValues')

const KPI_KEYS = ['new', 'open', 'overdue', 'closed', 'median_close_hours'] as const

export const Kpis = z
  .object({
    area: z.number(),
    from: z.string(),
    to: z.string(),
    current: KpiValues,
    previous: KpiValues.openapi({ description: 'the equal period just before' }),
    change: z
      .record(z.enum(KPI_KEYS), z.number().nullable())
      .openapi({ description: '(current − previous) / previous per KPI; null when previous is 0 or missing' }),
  })
  .openapi('Kpis')

export const Charts = z
  .object({
    area: z.number(),
    from: z.string(),
    to: z.string(),
    weekly: z.array(z.object({ week: z.string().openapi({ description: 'Monday of the local (Asia/Shanghai) week' }), count: z.number() })),
    hour_weekday: z.array(z.object({ weekday: z.number().openapi({ description: '1 = Monday … 7 = Sunday' }), hour: z.number(), count: z.number() })),
    types: z.array(z.object({ type: z.string(), count: z.number() })),
    areas: z.array(
      z.object({ id: z.number(), level: z.enum(AREA_LEVELS as [AreaLevel, ...AreaLevel[]]), name: z.string(), households: z.number(), count: z.number() }),
    ).openapi({ description: 'every child area with its count, most incidents first (empty below micro-grids)' }),
  })
  .openapi('Charts')

const kpiRoute = createRoute({
  method: 'get',
  path: '/kpis',
  tags: ['analytics'],
  summary: 'KPI cards of an area for a period, with the previous equal period and the change (every role: counts only)',
  request: { query: AreaPeriodQuery },
  responses: { 200: { description: 'KPIs', content: { 'application/json': { schema: Kpis } } }, ...notFound, ...errorResponses },
})

const chartsRoute = createRoute({
  method: 'get',
  path: '/charts',
  tags: ['analytics'],
  summary: 'Chart data of an area for a period: weekly trend, weekday × hour, types, child areas (Asia/Shanghai time; every role)',
  request: { query: AreaPeriodQuery },
  responses: { 200: { description: 'Chart series', content: { 'application/json': { schema: Charts } } }, ...notFound, ...errorResponses },
})

const outOfScope = (area: number) => new ApiFailure(404, 'not_found', `area ${area} does not exist`)

const change = (cur: number | null, prev: number | null) => (cur === null || prev === null || prev === 0 ? null : Math.round(((cur - prev) / prev) * 10_000) / 10_000)

type KpiRow = { period: string; new_count: number; open_count: number; overdue_count: number; closed_count: number; median_close_hours: number | null }
const kpiValues = (r: KpiRow): z.infer<typeof KpiValues> => ({
  new: r.new_count,
  open: r.open_count,
  overdue: r.overdue_count,
  closed: r.closed_count,
  median_close_hours: r.median_close_hours === null ? null : Math.round(r.median_close_hours * 10) / 10,
})

export const commanderRoutes = newRouter()
  .openapi(kpiRoute, async (c) => {
    const q = c.req.valid('query')
    const p = await resolvePeriod(c.get('tx'), q)
    const { rows } = await c.get('tx').execute<KpiRow>(sql`select * from area_incident_kpis(${q.area}, ${periodArgs(p)})`)
    const cur = rows.find((r) => r.period === 'current')
    const prev = rows.find((r) => r.period === 'previous')
    if (!cur || !prev) throw outOfScope(q.area)
    const current = kpiValues(cur)
    const previous = kpiValues(prev)
    return c.json(
      {
        area: q.area,
        from: p.from.toISOString(),
        to: p.to.toISOString(),
        current,
        previous,
        change: Object.fromEntries(KPI_KEYS.map((k) => [k, change(current[k], previous[k])])) as Record<(typeof KPI_KEYS)[number], number | null>,
      },
      200,
    )
  })
  .openapi(chartsRoute, async (c) => {
    const q = c.req.valid('query')
    const p = await resolvePeriod(c.get('tx'), q)
    const { rows } = await c.get('tx').execute<{ charts: Omit<z.infer<typeof Charts>, 'area' | 'from' | 'to'> | null }>(
      sql`select area_incident_charts(${q.area}, ${periodArgs(p)}) as charts`,
    )
    const charts = rows[0]?.charts
    if (!charts) throw outOfScope(q.area)
    return c.json({ area: q.area, from: p.from.toISOString(), to: p.to.toISOString(), ...charts }, 200)
  })
