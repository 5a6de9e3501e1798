-- Station coverage by road distance (issue 6): incidents of an area and period inside vs outside
-- the reachable-network service area of the open stations of some types. SECURITY DEFINER like
-- area_station_coverage_incidents (0019): planners read no incident rows, so they get two counts,
-- and only for an area in their scope (area_level_in_scope: otherwise no row, which the API answers
-- with 404).
--
-- The road network lives in the API (api/lib/roadnet.ts; PostGIS here has no pgRouting), so the
-- reach is computed there and handed in: p_reach is the service area the API draws for
-- `GET /api/stations/service-areas?distance=road` — the network within the radius, as a corridor of
-- ROAD_CORRIDOR_M (40 m) on each side — in WGS84. An incident is inside when that polygon covers its
-- point (ST_Covers, boundary included).
--
-- Caller geometry is what 0019 refused (a 1 m disk at a chosen point would locate one incident), so
-- the function bounds it by the stations it reads itself: the open stations of p_station_types that
-- the caller's row scope shows, each with p_radius (or its own service radius). The reach of a
-- station along the network never leaves its straight-line disk (a path is never shorter than the
-- straight line), so a genuine corridor lies within the disks widened by the corridor; anything else
-- raises, and the caller learns nothing about incidents. Inside the disks a forged polygon could
-- still split the counts more finely than the API's own reach does: the API, which computes the
-- reach from those same stations, is the only caller (docs/stations.md, "Road distance").
create or replace function area_station_coverage_incidents_road(
  p_area integer, p_from timestamptz, p_to timestamptz, p_station_types text[], p_radius double precision, p_incident_types text[],
  p_reach geometry
) returns table (inside integer, outside integer, stations integer)
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set jit = off as $$
declare
  lvl text := public.area_level_in_scope(p_area);
  col text := public.incident_area_column(lvl);
  scope integer[] := public.app_row_scope();
  disks geometry;
  n integer;
begin
  if lvl is null or p_to <= p_from or (p_radius is not null and p_radius <= 0) then
    return;
  end if;
  -- Disks of radius + 41 m (corridor 40 m, 1 m of rounding), 32 segments a quarter and widened by
  -- 0.1 % so the polygon (inscribed in the circle, < 0.05 % short) still holds the whole circle.
  select count(*)::int, ST_Union(ST_Buffer(ST_Transform(s.geom, 32648), coalesce(p_radius, s.service_radius_m::double precision) * 1.001 + 41, 32))
    into n, disks
  from public.stations s
  where s.type = any (p_station_types) and s.closed_on is null and (s.opened_on is null or s.opened_on <= current_date)
    and (scope is null or array[s.street_id, s.community_id, s.grid_id, s.micro_grid_id] && scope);
  if p_reach is not null and not ST_IsEmpty(p_reach)
     and (disks is null or not ST_Covers(disks, ST_Transform(ST_SetSRID(p_reach, 4326), 32648))) then
    raise exception 'reach outside the service disks of the stations in scope' using errcode = '22023';
  end if;
  return query execute format($q$
    select c.inside::int, (c.total - c.inside)::int, $6
    from (
      select count(*) as total, count(*) filter (where $5 is not null and ST_Covers($5, i.geom)) as inside
      from public.incidents i
      where i.reported_at >= $2 and i.reported_at < $3 %s and ($4 is null or i.type = any ($4))
    ) c$q$, public.incident_area_condition(col))
  using p_area, p_from, p_to, p_incident_types, case when p_reach is null or ST_IsEmpty(p_reach) then null else ST_SetSRID(p_reach, 4326) end, n;
end $$;

revoke all on function area_station_coverage_incidents_road(integer, timestamptz, timestamptz, text[], double precision, text[], geometry) from public;
grant execute on function area_station_coverage_incidents_road(integer, timestamptz, timestamptz, text[], double precision, text[], geometry) to gridpulse_app;
