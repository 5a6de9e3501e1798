import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { write as writeShapefile } from '@mapbox/shp-write'
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate'
import proj4 from 'proj4'
import { testApi, type Client } from '../helpers/api.ts'

// Boundary import and export (docs/import.md). Fixtures are built here: GeoJSON from the seeded
// micro-grids of one grid of the commander's street, Shapefiles written with @mapbox/shp-write and
// zipped with fflate. Only one test commits, and it re-imports the grid's own exported boundaries
// (same codes, same shapes): other files running at the same time on PostgreSQL assert that every
// parent is tiled exactly by its children (tests/api/coverage.test.ts).

let t: Awaited<ReturnType<typeof testApi>>
let admin: Client
let commander: Client
let grid: number
let otherGrid: number
type Ring = number[][]
let micro: Array<{ id: number; code: string; name: string; households: number; rings: Ring[][] }>

beforeAll(async () => {
  t = await testApi()
  admin = await t.as('admin')
  commander = await t.as('commander')
  const street = (await t.db.pool.query(`select ua.area_id from user_areas ua join users u on u.id = ua.user_id where u.username = 'commander'`)).rows[0].area_id
  const g = await t.db.pool.query(
    `select g.id from areas g where g.level = 'grid' and g.street_id = $1 and (select count(*) from areas m where m.parent_id = g.id) >= 3 order by g.id limit 1`,
    [street],
  )
  grid = g.rows[0].id
  otherGrid = (await t.db.pool.query(`select id from areas where level = 'grid' and street_id <> $1 order by id limit 1`, [street])).rows[0].id
  const m = await t.db.pool.query(
    `select id, code, name, households, ST_AsGeoJSON(geom, 15)::json->'coordinates' as rings from areas where parent_id = $1 order by id`,
    [grid],
  )
  micro = m.rows
})
afterAll(() => t.close())

const MAPPING = JSON.stringify({ name: 'name', code: 'code', households: 'hh' })

/** A FeatureCollection of the grid's micro-grids (as MultiPolygons), with `edit` applied to each feature. */
function gridGeoJson(edit: (f: { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }, i: number) => void = () => {}) {
  const features = micro.map((m, i) => {
    const f = { type: 'Feature', properties: { name: m.name, code: m.code, hh: m.households } as Record<string, unknown>, geometry: { type: 'MultiPolygon', coordinates: structuredClone(m.rings) as unknown } }
    edit(f, i)
    return f
  })
  return new TextEncoder().encode(JSON.stringify({ type: 'FeatureCollection', features }))
}

async function preview(client: Client, file: Uint8Array, fields: Record<string, string> = {}, name = 'areas.geojson') {
  const form = new FormData()
  form.set('file', new Blob([file as Uint8Array<ArrayBuffer>]), name)
  form.set('level', 'micro_grid')
  form.set('parent', String(grid))
  form.set('mapping', MAPPING)
  for (const [k, v] of Object.entries(fields)) form.set(k, v)
  const res = await client.request('/api/areas/import', { method: 'POST', body: form })
  return { status: res.status, body: await res.json() }
}

const commit = async (client: Client, id: string) => {
  const res = await client.request(`/api/areas/import/${id}/commit`, { method: 'POST' })
  return { status: res.status, body: await res.json() }
}

/** The grid's children as stored: what must not change when an import is refused. */
const snapshot = async () => (await t.db.pool.query(`select id, code, md5(ST_AsEWKB(geom)) g from areas where parent_id = $1 order by id`, [grid])).rows

/** Shapefile parts of polygons in any CRS (outer rings clockwise, as the format wants), zipped with the given extra entries. */
async function shapefileZip(rows: Array<Record<string, unknown>>, polys: Ring[][][], extra: Record<string, Uint8Array>, stem = 'grid') {
  const f = await new Promise<{ shp: DataView; shx: DataView; dbf: DataView }>((resolve, reject) =>
    writeShapefile(rows, 'POLYGON', polys, (err: unknown, out: { shp: DataView; shx: DataView; dbf: DataView }) => (err ? reject(err) : resolve(out))),
  )
  const b = (v: DataView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  return zipSync({ [`${stem}.shp`]: b(f.shp), [`${stem}.shx`]: b(f.shx), [`${stem}.dbf`]: b(f.dbf), ...extra })
}

/** Reverse each ring (GeoJSON counter-clockwise outer rings → Shapefile clockwise). */
const cw = (polys: Ring[][]) => polys.map((p) => p.map((r) => [...r].reverse()))

const UTM48N =
  'PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
const CGCS2000_GK_105 =
  'PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'

const blockingKinds = (body: { problems: Array<{ properties: { kind: string; blocking: boolean } }> }) =>
  body.problems.filter((p) => p.properties.blocking).map((p) => p.properties.kind)

describe('POST /api/areas/import: a good file', () => {
  it('previews the grid’s own micro-grids as updates without problems, and writes nothing', async () => {
    const before = await snapshot()
    const { status, body } = await preview(admin, gridGeoJson())
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.problems).toEqual([])
    expect(body.summary).toMatchObject({ format: 'geojson', features: micro.length, blocking: 0, committable: true, insert: 0, update: micro.length, remove: [] })
    // The file's columns, for the dialog's mapping choices.
    expect(body.summary.file_columns).toEqual(['name', 'code', 'hh'])
    expect(body.features.features.map((f: { properties: { code: string; action: string } }) => [f.properties.code, f.properties.action])).toEqual(
      micro.map((m) => [m.code, 'update']),
    )
    expect(await snapshot()).toEqual(before)
  })

  it.each([
    ['UTM 48N', UTM48N],
    ['CGCS2000 3-degree Gauss-Kruger CM 105E', CGCS2000_GK_105],
  ])('reprojects a %s Shapefile from its .prj to the right place', async (_label, wkt) => {
    const toProjected = proj4('EPSG:4326', wkt)
    const polys = micro.map((m) => cw(m.rings).map((p) => p.map((r) => r.map(([x, y]) => toProjected.forward([x, y])))))
    const rows = micro.map((m) => ({ code: m.code, name: m.code, hh: m.households }))
    const zip = await shapefileZip(rows, polys, { 'grid.prj': strToU8(wkt) })
    const { status, body } = await preview(admin, zip, {}, 'grid.zip')
    expect(status, JSON.stringify(body)).toBe(200)
    expect(blockingKinds(body)).toEqual([])
    expect(body.summary.crs).toBe(/"([^"]+)"/.exec(wkt)![1])
    expect(body.summary.update).toBe(micro.length)
    // Back in WGS84 within a centimetre of the stored vertices.
    const [x, y] = body.features.features[0].geometry.coordinates[0][0][0]
    const stored = micro[0].rings[0][0]
    expect(stored.some(([sx, sy]) => Math.abs(sx - x) < 1e-7 && Math.abs(sy - y) < 1e-7)).toBe(true)
  })

  it('reads GBK names from a .dbf without .cpg, and UTF-8 ones with a .cpg', async () => {
    // 网格一 in GBK, written byte by byte (the dbf writer stores each char code as one byte).
    const gbk = String.fromCharCode(0xcd, 0xf8, 0xb8, 0xf1, 0xd2, 0xbb)
    expect(new TextDecoder('gbk').decode(Uint8Array.from(gbk, (ch) => ch.charCodeAt(0)))).toBe('网格一')
    const polys = micro.map((m) => cw(m.rings))
    const rows = micro.map((m) => ({ code: m.code, name: gbk, hh: m.households }))
    const zip = await shapefileZip(rows, polys, { 'grid.prj': strToU8('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]') })
    const { status, body } = await preview(admin, zip, {}, 'grid.zip')
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.features.features[0].properties.name).toBe('网格一')
    expect(body.summary.encoding).toMatch(/^gbk/)

    const utf8 = String.fromCharCode(...new TextEncoder().encode('幸福微网格'))
    const zip2 = await shapefileZip(micro.map((m) => ({ code: m.code, name: utf8, hh: 1 })), polys, { 'grid.cpg': strToU8('UTF-8') })
    const res2 = await preview(admin, zip2, { crs: 'wgs84' }, 'grid.zip')
    expect(res2.status, JSON.stringify(res2.body)).toBe(200)
    expect(res2.body.features.features[0].properties.name).toBe('幸福微网格')
  })
})

describe('POST /api/areas/import: bad files are refused with a reason, and nothing is written', () => {
  it('lists a self-intersecting ring with PostGIS’s reason, and the commit answers 422 naming the feature', async () => {
    const before = await snapshot()
    const { status, body } = await preview(admin, gridGeoJson((f, i) => {
      if (i !== 1) return
      const ring = (f.geometry.coordinates as Ring[][])[0][0]
      // Swap two consecutive vertices of the outer ring: its edges cross.
      ;[ring[1], ring[2]] = [ring[2], ring[1]]
    }))
    expect(status).toBe(200)
    const invalid = body.problems.find((p: { properties: { kind: string } }) => p.properties.kind === 'invalid')
    expect(invalid.properties.children).toEqual([2])
    expect(invalid.properties.reason).toMatch(/^feature 2 \(code .+\): (Self-intersection|Ring Self-intersection)/)
    expect(body.summary.committable).toBe(false)
    const res = await commit(admin, body.previewId)
    expect(res.status).toBe(422)
    expect(res.body.error).toBe('import_blocked')
    expect(res.body.message).toContain('feature 2')
    expect(await snapshot()).toEqual(before)
  })

  it('reports an unclosed ring as invalid', async () => {
    const { status, body } = await preview(admin, gridGeoJson((f, i) => {
      if (i === 0) (f.geometry.coordinates as Ring[][])[0][0].pop()
    }))
    expect(status).toBe(200)
    const p = body.problems.find((q: { properties: { reason: string } }) => /not closed/.test(q.properties.reason))
    expect(p.properties).toMatchObject({ kind: 'invalid', blocking: true, children: [1] })
    expect((await commit(admin, body.previewId)).status).toBe(422)
  })

  it('reports overlapping features and the gap they leave', async () => {
    // Feature 2 gets feature 1's shape as well: they overlap by all of feature 1.
    const { body } = await preview(admin, gridGeoJson((f, i) => {
      if (i === 1) f.geometry.coordinates = [...(micro[0].rings as unknown[]), ...(f.geometry.coordinates as unknown[])]
    }))
    const overlap = body.problems.find((p: { properties: { kind: string } }) => p.properties.kind === 'overlap')
    expect(overlap.properties.children).toEqual([1, 2])
    expect(overlap.properties.reason).toMatch(/^feature 1 \(code .+\) and feature 2 \(code .+\) overlap by/)
    const res = await commit(admin, body.previewId)
    expect(res.status).toBe(422)
    expect(res.body.problems.some((p: { properties: { kind: string } }) => p.properties.kind === 'overlap')).toBe(true)
  })

  it('says when coordinates look swapped (lat, lon)', async () => {
    const { body } = await preview(admin, gridGeoJson((f, i) => {
      if (i === 0) f.geometry.coordinates = (micro[0].rings as Ring[][]).map((p) => p.map((r) => r.map(([x, y]) => [y, x])))
    }))
    // Chengdu's (30.6, 104.1) read as lon, lat is not a position at all: said where it is found.
    const swapped = body.problems.find((p: { properties: { reason: string } }) => /look swapped/.test(p.properties.reason))
    expect(swapped.properties).toMatchObject({ kind: 'invalid', blocking: true, children: [1] })
    expect(swapped.properties.reason).toMatch(/^feature 1 \(code .+\), polygon 1 ring 1: .*look swapped \(lat, lon\)/)
    // Its place is a gap (a warning) until it is fixed.
    expect(body.problems.some((p: { properties: { kind: string; blocking: boolean } }) => p.properties.kind === 'gap' && !p.properties.blocking)).toBe(true)
    expect((await commit(admin, body.previewId)).status).toBe(422)
  })

  it('reports a missing name, non-numeric households and a code used twice', async () => {
    const { body } = await preview(admin, gridGeoJson((f, i) => {
      if (i === 0) f.properties.name = ''
      if (i === 1) f.properties.hh = 'many'
      if (i === 2) f.properties.code = micro[0].code
    }))
    const reasons = body.problems.map((p: { properties: { kind: string; reason: string } }) => `${p.properties.kind}: ${p.properties.reason}`)
    expect(reasons).toContainEqual(expect.stringMatching(/^attribute: feature 1 .*no name/))
    expect(reasons).toContainEqual(expect.stringMatching(/^attribute: feature 2 .*households "many"/))
    expect(reasons).toContainEqual(`duplicate_code: code ${micro[0].code} is used by features 1, 3`)
  })

  it('refuses a Shapefile without .prj unless crs is given', async () => {
    const zip = await shapefileZip(micro.map((m) => ({ code: m.code, name: m.name, hh: 0 })), micro.map((m) => cw(m.rings)), {})
    const res = await preview(admin, zip, {}, 'grid.zip')
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'missing_prj' })
    expect(res.body.message).toContain('grid.prj is missing')
    const ok = await preview(admin, zip, { crs: 'wgs84' }, 'grid.zip')
    expect(ok.status).toBe(200)
    expect(blockingKinds(ok.body)).toEqual([])
  })

  it('refuses zip entries with ".." or absolute paths', async () => {
    for (const name of ['../evil.shp', '/etc/evil.prj', 'a/../../b.dbf']) {
      const res = await preview(admin, zipSync({ [name]: strToU8('x') }), {}, 'x.zip')
      expect(res.status, name).toBe(400)
      expect(res.body.error).toBe('unsafe_zip_path')
      expect(res.body.message).toContain(name)
    }
  })

  it('refuses a zip bomb by its declared size and, when the headers lie, while inflating', async () => {
    // Declared: a small entry whose local header claims 4 GB.
    const declared = zipSync({ 'grid.shp': strToU8('x') })
    new DataView(declared.buffer).setUint32(22, 0xfffffff0, true)
    const a = await preview(admin, declared, {}, 'bomb.zip')
    expect(a.status).toBe(400)
    expect(a.body).toMatchObject({ error: 'zip_too_large' })
    expect(a.body.message).toContain('declares')

    // Streamed (sizes only after the data): 210 MB of zeros, ~200 kB compressed.
    const parts: Uint8Array[] = []
    const zip = new Zip((err, chunk) => {
      if (err) throw err
      parts.push(chunk)
    })
    const entry = new ZipDeflate('grid.dbf', { level: 9 })
    zip.add(entry)
    const mb = new Uint8Array(1024 * 1024)
    for (let i = 0; i < 210; i++) entry.push(mb, i === 209)
    zip.end()
    const bomb = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    parts.reduce((o, p) => (bomb.set(p, o), o + p.length), 0)
    expect(bomb.length).toBeLessThan(1024 * 1024)
    const b = await preview(admin, bomb, {}, 'bomb.zip')
    expect(b.status).toBe(400)
    expect(b.body).toMatchObject({ error: 'zip_too_large' })
    expect(b.body.message).toContain('inflates')
  })

  it('refuses bytes that are neither a zip nor GeoJSON, and JSON that is not a FeatureCollection', async () => {
    const junk = await preview(admin, Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), {}, 'photo.jpg')
    expect(junk.status).toBe(400)
    expect(junk.body.error).toBe('unsupported_file')
    const broken = await preview(admin, strToU8('{"type":"FeatureCollection","features":['))
    expect(broken.body.error).toBe('invalid_geojson')
    const notFc = await preview(admin, strToU8('{"type":"Feature"}'))
    expect(notFc.status).toBe(400)
    expect(notFc.body.message).toContain('FeatureCollection')
    const truncatedZip = await preview(admin, zipSync({ 'grid.shp': Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24) }).subarray(0, 200), {}, 'cut.zip')
    expect(truncatedZip.status).toBe(400)
    expect(truncatedZip.body.error).toBe('invalid_zip')
  })

  it('refuses an upload above the body limit with 413', async () => {
    const big = new Uint8Array(11 * 1024 * 1024).fill(0x20)
    const res = await preview(admin, big)
    expect(res.status).toBe(413)
  })

  it('lets only admins and commanders in whose scope the parent lies import', async () => {
    const leader = await t.as('leader')
    expect((await preview(leader, gridGeoJson())).status).toBe(403)
    expect((await preview(await t.as('planner'), gridGeoJson())).status).toBe(403)
    const own = await preview(commander, gridGeoJson())
    expect(own.status, JSON.stringify(own.body)).toBe(200)
    const other = await preview(commander, gridGeoJson(), { parent: String(otherGrid) })
    expect(other.status).toBe(404)
    // A preview is its maker's: the admin cannot commit the commander's.
    expect((await commit(admin, own.body.previewId)).status).toBe(404)
  })

  it('answers 400 for a level that is not the parent’s children', async () => {
    const res = await preview(admin, gridGeoJson(), { level: 'grid' })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('invalid_level')
  })
})

describe('export and commit', () => {
  it('exports the grid as GeoJSON and CSV', async () => {
    const geo = await admin.get(`/api/areas/export?parent=${grid}&format=geojson`)
    expect(geo.status).toBe(200)
    const fc = await geo.json()
    expect(fc.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual(micro.map((m) => m.code))
    const csv = await admin.get(`/api/areas/export?parent=${grid}&format=csv`)
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n')
    expect(lines[0]).toBe('id,code,name,level,parent,households,population,area_m2,centroid_lon,centroid_lat,wkt')
    expect(lines).toHaveLength(micro.length + 1)
    expect(lines[1].startsWith(`${micro[0].id},"${micro[0].code}"`)).toBe(true)
    expect((await commander.get(`/api/areas/export?parent=${otherGrid}`)).status).toBe(404)
  })

  it('round-trips: the exported Shapefile re-imports with no blocking problem and commits in place', async () => {
    const incidentsBefore = (await t.db.pool.query(`select id, micro_grid_id from incidents where grid_id = $1 order by id`, [grid])).rows
    const res = await commander.get(`/api/areas/export?parent=${grid}&format=shp`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/zip')
    const zip = new Uint8Array(await res.arrayBuffer())
    const { status, body } = await preview(commander, zip, { mapping: JSON.stringify({ name: 'NAME', code: 'CODE', households: 'HOUSEHOLDS' }) }, 'export.zip')
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.summary).toMatchObject({ format: 'shapefile', features: micro.length, committable: true, update: micro.length, insert: 0 })
    expect(body.summary.encoding).toMatch(/^utf-8 \(\.cpg\)/)
    expect(blockingKinds(body)).toEqual([])
    expect(body.features.features.map((f: { properties: { name: string } }) => f.properties.name)).toEqual(micro.map((m) => m.name))

    const done = await commit(commander, body.previewId)
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body.updated.map((a: { id: number }) => a.id).sort((a: number, b: number) => a - b)).toEqual(micro.map((m) => m.id))
    expect(done.body).toMatchObject({ inserted: [], removed: [] })
    // Same ids, same incident links, still exactly tiled.
    expect((await t.db.pool.query(`select id, micro_grid_id from incidents where grid_id = $1 order by id`, [grid])).rows).toEqual(incidentsBefore)
    expect((await admin.json(`/api/areas/${grid}/coverage`)).body.features).toEqual([])
    // Committed once: the preview is gone.
    expect((await commit(commander, body.previewId)).status).toBe(404)
    const audited = await t.db.pool.query(`select count(*)::int n from audit_log where target = 'area_import' and username = 'commander'`)
    expect(audited.rows[0].n).toBeGreaterThan(0)
  })
})

describe('commit: split a micro-grid, then merge it back', () => {
  // The grid's micro-grid with the most incidents is cut in two along the vertical line through its
  // centre: the west/east piece holding the lower corner keeps its code (update, same id), the other
  // gets a new code (insert). Re-importing the grid's exported GeoJSON then merges them back (the
  // new one is removed) and leaves the grid exactly as it was: same ids, codes, shapes and links.
  const NEW_CODE = `T-SPLIT-${process.pid}`
  const HISTORY_MARK = `split test ${process.pid}`
  let target: { id: number; code: string }
  let exported: Uint8Array
  let testPerson: number
  let testUser: number
  let original: Awaited<ReturnType<typeof links>>
  let originalAreas: Awaited<ReturnType<typeof snapshot>>

  /** Micro-grid of every incident, history row and building of the grid, and the people/user links: what must come back. */
  const links = async () => ({
    incidents: (await t.db.pool.query(`select id, micro_grid_id from incidents where grid_id = $1 order by id`, [grid])).rows,
    events: (await t.db.pool.query(`select e.id, e.micro_grid_id from incident_events e join incidents i on i.id = e.incident_id where i.grid_id = $1 order by e.id`, [grid])).rows,
    buildings: (await t.db.pool.query(`select id, micro_grid_id from buildings where grid_id = $1 order by id`, [grid])).rows,
    people: (await t.db.pool.query(`select person_id, area_id from person_areas where area_id in (select id from areas where parent_id = $1) order by 1, 2`, [grid])).rows,
    tasks: (await t.db.pool.query(`select id, grid_id, street_id from patrol_tasks where grid_id = $1 order by id`, [grid])).rows,
  })

  beforeAll(async () => {
    const r = await t.db.pool.query(
      `select m.id, m.code from areas m left join incidents i on i.micro_grid_id = m.id
       where m.parent_id = $1 group by m.id order by count(i.id) desc, m.id limit 1`,
      [grid],
    )
    target = r.rows[0]
    // A person and an account of the test's own, so their links can be checked and removed afterwards.
    testPerson = (await t.db.pool.query(`insert into people (name, role) values ('split test', 'micro_grid_leader') returning id`)).rows[0].id
    testUser = (await t.db.pool.query(`insert into users (username, password_hash, role) values ($1, 'x', 'grid_member') returning id`, [`split-${process.pid}`])).rows[0].id
    // The seed writes no history: one row per incident of the target, marked to be removed afterwards.
    await t.db.pool.query(
      `insert into incident_events (incident_id, street_id, community_id, grid_id, micro_grid_id, to_status, comment)
       select id, street_id, community_id, grid_id, micro_grid_id, 'reported', $2 from incidents where micro_grid_id = $1`,
      [target.id, HISTORY_MARK],
    )
  })

  afterAll(async () => {
    // If a step failed before the merge, put the exported originals back (a no-op after a merge).
    if (exported && (await t.db.pool.query(`select 1 from areas where code = $1`, [NEW_CODE])).rows.length > 0) {
      const p = await preview(commander, exported, { mapping: EXPORT_MAPPING })
      if (p.status === 200) await commit(commander, p.body.previewId)
    }
    await t.db.pool.query(`delete from incident_events where comment = $1`, [HISTORY_MARK])
    await t.db.pool.query(`delete from users where id = $1`, [testUser])
    await t.db.pool.query(`delete from person_areas where person_id = $1`, [testPerson])
    await t.db.pool.query(`delete from people where id = $1`, [testPerson])
  })

  const EXPORT_MAPPING = JSON.stringify({ name: 'name', code: 'code', households: 'households' })

  it('splits: one piece keeps the id, one is inserted; incidents, history and buildings follow; audited; still tiled', async () => {
    const before = { areas: await snapshot(), links: await links() }
    original = before.links
    originalAreas = before.areas
    const res = await commander.get(`/api/areas/export?parent=${grid}&format=geojson`)
    exported = new Uint8Array(await res.arrayBuffer())
    // A preview of the unchanged grid, made before the split: stale once it is committed.
    const early = await preview(commander, exported, { mapping: EXPORT_MAPPING })
    expect(early.status).toBe(200)

    const pieces = (
      await t.db.pool.query(
        `with m as (select geom, ST_Centroid(geom) c from areas where id = $1),
         s as (select (ST_Dump(ST_Split(ST_GeometryN(m.geom, 1), ST_SetSRID(ST_MakeLine(
             ST_MakePoint(ST_X(m.c), ST_YMin(m.geom) - 0.001), ST_MakePoint(ST_X(m.c), ST_YMax(m.geom) + 0.001)), 4326)))).geom as g from m)
         select ST_AsGeoJSON(g, 15)::json as geometry from s order by ST_XMin(g)`,
        [target.id],
      )
    ).rows.map((r) => r.geometry)
    expect(pieces).toHaveLength(2)
    const fc = JSON.parse(new TextDecoder().decode(exported))
    const i = fc.features.findIndex((f: { properties: { code: string } }) => f.properties.code === target.code)
    const kept = fc.features[i]
    fc.features.splice(i, 1,
      { ...kept, geometry: pieces[0] },
      { type: 'Feature', geometry: pieces[1], properties: { ...kept.properties, id: null, code: NEW_CODE, name: `${kept.properties.name} 东` } })
    const split = await preview(commander, new TextEncoder().encode(JSON.stringify(fc)), { mapping: EXPORT_MAPPING })
    expect(split.status, JSON.stringify(split.body)).toBe(200)
    expect(blockingKinds(split.body)).toEqual([])
    expect(split.body.summary).toMatchObject({ committable: true, insert: 1, update: micro.length, remove: [] })

    const done = await commit(commander, split.body.previewId)
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body.inserted).toEqual([{ id: expect.any(Number), code: NEW_CODE, name: `${kept.properties.name} 东` }])
    expect(done.body.updated).toHaveLength(micro.length)
    expect(done.body.removed).toEqual([])
    const added = done.body.inserted[0].id as number
    const stored = (await t.db.pool.query(`select parent_id, level, path, street_id from areas where id = $1`, [added])).rows[0]
    const gridRow = (await t.db.pool.query(`select path, street_id from areas where id = $1`, [grid])).rows[0]
    expect(stored).toEqual({ parent_id: grid, level: 'micro_grid', path: [...gridRow.path, added], street_id: gridRow.street_id })

    // Every incident and building that was in the target lies now in the piece holding its point.
    const east = await t.db.pool.query(
      `select i.id, i.micro_grid_id, ST_Intersects(a.geom, i.geom) as west from incidents i, areas a
       where a.id = $2 and i.id = any($1::bigint[]) order by i.id`,
      [before.links.incidents.filter((r) => r.micro_grid_id === target.id).map((r) => r.id), target.id],
    )
    const moved = east.rows.filter((r) => !r.west)
    expect(moved.length).toBeGreaterThan(0)
    expect(east.rows.length - moved.length).toBeGreaterThan(0)
    for (const r of east.rows) expect(r.micro_grid_id, `incident ${r.id}`).toBe(r.west ? target.id : added)
    // Their history rows follow them.
    const history = await t.db.pool.query(`select e.micro_grid_id from incident_events e where e.incident_id = any($1::bigint[])`, [moved.map((r) => r.id)])
    expect(history.rows.length).toBeGreaterThan(0)
    expect(new Set(history.rows.map((r) => r.micro_grid_id))).toEqual(new Set([added]))
    const buildings = await t.db.pool.query(
      `select b.micro_grid_id, ST_Intersects(a.geom, ST_PointOnSurface(b.geom)) as west from buildings b, areas a
       where a.id = $2 and b.id = any($1::int[])`,
      [before.links.buildings.filter((r) => r.micro_grid_id === target.id).map((r) => r.id), target.id],
    )
    expect(buildings.rows.some((r) => !r.west)).toBe(true)
    for (const r of buildings.rows) expect(r.micro_grid_id).toBe(r.west ? target.id : added)
    // Nothing else of the grid moved; patrol tasks of the grid are untouched.
    const after = await links()
    const movedIds = new Set(moved.map((r) => r.id))
    expect(after.incidents.filter((r) => !movedIds.has(r.id))).toEqual(before.links.incidents.filter((r) => !movedIds.has(r.id)))
    expect(after.tasks).toEqual(before.links.tasks)

    const audit = await t.db.pool.query(`select username, detail from audit_log where target = 'area_import' and detail->>'preview' = $1`, [split.body.previewId])
    expect(audit.rows).toEqual([{ username: 'commander', detail: expect.objectContaining({ parent: grid, level: 'micro_grid', inserted: 1, updated: micro.length, removed: [] }) }])
    const inserts = await t.db.pool.query(`select 1 from audit_log where target = 'areas' and action = 'insert' and $1::bigint = any(ids)`, [added])
    expect(inserts.rows.length).toBe(1)
    expect((await admin.json(`/api/areas/${grid}/coverage`)).body.features).toEqual([])

    // The preview made before the split no longer matches the grid.
    const stale = await commit(commander, early.body.previewId)
    expect(stale.status).toBe(409)
    expect(stale.body.error).toBe('stale_preview')
  })

  it('merges back: the inserted micro-grid is removed, what pointed at it moves, and the grid is as before', async () => {
    const added = (await t.db.pool.query(`select id from areas where code = $1`, [NEW_CODE])).rows[0]?.id as number
    expect(added).toBeGreaterThan(0)
    await t.db.pool.query(`insert into person_areas (person_id, area_id) values ($1, $2)`, [testPerson, added])
    await t.db.pool.query(`insert into user_areas (user_id, area_id) values ($1, $2)`, [testUser, added])
    const onAdded = (await t.db.pool.query(`select id from incidents where micro_grid_id = $1 order by id`, [added])).rows.map((r) => r.id)
    expect(onAdded.length).toBeGreaterThan(0)

    const merge = await preview(commander, exported, { mapping: EXPORT_MAPPING })
    expect(merge.status, JSON.stringify(merge.body)).toBe(200)
    expect(merge.body.summary).toMatchObject({ committable: true, insert: 0, update: micro.length, remove: [{ id: added, code: NEW_CODE }] })
    const done = await commit(commander, merge.body.previewId)
    expect(done.status, JSON.stringify(done.body)).toBe(200)
    expect(done.body.removed).toEqual([{ id: added, code: NEW_CODE, name: expect.any(String) }])
    expect(done.body.inserted).toEqual([])
    expect(done.body.relocated).toMatchObject({ people_links: 1, user_links: 1 })
    expect((await t.db.pool.query(`select 1 from areas where id = $1`, [added])).rows).toEqual([])

    // The removed area's incidents, their history and its links are the target's again.
    expect((await t.db.pool.query(`select distinct micro_grid_id from incidents where id = any($1::bigint[])`, [onAdded])).rows).toEqual([{ micro_grid_id: target.id }])
    expect((await t.db.pool.query(`select distinct micro_grid_id from incident_events where incident_id = any($1::bigint[])`, [onAdded])).rows).toEqual([{ micro_grid_id: target.id }])
    expect((await t.db.pool.query(`select area_id from person_areas where person_id = $1`, [testPerson])).rows).toEqual([{ area_id: target.id }])
    expect((await t.db.pool.query(`select area_id from user_areas where user_id = $1`, [testUser])).rows).toEqual([{ area_id: target.id }])
    const audit = await t.db.pool.query(`select detail from audit_log where target = 'area_import' and detail->>'preview' = $1`, [merge.body.previewId])
    expect(audit.rows).toEqual([{ detail: expect.objectContaining({ removed: [added], inserted: 0 }) }])
    expect((await t.db.pool.query(`select 1 from audit_log where target = 'areas' and action = 'delete' and $1::bigint = any(ids)`, [added])).rows.length).toBe(1)

    // Exactly as before the split.
    await t.db.pool.query(`delete from person_areas where person_id = $1`, [testPerson])
    // Ids, codes and shapes byte for byte (the exported GeoJSON carries every double exactly).
    expect(await snapshot()).toEqual(originalAreas)
    expect(await links()).toEqual(original)
    expect((await admin.json(`/api/areas/${grid}/coverage`)).body.features).toEqual([])
  })

  it('answers 410 for an expired preview and commits nothing', async () => {
    const before = await snapshot()
    const p = await preview(commander, gridGeoJson())
    expect(p.status).toBe(200)
    await t.db.pool.query(`update area_import_previews set expires_at = now() - interval '1 second' where id = $1`, [p.body.previewId])
    const res = await commit(commander, p.body.previewId)
    expect(res.status).toBe(410)
    expect(res.body.error).toBe('preview_expired')
    expect(await snapshot()).toEqual(before)
  })
})
