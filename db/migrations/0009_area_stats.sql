-- Per-area incident counts for a period and the equal period before it (issue 4, choropleth and
-- planners' aggregates). SECURITY DEFINER so planners, who read no incident rows, get counts; it
-- answers only for areas in the caller's scope (admins: all) and never returns a row of incidents.

create or replace function area_incident_stats(p_level text, p_from timestamptz, p_to timestamptz, p_types text[])
returns table (area_id integer, n integer, previous integer)
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  col text := case p_level when 'street' then 'street_id' when 'community' then 'community_id'
                           when 'grid' then 'grid_id' when 'micro_grid' then 'micro_grid_id' end;
  span interval := p_to - p_from;
begin
  if public.app_role() is null or p_to <= p_from then
    return;
  end if;
  if p_level = 'district' then
    return query
      select a.id,
        (select count(*)::int from public.incidents i where i.reported_at >= p_from and i.reported_at < p_to and (p_types is null or i.type = any (p_types))),
        (select count(*)::int from public.incidents i where i.reported_at >= p_from - span and i.reported_at < p_from and (p_types is null or i.type = any (p_types)))
      from public.areas a
      where a.level = 'district' and (public.app_is_admin() or a.path && public.app_scope_ids());
    return;
  end if;
  if col is null then
    raise exception 'unknown level %', p_level using errcode = '22023';
  end if;
  return query execute format($q$
    select a.id, coalesce(c.n, 0)::int, coalesce(c.prev, 0)::int
    from public.areas a
    left join (
      select i.%1$I as id,
             count(*) filter (where i.reported_at >= $1) as n,
             count(*) filter (where i.reported_at < $1) as prev
      from public.incidents i
      where i.reported_at >= $1 - $3 and i.reported_at < $2 and ($4 is null or i.type = any ($4))
      group by 1
    ) c on c.id = a.id
    where a.level = $5 and (public.app_is_admin() or a.path && public.app_scope_ids())$q$, col)
  using p_from, p_to, span, p_types, p_level;
end $$;
revoke all on function area_incident_stats(text, timestamptz, timestamptz, text[]) from public;
grant execute on function area_incident_stats(text, timestamptz, timestamptz, text[]) to gridpulse_app;
