import { describe, expect, it } from 'vitest'
import { areaExportUrl, canExport, canImportInto, childLevel, polygonOf } from '../../web/areas/areaImport.ts'
import type { AreaDetail } from '../../web/app/client.ts'
import type { User } from '../../web/auth/queries.ts'

// Who the area panel offers boundary import and export to (web/areas/areaImport.ts). The API decides
// in the end (area_import_allowed() in db/migrations/0022_area_import.sql, tested in
// tests/api/area-import.test.ts); these rules only decide which buttons are shown.

const user = (role: User['role'], areas: number[]): User => ({ id: 1, username: role, role, areas }) as User
/** District 1 → street 2 → community 3 → grid 4 → micro-grid 5; `children` as many as asked. */
const area = (level: AreaDetail['level'], children = 2): AreaDetail => {
  const chain = [1, 2, 3, 4, 5]
  const depth = ['district', 'street', 'community', 'grid', 'micro_grid'].indexOf(level)
  return {
    id: chain[depth],
    level,
    ancestors: chain.slice(0, depth).map((id) => ({ id, level: 'district', name: `#${id}` })),
    children: Array.from({ length: children }, (_, i) => ({ id: 100 + i })),
  } as unknown as AreaDetail
}

describe('boundary import and export in the area panel', () => {
  it('offers import to admins anywhere there is a level below, and to commanders inside their scope', () => {
    const admin = user('admin', [])
    expect(canImportInto(admin, area('district'))).toBe(true)
    expect(canImportInto(admin, area('grid'))).toBe(true)
    expect(canImportInto(admin, area('micro_grid', 0))).toBe(false)
    const commander = user('commander', [2])
    // Their street itself: its communities lie inside their scope.
    expect(canImportInto(commander, area('street'))).toBe(true)
    expect(canImportInto(commander, area('grid'))).toBe(true)
    expect(canImportInto(commander, area('district'))).toBe(false)
    expect(canImportInto(user('commander', [9]), area('grid'))).toBe(false)
    // A grid without micro-grids yet can still be given some.
    expect(canImportInto(commander, area('grid', 0))).toBe(true)
  })

  it('offers no import to grid leaders, members or planners, even in their own areas', () => {
    for (const role of ['grid_leader', 'grid_member', 'planner'] as const) expect(canImportInto(user(role, [4]), area('grid')), role).toBe(false)
  })

  it('offers export to every role for areas of its scope that have children', () => {
    for (const role of ['admin', 'commander', 'grid_leader', 'grid_member', 'planner'] as const) {
      expect(canExport(user(role, [4]), area('grid')), role).toBe(true)
      expect(canExport(user(role, [4]), area('grid', 0)), `${role}, no children`).toBe(false)
    }
    expect(canExport(user('grid_leader', [4]), area('community'))).toBe(false)
    expect(canExport(user('admin', []), area('micro_grid'))).toBe(false)
  })

  it('names the export endpoint, the level below and drawable geometries', () => {
    expect(areaExportUrl(42, 'shp')).toBe('/api/areas/export?parent=42&format=shp')
    expect(childLevel('community')).toBe('grid')
    expect(childLevel('micro_grid')).toBeUndefined()
    expect(polygonOf({ type: 'Polygon', coordinates: [] })).not.toBeNull()
    expect(polygonOf({ type: 'Point', coordinates: [1, 2] })).toBeNull()
    expect(polygonOf(null)).toBeNull()
  })
})
