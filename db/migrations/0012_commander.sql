-- The commander's page (issue 4): KPI cards and charts for one area and period. SECURITY DEFINER
-- like area_incident_stats (0009): every role with the area in its scope gets the aggregates
-- (planners included), nobody gets a row of incidents, and an area outside the caller's scope
-- answers nothing (the API turns that into 404).

/** Column of incidents holding the area of a level ('' for the district: every incident). */
create or replace function incident_area_column(p_level text) returns text
language sql immutable parallel safe as $$
  select case p_level when 'district' then '' when 'street' then 'street_id' when 'community' then 'community_id'
                      when 'grid' then 'grid_id' when 'micro_grid' then 'micro_grid_id' end
$$;

/** SQL condition (for format()) restricting incidents `i` to the area $1 held in column col ('': the district's streets). */
create or replace function incident_area_condition(col text) returns text
language sql immutable parallel safe as $$
  select case when col = '' then 'and i.street_id = any (array(select s.id from public.areas s where s.parent_id = $1 and s.level = ''street''))'
              else format('and i.%I = $1', col) end
$$;

/** Level of p_area when it is in the caller's scope (admins: any area), else null. */
create or replace function area_level_in_scope(p_area integer) returns text
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  select a.level from public.areas a
  where a.id = p_area and public.app_role() is not null and (public.app_is_admin() or a.path && public.app_scope_ids())
$$;

/**
 * KPIs of an area for [p_from, p_to) and the equal period before: new (reported in the period),
 * closed (closed in it), open and overdue (at the period's end: reported before it, not closed by
 * then; overdue = also past its type's deadline), median hours from report to close of the cases
 * closed in the period. One scan of the area's incidents reported before p_to.
 */
create or replace function area_incident_kpis(p_area integer, p_from timestamptz, p_to timestamptz, p_types text[])
returns table (period text, new_count integer, open_count integer, overdue_count integer, closed_count integer, median_close_hours double precision)
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  lvl text := public.area_level_in_scope(p_area);
  col text := public.incident_area_column(lvl);
  p_prev timestamptz := p_from - (p_to - p_from);
begin
  if lvl is null or p_to <= p_from then
    return;
  end if;
  return query execute format($q$
    with s as (
      select
        count(*) filter (where i.reported_at >= $2) as new_cur,
        count(*) filter (where i.reported_at >= $5 and i.reported_at < $2) as new_prev,
        count(*) filter (where i.closed_at is null or i.closed_at >= $3) as open_cur,
        count(*) filter (where i.reported_at < $2 and (i.closed_at is null or i.closed_at >= $2)) as open_prev,
        count(*) filter (where (i.closed_at is null or i.closed_at >= $3) and i.reported_at + make_interval(hours => t.deadline_hours) < $3) as overdue_cur,
        count(*) filter (where i.reported_at < $2 and (i.closed_at is null or i.closed_at >= $2) and i.reported_at + make_interval(hours => t.deadline_hours) < $2) as overdue_prev,
        count(*) filter (where i.closed_at >= $2 and i.closed_at < $3) as closed_cur,
        count(*) filter (where i.closed_at >= $5 and i.closed_at < $2) as closed_prev,
        percentile_cont(0.5) within group (order by extract(epoch from i.closed_at - i.reported_at) / 3600)
          filter (where i.closed_at >= $2 and i.closed_at < $3) as median_cur,
        percentile_cont(0.5) within group (order by extract(epoch from i.closed_at - i.reported_at) / 3600)
          filter (where i.closed_at >= $5 and i.closed_at < $2) as median_prev
      from public.incidents i join public.incident_types t on t.code = i.type
      where i.reported_at < $3 %s and ($4 is null or i.type = any ($4))
    )
    select 'current', new_cur::int, open_cur::int, overdue_cur::int, closed_cur::int, median_cur from s
    union all
    select 'previous', new_prev::int, open_prev::int, overdue_prev::int, closed_prev::int, median_prev from s$q$,
    public.incident_area_condition(col))
  using p_area, p_from, p_to, p_types, p_prev;
end $$;

/**
 * Chart data of an area for [p_from, p_to), in Asia/Shanghai local time: incidents per week
 * (weeks start on Monday), per weekday (1 = Monday) × hour, per type, and per child area (all
 * children, so the client can rank them; none below micro-grids). One scan with grouping sets.
 */
create or replace function area_incident_charts(p_area integer, p_from timestamptz, p_to timestamptz, p_types text[])
returns jsonb
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  lvl text := public.area_level_in_scope(p_area);
  col text := public.incident_area_column(lvl);
  child_col text := public.incident_area_column(case lvl when 'district' then 'street' when 'street' then 'community'
                                                       when 'community' then 'grid' when 'grid' then 'micro_grid' end);
  result jsonb;
begin
  if lvl is null or p_to <= p_from then
    return null;
  end if;
  execute format($q$
    with local as (
      select i.reported_at at time zone 'Asia/Shanghai' as t, i.type, %s as child
      from public.incidents i
      where i.reported_at >= $2 and i.reported_at < $3 %s and ($4 is null or i.type = any ($4))
    ), g as (
      select date_trunc('week', t)::date as week, extract(isodow from t)::int as dow, extract(hour from t)::int as hour,
             type, child, count(*)::int as n,
             grouping(date_trunc('week', t)::date) = 0 as by_week,
             grouping(extract(isodow from t)::int, extract(hour from t)::int) = 0 as by_hour,
             grouping(type) = 0 as by_type,
             grouping(child) = 0 as by_child
      from local
      group by grouping sets ((date_trunc('week', t)::date), (extract(isodow from t)::int, extract(hour from t)::int), (type), (child))
    )
    select jsonb_build_object(
      'weekly', coalesce((select jsonb_agg(jsonb_build_object('week', week, 'count', n) order by week) from g where by_week), '[]'),
      'hour_weekday', coalesce((select jsonb_agg(jsonb_build_object('weekday', dow, 'hour', hour, 'count', n) order by dow, hour) from g where by_hour), '[]'),
      'types', coalesce((select jsonb_agg(jsonb_build_object('type', type, 'count', n) order by n desc, type) from g where by_type), '[]'),
      'areas', coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'level', a.level, 'name', a.name, 'households', a.households,
                                                            'count', coalesce(g.n, 0)) order by coalesce(g.n, 0) desc, a.id)
                         from public.areas a left join g on g.by_child and g.child = a.id
                         where a.parent_id = $1 and a.level <> 'district'), '[]'))$q$,
    case when child_col is null then 'null::integer' else format('i.%I', child_col) end,
    public.incident_area_condition(col))
  into result
  using p_area, p_from, p_to, p_types;
  return result;
end $$;

revoke all on function area_level_in_scope(integer), area_incident_kpis(integer, timestamptz, timestamptz, text[]),
  area_incident_charts(integer, timestamptz, timestamptz, text[]) from public;
grant execute on function incident_area_column(text), incident_area_condition(text), area_level_in_scope(integer),
  area_incident_kpis(integer, timestamptz, timestamptz, text[]), area_incident_charts(integer, timestamptz, timestamptz, text[])
  to gridpulse_app;
