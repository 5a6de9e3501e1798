/**
 * Patrols for grid leaders (issue 5): tasks, suggested checkpoints, walking order, compliance and
 * coverage, mounted at /api/patrols. Tracks (ingest, playback) live in api/tracks. docs/patrols.md.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { edgeCount, RoadSearch, snapToRoad, type RoadGraph } from '../lib/roadnet.ts'
import { roadGraphOf } from '../lib/roadnet-load.ts'
import type { RequestTx } from '../lib/scope.ts'
import { errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import { complianceRoutes } from './compliance.ts'
import { planRoute, WALKING_SPEED_MPS, type LonLat } from './route.ts'
import { Id, MAX_CHECKPOINTS, requireCaseReader } from './schemas.ts'
import { suggestRoutes } from './suggest.ts'
import { taskRoutes } from './tasks.ts'

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).openapi({ description: '[lon, lat] WGS84' })

const RouteBody = z
  .object({
    points: z.array(Position).min(1).max(MAX_CHECKPOINTS).optional().openapi({ description: 'checkpoints to order; or `task`' }),
    task: Id.optional().openapi({ description: 'order this task’s checkpoints' }),
    start: Position.optional().openapi({ description: 'where the walk starts (e.g. the grid office); otherwise it may start at any point' }),
    loop: z.boolean().default(false).openapi({ description: 'come back to the start' }),
    speed: z.number().min(0.3).max(3).default(WALKING_SPEED_MPS).openapi({ description: 'walking speed, m/s' }),
    distance: z.enum(['road', 'straight']).default('road').openapi({ description: 'road: along the road network where every point lies within 1 km of a road (straight lines otherwise); straight: straight lines' }),
  })
  .strict()
  .refine((b) => (b.points === undefined) !== (b.task === undefined), { message: 'give exactly one of points and task', path: ['points'] })

const RouteSchema = z
  .object({
    order: z.array(z.number()).openapi({ description: 'indices into the points (or the task’s checkpoint seq), in walking order; the start is not listed' }),
    points: z.array(Position).openapi({ description: 'the points in walking order (with the start first, and again last for a loop)' }),
    length_m: z.number(),
    walking_s: z.number(),
    speed: z.number(),
    distance: z.enum(['road', 'straight_line']).openapi({ description: 'what the length measures' }),
  })
  .openapi('PatrolRoute')

const orderRoute = createRoute({
  method: 'post',
  path: '/route',
  tags: ['patrols'],
  summary: 'Walking order of checkpoints: nearest neighbour then 2-opt (and or-opt) on distances along the road network (or straight lines), with length and walking time',
  request: { body: { required: true, content: { 'application/json': { schema: RouteBody } } } },
  responses: { 200: { description: 'The order', content: { 'application/json': { schema: RouteSchema } } }, ...forbidden, ...notFound, ...errorResponses },
})

/**
 * Walking distances between the points along the road network (api/lib/roadnet.ts: the walk to the
 * nearest road, along roads, the walk off it): one search per point. Null — straight lines — when
 * there are no roads or a point lies more than 1 km from every road.
 */
async function roadMatrix(tx: RequestTx, points: LonLat[]): Promise<number[][] | null> {
  if (points.length < 2) return null
  const graph: RoadGraph = await roadGraphOf(tx)
  if (edgeCount(graph) === 0) return null
  const { rows } = await tx.execute<{ x: number; y: number }>(sql`
    select ST_X(p) as x, ST_Y(p) as y
    from unnest(${sql.param(points.map((p) => p[0]))}::float8[], ${sql.param(points.map((p) => p[1]))}::float8[]) with ordinality as u(lon, lat, k),
      ST_Transform(ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), 32648) as p
    order by u.k`)
  const snaps = rows.map((r) => snapToRoad(graph, r.x, r.y))
  if (snaps.some((s) => s === null)) return null
  const search = new RoadSearch(graph)
  const d = snaps.map((from, i) => {
    search.run([{ snap: from!, offset: 0 }], Number.POSITIVE_INFINITY)
    return snaps.map((to, j) => (i === j ? 0 : search.costAt(to!)))
  })
  // Points on roads that do not connect: no walk along roads between them.
  return d.every((row) => row.every(Number.isFinite)) ? d : null
}

const routeRoutes = newRouter().openapi(orderRoute, async (c) => {
  const body = c.req.valid('json')
  let points: LonLat[]
  if (body.task !== undefined) {
    requireCaseReader(c)
    const { rows } = await c.get('tx').execute<{ found: boolean; pts: [number, number][] | null }>(sql`
      select exists (select 1 from patrol_tasks where id = ${body.task}) as found,
        (select json_agg(json_build_array(ST_X(geom), ST_Y(geom)) order by seq) from patrol_checkpoints where task_id = ${body.task}) as pts`)
    if (!rows[0].found) throw new ApiFailure(404, 'not_found', `patrol task ${body.task} does not exist`)
    points = rows[0].pts ?? []
  } else {
    points = body.points as LonLat[]
  }
  // A given start is point 0, fixed; it is not one of the caller's points.
  const all: LonLat[] = body.start ? [body.start as LonLat, ...points] : points
  const matrix = body.distance === 'road' ? await roadMatrix(c.get('tx'), all) : null
  const r = planRoute(all, { fixedStart: !!body.start, loop: body.loop, speed: body.speed }, matrix ?? undefined)
  const order = body.start ? r.order.slice(1).map((i) => i - 1) : r.order
  const walk = r.order.map((i) => all[i])
  if (body.loop && walk.length > 1) walk.push(walk[0])
  return c.json({ order, points: walk, length_m: r.length_m, walking_s: r.walking_s, speed: body.speed, distance: matrix ? ('road' as const) : ('straight_line' as const) }, 200)
})

export const patrolsRoutes = newRouter().route('/', taskRoutes).route('/', complianceRoutes).route('/', suggestRoutes).route('/', routeRoutes)
