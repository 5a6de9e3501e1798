/**
 * Patrols for grid leaders (issue 5): tasks, suggested checkpoints, walking order, compliance and
 * coverage, mounted at /api/patrols. Tracks (ingest, playback) live in api/tracks. docs/patrols.md.
 */
import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'drizzle-orm'
import { ApiFailure } from '../lib/errors.ts'
import { errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import { complianceRoutes } from './compliance.ts'
import { haversineM, planRoute, WALKING_SPEED_MPS, type LonLat } from './route.ts'
import { roadLegs, roadStops, round1, type Leg } from './roadwalk.ts'
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
    keep_order: z.boolean().default(false).openapi({ description: 'walk the points in the order given (a task: its saved order) after the start: measure and draw it, do not reorder' }),
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
    distance: z.enum(['road', 'straight_line']).openapi({ description: 'what the length measures (and the legs follow)' }),
    legs: z
      .array(
        z.object({
          from: z.number().openapi({ description: 'index into `points`' }),
          to: z.number().openapi({ description: 'index into `points` (from + 1)' }),
          distance_m: z.number(),
          path: z.array(Position).openapi({ description: 'road: the stop, the walk to the nearest road, along roads, off the road, the next stop; straight_line: the two stops' }),
        }),
      )
      .openapi({ description: 'the walk leg by leg; the distances add up to length_m' }),
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
  const road = body.distance === 'road' ? await roadStops(c.get('tx'), all) : null
  const r = planRoute(all, { fixedStart: !!body.start, loop: body.loop, speed: body.speed, keepOrder: body.keep_order }, road?.matrix)
  const order = body.start ? r.order.slice(1).map((i) => i - 1) : r.order
  const visits = body.loop && r.order.length > 1 ? [...r.order, r.order[0]] : r.order
  const walk = visits.map((i) => all[i])
  const legs = road ? await roadLegs(c.get('tx'), road, visits) : straightLegs(walk)
  return c.json({ order, points: walk, length_m: r.length_m, walking_s: r.walking_s, speed: body.speed, distance: road ? ('road' as const) : ('straight_line' as const), legs }, 200)
})

/** Legs of a walk on straight lines: each from one point to the next, great-circle length. */
const straightLegs = (walk: LonLat[]): Leg[] =>
  walk.slice(1).map((to, k) => ({ from: k, to: k + 1, distance_m: round1(haversineM(walk[k], to)), path: [walk[k], to] }))

export const patrolsRoutes = newRouter().route('/', taskRoutes).route('/', complianceRoutes).route('/', suggestRoutes).route('/', routeRoutes)
