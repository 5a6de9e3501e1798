/** Input and output schemas shared by the patrol routes (issue 5; docs/patrols.md). */
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ApiFailure } from '../lib/errors.ts'
import type { Env } from '../lib/router.ts'

export const Id = z.coerce.number().int().positive().max(2_147_483_647)

/** A local day in Asia/Shanghai, `YYYY-MM-DD`, a real calendar date from 2000 on. */
export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD (Asia/Shanghai)')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`)
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d && d >= '2000-01-01' && d <= '2099-12-31'
  }, 'not a calendar date from 2000 to 2099')
  .openapi({ example: '2026-11-22', description: 'local day in Asia/Shanghai' })

export const SHIFTS = ['day', 'evening'] as const
export const STATUSES = ['planned', 'in_progress', 'done', 'missed'] as const
export const CHECKPOINT_KINDS = ['hotspot', 'unvisited_micro_grid', 'station', 'open_incident', 'manual'] as const
export type TaskStatus = (typeof STATUSES)[number]

/** Most checkpoints on one task, and members. */
export const MAX_CHECKPOINTS = 50
export const MAX_MEMBERS = 10
/** Longest period a list or an aggregate reads, in days. */
export const MAX_RANGE_DAYS = 92

const Lon = z.number().min(-180).max(180)
const Lat = z.number().min(-90).max(90)

export const CheckpointInput = z
  .object({
    lon: Lon,
    lat: Lat,
    kind: z.enum(CHECKPOINT_KINDS).default('manual'),
    reason: z.string().max(500).default(''),
    ref_id: z.number().int().positive().nullable().optional().openapi({ description: 'hotspot/open_incident: an incident id; unvisited_micro_grid: an area id; station: a station id' }),
  })
  .strict()
  .openapi('PatrolCheckpointInput')

export const TaskCreate = z
  .object({
    grid: Id.openapi({ description: 'areas.id of a grid' }),
    day: Day,
    shift: z.enum(SHIFTS),
    members: z.array(Id).min(1).max(MAX_MEMBERS).openapi({ description: 'people.id of each member; the first is the lead unless `lead` says otherwise' }),
    lead: Id.optional(),
    micro_grids: z.array(Id).max(200).optional().openapi({ description: 'micro-grids of the grid the task covers; none = the whole grid' }),
    checkpoints: z.array(CheckpointInput).min(1).max(MAX_CHECKPOINTS).openapi({ description: 'in walking order' }),
    notes: z.string().max(2000).optional(),
  })
  .strict()
  .openapi('PatrolTaskCreate')

export const TaskPatch = z
  .object({
    members: z.array(Id).min(1).max(MAX_MEMBERS).optional(),
    lead: Id.optional(),
    micro_grids: z.array(Id).max(200).optional(),
    checkpoints: z.array(CheckpointInput).min(1).max(MAX_CHECKPOINTS).optional(),
    notes: z.string().max(2000).optional(),
    status: z.enum(STATUSES).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change' })
  .openapi('PatrolTaskPatch')

export const CheckpointSchema = z
  .object({ seq: z.number(), kind: z.enum(CHECKPOINT_KINDS), reason: z.string(), ref_id: z.number().nullable(), lon: z.number(), lat: z.number() })
  .openapi('PatrolCheckpoint')

export const TaskSchema = z
  .object({
    id: z.number(),
    grid: z.number(),
    community: z.number(),
    street: z.number(),
    day: z.string(),
    shift: z.enum(SHIFTS),
    status: z.enum(STATUSES),
    lead: z.number(),
    window: z.object({ start: z.string(), end: z.string() }).openapi({ description: 'the shift window (UTC instants)' }),
    members: z.array(z.object({ id: z.number(), name: z.string().nullable(), role: z.string().nullable() })),
    micro_grids: z.array(z.number()),
    checkpoints: z.array(CheckpointSchema),
    notes: z.string(),
  })
  .openapi('PatrolTask')

/** Task statuses and where each may go next (docs/patrols.md). A status may also be set to itself (no change). */
export const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  planned: ['in_progress', 'done', 'missed'],
  in_progress: ['done', 'missed'],
  done: [],
  missed: [],
}

/** Individual tasks, tracks and compliance are personal: planners get aggregates (coverage) only. */
export function requireCaseReader(c: Context<Env>) {
  if (c.get('user').role === 'planner') throw new ApiFailure(403, 'aggregates_only', 'planners see patrol aggregates (coverage), not individual tasks')
}

/** Only roles that plan patrols change them: admins, commanders, grid leaders. */
export function requirePatrolPlanner(c: Context<Env>) {
  requireCaseReader(c)
  const role = c.get('user').role
  if (role !== 'admin' && role !== 'commander' && role !== 'grid_leader') throw new ApiFailure(403, 'forbidden', 'only grid leaders, commanders and admins plan patrols')
}

/** [from, to] as local days, both given and in order, at most MAX_RANGE_DAYS long. */
export function dayRange(from: string, to: string): { from: string; to: string } {
  if (to < from) throw new ApiFailure(400, 'invalid_request', 'to: must not be before from')
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1
  if (days > MAX_RANGE_DAYS) throw new ApiFailure(400, 'invalid_request', `the period may span at most ${MAX_RANGE_DAYS} days`)
  return { from, to }
}
