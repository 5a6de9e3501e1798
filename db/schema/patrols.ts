import { bigint, date, integer, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core'
import { geometry } from './geometry.ts'

/** A patrol task (0001, 0021): person_id is the lead member; every member is a patrol_task_members row. */
export const patrolTasks = pgTable('patrol_tasks', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  streetId: integer('street_id').notNull(),
  communityId: integer('community_id').notNull(),
  gridId: integer('grid_id').notNull(),
  personId: integer('person_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  shift: text('shift', { enum: ['day', 'evening'] }).notNull(),
  status: text('status', { enum: ['planned', 'in_progress', 'done', 'missed'] }).notNull(),
  microGridIds: integer('micro_grid_ids').array().notNull().default([]),
  notes: text('notes').notNull().default(''),
})

/** The members of a task (the lead included), with the task's areas for row-level security. */
export const patrolTaskMembers = pgTable(
  'patrol_task_members',
  {
    taskId: integer('task_id').notNull(),
    streetId: integer('street_id').notNull(),
    communityId: integer('community_id').notNull(),
    gridId: integer('grid_id').notNull(),
    personId: integer('person_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.personId] })],
)

/** A task's checkpoints in walking order (seq from 0), each with why it is there. */
export const patrolCheckpoints = pgTable(
  'patrol_checkpoints',
  {
    taskId: integer('task_id').notNull(),
    streetId: integer('street_id').notNull(),
    communityId: integer('community_id').notNull(),
    gridId: integer('grid_id').notNull(),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: ['hotspot', 'unvisited_micro_grid', 'station', 'open_incident', 'manual'] }).notNull(),
    reason: text('reason').notNull().default(''),
    refId: bigint('ref_id', { mode: 'number' }),
    geom: geometry('geom', 'Point').notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
)

/** Partitioned by month on `t` (see migrations); (person_id, t) keeps re-sent points idempotent. */
export const trackPoints = pgTable(
  'track_points',
  {
    personId: integer('person_id').notNull(),
    t: timestamp('t', { withTimezone: true, mode: 'string' }).notNull(),
    geom: geometry('geom', 'Point').notNull(),
    accuracy: real('accuracy'),
  },
  (t) => [primaryKey({ columns: [t.personId, t.t] })],
)
