/**
 * Write the demo district as GeoJSON:
 *
 *   npx tsx geo-data/generate/cli.ts --scale small --out geo-data/small [--seed 20261123] [--end 2026-11-23T00:00:00Z]
 *
 * Files: areas.geojson, buildings.geojson, roads.geojson, stations.geojson; a counts summary on stdout.
 * Only the `small` output is meant to be committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_SEED, defaultEnd, generateDistrictDetailed } from './index.ts'
import type { Scale } from './types.ts'

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(`--${name}`)
  if (k >= 0) return process.argv[k + 1]
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`))
  return eq?.slice(name.length + 3)
}

const scale = (arg('scale') ?? 'small') as Scale
if (!['small', 'district', 'large'].includes(scale)) {
  console.error(`unknown --scale ${scale} (small | district | large)`)
  process.exit(2)
}
const out = arg('out') ?? join('geo-data', scale)
const seed = arg('seed') ? Number(arg('seed')) : DEFAULT_SEED
const end = arg('end') ? new Date(arg('end')!) : defaultEnd()
if (Number.isNaN(end.getTime())) {
  console.error('invalid --end')
  process.exit(2)
}

const t0 = performance.now()
const r = generateDistrictDetailed({ scale, seed, end })
const genMs = Math.round(performance.now() - t0)
const d = r.district

type Feature = { type: 'Feature'; id: number; properties: Record<string, unknown>; geometry: unknown }
const write = (file: string, features: Feature[]) => {
  const lines = features.map((f) => JSON.stringify(f))
  writeFileSync(
    join(out, file),
    `{"type":"FeatureCollection","name":"${file.replace('.geojson', '')}","features":[\n${lines.join(',\n')}\n]}\n`,
  )
}

mkdirSync(out, { recursive: true })
write(
  'areas.geojson',
  d.areas.map((a) => ({
    type: 'Feature',
    id: a.id,
    properties: {
      id: a.id,
      parentId: a.parentId,
      level: a.level,
      code: a.code,
      name: a.name,
      households: r.areaHouseholds.get(a.id)?.households ?? 0,
      population: r.areaHouseholds.get(a.id)?.population ?? 0,
    },
    geometry: { type: 'Polygon', coordinates: [a.ring] },
  })),
)
write(
  'buildings.geojson',
  d.buildings.map((b, k) => ({
    type: 'Feature',
    id: b.id,
    properties: {
      id: b.id,
      compound: b.compound,
      name: b.name,
      floors: b.floors,
      households: b.households,
      population: b.population,
      microGridId: r.buildingMicroGridId[k],
    },
    geometry: { type: 'Polygon', coordinates: [b.ring] },
  })),
)
write(
  'roads.geojson',
  d.roads.map((rd) => ({
    type: 'Feature',
    id: rd.id,
    properties: { id: rd.id, kind: rd.kind, name: rd.name },
    geometry: { type: 'LineString', coordinates: rd.line },
  })),
)
write(
  'stations.geojson',
  d.stations.map((s) => ({
    type: 'Feature',
    id: s.id,
    properties: { id: s.id, type: s.type, name: s.name, serviceRadiusM: s.serviceRadiusM, openedOn: s.openedOn },
    geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
  })),
)

const levels: Record<string, number> = {}
for (const a of d.areas) levels[a.level] = (levels[a.level] ?? 0) + 1
const summary = {
  scale,
  seed: d.seed,
  end: end.toISOString(),
  generateMs: genMs,
  areas: levels,
  households: r.areaHouseholds.get(1)?.households,
  population: r.areaHouseholds.get(1)?.population,
  buildings: d.buildings.length,
  roads: d.roads.length,
  people: d.people.length,
  stations: d.stations.length,
  incidents: d.incidents.length,
  patrolTasks: d.patrolTasks.length,
  trackPoints: d.tracks.length,
  out,
}
console.log(JSON.stringify(summary, null, 2))
