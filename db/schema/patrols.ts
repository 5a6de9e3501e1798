import { date, integer, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core'
import { geometry } from './geometry.ts'

export const patrolTasks = pgTable('patrol_tasks', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  streetId: integer('street_id').notNull(),
  gridId: integer('grid_id').notNull(),
  personId: integer('person_id').notNull(),
  day: date('day', { mode: 'string' }).notNull(),
  shift: text('shift', { enum: ['day', 'evening'] }).notNull(),
  status: text('status', { enum: ['planned', 'in_progress', 'done', 'missed'] }).notNull(),
  checkpoints: geometry('checkpoints', 'MultiPoint'),
  notes: text('notes').notNull().default(''),
})

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
