import { integer, pgTable, text, timestamp, primaryKey } from 'drizzle-orm/pg-core'
import { geometry } from './geometry.ts'

export const areas = pgTable('areas', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  parentId: integer('parent_id'),
  level: text('level', { enum: ['district', 'street', 'community', 'grid', 'micro_grid'] }).notNull(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  geom: geometry('geom', 'MultiPolygon').notNull(),
  households: integer('households').notNull().default(0),
  population: integer('population').notNull().default(0),
  path: integer('path').array().notNull(),
  streetId: integer('street_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
})

export const roads = pgTable('roads', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  kind: text('kind', { enum: ['primary', 'secondary', 'residential'] }).notNull(),
  name: text('name').notNull(),
  geom: geometry('geom', 'LineString').notNull(),
})

export const buildings = pgTable('buildings', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  compound: text('compound').notNull(),
  name: text('name').notNull(),
  geom: geometry('geom', 'Polygon').notNull(),
  floors: integer('floors').notNull(),
  households: integer('households').notNull(),
  population: integer('population').notNull(),
  microGridId: integer('micro_grid_id').notNull(),
  gridId: integer('grid_id').notNull(),
  communityId: integer('community_id').notNull(),
  streetId: integer('street_id').notNull(),
})

export const people = pgTable('people', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull(),
  role: text('role', { enum: ['admin', 'commander', 'grid_leader', 'grid_member', 'micro_grid_leader', 'planner'] }).notNull(),
  phone: text('phone'),
})

export const personAreas = pgTable(
  'person_areas',
  { personId: integer('person_id').notNull(), areaId: integer('area_id').notNull() },
  (t) => [primaryKey({ columns: [t.personId, t.areaId] })],
)
