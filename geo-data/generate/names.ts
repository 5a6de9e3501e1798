/** Chinese name material for the demo district (龙泉驿区, code 510112). */
import type { Rng } from './rng.ts'

export const DISTRICT_NAME = '龙泉驿区'
export const DISTRICT_CODE = '510112'

/** Real Longquanyi street / town names first, then plausible extras (all as 街道). */
export const STREET_NAMES = [
  '同安街道',
  '大面街道',
  '龙泉街道',
  '十陵街道',
  '洪河街道',
  '西河街道',
  '柏合街道',
  '东安街道',
  '黄土街道',
  '洛带街道',
  '山泉街道',
  '茶店街道',
  '洪安街道',
  '万兴街道',
  '龙华街道',
  '驿马街道',
]

/** Real-sounding community names used first. */
export const COMMUNITY_SEED = [
  '同福社区',
  '青山社区',
  '五星社区',
  '桃源社区',
  '驿都社区',
  '金鹰社区',
  '北泉社区',
  '龙华社区',
  '星光社区',
  '幸福社区',
  '长柏社区',
  '文化社区',
  '建设社区',
  '玉石社区',
  '枇杷社区',
  '红花社区',
]

const AUSPICIOUS = [
  '安', '康', '福', '祥', '和', '平', '兴', '盛', '华', '新', '阳', '光', '明', '东', '西', '南', '北',
  '龙', '凤', '桂', '兰', '梅', '松', '柏', '锦', '瑞', '泰', '丰', '裕', '宁', '清', '泉', '山', '水',
  '林', '园', '春', '秋', '永', '长', '乐', '嘉', '宝', '金', '玉', '翠', '青', '星', '月', '桃', '李',
  '荷', '芳', '惠', '德', '仁', '义', '顺', '达', '通', '川', '蜀', '天', '府', '湖', '溪', '塘', '坪',
]

/** `count` unique community names (…社区): seed list, then auspicious two-syllable combinations. */
export function communityNames(count: number, rng: Rng): string[] {
  const used = new Set<string>()
  const out: string[] = []
  for (const n of COMMUNITY_SEED) {
    if (out.length >= count) break
    used.add(n)
    out.push(n)
  }
  let guard = 0
  while (out.length < count) {
    const a = rng.pick(AUSPICIOUS)
    const b = rng.pick(AUSPICIOUS)
    guard++
    if (a === b && guard < 1e6) continue
    const name = `${a}${b}社区`
    if (used.has(name)) continue
    used.add(name)
    out.push(name)
  }
  return out
}

const COMPOUND_PREFIX = [
  '锦绣', '阳光', '龙泉驿', '翡翠', '蓝湾', '金色', '东方', '幸福', '和美', '书香', '御景', '清水', '碧桂',
  '紫荆', '天府', '驿都', '桃李', '世纪', '锦江', '芙蓉', '滨河', '华润', '星河', '明月', '怡心', '香榭',
  '枫林', '南山', '北城', '西苑', '东湖', '青城', '玉龙', '长安', '金桂', '银杏', '梧桐', '橄榄', '海棠',
  '丽景', '悦澜', '逸都', '晨曦', '恒大', '中海', '保利', '万科', '蓝光', '龙湖', '鹭岛', '荷塘', '柏林',
  '桃花', '枇杷', '同福', '五星', '兴隆', '嘉禾', '康乐', '福临', '瑞祥', '安居', '山水', '森林', '湖畔',
  '翠苑', '学府', '文华', '光华', '新城', '汽车城', '航天', '车城', '成龙', '成洛', '双槐', '红枫', '四季',
]
const COMPOUND_SUFFIX = [
  '花园', '小区', '家园', '名苑', '雅居', '华庭', '公馆', '新村', '苑', '佳苑', '丽都', '府', '湾',
  '城', '半岛', '御府', '天地', '尚城', '锦苑', '馨园',
]
const PHASE = ['二期', '三期', '四期', '五期', '六期', '七期', '八期', '九期']

/** Generator of unique compound (小区) names. */
export function compoundNamer(rng: Rng): () => string {
  const used = new Set<string>()
  return () => {
    for (let tries = 0; tries < 40; tries++) {
      const n = rng.pick(COMPOUND_PREFIX) + rng.pick(COMPOUND_SUFFIX)
      if (!used.has(n)) {
        used.add(n)
        return n
      }
    }
    for (;;) {
      const base = rng.pick(COMPOUND_PREFIX) + rng.pick(COMPOUND_SUFFIX)
      for (const p of PHASE) {
        const n = base + p
        if (!used.has(n)) {
          used.add(n)
          return n
        }
      }
    }
  }
}

const ROAD_BASE = [
  '驿都', '龙泉', '建设', '幸福', '文化', '学府', '星光', '桃花', '枇杷', '柏合', '车城', '兴隆', '公园',
  '北泉', '南湖', '西河', '东山', '翠龙', '玉石', '航天', '世纪', '青台', '成龙', '成洛', '大面', '十陵',
  '同安', '经开', '汽车', '友谊', '和平', '解放', '人民', '民生', '育英', '明志', '晨曦', '锦城', '芙蓉',
  '红枫', '银杏', '梧桐', '金桂', '茶店', '山泉', '洪河', '黄土', '洛带', '客家', '百工', '龙都', '龙华',
  '书房', '音乐', '滨湖', '东洪', '柏杨', '双槐', '长柏', '五星', '同福', '金鹰', '桃源', '青山', '红花',
  '义和', '宝狮', '槐树', '皇冠', '万兴', '陵川', '鹰山', '石灵', '驿马', '灵龙', '卧龙', '蜀龙', '星空',
  '公平', '回龙', '天平', '新桥', '花果', '清泉', '正和', '永丰', '西平', '千禧', '兴业', '创业', '科创',
  '平安', '长安', '云顶', '龙腾', '新华', '国光', '翠屏', '金龙', '顺和', '锦龙', '凤凰', '梨花', '竹林',
]
const ROAD_DIR = ['东', '西', '南', '北', '中', '一', '二', '三']

/** `count` unique road base names (e.g. 驿都, 驿都东, …). */
export function roadBases(count: number, rng: Rng): string[] {
  const bases = rng.shuffle([...ROAD_BASE])
  const out: string[] = []
  for (const b of bases) {
    if (out.length >= count) return out
    out.push(b)
  }
  for (const d of ROAD_DIR) {
    for (const b of bases) {
      if (out.length >= count) return out
      out.push(b + d)
    }
  }
  let k = 1
  while (out.length < count) out.push(`${bases[k % bases.length]}${k++}`)
  return out
}

/** Common surnames, roughly by frequency (duplicates = more weight). */
const SURNAMES =
  '王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武'
const GIVEN =
  '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕晨宇浩然子轩欣怡梓涵思远建国建华志强志明国强海燕丽娟文静晓东晓梅春梅秋菊雪梅小红小平德华德明永红永强家豪嘉怡俊杰晓燕婷婷雨桐佳琪一鸣天宇'

export function personName(rng: Rng): string {
  const s = SURNAMES[Math.floor(rng.next() * SURNAMES.length)]
  const n = rng.chance(0.7) ? 2 : 1
  let g = ''
  for (let i = 0; i < n; i++) g += GIVEN[Math.floor(rng.next() * GIVEN.length)]
  return s + g
}
