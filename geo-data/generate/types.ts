/** Shapes the demo-district generator produces; db/seed.ts loads them into PostGIS. */

export type Scale = 'small' | 'district' | 'large'

export type AreaLevel = 'district' | 'street' | 'community' | 'grid' | 'micro_grid'
export const AREA_LEVELS: AreaLevel[] = ['district', 'street', 'community', 'grid', 'micro_grid']

/** A [lon, lat] pair in WGS84 (EPSG:4326). */
export type LonLat = [number, number]

export interface DemoArea {
  id: number
  parentId: number | null
  level: AreaLevel
  /** Hierarchical code, e.g. 510112-003-012-04-07. */
  code: string
  name: string
  /** Closed exterior ring (first point == last), counter-clockwise, no holes. */
  ring: LonLat[]
}

export interface DemoBuilding {
  id: number
  /** Compound (小区) name the building belongs to. */
  compound: string
  name: string
  /** Closed footprint ring, strictly inside one micro-grid. */
  ring: LonLat[]
  floors: number
  households: number
  population: number
}

export const PERSON_ROLES = ['commander', 'grid_leader', 'grid_member', 'micro_grid_leader', 'planner'] as const
export type PersonRole = (typeof PERSON_ROLES)[number]

export interface DemoPerson {
  id: number
  name: string
  role: PersonRole
  phone: string
  /** Areas the person is responsible for (street for commanders, grid, micro-grid ...). */
  areaIds: number[]
}

export const STATION_TYPES = [
  'psych_legal', // 心法驿站
  'self_governance', // 小区居民自治服务站
  'police_post', // 警务站
  'party_service_center', // 党群服务中心
  'social_psych_room', // 社会心理服务室
  'mediation_room', // 调解室
] as const
export type StationType = (typeof STATION_TYPES)[number]

export interface DemoStation {
  id: number
  type: StationType
  name: string
  lon: number
  lat: number
  /** Service radius in metres. */
  serviceRadiusM: number
  openedOn: string // YYYY-MM-DD
}

export const INCIDENT_TYPES = [
  'high_altitude_throwing', // 高空抛物
  'parking_dispute', // 停车纠纷
  'water_leak', // 房屋漏水
  'property_dispute', // 物业纠纷
  'hallway_clutter', // 楼道堆物
  'public_space_occupation', // 占用公区/住改商
  'neighbour_dispute', // 邻里纠纷
  'telecom_fraud', // 电信网络诈骗
  'ebike_charging', // 电动车充电隐患
  'sanitation', // 环境卫生
  'noise', // 噪音
] as const
export type IncidentType = (typeof INCIDENT_TYPES)[number]

export const INCIDENT_STATUSES = ['reported', 'accepted', 'dispatched', 'handled', 'verified', 'closed', 'returned'] as const
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]

export const INCIDENT_SOURCES = ['resident_app', 'hotline_12345', 'patrol', 'camera', 'walk_in'] as const
export type IncidentSource = (typeof INCIDENT_SOURCES)[number]

export interface DemoIncident {
  id: number
  type: IncidentType
  status: IncidentStatus
  source: IncidentSource
  lon: number
  lat: number
  /** UTC ISO-8601 timestamps. */
  reportedAt: string
  closedAt: string | null
  description: string
}

export interface DemoPatrolTask {
  id: number
  /** The grid patrolled. */
  gridId: number
  personId: number
  /** Local (Asia/Shanghai) date YYYY-MM-DD. */
  day: string
  shift: 'day' | 'evening'
  status: 'planned' | 'in_progress' | 'done' | 'missed'
  checkpoints: LonLat[]
}

/** Track points in columnar arrays to keep 10M points cheap in memory. */
export interface DemoTracks {
  personId: Int32Array
  /** Milliseconds since epoch, UTC. */
  t: Float64Array
  lon: Float64Array
  lat: Float64Array
  accuracy: Float32Array
  length: number
}

export interface DemoRoad {
  id: number
  /** 'primary' on street/community borders, 'secondary' on grid borders, 'residential' inside grids. */
  kind: 'primary' | 'secondary' | 'residential'
  name: string
  line: LonLat[]
}

export interface DemoDistrict {
  seed: number
  scale: Scale
  areas: DemoArea[]
  buildings: DemoBuilding[]
  roads: DemoRoad[]
  people: DemoPerson[]
  stations: DemoStation[]
  incidents: DemoIncident[]
  patrolTasks: DemoPatrolTask[]
  tracks: DemoTracks
}

export interface GenerateOptions {
  scale: Scale
  seed?: number
  /** Incidents cover the 12 months before this instant; tracks the last days before it. */
  end?: Date
}
