/** Suggested checkpoints for a grid-day (issue 5): hot spots, micro-grids not walked lately, open incidents, stations. */
import { createRoute, z } from '@hono/zod-openapi'
import { sql, type SQL } from 'drizzle-orm'
import { jsonText } from '../lib/geojson.ts'
import { errorResponses, forbidden, newRouter, notFound } from '../lib/router.ts'
import { requireGrid } from './queries.ts'
import { CHECKPOINT_KINDS, Day, Id, requireCaseReader } from './schemas.ts'

/** Hot spots: DBSCAN over the grid's incidents of the last HOTSPOT_DAYS days, EPS metres, at least MIN_POINTS incidents. */
export const HOTSPOT_DAYS = 30
export const HOTSPOT_EPS_M = 50
export const HOTSPOT_MIN_POINTS = 3
/** At most this many suggestions of each kind. */
export const SUGGEST_LIMIT = 8

/** Stable codes of the suggestion reasons; `reason` is the English sentence, `detail` its figures. */
export const REASON_CODES = ['hotspot', 'open_incidents', 'open_incident', 'not_visited', 'station'] as const

const SuggestQuery = z.object({
  grid: Id.openapi({ description: 'areas.id of a grid' }),
  day: Day,
  unvisited_days: z.coerce.number().int().min(1).max(60).default(7).openapi({ description: 'a micro-grid is suggested when no track fix lies in it for this many days before `day`' }),
})

const SuggestionSchema = z
  .object({
    kind: z.enum(CHECKPOINT_KINDS),
    reason: z.string(),
    ref_id: z.number().nullable(),
    lon: z.number(),
    lat: z.number(),
    reason_code: z.enum(REASON_CODES).openapi({ description: 'what the reason says, stable: a client words it in its own language from `detail` (docs/patrols.md lists the fields of each)' }),
    detail: z.record(z.string(), z.union([z.number(), z.string(), z.array(z.string()), z.null()])).openapi({ description: 'the figures behind the reason (counts, types, ids, names, days)' }),
  })
  .openapi('PatrolSuggestion')

const suggest = createRoute({
  method: 'get',
  path: '/suggest',
  tags: ['patrols'],
  summary: 'Suggested checkpoints for a grid on a day, each with its kind and reason',
  description: `hotspot: DBSCAN clusters (${HOTSPOT_EPS_M} m, ≥ ${HOTSPOT_MIN_POINTS} incidents) of the grid's incidents in the ${HOTSPOT_DAYS} days up to the day, at the incident nearest the cluster's centre (ref_id = that incident);
open_incident: buildings holding incidents not closed (at the building, ref_id = the oldest one), and open incidents outside buildings;
unvisited_micro_grid: micro-grids with no track fix in the unvisited_days before the day (at a point inside it, ref_id = the micro-grid);
station: the grid's stations open on the day (ref_id = the station). At most ${SUGGEST_LIMIT} of each kind, the most pressing first.`,
  request: { query: SuggestQuery },
  responses: {
    200: {
      description: 'Suggestions',
      content: { 'application/json': { schema: z.object({ grid: z.number(), day: z.string(), unvisited_days: z.number(), suggestions: z.array(SuggestionSchema) }) } },
    },
    ...forbidden,
    ...notFound,
    ...errorResponses,
  },
})

/** A suggestion row as JSON; `pt` a point geometry expression, `code` a text expression of a REASON_CODES value. */
const suggestion = (kind: string, code: SQL, reason: SQL, ref: SQL, pt: SQL, detail: SQL) =>
  sql`json_build_object('kind', ${kind}::text, 'reason_code', ${code}, 'reason', ${reason}, 'ref_id', ${ref}, 'lon', round(ST_X(${pt})::numeric, 7), 'lat', round(ST_Y(${pt})::numeric, 7), 'detail', ${detail})`

/**
 * SQL: the suggestions of a grid-day as one JSON array text. Incidents are read by their
 * (grid_id, reported_at) index, buildings and stations by their grid, micro-grids by their parent;
 * "not walked" probes the track_points GiST index of the months in the window, one micro-grid at a
 * time, stopping at the first fix. Row-level security applies (the caller's incidents and tracks).
 */
export function suggestSql(grid: number, day: string, unvisitedDays: number): SQL {
  return sql`
    with w as (
      select ((${day}::date + 1)::timestamp at time zone 'Asia/Shanghai') as day_end,
             ((${day}::date + 1 - ${HOTSPOT_DAYS}::int)::timestamp at time zone 'Asia/Shanghai') as hot_from,
             ((${day}::date + 1 - ${unvisitedDays}::int)::timestamp at time zone 'Asia/Shanghai') as walk_from
    ),
    recent as (
      select i.id, i.type, i.geom,
        ST_ClusterDBSCAN(ST_Transform(i.geom, 32648), eps := ${HOTSPOT_EPS_M}::float8, minpoints := ${HOTSPOT_MIN_POINTS}::int) over () as cid
      from incidents i, w where i.grid_id = ${grid} and i.reported_at >= w.hot_from and i.reported_at < w.day_end
    ),
    clusters as (
      select cid, count(*)::int as n, ST_Centroid(ST_Collect(geom)) as centre, mode() within group (order by type) as top_type
      from recent where cid is not null group by cid
    ),
    hot as (
      select cl.n, cl.top_type, x.id, x.geom from clusters cl
      cross join lateral (select r.id, r.geom from recent r where r.cid = cl.cid order by r.geom <-> cl.centre, r.id limit 1) x
      order by cl.n desc, x.id limit ${SUGGEST_LIMIT}
    ),
    open_inc as (
      select i.id, i.type, i.reported_at, i.geom,
        (select b.id from buildings b where b.grid_id = ${grid} and b.geom && i.geom and ST_Intersects(b.geom, i.geom) order by b.id limit 1) as building
      from incidents i, w where i.grid_id = ${grid} and i.status <> 'closed' and i.reported_at < w.day_end
    ),
    open_groups as (
      select o.building, case when o.building is null then o.id end as single, count(*)::int as n,
        (array_agg(o.id order by o.reported_at, o.id))[1] as oldest, min(o.reported_at) as since,
        array_agg(distinct o.type order by o.type) as types
      from open_inc o group by 1, 2
      order by n desc, since limit ${SUGGEST_LIMIT}
    ),
    quiet as (
      select m.id, m.name, ST_PointOnSurface(m.geom) as pt from areas m, w
      where m.parent_id = ${grid} and m.level = 'micro_grid'
        and not exists (select 1 from track_points tp
                        where tp.geom && m.geom and ST_Intersects(m.geom, tp.geom) and tp.t >= w.walk_from and tp.t < w.day_end)
      order by m.id limit ${SUGGEST_LIMIT}
    ),
    st as (
      select s.id, s.name, s.type, t.name_en, t.name_zh, s.geom from stations s join station_types t on t.code = s.type
      where s.grid_id = ${grid} and (s.opened_on is null or s.opened_on <= ${day}::date) and (s.closed_on is null or s.closed_on > ${day}::date)
      order by s.id limit ${SUGGEST_LIMIT}
    ),
    s as (
      select 1 as k, h.n as rank, ${suggestion('hotspot', sql`'hotspot'::text`, sql`format('cluster of %s incidents in the %s days to %s (DBSCAN, %s m; mostly %s)', h.n, ${HOTSPOT_DAYS}::int, ${day}::text, ${HOTSPOT_EPS_M}::int, h.top_type)`, sql`h.id`, sql`h.geom`, sql`json_build_object('incidents', h.n, 'top_type', h.top_type, 'days', ${HOTSPOT_DAYS}::int, 'day', ${day}::text, 'eps_m', ${HOTSPOT_EPS_M}::int)`)} as j
      from hot h
      union all
      select 2, g.n, ${suggestion(
        'open_incident',
        sql`case when g.building is null then 'open_incident' else 'open_incidents' end`,
        sql`case when g.building is null then format('open %s incident since %s', (select o.type from open_inc o where o.id = g.single), to_char(g.since at time zone 'Asia/Shanghai', 'YYYY-MM-DD'))
          else format('%s open incident%s in %s, %s (%s), oldest since %s', g.n, case when g.n > 1 then 's' else '' end, b.name, b.compound, array_to_string(g.types, ', '), to_char(g.since at time zone 'Asia/Shanghai', 'YYYY-MM-DD')) end`,
        sql`g.oldest`,
        sql`coalesce(ST_PointOnSurface(b.geom), (select o.geom from open_inc o where o.id = g.single))`,
        sql`json_build_object('incidents', g.n, 'types', g.types, 'building', g.building, 'building_name', b.name, 'compound', b.compound,
          'since', to_char(g.since at time zone 'Asia/Shanghai', 'YYYY-MM-DD'))`,
      )}
      from open_groups g left join buildings b on b.id = g.building
      union all
      select 3, 0, ${suggestion('unvisited_micro_grid', sql`'not_visited'::text`, sql`format('no patrol fix in %s for the %s days before %s', q.name, ${unvisitedDays}::int, ${day}::text)`, sql`q.id`, sql`q.pt`, sql`json_build_object('micro_grid', q.id, 'micro_grid_name', q.name, 'days', ${unvisitedDays}::int, 'day', ${day}::text)`)}
      from quiet q
      union all
      select 4, 0, ${suggestion('station', sql`'station'::text`, sql`format('station %s (%s, %s)', st.name, st.name_en, st.name_zh)`, sql`st.id`, sql`st.geom`, sql`json_build_object('station', st.id, 'station_name', st.name, 'type', st.type, 'type_en', st.name_en, 'type_zh', st.name_zh)`)}
      from st
    )
    select coalesce(json_agg(j order by k, rank desc), '[]'::json)::text as suggestions from s`
}

export const suggestRoutes = newRouter().openapi(suggest, async (c) => {
  requireCaseReader(c)
  const q = c.req.valid('query')
  const tx = c.get('tx')
  await requireGrid(tx, q.grid)
  const { rows } = await tx.execute<{ suggestions: string }>(suggestSql(q.grid, q.day, q.unvisited_days))
  return jsonText<{ grid: number; day: string; unvisited_days: number; suggestions: z.infer<typeof SuggestionSchema>[] }>(
    c,
    `{"grid":${q.grid},"day":${JSON.stringify(q.day)},"unvisited_days":${q.unvisited_days},"suggestions":${rows[0].suggestions}}`,
  )
})
