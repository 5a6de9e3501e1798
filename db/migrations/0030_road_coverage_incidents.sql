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
--
-- Speed: the corridor of a dense type is one multipolygon of ~10⁵ vertices; ST_Covers of it per
-- incident cost 6–10 s for the 673 self-governance stations (its prepared-geometry cache compares
-- the whole argument on every call). So it is cut with ST_Subdivide into pieces of ≤ 128 vertices
-- under a GiST index, and an incident is inside when a piece covers it (the pieces' union is the
-- polygon, boundaries included: the same answer), found from each piece through the incidents'
-- GiST index rather than one probe per incident. The disk check runs per piece against the union
-- of the disks that piece touches.
create or replace function area_station_coverage_incidents_road(
  p_area integer, p_from timestamptz, p_to timestamptz, p_station_types text[], p_radius double precision, p_incident_types text[],
  p_reach geometry
) returns table (inside integer, outside integer, stations integer)
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp set jit = off as $$
declare
  lvl text := public.area_level_in_scope(p_area);
  col text := public.incident_area_column(lvl);
  scope integer[] := public.app_row_scope();
  n integer;
begin
  if lvl is null or p_to <= p_from or (p_radius is not null and p_radius <= 0) then
    return;
  end if;
  -- A second call in the same transaction starts afresh (to_regclass first: `drop … if exists`
  -- would send the client a notice at every first call).
  if to_regclass('pg_temp.road_cover_pieces') is not null then
    drop table pg_temp.road_cover_pieces;
  end if;
  if to_regclass('pg_temp.road_cover_disks') is not null then
    drop table pg_temp.road_cover_disks;
  end if;
  -- Disks of radius + 41 m (corridor 40 m, 1 m of rounding), built in metres with 32 segments a
  -- quarter and widened by 0.1 % so the polygon (inscribed, < 0.05 % short) holds the whole circle.
  create temp table road_cover_disks on commit drop as
    select ST_Transform(ST_Buffer(ST_Transform(s.geom, 32648), coalesce(p_radius, s.service_radius_m::double precision) * 1.001 + 41, 32), 4326) as g
    from public.stations s
    where s.type = any (p_station_types) and s.closed_on is null and (s.opened_on is null or s.opened_on <= current_date)
      and (scope is null or array[s.street_id, s.community_id, s.grid_id, s.micro_grid_id] && scope);
  create index on road_cover_disks using gist (g);
  select count(*)::int into n from road_cover_disks;
  create temp table road_cover_pieces on commit drop as
    select ST_Subdivide(ST_SetSRID(p_reach, 4326), 128) as g where p_reach is not null and not ST_IsEmpty(p_reach);
  create index on road_cover_pieces using gist (g);
  analyze road_cover_pieces;
  if exists (select 1 from road_cover_pieces p
             where not coalesce(ST_Covers((select ST_Union(d.g) from road_cover_disks d where d.g && p.g), p.g), false)) then
    raise exception 'reach outside the service disks of the stations in scope' using errcode = '22023';
  end if;
  -- From the pieces into incidents' own GiST index (one probe per piece, not per incident);
  -- an incident on the boundary of two pieces is counted once.
  return query execute format($q$
    select c.inside::int, (c.total - c.inside)::int, $5
    from (
      select (select count(*) from public.incidents i
              where i.reported_at >= $2 and i.reported_at < $3 %1$s and ($4 is null or i.type = any ($4))) as total,
             (select count(distinct i.id) from pg_temp.road_cover_pieces p
              join public.incidents i on ST_Covers(p.g, i.geom)
              where i.reported_at >= $2 and i.reported_at < $3 %1$s and ($4 is null or i.type = any ($4))) as inside
    ) c$q$, public.incident_area_condition(col))
  using p_area, p_from, p_to, p_incident_types, n;
end $$;

revoke all on function area_station_coverage_incidents_road(integer, timestamptz, timestamptz, text[], double precision, text[], geometry) from public;
grant execute on function area_station_coverage_incidents_road(integer, timestamptz, timestamptz, text[], double precision, text[], geometry) to gridpulse_app;
