import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withScope } from '../../db/scope.ts'
import { INCIDENT_TYPES } from '../../geo-data/generate/types.ts'
import { testApi, type Client } from '../helpers/api.ts'

// Types made here are real rows of the run's shared catalogue, with codes unique to this run; they
// are appended (other files' type indexes never move) and removed with their incidents afterwards.
let t: Awaited<ReturnType<typeof testApi>>
let leader: Client
let inside: { lon: number; lat: number }
const suffix = `${process.pid}_${Date.now() % 100000}`
const made: string[] = []

beforeAll(async () => {
  t = await testApi()
  leader = await t.as('leader')
  const { rows } = await t.db.pool.query(`
    select ST_X(p) lon, ST_Y(p) lat from (
      select ST_PointOnSurface(a.geom) p from areas a
      where a.level = 'micro_grid' and a.path && (select array_agg(ua.area_id) from user_areas ua join users u on u.id = ua.user_id where u.username = 'leader')
      order by a.id limit 1) s`)
  inside = { lon: Number(rows[0].lon), lat: Number(rows[0].lat) }
})
afterAll(async () => {
  if (made.length) {
    // The app role may never delete a type; the owner cleans up, incidents and their history first.
    await t.db.pool.query(`delete from incident_events where incident_id in (select id from incidents where type = any($1))`, [made])
    await t.db.pool.query(`delete from incidents where type = any($1)`, [made])
    await t.db.pool.query(`delete from incident_types where code = any($1)`, [made])
  }
  await t.close()
})

/** A new type through the admin API, remembered for clean-up. */
async function addType(code: string, names: { zh: string; en: string }, deadline = 36) {
  made.push(code)
  return t.send('/api/admin/incident-types', { code, name_zh: names.zh, name_en: names.en, deadline_hours: deadline })
}

describe('incident-type catalogue', () => {
  it('lists the built-in types in their fixed order with incident counts, and the config gives the same order', async () => {
    const { status, body } = await t.json('/api/admin/incident-types')
    expect(status).toBe(200)
    expect(body.slice(0, INCIDENT_TYPES.length).map((x: { code: string }) => x.code)).toEqual([...INCIDENT_TYPES])
    const noise = body.find((x: { code: string }) => x.code === 'noise')
    expect(noise).toMatchObject({ name_zh: '噪音扰民', deadline_hours: 48, active: true })
    const { rows } = await t.db.pool.query(`select count(*)::int n from incidents where type = 'noise'`)
    // Other files report noise concurrently on PostgreSQL: at least the count seen just now.
    expect(noise.incidents).toBeLessThanOrEqual(rows[0].n)
    expect(noise.incidents).toBeGreaterThan(0)
    const config = await t.json('/api/config')
    expect(config.body.incidentTypes.slice(0, INCIDENT_TYPES.length)).toEqual([...INCIDENT_TYPES])
    expect(config.body.incidentTypeCatalog.map((x: { code: string }) => x.code)).toEqual(config.body.incidentTypes)
  })

  it('lets an admin add a type that is then reported, filtered, packed and imported like any other', async () => {
    const code = `graffiti_${suffix}`
    const res = await addType(code, { zh: `乱涂乱画${suffix}`, en: `Graffiti ${suffix}` })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ code, deadline_hours: 36, active: true, incidents: 0 })

    const config = await t.json('/api/config')
    const index = config.body.incidentTypes.indexOf(code)
    expect(index).toBeGreaterThanOrEqual(INCIDENT_TYPES.length)

    const created = await leader.send('/api/incidents', { type: code, description: 'slogans on the wall', ...inside })
    expect(created.status).toBe(201)
    const incident = await created.json()
    // The deadline follows the new type's time limit.
    expect(Date.parse(incident.deadline_at) - Date.parse(incident.reported_at)).toBe(36 * 3600_000)

    const list = await leader.json(`/api/incidents?type=${code}&limit=50`)
    expect(list.status).toBe(200)
    expect(list.body.features.map((f: { id: number }) => f.id)).toEqual([incident.id])

    // The binary points carry the new type's index, the one the config lists it at.
    const points = await leader.get(`/api/incidents/points?type=${code}`)
    expect(points.status).toBe(200)
    const buf = new Uint8Array(await points.arrayBuffer())
    expect(Number(points.headers.get('X-Count'))).toBe(1)
    expect(buf[8]).toBe(index)

    // A CSV names the type by its Chinese name.
    const form = new FormData()
    form.set('file', new Blob([`lon,lat,type\n${inside.lon.toFixed(7)},${inside.lat.toFixed(7)},乱涂乱画${suffix}\n`], { type: 'text/csv' }), 'x.csv')
    const imported = await leader.request('/api/incidents/import', { method: 'POST', body: form })
    expect(await imported.json()).toMatchObject({ imported: 1, rejected: [] })

    // The aggregates accept it as a type filter.
    const stats = await leader.json(`/api/analytics/areas?level=grid&type=${code}&geometry=false`)
    expect(stats.status).toBe(200)
    expect(stats.body.features.reduce((n: number, f: { properties: { count: number } }) => n + f.properties.count, 0)).toBe(2)

    // Writes to the catalogue are audited with the codes they touched.
    const { rows } = await t.db.pool.query(
      `select username, action from audit_log where target = 'incident_types' and detail -> 'codes' ? $1 order by id`,
      [code],
    )
    expect(rows).toEqual([{ username: 'admin', action: 'insert' }])
  })

  it('retires a type: no new reports, edits or imports of it, its incidents stay readable and filterable', async () => {
    const code = `pigeons_${suffix}`
    expect((await addType(code, { zh: `鸽子扰民${suffix}`, en: `Pigeons ${suffix}` })).status).toBe(201)
    const before = await (await leader.send('/api/incidents', { type: code, description: 'feeding on the roof', ...inside })).json()

    const retired = await t.send(`/api/admin/incident-types/${code}`, { active: false }, 'PATCH')
    expect(retired.status).toBe(200)
    expect((await retired.json()).active).toBe(false)

    const refused = await leader.send('/api/incidents', { type: code, description: 'again', ...inside })
    expect(refused.status).toBe(400)
    expect((await refused.json()).message).toMatch(/retired/)
    const other = await (await leader.send('/api/incidents', { type: 'noise', description: 'music', ...inside })).json()
    const edit = await leader.send(`/api/incidents/${other.id}`, { type: code }, 'PATCH')
    expect(edit.status).toBe(400)

    const form = new FormData()
    form.set('file', new Blob([`lon,lat,type\n${inside.lon.toFixed(7)},${inside.lat.toFixed(7)},${code}\n`], { type: 'text/csv' }), 'x.csv')
    const imp = await (await leader.request('/api/incidents/import', { method: 'POST', body: form })).json()
    expect(imp.imported).toBe(0)
    expect(imp.rejected).toEqual([{ row: 1, reason: expect.stringMatching(/retired/) }])

    const list = await leader.json(`/api/incidents?type=${code}`)
    expect(list.body.features.map((f: { id: number }) => f.id)).toEqual([before.id])
    expect((await leader.get(`/api/incidents/${before.id}`)).status).toBe(200)

    // Reinstated, it takes reports again.
    expect((await t.send(`/api/admin/incident-types/${code}`, { active: true, deadline_hours: 12 }, 'PATCH')).status).toBe(200)
    const again = await leader.send('/api/incidents', { type: code, description: 'back', ...inside })
    expect(again.status).toBe(201)
    made.push(code)
    await leader.send(`/api/incidents/${other.id}`, { type: 'noise' }, 'PATCH')
  })

  it('refuses bad codes, duplicate codes and names, empty changes and unknown types with a reason', async () => {
    const code = `dup_${suffix}`
    expect((await addType(code, { zh: `重复${suffix}`, en: `Dup ${suffix}` })).status).toBe(201)
    const cases: [Promise<Response>, number, RegExp][] = [
      [t.send('/api/admin/incident-types', { code: 'Bad Code', name_zh: 'x', name_en: 'x', deadline_hours: 1 }), 400, /code/],
      [t.send('/api/admin/incident-types', { code: "x'; drop table incidents; --", name_zh: 'x', name_en: 'x', deadline_hours: 1 }), 400, /code/],
      [t.send('/api/admin/incident-types', { code: `z_${suffix}`, name_zh: '', name_en: 'x', deadline_hours: 1 }), 400, /name_zh/],
      [t.send('/api/admin/incident-types', { code: `z_${suffix}`, name_zh: 'x', name_en: 'x', deadline_hours: 0 }), 400, /deadline_hours/],
      [t.send('/api/admin/incident-types', { code, name_zh: 'x', name_en: 'x', deadline_hours: 1 }), 409, /exists/],
      [t.send('/api/admin/incident-types', { code: `z_${suffix}`, name_zh: '噪音扰民', name_en: 'x', deadline_hours: 1 }), 409, /noise/],
      [t.send('/api/admin/incident-types', { code: `z_${suffix}`, name_zh: 'x', name_en: 'NOISE', deadline_hours: 1 }), 409, /noise/],
      [t.send(`/api/admin/incident-types/${code}`, {}, 'PATCH'), 400, /nothing to change/],
      [t.send(`/api/admin/incident-types/${code}`, { name_en: 'Parking dispute' }, 'PATCH'), 409, /parking_dispute/],
      [t.send('/api/admin/incident-types/no_such_type', { active: false }, 'PATCH'), 404, /does not exist/],
      [t.get('/api/incidents?type=no_such_type'), 400, /unknown incident type/],
      [t.get('/api/incidents?type=noise,Robert%27);--'), 400, /unknown incident type/],
      [t.get('/api/analytics/areas?level=grid&type=no_such_type'), 400, /unknown incident type/],
    ]
    for (const [res, status, message] of cases) {
      const r = await res
      const body = await r.json()
      expect([r.status, body.message]).toEqual([status, expect.stringMatching(message)])
    }
  })

  it('is read-only for every other role, in the API and in the database itself', async () => {
    for (const name of ['commander', 'leader', 'planner']) {
      const c = await t.as(name)
      expect((await c.get('/api/admin/incident-types')).status).toBe(403)
      expect((await c.send('/api/admin/incident-types', { code: `x_${suffix}`, name_zh: 'x', name_en: 'x', deadline_hours: 1 })).status).toBe(403)
      expect((await c.send('/api/admin/incident-types/noise', { deadline_hours: 1 }, 'PATCH')).status).toBe(403)
      // Everyone reads the catalogue through the config.
      expect((await c.json('/api/config')).body.incidentTypes).toContain('noise')
    }
    // The policy, not only the route, refuses: a commander's transaction can neither add nor change a type.
    const scope = { userId: null, role: 'commander' as const, areaIds: [1] }
    await expect(
      withScope(t.db.pool, scope, (c) => c.query(`insert into incident_types (code, name_zh, name_en, deadline_hours, position) values ('x_rls', 'x', 'x', 1, 999)`)),
    ).rejects.toThrow(/row-level security/)
    const changed = await withScope(t.db.pool, scope, (c) => c.query(`update incident_types set deadline_hours = 1 where code = 'noise'`))
    expect(changed.rowCount).toBe(0)
    await expect(withScope(t.db.pool, { ...scope, role: 'admin' }, (c) => c.query(`delete from incident_types where code = 'noise'`))).rejects.toThrow(
      /permission denied/,
    )
    const { rows } = await t.db.pool.query(`select deadline_hours from incident_types where code = 'noise'`)
    expect(rows[0].deadline_hours).toBe(48)
  })
})
