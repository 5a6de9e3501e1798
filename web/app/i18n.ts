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
    sanitation: '环境卫生', noise: '噪音扰民',
  },
  stationType: {
    psych_legal: '心法驿站', self_governance: '小区居民自治服务站', police_post: '警务站',
    party_service_center: '党群服务中心', social_psych_room: '社会心理服务室', mediation_room: '调解室',
  },
  stationGlyph: {
    psych_legal: '心', self_governance: '自', police_post: '警',
    party_service_center: '党', social_psych_room: '社', mediation_room: '调',
  },
  stations: {
    title: '站点登记', add: '添加站点', importButton: '导入', addTitle: '新站点', register: '登记', loading: '加载中…',
    clickHint: '点击地图上的站点查看详情（共 {{n}} 个，含已关闭）。', pickHint: '在地图上点击新站点的位置', repick: '再次点击可改位置',
    pickBanner: '在地图上点击新站点的位置（Esc 取消）', movePrompt: '在地图上点击新位置（Esc 取消）',
    moveTo: '移到 {{lon}}, {{lat}}？', confirmMove: '确认移动', edit: '编辑', move: '移动', close: '关闭站点', reopen: '重新开放',
    save: '保存', cancel: '取消', metres: '{{m}} 米', typeDefault: '类型默认',
    state: { open: '运行中', planned: '待开放', closed: '已关闭' },
    field: { type: '类型', name: '名称', radius: '服务半径（米）', openedOn: '开放日期', closedOn: '关闭日期', capacity: '容量', notes: '备注', location: '位置', area: '所在网格' },
    import: {
      title: '导入站点', file: '文件（CSV 或 GeoJSON）',
      formatHint: 'CSV 表头：type,name,lon,lat[,service_radius_m,opened_on,capacity,notes]（也认 类型/名称/经度/纬度）；或 GeoJSON 点要素集合，属性同名。',
      check: '检查（不写入）', commit: '全部导入', index: '序号',
      checked: '{{n}} 条可导入，{{m}} 条被拒', imported: '已导入 {{n}} 个站点', nothing: '有 {{m}} 条被拒，未导入任何站点',
    },
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
    types: '事件类型', typeCode: '代码（英文小写）', nameZh: '中文名', nameEn: '英文名', deadlineHours: '处置时限（小时）', incidents: '事件数',
    addType: '新增类型', typeActive: '受理中', typeRetired: '已停用',
    typesHint: '类型不可删除（历史事件仍引用）；停用后不再接受新上报和导入，历史事件照常可查。修改时限对未结事件立即生效。',
  },
  planner: {
    open: '规划选址', title: '站点选址', area: '研究区域', modelLabel: '模型', stationType: '站点类型', radius: '服务半径（米）',
    k: '新增站点数', target: '目标覆盖率（%）', candidates: '候选点', candidatesBuildings: '楼栋中心（至多 2000）', candidatesLattice: '规则网格（250 米）',
    weight: '需求权重', weightHouseholds: '户数', weightIncidents: '户数 + 事件', exact: '同时求精确最优解（HiGHS，较慢）',
    solve: '求解', solving: '求解中…', coverage: '覆盖率 {{before}} → {{after}}（共 {{households}} 户，{{distance}}）', gap: '与精确最优解差距 {{gap}}（{{status}}）',
    keep: '保存方案', scenarios: '方案对比', scenario: '方案', sites: '新站点', before: '之前', after: '之后', remove: '删除',
    savedBy: '保存人',
    households: '户', metres: '米',
    distance: '距离', distanceName: { straight: '直线距离', road: '路网距离' },
    now: '现状覆盖（{{distance}}）', nowCoverage: '{{stations}} 个站点覆盖 {{share}}（{{covered}} / {{total}} 户）', incidentsInside: '近一年 {{total}} 起事件中 {{share}} 在服务范围内',
    uncovered: '未覆盖楼栋 {{n}} 栋（橙点）；下表为覆盖率最低的下级区域',
    model: { mclp: '最大覆盖', lscp: '集合覆盖', pmedian: 'P 中值' },
    modelHint: {
      mclp: '新增 k 个站点，使服务半径内的户数最多（已有站点保留）。',
      lscp: '用最少的新站点使覆盖率达到目标。',
      pmedian: '新增 k 个站点，使各户到最近站点的户数加权平均距离最小。',
    },
  },
  candidate: {
    kind: { buildings: '楼栋中心（至多 2000）', lattice: '规则网格（250 米）', drawn: '在地图上绘制', imported: '导入文件' },
    drawn: '已绘制 {{n}} 个候选点（点击地图添加，再次点击删除）', clear: '清除',
    importHint: 'GeoJSON 点，或含经度、纬度两列的 CSV（lon,lat / 经度,纬度；无表头时取前两列）；至多 {{max}} 个',
    imported: '{{file}}：{{n}} 个候选点，{{rejected}} 行未采用',
    fileError: { noColumns: '{{file}}：找不到经度、纬度列', badGeoJson: '{{file}}：不是有效的 GeoJSON', empty: '{{file}}：没有数据' },
    row: '第 {{row}} 行', more: '另有 {{n}} 行',
    reason: { notNumber: '经纬度不是数字', outOfRange: '经纬度超出范围（列是否颠倒？）', zero: '坐标为 (0, 0)', notPoint: '不是点要素', tooMany: '超过候选点上限' },
    outsideRows: '（文件第 {{rows}} 行）',
  },
  scenarioCompare: {
    compare: '对比', pickMore: '再勾选一个方案即可并排对比。', model: '模型', radius: '半径', kOrTarget: '站点数 / 目标',
    coveredBefore: '之前覆盖（户）', coveredAfter: '之后覆盖（户）', objective: '目标值',
    opened: '已打开方案：{{name}}（{{by}} 保存）', close: '关闭',
  },
  patrol: {
    open: '巡查', title: '巡查回放', area: '区域', previousDay: '前一天', nextDay: '后一天', today: '今天', none: '这一天没有轨迹。',
    play: '播放', pause: '暂停', speed: '速度',
    summary: '{{people}} 人 · {{tracks}} 段轨迹 · {{points}} 个定位点 · {{from}}–{{to}}',
    outNow: '在岗 {{n}} 人（15 分钟内有定位）', person: '人员', sessions: '段', time: '时段', distance: '里程',
    incidents: '巡查上报事件 {{n}} 起',
    tasks: '巡查任务', noTasks: '这一天没有巡查任务。', points: '分',
    complianceLine: '检查点 {{visited}}/{{total}} · 微网格 {{entered}}/{{grids}} · {{km}} km · {{min}} 分钟',
    scoreParts: '得分构成：检查点 {{checkpoints}}% ×0.5 + 微网格 {{grids}}% ×0.3 + 时长 {{time}}% ×0.2（目标 {{target}} 分钟）',
    nearest: '最近 {{m}} 米', notReached: '无定位', status: { planned: '已计划', in_progress: '进行中', done: '已完成', missed: '未执行' },
    to: { in_progress: '开始', done: '完成', missed: '标记未执行' }, shift: { day: '白班', evening: '晚班' }, shiftLabel: '班次',
    kind: { hotspot: '热点', unvisited_micro_grid: '久未巡查', station: '站点', open_incident: '未结事件', manual: '手动' },
    plan: '规划巡查', planTitle: '{{grid}} · {{day}} 巡查规划', noSuggestions: '没有建议检查点。', order: '排列路线',
    routeLength: '步行 {{km}} km，约 {{min}} 分钟（{{how}}）', byRoad: '沿道路', byStraight: '直线距离', walk: '巡查路线（{{n}} 个检查点）', addOnMap: '在地图上添加', pickHint: '点击地图放置检查点…', up: '上移', down: '下移', removeStop: '移除', manualReason: '网格长指定', members: '巡查人员', create: '创建任务', cancel: '取消',
  },
  patrolStats: {
    title: '统计', period: '时段', periodOf: { day: '当天', week: '本周' }, by: '分组', byOf: { member: '人员', grid: '网格', day: '日期' },
    tasks: '任务', checkpoints: '检查点', distance: '里程', time: '时长', score: '平均分', min: '分钟', none: '该时段没有巡查任务。',
    showOnly: '只回放此人的轨迹', showAll: '回放全部人员', focus: '只显示 {{name}} 的轨迹', clearFocus: '显示全部',
  },
  patrolReason: {
    hotspot: '截至 {{day}} 的 {{days}} 天内聚集 {{incidents}} 起事件（DBSCAN 半径 {{eps}} 米，以{{type}}为主）',
    open_incidents: '{{building}}（{{compound}}）有 {{incidents}} 起未结事件（{{types}}），最早自 {{since}}',
    open_incident: '未结{{type}}事件，自 {{since}}',
    not_visited: '{{micro_grid}} 在 {{day}} 前 {{days}} 天内无巡查定位',
    station: '站点 {{station}}（{{type}}）',
  },
  commander: {
    open: '指挥视图', showLayer: '显示数据图层', level: '层级', allTypes: '全部类型', slider: '时间轴', wholePeriod: '整个时段', previousShort: '上期',
    vsPrevious: '近{{n}}天，与之前同长时段相比', low: '少', high: '多', cells: '{{n}} 个格元（{{size}} 米）', cluster: '聚类',
    clustersHint: 'DBSCAN 聚类（半径 {{eps}} 米，核心至少 {{min}} 起）：{{n}} 个，含 {{incidents}} 起中的 {{clustered}} 起', eps: '半径', minPoints: '最少点数', auto: '自动（3 倍平均密度）', fdr: '错误发现率校正',
    mode: { title: '地图', heatmap: '热力图', hex: '蜂窝', choropleth: '分级设色', hotspots: '热点 Gi*', clusters: '聚类', patrol: '巡查覆盖' },
    patrolShare: '已巡查微网格 {{visited}}/{{total}}（{{share}}）', patrolHint: '{{from}} 至 {{to}} 有巡查定位的微网格：{{visited}}/{{total}}（{{share}}）',
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
  legend: { title: '图例', levels: '区划层级', stations: '站点类型', incidents: '事件类型', coverage: '覆盖校验问题' },
  history: {
    title: '边界历史', current: '现行', initial: '初始数据', asOf: '查看某日边界', asOfSummary: '{{day}} 日终的下级区域 {{then}} 个（紫色虚线），现在 {{now}} 个',
    change: { insert: '新建', update: '修改', delete: '撤销' },
  },
  coverage: {
    validate: '校验全覆盖', running: '校验中…', allLevels: '包含所有下级', clear: '清除',
    full: '全覆盖 ✓ 无缝隙、无重叠', checked: '已校验 {{parents}} 个上级区域、{{children}} 个下级区域（碎片阈值：{{m2}} m² 或宽 {{width}} m）',
    in: '在 {{name}}', noChild: '无下级区域', more: '另有 {{n}} 处未列出（地图上均已绘制）',
    kind: { invalid: '无效几何', gap: '缝隙', overlap: '重叠', outside: '越界', sliver: '碎片' },
  },
  areaImport: {
    open: '导入边界', close: '关闭', title: '导入{{level}}边界',
    file: '文件：GeoJSON，或 Shapefile 压缩包（.zip，含 .shp .dbf .prj）',
    formatHint: '文件中的区域将替换本区域的全部{{level}}：编码相同者原地更新（编号、事件、人员不变），新编码新增，文件中没有的编码删除。',
    crs: '坐标系（经纬度）', wgs84: 'WGS84（GPS、天地图）', gcj02: 'GCJ-02（高德、腾讯）',
    mapping: '字段对应', columnPlaceholder: '自动：{{column}}', notFound: '未找到', required: '必填', columnsInFile: '文件中的列：{{columns}}',
    field: { name: '名称', code: '编码', households: '户数' },
    previewing: '正在检查…',
    fileInfo: '{{format}} · {{crs}}{{encoding}} · {{n}} 个要素',
    blocking: '阻断问题 {{n}}', warnings: '提示 {{n}}', noProblems: '未发现问题',
    removes: '将删除：', insert: '新增', update: '更新', remove: '删除', blockingTag: '阻断', warningTag: '提示',
    commit: '提交导入', committing: '提交中…', discard: '放弃', blockedHint: '有阻断问题，不能提交：请修正文件后重新选择。',
    done: '已导入：新增 {{inserted}}、更新 {{updated}}、删除 {{removed}}',
    relocated: '随之调整：事件 {{incidents}}、楼栋 {{buildings}}、站点 {{stations}}、人员关联 {{people}}、巡查任务 {{tasks}}',
    kind: { invalid: '无效几何', gap: '缝隙', overlap: '重叠', outside: '越界', sliver: '碎片', attribute: '属性错误', duplicate_code: '编码重复', sub_areas: '含下级区域' },
    export: '导出下级区划', exportHint: '本区域的全部{{level}}（WGS84）',
  },
  microgen: {
    generate: '生成微网格', running: '生成中…', target: '目标户数', bounds: '目标户数须为 {{min}}–{{max}} 的整数',
    summary: '{{count}} 个微网格，每格 {{min}}–{{max}} 户，平均 {{mean}} 户', valid: '全覆盖校验通过。',
    problems: '覆盖校验发现 {{n}} 处问题，不能采用。', changes: '采用后：更新 {{update}} 个、新增 {{insert}} 个、删除 {{remove}} 个微网格。',
    households: '{{n}} 户', buildings: '{{n}} 栋楼', keeps: '沿用原编码', accept: '采用（替换现有微网格）', accepting: '提交中…',
    discard: '放弃', accepted: '已替换为 {{count}} 个微网格',
  },
  workers: {
    title: '网格工作人员', none: '暂无', above: '上级', below: '下级', belowCount: '下级{{role}} {{n}} 人',
    edit: '人员配置', done: '完成', search: '按姓名筛选候选人', members: '网格员', addMember: '添加网格员…', remove: '移除',
    microLeaders: '各微网格长（{{n}} 个微网格）', vacant: '（空缺）', unassigned: '未分配', saving: '保存中…',
  },
  panel: {
    code: '编码', households: '户数', population: '人口',
    incidents: '事件', total: '总数', open: '未结', last30d: '近30天', byType: '按类型',
    children: '下级区划', back: '返回上级', close: '关闭', fit: '缩放至此',
  },
  tooltip: { households: '户数', population: '人口', serviceRadius: '服务半径 {{m}} 米', opened: '开设于' },
  settings: {
    title: '底图设置', basemapUrl: '底图地址', basemapHint: '留空＝离线底图（本系统数据）。以 .json 结尾＝MapLibre 样式；含 {z}/{x}/{y}＝栅格瓦片（OSM、天地图 vec_w 需 tk 密钥）。',
    gcj02: 'GCJ-02 瓦片', gcj02Note: '高德/腾讯等 GCJ-02 瓦片与本系统 WGS84 数据存在数百米偏移，坐标转换尚未启用。',
    apply: '应用', reset: '恢复默认', offline: '离线底图', open: '底图',
  },
  incident: {
    report: '上报事件', import: '导入 CSV', panelTitle: '事件详情', loading: '查找事件…', notFound: '该点未找到事件（可能已被移动）',
    clickForDetails: '点击查看详情', sameSpot: '此处共有 {{n}} 起事件',
    id: '编号', statusLabel: '状态', deadline: '处置期限', overdue: '已超期', reportedAt: '上报时间', closedAt: '结案时间',
    source: '来源', reporter: '上报人', phone: '联系电话', description: '描述', noDescription: '（无描述）',
    microGrid: '微网格', grid: '网格', assignee: '处置人', partnerUnit: '共建单位', notDispatched: '未派遣',
    edit: '编辑', move: '移动位置', save: '保存', cancel: '取消', saved: '已保存',
    movePrompt: '在地图上点击新位置（Esc 取消）', moveTo: '新位置：{{lon}}, {{lat}}', confirmMove: '确认移动',
    workflow: '流程办理', comment: '办理意见（可选）', dispatchTo: '派遣给', chooseTarget: '请选择…',
    workers: '网格工作人员', partners: '共建单位', final: '已结案，流程结束', closedNoEdit: '已结案事件不能修改',
    history: '处理记录', noHistory: '暂无记录', edited: '修改：{{fields}}', viaImport: '（CSV 导入）', by: '{{user}}',
    pickBanner: '在地图上点击选择位置 · Esc 取消', errorFormat: '{{headline}}：{{message}}',
    status: { reported: '上报', accepted: '受理', dispatched: '派遣', handled: '处置', verified: '核查', closed: '结案', returned: '退回' },
    action: { reported: '上报', accepted: '受理', dispatched: '派遣', handled: '处置完成', verified: '核查通过', closed: '结案', returned: '退回' },
    sourceType: { resident_app: '居民端上报', hotline_12345: '12345 热线', patrol: '巡查发现', camera: '视频监控', walk_in: '来访登记' },
    partner: { property_company: '物业公司', police_post: '派出所/警务站', legal_aid: '法律援助', psych_service: '心理服务' },
    field: { type: '类型', description: '描述', location: '位置', reporter_name: '上报人', reporter_phone: '电话', lon: '经度', lat: '纬度', reported_at: '上报时间', source: '来源' },
    error: {
      illegal_transition: '当前状态不允许此操作', closed: '已结案事件不能修改', outside_district: '位置不在本区范围内',
      outside_scope: '位置不在您的管辖区域内', forbidden: '无权执行此操作', aggregates_only: '规划员不能查看单个事件',
      invalid_request: '输入有误', not_found: '事件不存在或不在您的范围内', invalid_csv: '文件无法读取', invalid_mapping: '字段对应有误',
      too_many_rows: '行数过多', csrf: '请求被拒绝',
    },
    form: {
      title: '上报事件', location: '位置', pickHint: '在地图上点击事件位置', picked: '{{lon}}, {{lat}}', repick: '再次点击地图可调整位置',
      reporterName: '上报人（可选）', reporterPhone: '联系电话（可选）', submit: '提交上报', placeholder: '事件经过、地点细节…',
    },
    importDialog: {
      title: '导入事件（CSV）', file: 'CSV 文件（UTF-8，首行为表头）', crs: '坐标系', wgs84: 'WGS84（GPS、天地图）', gcj02: 'GCJ-02（高德、腾讯）',
      formatHint: '类型填代码（如 hallway_clutter）或名称（如 楼道堆物）；时间按北京时间（如 2026-11-20 14:30）；默认识别 经度/lon、纬度/lat、类型/type 等表头。',
      mapping: '字段对应（可选）', auto: '自动识别', required: '必需', fileSummary: '表头 {{cols}} 列，数据 {{rows}} 行',
      preview: '预览', commitAll: '全部导入（有错则全部不导入）', commitValid: '仅导入有效行', working: '处理中…',
      previewTitle: '预览：可导入 {{n}} 行，拒绝 {{m}} 行', importedTitle: '已导入 {{n}} 行，拒绝 {{m}} 行',
      nothingImported: '有 {{m}} 行被拒绝，按“全部导入”规则未导入任何数据', rejected: '被拒绝的行', row: '行', reason: '原因',
      previewRows: '预览（前 {{n}} 行）', lonLat: '经纬度（WGS84）', time: '上报时间', microGrid: '微网格', close: '关闭', readError: '无法读取文件：{{message}}',
    },
  },
}

const en: typeof zhCN = {
  app: { title: 'GridPulse', subtitle: 'Grid governance map', language: 'Language', loading: 'Loading…', error: 'Failed to load' },
  level: { district: 'District', street: 'Street', community: 'Community', grid: 'Grid', micro_grid: 'Micro-grid' },
  incidentType: {
    high_altitude_throwing: 'High-altitude throwing', parking_dispute: 'Parking dispute', water_leak: 'Water leak',
    property_dispute: 'Property-management dispute', hallway_clutter: 'Hallway clutter', public_space_occupation: 'Public-space occupation',
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
  stations: {
    title: 'Station registry', add: 'Add station', importButton: 'Import', addTitle: 'New station', register: 'Register', loading: 'Loading…',
    clickHint: 'Click a station on the map for its record ({{n}}, closed ones included).', pickHint: 'Click the map where the station stands', repick: 'click again to change',
    pickBanner: 'Click the map where the new station stands (Esc cancels)', movePrompt: 'Click the new place on the map (Esc cancels)',
    moveTo: 'Move to {{lon}}, {{lat}}?', confirmMove: 'Confirm move', edit: 'Edit', move: 'Move', close: 'Close station', reopen: 'Reopen',
    save: 'Save', cancel: 'Cancel', metres: '{{m}} m', typeDefault: 'type default',
    state: { open: 'Open', planned: 'Opens later', closed: 'Closed' },
    field: { type: 'Type', name: 'Name', radius: 'Service radius (m)', openedOn: 'Opened on', closedOn: 'Closed on', capacity: 'Capacity', notes: 'Notes', location: 'Location', area: 'Areas' },
    import: {
      title: 'Import stations', file: 'File (CSV or GeoJSON)',
      formatHint: 'CSV header: type,name,lon,lat[,service_radius_m,opened_on,capacity,notes]; or a GeoJSON FeatureCollection of points with those properties.',
      check: 'Check (writes nothing)', commit: 'Import all', index: 'Record',
      checked: '{{n}} ready to import, {{m}} rejected', imported: '{{n}} stations imported', nothing: '{{m}} rejected: nothing imported',
    },
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
    types: 'Incident types', typeCode: 'Code (lowercase)', nameZh: 'Chinese name', nameEn: 'English name', deadlineHours: 'Time limit (hours)', incidents: 'Incidents',
    addType: 'Add type', typeActive: 'Takes reports', typeRetired: 'Retired',
    typesHint: 'Types are never deleted (old incidents refer to them); a retired type takes no new reports or imports and its incidents stay readable. A new time limit applies to open incidents at once.',
  },
  planner: {
    open: 'Siting', title: 'Station siting', area: 'Study area', modelLabel: 'Model', stationType: 'Station type', radius: 'Service radius (m)',
    k: 'New stations', target: 'Target coverage (%)', candidates: 'Candidates', candidatesBuildings: 'Building centroids (≤ 2,000)', candidatesLattice: 'Regular lattice (250 m)',
    weight: 'Demand weight', weightHouseholds: 'Households', weightIncidents: 'Households + incidents', exact: 'Also solve to the exact optimum (HiGHS, slower)',
    solve: 'Solve', solving: 'Solving…', coverage: 'Coverage {{before}} → {{after}} (of {{households}} households, {{distance}})', gap: 'Gap to the exact optimum {{gap}} ({{status}})',
    keep: 'Keep scenario', scenarios: 'Scenarios', scenario: 'Scenario', sites: 'New sites', before: 'Before', after: 'After', remove: 'Remove',
    savedBy: 'Saved by',
    households: 'households', metres: 'm',
    distance: 'Distance', distanceName: { straight: 'straight line', road: 'along roads' },
    now: 'Coverage now ({{distance}})', nowCoverage: '{{stations}} stations cover {{share}} ({{covered}} of {{total}} households)', incidentsInside: '{{share}} of the year’s {{total}} incidents lie within reach',
    uncovered: '{{n}} buildings out of reach (orange); below, the least covered sub-areas',
    model: { mclp: 'Maximal covering', lscp: 'Set covering', pmedian: 'p-median' },
    modelHint: {
      mclp: 'Place k new stations to cover the most households within the radius (existing stations kept).',
      lscp: 'The fewest new stations that reach the target coverage.',
      pmedian: 'Place k new stations to minimise the household-weighted mean distance to the nearest station.',
    },
  },
  candidate: {
    kind: { buildings: 'Building centroids (up to 2,000)', lattice: 'Regular lattice (250 m)', drawn: 'Drawn on the map', imported: 'Imported file' },
    drawn: '{{n}} candidates drawn (click the map to add, click one again to remove it)', clear: 'Clear',
    importHint: 'GeoJSON points, or a CSV with longitude and latitude columns (lon,lat; without a header the first two columns); at most {{max}}',
    imported: '{{file}}: {{n}} candidates, {{rejected}} rows rejected',
    fileError: { noColumns: '{{file}}: no longitude and latitude columns found', badGeoJson: '{{file}}: not valid GeoJSON', empty: '{{file}}: no data' },
    row: 'Row {{row}}', more: '{{n}} more rows',
    reason: { notNumber: 'longitude/latitude not a number', outOfRange: 'longitude/latitude out of range (columns swapped?)', zero: 'coordinates (0, 0)', notPoint: 'not a point', tooMany: 'over the candidate limit' },
    outsideRows: '(file rows {{rows}})',
  },
  scenarioCompare: {
    compare: 'Compare', pickMore: 'Tick one more scenario to compare side by side.', model: 'Model', radius: 'Radius', kOrTarget: 'Sites / target',
    coveredBefore: 'Covered before (households)', coveredAfter: 'Covered after (households)', objective: 'Objective',
    opened: 'Opened scenario: {{name}} (saved by {{by}})', close: 'Close',
  },
  patrol: {
    open: 'Patrols', title: 'Patrol playback', area: 'Area', previousDay: 'Previous day', nextDay: 'Next day', today: 'Today', none: 'No tracks on this day.',
    play: 'Play', pause: 'Pause', speed: 'Speed',
    summary: '{{people}} people · {{tracks}} tracks · {{points}} fixes · {{from}}–{{to}}',
    outNow: 'Out now: {{n}} (a fix in the last 15 minutes)', person: 'Person', sessions: 'Tracks', time: 'Time', distance: 'Walked',
    incidents: 'Reported on patrol: {{n}}',
    tasks: 'Patrol tasks', noTasks: 'No patrol tasks on this day.', points: 'pts',
    complianceLine: 'checkpoints {{visited}}/{{total}} · micro-grids {{entered}}/{{grids}} · {{km}} km · {{min}} min',
    scoreParts: 'Score: checkpoints {{checkpoints}}% ×0.5 + micro-grids {{grids}}% ×0.3 + time {{time}}% ×0.2 (target {{target}} min)',
    nearest: 'nearest {{m}} m', notReached: 'no fix', status: { planned: 'Planned', in_progress: 'In progress', done: 'Done', missed: 'Missed' },
    to: { in_progress: 'Start', done: 'Done', missed: 'Mark missed' }, shift: { day: 'Day', evening: 'Evening' }, shiftLabel: 'Shift',
    kind: { hotspot: 'Hot spot', unvisited_micro_grid: 'Not visited lately', station: 'Station', open_incident: 'Open incidents', manual: 'Manual' },
    plan: 'Plan a patrol', planTitle: '{{grid}} · {{day}}: plan', noSuggestions: 'No suggested checkpoints.', order: 'Order the walk',
    routeLength: 'Walk {{km}} km, about {{min}} min ({{how}})', byRoad: 'along roads', byStraight: 'straight lines', walk: 'The walk ({{n}} checkpoints)', addOnMap: 'Add on the map', pickHint: 'Click the map to place it…', up: 'Up', down: 'Down', removeStop: 'Remove', manualReason: 'set by the grid leader', members: 'Members', create: 'Create task', cancel: 'Cancel',
  },
  patrolStats: {
    title: 'Statistics', period: 'Period', periodOf: { day: 'This day', week: 'This week' }, by: 'By', byOf: { member: 'Member', grid: 'Grid', day: 'Day' },
    tasks: 'Tasks', checkpoints: 'Checkpoints', distance: 'Distance', time: 'Time', score: 'Mean score', min: 'min', none: 'No patrol tasks in this period.',
    showOnly: 'Play back only this person', showAll: 'Play back everyone', focus: 'Only {{name}}’s tracks', clearFocus: 'Show everyone',
  },
  patrolReason: {
    hotspot: 'cluster of {{incidents}} incidents in the {{days}} days to {{day}} (DBSCAN, {{eps}} m; mostly {{type}})',
    open_incidents: '{{incidents}} open incident(s) in {{building}}, {{compound}} ({{types}}), oldest since {{since}}',
    open_incident: 'open {{type}} incident since {{since}}',
    not_visited: 'no patrol fix in {{micro_grid}} for the {{days}} days before {{day}}',
    station: 'station {{station}} ({{type}})',
  },
  commander: {
    open: 'Commander view', showLayer: 'Show the data layer', level: 'Level', allTypes: 'All types', slider: 'Time slider', wholePeriod: 'Whole period', previousShort: 'before',
    vsPrevious: 'Last {{n}} days, against the equal period before', low: 'few', high: 'many', cells: '{{n}} cells ({{size}} m)', cluster: 'Cluster',
    clustersHint: 'DBSCAN clusters (radius {{eps}} m, cores of at least {{min}}): {{n}}, holding {{clustered}} of {{incidents}} incidents', eps: 'Radius', minPoints: 'Min. points', auto: 'Auto (3× mean density)', fdr: 'False-discovery-rate correction',
    mode: { title: 'Map', heatmap: 'Heatmap', hex: 'Hex bins', choropleth: 'Choropleth', hotspots: 'Hot spots Gi*', clusters: 'Clusters', patrol: 'Patrol coverage' },
    patrolShare: 'Micro-grids patrolled {{visited}}/{{total}} ({{share}})', patrolHint: 'Micro-grids with a patrol fix from {{from}} to {{to}}: {{visited}}/{{total}} ({{share}})',
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
  legend: { title: 'Legend', levels: 'Area levels', stations: 'Station types', incidents: 'Incident types', coverage: 'Coverage problems' },
  history: {
    title: 'Boundary history', current: 'current', initial: 'initial data', asOf: 'Boundaries as of', asOfSummary: 'At the end of {{day}}: {{then}} child areas (dashed purple); now {{now}}',
    change: { insert: 'created', update: 'changed', delete: 'removed' },
  },
  coverage: {
    validate: 'Validate coverage', running: 'Validating…', allLevels: 'All levels below', clear: 'Clear',
    full: 'Full coverage ✓ no gaps, no overlaps', checked: 'Checked {{parents}} parent areas, {{children}} child areas (sliver: under {{m2}} m² or {{width}} m wide)',
    in: 'in {{name}}', noChild: 'no child area', more: '{{n}} more not listed (all drawn on the map)',
    kind: { invalid: 'Invalid geometry', gap: 'Gap', overlap: 'Overlap', outside: 'Outside parent', sliver: 'Sliver' },
  },
  areaImport: {
    open: 'Import boundaries', close: 'Close', title: 'Import boundaries ({{level}})',
    file: 'File: GeoJSON, or a zipped Shapefile (.zip with .shp .dbf .prj)',
    formatHint: 'The file replaces the sub-areas ({{level}}) of this area: a code that exists is updated in place (same id, incidents, people), a new code is inserted, a code missing from the file is removed.',
    crs: 'Coordinates (lon/lat)', wgs84: 'WGS84 (GPS, Tianditu)', gcj02: 'GCJ-02 (Amap, Tencent)',
    mapping: 'Column mapping', columnPlaceholder: 'auto: {{column}}', notFound: 'not found', required: 'required', columnsInFile: 'Columns in the file: {{columns}}',
    field: { name: 'Name', code: 'Code', households: 'Households' },
    previewing: 'Checking…',
    fileInfo: '{{format}} · {{crs}}{{encoding}} · {{n}} features',
    blocking: 'Blocking {{n}}', warnings: 'Warnings {{n}}', noProblems: 'No problems found',
    removes: 'Would remove: ', insert: 'insert', update: 'update', remove: 'remove', blockingTag: 'blocking', warningTag: 'warning',
    commit: 'Commit import', committing: 'Committing…', discard: 'Discard', blockedHint: 'Blocking problems: fix the file and choose it again.',
    done: 'Imported: {{inserted}} inserted, {{updated}} updated, {{removed}} removed',
    relocated: 'Moved along: incidents {{incidents}}, buildings {{buildings}}, stations {{stations}}, people links {{people}}, patrol tasks {{tasks}}',
    kind: { invalid: 'Invalid geometry', gap: 'Gap', overlap: 'Overlap', outside: 'Outside parent', sliver: 'Sliver', attribute: 'Attribute', duplicate_code: 'Duplicate code', sub_areas: 'Has sub-areas' },
    export: 'Export sub-areas', exportHint: 'the sub-areas ({{level}}) of this area (WGS84)',
  },
  microgen: {
    generate: 'Generate micro-grids', running: 'Generating…', target: 'Target households', bounds: 'Target: a whole number from {{min}} to {{max}}',
    summary: '{{count}} micro-grids of {{min}}–{{max}} households, mean {{mean}}', valid: 'Full coverage checked.',
    problems: 'The coverage check found {{n}} problems: cannot be accepted.', changes: 'Accepting updates {{update}}, adds {{insert}} and removes {{remove}} micro-grids.',
    households: '{{n}} hh', buildings: '{{n}} buildings', keeps: 'keeps its code', accept: 'Accept (replace the micro-grids)', accepting: 'Saving…',
    discard: 'Discard', accepted: 'Replaced by {{count}} micro-grids',
  },
  workers: {
    title: 'Workers', none: 'None', above: 'above:', below: 'below:', belowCount: '{{n}} × {{role}} below',
    edit: 'Assign workers', done: 'Done', search: 'Filter candidates by name', members: 'Grid members', addMember: 'Add a member…', remove: 'Remove',
    microLeaders: 'Micro-grid leaders ({{n}} micro-grids)', vacant: '(vacant)', unassigned: 'unassigned', saving: 'Saving…',
  },
  panel: {
    code: 'Code', households: 'Households', population: 'Population',
    incidents: 'Incidents', total: 'Total', open: 'Open', last30d: 'Last 30 days', byType: 'By type',
    children: 'Sub-areas', back: 'Up one level', close: 'Close', fit: 'Zoom to',
  },
  tooltip: { households: 'Households', population: 'Population', serviceRadius: 'Service radius {{m}} m', opened: 'Opened' },
  settings: {
    title: 'Basemap', basemapUrl: 'Basemap URL', basemapHint: 'Empty = offline basemap (our own data). Ending in .json = MapLibre style; containing {z}/{x}/{y} = raster tiles (OSM, Tianditu vec_w with a tk key).',
    gcj02: 'GCJ-02 tiles', gcj02Note: 'Amap/Tencent GCJ-02 tiles are offset by a few hundred metres from our WGS84 data; conversion is not enabled yet.',
    apply: 'Apply', reset: 'Reset', offline: 'Offline basemap', open: 'Basemap',
  },
  incident: {
    report: 'Report incident', import: 'Import CSV', panelTitle: 'Incident', loading: 'Finding the incident…', notFound: 'No incident found at this point (it may have been moved)',
    clickForDetails: 'Click for details', sameSpot: '{{n}} incidents at this spot',
    id: 'No.', statusLabel: 'Status', deadline: 'Deadline', overdue: 'Overdue', reportedAt: 'Reported', closedAt: 'Closed',
    source: 'Source', reporter: 'Reporter', phone: 'Phone', description: 'Description', noDescription: '(no description)',
    microGrid: 'Micro-grid', grid: 'Grid', assignee: 'Assignee', partnerUnit: 'Partner unit', notDispatched: 'Not dispatched',
    edit: 'Edit', move: 'Move', save: 'Save', cancel: 'Cancel', saved: 'Saved',
    movePrompt: 'Click the new location on the map (Esc cancels)', moveTo: 'New location: {{lon}}, {{lat}}', confirmMove: 'Confirm move',
    workflow: 'Workflow', comment: 'Comment (optional)', dispatchTo: 'Dispatch to', chooseTarget: 'Choose…',
    workers: 'Grid workers', partners: 'Partner units', final: 'Closed: the workflow has ended', closedNoEdit: 'A closed incident cannot be edited',
    history: 'History', noHistory: 'No entries', edited: 'Edited: {{fields}}', viaImport: '(CSV import)', by: '{{user}}',
    pickBanner: 'Click the map to pick the location · Esc cancels', errorFormat: '{{headline}}: {{message}}',
    status: { reported: 'Reported', accepted: 'Accepted', dispatched: 'Dispatched', handled: 'Handled', verified: 'Verified', closed: 'Closed', returned: 'Returned' },
    action: { reported: 'Report', accepted: 'Accept', dispatched: 'Dispatch', handled: 'Mark handled', verified: 'Verify', closed: 'Close case', returned: 'Return' },
    sourceType: { resident_app: 'Resident app', hotline_12345: '12345 hotline', patrol: 'Found on patrol', camera: 'Camera', walk_in: 'Walk-in' },
    partner: { property_company: 'Property company', police_post: 'Police station / post', legal_aid: 'Legal aid', psych_service: 'Psychological service' },
    field: { type: 'Type', description: 'Description', location: 'Location', reporter_name: 'Reporter', reporter_phone: 'Phone', lon: 'Longitude', lat: 'Latitude', reported_at: 'Reported at', source: 'Source' },
    error: {
      illegal_transition: 'Not allowed in the current status', closed: 'A closed incident cannot be edited', outside_district: 'The location is outside the district',
      outside_scope: 'The location is outside your areas', forbidden: 'Not allowed', aggregates_only: 'Planners cannot open individual incidents',
      invalid_request: 'Invalid input', not_found: 'The incident does not exist or is outside your areas', invalid_csv: 'The file cannot be read', invalid_mapping: 'Column mapping problem',
      too_many_rows: 'Too many rows', csrf: 'Request refused',
    },
    form: {
      title: 'Report incident', location: 'Location', pickHint: 'Click the map where it happened', picked: '{{lon}}, {{lat}}', repick: 'Click the map again to adjust',
      reporterName: 'Reporter name (optional)', reporterPhone: 'Reporter phone (optional)', submit: 'Submit report', placeholder: 'What happened, where exactly…',
    },
    importDialog: {
      title: 'Import incidents (CSV)', file: 'CSV file (UTF-8, header in the first line)', crs: 'Coordinates', wgs84: 'WGS84 (GPS, Tianditu)', gcj02: 'GCJ-02 (Amap, Tencent)',
      formatHint: 'Type as a code (e.g. hallway_clutter) or a name (e.g. Hallway clutter); times in Beijing time (e.g. 2026-11-20 14:30); headers such as lon/经度, lat/纬度, type/类型 are recognised by default.',
      mapping: 'Column mapping (optional)', auto: 'Detect', required: 'required', fileSummary: '{{cols}} header columns, {{rows}} data rows',
      preview: 'Preview', commitAll: 'Import all or nothing', commitValid: 'Import valid rows', working: 'Working…',
      previewTitle: 'Preview: {{n}} rows would be imported, {{m}} rejected', importedTitle: '{{n}} rows imported, {{m}} rejected',
      nothingImported: '{{m}} rows were rejected, so nothing was imported (all or nothing)', rejected: 'Rejected rows', row: 'Row', reason: 'Reason',
      previewRows: 'Preview (first {{n}} rows)', lonLat: 'Lon/lat (WGS84)', time: 'Reported at', microGrid: 'Micro-grid', close: 'Close', readError: 'Cannot read the file: {{message}}',
    },
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

/** Type names from the server's catalogue win over the bundled ones: admins add and rename types. */
export function registerIncidentTypeNames(catalog: readonly { code: string; name_zh: string; name_en: string }[]): void {
  for (const ty of catalog) {
    i18next.addResource('zh-CN', 'translation', `incidentType.${ty.code}`, ty.name_zh)
    i18next.addResource('en', 'translation', `incidentType.${ty.code}`, ty.name_en)
  }
}

/** Switches the UI language and remembers it. */
export function setLanguage(lang: Language): void {
  localStorage.setItem(LANG_KEY, lang)
  document.documentElement.lang = lang
  void i18next.changeLanguage(lang)
}

export default i18next
