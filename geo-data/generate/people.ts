/** Grid workers: commanders, grid leaders / members, micro-grid leaders, planners. */
import type { DemoPerson, PersonRole } from './types.ts'
import { Rng } from './rng.ts'
import type { Hierarchy } from './hierarchy.ts'
import { personName } from './names.ts'

export interface PeopleLayer {
  people: DemoPerson[]
  /** Per grid index: [leader, member1, member2] person ids. */
  gridStaff: [number, number, number][]
}

export function buildPeople(hier: Hierarchy, seed: number): PeopleLayer {
  const rng = Rng.derive(seed, 'people')
  const people: DemoPerson[] = []
  const phones = new Set<string>()
  const phone = (): string => {
    for (;;) {
      let p = '1' + rng.pick(['3', '5', '7', '8', '9'])
      for (let k = 0; k < 9; k++) p += String(rng.int(0, 9))
      if (!phones.has(p)) {
        phones.add(p)
        return p
      }
    }
  }
  const add = (role: PersonRole, areaIds: number[]): number => {
    const id = people.length + 1
    people.push({ id, name: personName(rng), role, phone: phone(), areaIds })
    return id
  }
  for (const s of hier.streets) add('commander', [s.areaId])
  const gridStaff: [number, number, number][] = []
  hier.grids.forEach((g) => {
    const leader = add('grid_leader', [g.areaId])
    const m1 = add('grid_member', [g.areaId])
    const m2 = add('grid_member', [g.areaId])
    gridStaff.push([leader, m1, m2])
    for (const c of g.cells) add('micro_grid_leader', [hier.cellMicroId[c]])
  })
  const planners = Math.max(2, Math.min(5, Math.round(hier.streets.length / 2)))
  for (let k = 0; k < planners; k++) add('planner', [1])
  return { people, gridStaff }
}
