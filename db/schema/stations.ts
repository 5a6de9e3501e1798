import { date, integer, pgTable, real, text } from 'drizzle-orm/pg-core'
import { geometry } from './geometry.ts'

export const stationTypes = pgTable('station_types', {
  code: text('code').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  defaultServiceRadiusM: real('default_service_radius_m').notNull(),
})

export const stations = pgTable('stations', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  type: text('type').notNull(),
  name: text('name').notNull(),
  geom: geometry('geom', 'Point').notNull(),
  serviceRadiusM: real('service_radius_m').notNull(),
  openedOn: date('opened_on', { mode: 'string' }),
  closedOn: date('closed_on', { mode: 'string' }),
  capacity: integer('capacity'),
  notes: text('notes'),
  microGridId: integer('micro_grid_id').notNull(),
  gridId: integer('grid_id').notNull(),
  communityId: integer('community_id').notNull(),
  streetId: integer('street_id').notNull(),
})
