/**
 * Incidents (事件) over the 365 days before `end`, with realistic structure:
 * spatial hotspots (~2% of cells at 5-15x, softer halo on neighbours, some badly managed compounds),
 * emerging hotspots in the last 60 days, type-specific hour-of-day / weekday / season profiles in
 * local time (Asia/Shanghai, UTC+8), a slight upward trend, and a workflow status consistent with
 * each incident's age.
 */
import type { DemoIncident, IncidentSource, IncidentStatus, IncidentType } from './types.ts'
import { INCIDENT_SOURCES, INCIDENT_TYPES } from './types.ts'
import { buildCdf, Rng, sampleCdf } from './rng.ts'
import { cellUvToXY, type Mesh, toLonLat } from './mesh.ts'
import type { BuildingLayer } from './buildings.ts'

const HOUR = 3_600_000
const DAY = 86_400_000
const LOCAL_OFFSET = 8 * HOUR

interface TypeProfile {
  weight: number
  hours: number[]
  weekend: number
  season: number[]
  sources: number[] // resident_app, hotline_12345, patrol, camera, walk_in
  closeMedianH: number
  templates: string[]
}

const BASE_HOURS = [0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.8, 1.1, 1.3, 1.3, 1.2, 1.0, 1.0, 1.2, 1.2, 1.2, 1.2, 1.3, 1.3, 1.2, 1.0, 0.7, 0.45]
const OFFICE_HOURS = [0.08, 0.04, 0.03, 0.03, 0.03, 0.06, 0.25, 0.7, 1.5, 2.0, 2.0, 1.7, 1.1, 1.3, 1.8, 1.8, 1.7, 1.4, 1.0, 0.8, 0.6, 0.4, 0.2, 0.12]
const FLAT = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

export const PROFILES: Record<IncidentType, TypeProfile> = {
  high_altitude_throwing: {
    weight: 0.045,
    hours: [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.1, 1.2, 1.3, 1.4, 1.2, 1.1, 1.1, 1.2, 1.3, 1.5, 1.6, 1.5, 1.2, 0.8, 0.4],
    weekend: 1.2,
    season: [0.9, 0.9, 0.95, 1, 1.05, 1.15, 1.2, 1.2, 1.05, 1, 0.95, 0.9],
    sources: [30, 20, 10, 35, 5],
    closeMedianH: 48,
    templates: ['{c}{b}有人从高层抛下垃圾袋，险些砸中行人', '居民反映{c}{b}楼上抛下烟头和果皮', '{c}{b}楼下停放车辆被高空坠物砸伤', '{c}{b}监控拍到高空抛物行为'],
  },
  parking_dispute: {
    weight: 0.15,
    hours: [0.2, 0.1, 0.06, 0.05, 0.05, 0.1, 0.4, 1.4, 1.6, 0.9, 0.7, 0.7, 0.8, 0.7, 0.7, 0.8, 0.9, 1.3, 2.6, 3.2, 3.4, 3.0, 1.6, 0.6],
    weekend: 1.25,
    season: [1.2, 1.25, 1, 1, 1, 0.95, 0.95, 0.95, 1, 1.1, 1, 1.05],
    sources: [40, 25, 15, 15, 5],
    closeMedianH: 6,
    templates: ['{c}{b}楼下车辆占用消防通道引发纠纷', '{c}门口车位被长期占用，业主发生争执', '{c}{b}旁私装地锁，邻居停车起冲突', '{c}{b}附近夜间车辆乱停堵塞出入口'],
  },
  water_leak: {
    weight: 0.08,
    hours: BASE_HOURS,
    weekend: 1.1,
    season: [0.8, 0.8, 0.9, 1, 1.1, 1.4, 1.6, 1.5, 1.3, 1, 0.85, 0.8],
    sources: [50, 30, 8, 0, 12],
    closeMedianH: 60,
    templates: ['{c}{b}楼上卫生间漏水渗至楼下', '{c}{b}外墙渗水，住户要求维修', '{c}{b}楼顶防水层破损，雨后漏水', '{c}{b}水管爆裂，楼道积水'],
  },
  property_dispute: {
    weight: 0.09,
    hours: OFFICE_HOURS,
    weekend: 0.65,
    season: [1.15, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.1],
    sources: [40, 35, 5, 0, 20],
    closeMedianH: 72,
    templates: ['{c}业主对物业费上涨有异议', '{c}{b}电梯长期故障，业主与物业矛盾', '{c}物业服务不到位，居民集体投诉', '{c}停车管理费收取引发物业纠纷'],
  },
  hallway_clutter: {
    weight: 0.1,
    hours: [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 1.0, 1.6, 1.9, 1.8, 1.5, 1.0, 1.1, 1.5, 1.6, 1.5, 1.2, 0.9, 0.7, 0.5, 0.35, 0.2, 0.12],
    weekend: 0.9,
    season: [1.2, 1.3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.1],
    sources: [20, 10, 60, 5, 5],
    closeMedianH: 24,
    templates: ['{c}{b}楼道堆放杂物阻塞通道', '{c}{b}消防通道堆放纸箱旧家具', '{c}{b}楼梯间长期堆放废品'],
  },
  public_space_occupation: {
    weight: 0.06,
    hours: BASE_HOURS,
    weekend: 1.1,
    season: [0.9, 0.9, 1, 1.05, 1.1, 1.15, 1.15, 1.1, 1.05, 1, 0.9, 0.9],
    sources: [25, 20, 45, 8, 2],
    closeMedianH: 72,
    templates: ['{c}{b}底层住宅改为商铺经营', '{c}{b}住户占用公共绿地种菜', '{c}{b}一楼住户私自圈占公共区域', '{c}门口占道经营影响通行'],
  },
  neighbour_dispute: {
    weight: 0.09,
    hours: [0.5, 0.3, 0.15, 0.1, 0.1, 0.15, 0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 1.1, 1.4, 1.7, 1.8, 1.6, 1.2, 0.8],
    weekend: 1.3,
    season: [1.15, 1.2, 1, 1, 1, 1.05, 1.1, 1.1, 1, 1, 1, 1],
    sources: [35, 25, 10, 0, 30],
    closeMedianH: 36,
    templates: ['{c}{b}邻里因装修问题发生争执', '{c}{b}上下楼邻居因噪音、漏水起纠纷', '{c}{b}邻居因宠物问题产生矛盾', '{c}{b}邻里因公共区域使用发生口角'],
  },
  telecom_fraud: {
    weight: 0.035,
    hours: OFFICE_HOURS,
    weekend: 0.6,
    season: FLAT,
    sources: [15, 45, 5, 0, 35],
    closeMedianH: 48,
    templates: ['{c}{b}居民接到冒充客服诈骗电话', '{c}{b}老人疑似遭遇刷单返利诈骗', '{c}居民反映收到冒充公检法短信', '{c}{b}住户网购退款被骗，需反诈劝阻'],
  },
  ebike_charging: {
    weight: 0.08,
    hours: [0.8, 0.6, 0.4, 0.3, 0.2, 0.2, 0.3, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.8, 1.0, 1.5, 2.2, 2.6, 2.5, 2.0, 1.3],
    weekend: 1.05,
    season: [1.7, 1.6, 1.2, 0.9, 0.8, 0.9, 1, 1, 0.85, 0.9, 1.2, 1.6],
    sources: [30, 15, 35, 15, 5],
    closeMedianH: 12,
    templates: ['{c}{b}楼道内电动车飞线充电', '{c}{b}住户将电动车推入电梯上楼充电', '{c}{b}一楼私拉电线为电动车充电', '{c}{b}附近充电桩不足，夜间飞线充电'],
  },
  sanitation: {
    weight: 0.13,
    hours: [0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.9, 1.6, 1.9, 1.8, 1.6, 1.3, 1.0, 1.0, 1.1, 1.1, 1.0, 0.9, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2],
    weekend: 1.15,
    season: [0.7, 0.75, 0.85, 1.0, 1.2, 1.6, 1.8, 1.8, 1.4, 1.0, 0.8, 0.7],
    sources: [30, 20, 35, 10, 5],
    closeMedianH: 16,
    templates: ['{c}{b}垃圾桶满溢未及时清运', '{c}{b}附近积水发臭，蚊虫滋生', '{c}{b}周边绿化带垃圾堆积', '{c}垃圾分类投放点卫生较差'],
  },
  noise: {
    weight: 0.14,
    hours: [1.8, 1.2, 0.6, 0.3, 0.2, 0.2, 0.4, 0.7, 0.8, 0.8, 0.8, 0.8, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.3, 1.7, 2.3, 2.8, 2.6],
    weekend: 1.45,
    season: [0.9, 1.05, 1, 1, 1.1, 1.2, 1.25, 1.25, 1.1, 1, 0.9, 0.85],
    sources: [45, 45, 5, 0, 5],
    closeMedianH: 4,
    templates: ['{c}{b}夜间装修噪音扰民', '{c}{b}楼下广场舞音响声音过大', '{c}{b}住户深夜聚会喧哗', '{c}{b}附近施工夜间作业噪音'],
  },
}

export interface Hotspots {
  /** Per cell intensity multiplier (1 = ordinary). */
  cellMult: Float64Array
  /** Hotspot centre cells. */
  centres: number[]
  /** Emerging hotspots (active in the last 60 days) and their dominant type. */
  emerging: { cell: number; type: number }[]
}

export function buildHotspots(W: number, H: number, seed: number): Hotspots {
  const rng = Rng.derive(seed, 'hotspots')
  const n = W * H
  const cellMult = new Float64Array(n).fill(1)
  const centres: number[] = []
  const k = Math.max(3, Math.round(n * 0.02))
  const seen = new Set<number>()
  while (centres.length < k) {
    const c = rng.int(0, n - 1)
    if (seen.has(c)) continue
    seen.add(c)
    centres.push(c)
  }
  for (const c of centres) {
    const m = rng.range(5, 15)
    const ci = c % W
    const cj = (c - ci) / W
    for (let dj = -1; dj <= 1; dj++) {
      for (let di = -1; di <= 1; di++) {
        const i = ci + di
        const j = cj + dj
        if (i < 0 || j < 0 || i >= W || j >= H) continue
        const f = di === 0 && dj === 0 ? m : 1 + (m - 1) * 0.25
        const q = j * W + i
        cellMult[q] = Math.max(cellMult[q], f)
      }
    }
  }
  const emerging: { cell: number; type: number }[] = []
  const ke = Math.max(2, Math.round(n * 0.002))
  while (emerging.length < ke) {
    const c = rng.int(0, n - 1)
    if (seen.has(c)) continue
    seen.add(c)
    emerging.push({ cell: c, type: rng.pick([1, 10, 9, 4, 8]) })
  }
  return { cellMult, centres, emerging }
}

/** Building weight factor by type (kinds: walkup / midrise / tower via floors). */
function typeFactor(type: IncidentType, floors: number, hot: number): number {
  const walkup = floors <= 8
  switch (type) {
    case 'high_altitude_throwing':
      return floors >= 18 ? 0.6 + floors / 33 : 0.03
    case 'ebike_charging':
      return walkup ? 2.2 : floors >= 18 ? 0.6 : 1.2
    case 'parking_dispute':
      return walkup ? 1.6 : 1
    case 'public_space_occupation':
      return walkup ? 1.7 : 0.8
    case 'water_leak':
      return (walkup ? 1.4 : 1) * hot
    case 'hallway_clutter':
      return (walkup ? 1.3 : floors >= 18 ? 1.2 : 1) * hot
    case 'property_dispute':
      return hot * hot
    case 'sanitation':
      return hot
    default:
      return 1
  }
}

export interface IncidentLayer {
  incidents: DemoIncident[]
  /** Per incident: cell index (same order as incidents). */
  cell: Int32Array
}

export function buildIncidents(
  mesh: Mesh,
  bl: BuildingLayer,
  hot: Hotspots,
  total: number,
  end: Date,
  seed: number,
): IncidentLayer {
  const rng = Rng.derive(seed, 'incidents')
  const { W } = mesh
  const endMs = end.getTime()
  const startMs = endMs - 365 * DAY
  const nBins = 365 * 24
  const profiles = INCIDENT_TYPES.map((t) => PROFILES[t])

  // time CDFs per type over hourly bins
  const binLocal = new Int32Array(nBins * 3) // hour, weekday, month in local time
  for (let k = 0; k < nBins; k++) {
    const d = new Date(startMs + k * HOUR + HOUR / 2 + LOCAL_OFFSET)
    binLocal[k * 3] = d.getUTCHours()
    binLocal[k * 3 + 1] = d.getUTCDay()
    binLocal[k * 3 + 2] = d.getUTCMonth()
  }
  const timeCdf = profiles.map((p, ti) => {
    const w = new Float64Array(nBins)
    const isNoise = INCIDENT_TYPES[ti] === 'noise'
    for (let k = 0; k < nBins; k++) {
      const h = binLocal[k * 3]
      const dow = binLocal[k * 3 + 1]
      const weekend = dow === 0 || dow === 6
      let f = p.hours[h] * p.season[binLocal[k * 3 + 2]] * (weekend ? p.weekend : 1)
      // Friday / Saturday nights are the loudest
      if (isNoise && (h >= 21 || h <= 1) && (dow === 5 || dow === 6 || (h <= 1 && (dow === 6 || dow === 0)))) f *= 1.4
      w[k] = f * (0.92 + (0.16 * k) / nBins)
    }
    return buildCdf(w)
  })
  const hourCdf = profiles.map((p) => buildCdf(p.hours))

  // location CDFs per type over buildings
  const nB = bl.buildings.length
  const locCdf = INCIDENT_TYPES.map((type) => {
    const w = new Float64Array(nB)
    for (let b = 0; b < nB; b++) {
      const bd = bl.buildings[b]
      const comp = bl.compounds[bl.compound[b]]
      w[b] = bd.households * hot.cellMult[bl.cell[b]] * typeFactor(type, bd.floors, comp.hot)
    }
    return buildCdf(w)
  })
  const typeCdf = buildCdf(profiles.map((p) => p.weight))
  const sourceCdf = profiles.map((p) => buildCdf(p.sources))
  const templates = profiles.map((p) => p.templates.map((t) => t.split(/(\{c\}|\{b\})/)))

  // draw raw incidents as columns
  const tRel = new Float64Array(total) // ms after startMs
  const type = new Uint8Array(total)
  const bIdx = new Int32Array(total)
  const emergingShare = 0.03
  for (let n = 0; n < total; n++) {
    if (rng.next() < emergingShare) {
      const e = hot.emerging[Math.floor(rng.next() * hot.emerging.length)]
      const ti = rng.chance(0.7) ? e.type : sampleCdf(typeCdf, rng.next())
      const age = 60 * DAY * (1 - Math.sqrt(rng.next()))
      // keep the local calendar day, redraw the hour from the type profile
      const local = endMs - age + LOCAL_OFFSET
      const dayStart = Math.floor(local / DAY) * DAY - LOCAL_OFFSET
      let t = dayStart + sampleCdf(hourCdf[ti], rng.next()) * HOUR + Math.floor(rng.next() * 3600) * 1000
      while (t >= endMs) t -= DAY
      if (t < startMs) t = startMs
      tRel[n] = t - startMs
      type[n] = ti
      const b0 = bl.cellB0[e.cell]
      bIdx[n] = b0 + Math.floor(rng.next() * (bl.cellB1[e.cell] - b0))
    } else {
      const ti = sampleCdf(typeCdf, rng.next())
      const k = sampleCdf(timeCdf[ti], rng.next())
      tRel[n] = k * HOUR + Math.floor(rng.next() * 3600) * 1000
      type[n] = ti
      bIdx[n] = sampleCdf(locCdf[ti], rng.next())
    }
  }
  // chronological order (ids ascend with reportedAt); key = time (s) * 2^21 + index
  const keys = new Float64Array(total)
  for (let n = 0; n < total; n++) keys[n] = Math.floor(tRel[n] / 1000) * 2097152 + n
  keys.sort()

  const incidents: DemoIncident[] = new Array(total)
  const cellOut = new Int32Array(total)
  const xy = new Float64Array(2)
  const stage: IncidentStatus[] = ['reported', 'accepted', 'dispatched', 'handled', 'verified']
  for (let q = 0; q < total; q++) {
    const n = keys[q] % 2097152
    const ti = type[n]
    const p = profiles[ti]
    const b = bIdx[n]
    const cell = bl.cell[b]
    const ci = cell % W
    const cj = (cell - ci) / W
    const su = Math.max(bl.hu[b], 0.05) * 1.3
    const sv = Math.max(bl.hv[b], 0.05) * 1.3
    const u = Math.min(0.97, Math.max(0.03, bl.uc[b] + rng.gauss() * su))
    const v = Math.min(0.97, Math.max(0.03, bl.vc[b] + rng.gauss() * sv))
    cellUvToXY(mesh, ci, cj, u, v, xy)
    const [lon, lat] = toLonLat(xy[0], xy[1])
    const reported = startMs + tRel[n]
    const age = endMs - reported
    // time to close: log-normal around the type's median, 0.5 h .. 25 days
    const durH = Math.min(600, Math.max(0.5, p.closeMedianH * Math.exp(0.9 * rng.gauss())))
    const dur = durH * HOUR
    let status: IncidentStatus
    let closedAt: string | null = null
    const stuck = rng.next() < 0.02 // overdue cases that never closed
    if (reported + dur <= endMs && !stuck) {
      status = 'closed'
      closedAt = new Date(reported + Math.round(dur / 1000) * 1000).toISOString()
    } else {
      const prog = stuck && age > dur ? rng.range(0.4, 0.999) : Math.min(0.999, age / dur)
      status = stage[Math.min(4, Math.floor(prog * 5))]
      if ((status === 'handled' || status === 'verified' || status === 'dispatched') && rng.next() < 0.08) status = 'returned'
    }
    const source = INCIDENT_SOURCES[sampleCdf(sourceCdf[ti], rng.next())] as IncidentSource
    const bd = bl.buildings[b]
    const parts = templates[ti][Math.floor(rng.next() * templates[ti].length)]
    let description = ''
    for (const s of parts) description += s === '{c}' ? bd.compound : s === '{b}' ? bd.name : s
    incidents[q] = {
      id: q + 1,
      type: INCIDENT_TYPES[ti],
      status,
      source,
      lon,
      lat,
      reportedAt: new Date(reported).toISOString(),
      closedAt,
      description,
    }
    cellOut[q] = cell
  }
  return { incidents, cell: cellOut }
}
