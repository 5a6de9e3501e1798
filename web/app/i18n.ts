import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'

/** UI strings. zh-CN is the default; keys are the English code names used by the API. */
const zhCN = {
  app: { title: '网格脉搏', subtitle: '网格化治理地图', language: '语言', loading: '加载中…', error: '加载失败' },
  level: { district: '区', street: '街道', community: '社区', grid: '网格', micro_grid: '微网格' },
  incidentType: {
    high_altitude_throwing: '高空抛物', parking_dispute: '停车纠纷', water_leak: '房屋漏水',
    property_dispute: '物业纠纷', hallway_clutter: '楼道堆物', public_space_occupation: '占用公区/住改商',
    neighbour_dispute: '邻里纠纷', telecom_fraud: '电信网络诈骗', ebike_charging: '电动车充电隐患',
    sanitation: '环境卫生', noise: '噪音',
  },
  stationType: {
    psych_legal: '心法驿站', self_governance: '小区居民自治服务站', police_post: '警务站',
    party_service_center: '党群服务中心', social_psych_room: '社会心理服务室', mediation_room: '调解室',
  },
  stationGlyph: {
    psych_legal: '心', self_governance: '自', police_post: '警',
    party_service_center: '党', social_psych_room: '社', mediation_room: '调',
  },
  login: {
    username: '用户名', password: '密码', submit: '登录', logout: '退出', wrong: '用户名或密码错误',
    limited: '尝试次数过多：{{message}}',
  },
  admin: {
    open: '管理', backToMap: '返回地图', users: '账号', audit: '审计日志', areaIds: '区域编号（逗号分隔）', create: '新建账号',
    role: '角色', lastLogin: '最近登录', status: '状态', active: '启用', disabled: '已停用', anyAction: '全部操作',
    target: '对象', from: '自', to: '至', when: '时间', client: '来源地址', actionLabel: '操作', rows: '行数', newer: '较新', older: '较早',
    action: { read: '查看', insert: '新增', update: '修改', delete: '删除', login: '登录', login_failed: '登录失败', logout: '退出', admin: '账号管理' },
  },
  commander: {
    open: '指挥视图', level: '层级', allTypes: '全部类型', slider: '时间轴', wholePeriod: '整个时段', previousShort: '上期',
    vsPrevious: '近{{n}}天，与之前同长时段相比', low: '少', high: '多', cells: '{{n}} 个格元（{{size}} 米）', cluster: '聚类',
    clustersHint: 'DBSCAN 聚类（100 米，至少 5 起）：{{n}} 个', fdr: '错误发现率校正',
    mode: { title: '地图', heatmap: '热力图', hex: '蜂窝', choropleth: '分级设色', hotspots: '热点 Gi*', clusters: '聚类' },
    metric: { count: '事件数', rate: '每千户事件数', change: '环比变化' },
    weights: { contiguity: '邻接权重', distance: '距离带权重' },
    step: { day: '日', week: '周' },
    kpi: { new: '新增', open: '未结', overdue: '超期', closed: '结案', median_close_hours: '结案时长中位数（小时）', previous: '上期 {{n}}', noChange: '上期无数据' },
    hotspot: { class: '类别', hot99: '热点 99%', hot95: '热点 95%', hot90: '热点 90%', none: '不显著', cold90: '冷点 90%', cold95: '冷点 95%', cold99: '冷点 99%' },
    charts: { trend: '每周趋势', hourWeekday: '星期 × 小时', types: '事件类型', topAreas: '事件最多的下级区域' },
  },
  role: { admin: '管理员', commander: '指挥员', grid_leader: '网格长', grid_member: '网格员', micro_grid_leader: '微网格长', planner: '规划员' },
  layers: {
    title: '图层', areas: '区划下钻', grids: '网格', microGrids: '微网格（放大后）', stations: '站点',
    incidents: '事件', roads: '道路', buildings: '楼栋（放大后）', labels: '名称标注',
    period: '时段', days: '近{{n}}天', incidentTypes: '事件类型', all: '全选', none: '全不选',
    shown: '显示 {{n}} 个事件', aggregatesOnly: '规划员仅可查看事件统计（区域面板），不显示单个事件。',
  },
  legend: { title: '图例', levels: '区划层级', stations: '站点类型', incidents: '事件类型' },
  panel: {
    code: '编码', households: '户数', population: '人口', workers: '网格工作人员', noWorkers: '暂无',
    incidents: '事件', total: '总数', open: '未结', last30d: '近30天', byType: '按类型',
    children: '下级区划', back: '返回上级', close: '关闭', fit: '缩放至此',
  },
  tooltip: { households: '户数', population: '人口', serviceRadius: '服务半径 {{m}} 米', opened: '开设于' },
  settings: {
    title: '底图设置', basemapUrl: '底图地址', basemapHint: '留空＝离线底图（本系统数据）。以 .json 结尾＝MapLibre 样式；含 {z}/{x}/{y}＝栅格瓦片（OSM、天地图 vec_w 需 tk 密钥）。',
    gcj02: 'GCJ-02 瓦片', gcj02Note: '高德/腾讯等 GCJ-02 瓦片与本系统 WGS84 数据存在数百米偏移，坐标转换尚未启用。',
    apply: '应用', reset: '恢复默认', offline: '离线底图', open: '底图',
  },
}

const en: typeof zhCN = {
  app: { title: 'GridPulse', subtitle: 'Grid governance map', language: 'Language', loading: 'Loading…', error: 'Failed to load' },
  level: { district: 'District', street: 'Street', community: 'Community', grid: 'Grid', micro_grid: 'Micro-grid' },
  incidentType: {
    high_altitude_throwing: 'High-altitude throwing', parking_dispute: 'Parking dispute', water_leak: 'Water leak',
    property_dispute: 'Property dispute', hallway_clutter: 'Hallway clutter', public_space_occupation: 'Public space occupation',
    neighbour_dispute: 'Neighbour dispute', telecom_fraud: 'Telecom fraud', ebike_charging: 'E-bike charging hazard',
    sanitation: 'Sanitation', noise: 'Noise',
  },
  stationType: {
    psych_legal: 'Psych-legal station', self_governance: 'Self-governance station', police_post: 'Police post',
    party_service_center: 'Party-mass service centre', social_psych_room: 'Social psychology room', mediation_room: 'Mediation room',
  },
  stationGlyph: {
    psych_legal: 'L', self_governance: 'S', police_post: 'P',
    party_service_center: 'C', social_psych_room: 'Y', mediation_room: 'M',
  },
  login: {
    username: 'Username', password: 'Password', submit: 'Sign in', logout: 'Sign out', wrong: 'Wrong username or password',
    limited: 'Too many attempts: {{message}}',
  },
  admin: {
    open: 'Admin', backToMap: 'Back to map', users: 'Accounts', audit: 'Audit log', areaIds: 'Area ids (comma-separated)', create: 'Create account',
    role: 'Role', lastLogin: 'Last sign-in', status: 'Status', active: 'Active', disabled: 'Disabled', anyAction: 'Any action',
    target: 'Target', from: 'From', to: 'To', when: 'When', client: 'Client address', actionLabel: 'Action', rows: 'Rows', newer: 'Newer', older: 'Older',
    action: { read: 'Read', insert: 'Insert', update: 'Update', delete: 'Delete', login: 'Sign-in', login_failed: 'Failed sign-in', logout: 'Sign-out', admin: 'Account change' },
  },
  commander: {
    open: 'Commander view', level: 'Level', allTypes: 'All types', slider: 'Time slider', wholePeriod: 'Whole period', previousShort: 'before',
    vsPrevious: 'Last {{n}} days, against the equal period before', low: 'few', high: 'many', cells: '{{n}} cells ({{size}} m)', cluster: 'Cluster',
    clustersHint: 'DBSCAN clusters (100 m, at least 5 incidents): {{n}}', fdr: 'False-discovery-rate correction',
    mode: { title: 'Map', heatmap: 'Heatmap', hex: 'Hex bins', choropleth: 'Choropleth', hotspots: 'Hot spots Gi*', clusters: 'Clusters' },
    metric: { count: 'Incidents', rate: 'Per 1,000 households', change: 'Change' },
    weights: { contiguity: 'Contiguity weights', distance: 'Distance-band weights' },
    step: { day: 'day', week: 'week' },
    kpi: { new: 'New', open: 'Open', overdue: 'Overdue', closed: 'Closed', median_close_hours: 'Median hours to close', previous: 'Before: {{n}}', noChange: 'no earlier data' },
    hotspot: { class: 'Class', hot99: 'Hot spot 99%', hot95: 'Hot spot 95%', hot90: 'Hot spot 90%', none: 'Not significant', cold90: 'Cold spot 90%', cold95: 'Cold spot 95%', cold99: 'Cold spot 99%' },
    charts: { trend: 'Weekly trend', hourWeekday: 'Weekday × hour', types: 'Incident types', topAreas: 'Sub-areas with most incidents' },
  },
  role: { admin: 'Admin', commander: 'Commander', grid_leader: 'Grid leader', grid_member: 'Grid member', micro_grid_leader: 'Micro-grid leader', planner: 'Planner' },
  layers: {
    title: 'Layers', areas: 'Drill-down areas', grids: 'Grids', microGrids: 'Micro-grids (zoomed in)', stations: 'Stations',
    incidents: 'Incidents', roads: 'Roads', buildings: 'Buildings (zoomed in)', labels: 'Labels',
    period: 'Period', days: 'Last {{n}} days', incidentTypes: 'Incident types', all: 'All', none: 'None',
    shown: '{{n}} incidents shown', aggregatesOnly: 'Planners see incident statistics (area panel), not individual incidents.',
  },
  legend: { title: 'Legend', levels: 'Area levels', stations: 'Station types', incidents: 'Incident types' },
  panel: {
    code: 'Code', households: 'Households', population: 'Population', workers: 'Grid workers', noWorkers: 'None',
    incidents: 'Incidents', total: 'Total', open: 'Open', last30d: 'Last 30 days', byType: 'By type',
    children: 'Sub-areas', back: 'Up one level', close: 'Close', fit: 'Zoom to',
  },
  tooltip: { households: 'Households', population: 'Population', serviceRadius: 'Service radius {{m}} m', opened: 'Opened' },
  settings: {
    title: 'Basemap', basemapUrl: 'Basemap URL', basemapHint: 'Empty = offline basemap (our own data). Ending in .json = MapLibre style; containing {z}/{x}/{y} = raster tiles (OSM, Tianditu vec_w with a tk key).',
    gcj02: 'GCJ-02 tiles', gcj02Note: 'Amap/Tencent GCJ-02 tiles are offset by a few hundred metres from our WGS84 data; conversion is not enabled yet.',
    apply: 'Apply', reset: 'Reset', offline: 'Offline basemap', open: 'Basemap',
  },
}

export const LANGUAGES = ['zh-CN', 'en'] as const
export type Language = (typeof LANGUAGES)[number]
const LANG_KEY = 'gridpulse.lang'

function initialLanguage(): Language {
  const saved = typeof localStorage === 'undefined' ? null : localStorage.getItem(LANG_KEY)
  return saved === 'en' ? 'en' : 'zh-CN'
}

void i18next.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: initialLanguage(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  // Resources are bundled: initialise synchronously so the first render never suspends (a
  // suspended first render remounted the app and sent every first request twice).
  initAsync: false,
  react: { useSuspense: false },
})

/** Switches the UI language and remembers it. */
export function setLanguage(lang: Language): void {
  localStorage.setItem(LANG_KEY, lang)
  document.documentElement.lang = lang
  void i18next.changeLanguage(lang)
}

export default i18next
