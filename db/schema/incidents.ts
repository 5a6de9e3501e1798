import { bigint, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import { geometry } from './geometry.ts'

export const incidentTypes = pgTable('incident_types', {
  code: text('code').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  deadlineHours: integer('deadline_hours').notNull(),
})

export const incidents = pgTable(
  'incidents',
  {
    id: bigint('id', { mode: 'number' }).generatedByDefaultAsIdentity(),
    streetId: integer('street_id').notNull(),
    communityId: integer('community_id').notNull(),
    gridId: integer('grid_id').notNull(),
    microGridId: integer('micro_grid_id').notNull(),
    type: text('type').notNull(),
    status: text('status').notNull(),
    source: text('source').notNull(),
    geom: geometry('geom', 'Point').notNull(),
    reportedAt: timestamp('reported_at', { withTimezone: true, mode: 'string' }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true, mode: 'string' }),
    description: text('description').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.streetId, t.id] })],
)
