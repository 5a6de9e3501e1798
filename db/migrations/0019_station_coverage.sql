-- Station coverage (issue 6): incidents of an area and period inside vs outside the service
-- disks of the open stations of some types. SECURITY DEFINER like area_incident_stats (0009) and
-- area_incident_kpis (0012): planners read no incident rows, so they get two counts, and only for
-- an area in their scope (area_level_in_scope: otherwise no row, which the API answers with 404).
--
-- The function reads the stations itself rather than taking points from the caller: with caller-
-- given centres and a 1 m radius, counts would locate individual incidents. It keeps the stations
-- the caller's row scope shows (the same rows RLS gives the households count), open today.
--
-- Distance is straight-line metres in EPSG:32648, the same test as the households count
-- (api/stations/coverage.ts). Projecting every incident of a year costs ~4 µs each (0.9 s for
-- 210,000 at district scale), so each station carries the Jacobian of the projection at its centre
-- and the test is first made on the linearised distance; only incidents within a band around the
-- circle, where linearisation could err (≤ 0.2 m at 1.5 km, growing with r²), are projected and
-- measured exactly. The answer is the exact one; the band only decides where exactness is bought.
--
-- Each incident is one probe of a GiST index on the disks' WGS84 boxes, held as native `box`es
-- (the PostGIS geometry column cost ~25 µs a probe against ~3 µs). Bitmap scans are off for the
-- call: a bitmap collects every overlapping box (11 on average for the 673 self-governance
-- stations at district scale) before `exists` may stop; a plain index scan stops at the first hit
-- (2.9 s → 2.0 s for that type, EXPLAIN ANALYZE, PostgreSQL 15).

create or replace function area_station_coverage_incidents(
  p_area integer, p_from timestamptz, p_to timestamptz, p_station_types text[], p_radius double precision, p_incident_types text[]
) returns table (inside integer, outside integer, stations integer)
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp set jit = off set enable_bitmapscan = off as $$
declare
  lvl text := public.area_level_in_scope(p_area);
  col text := public.incident_area_column(lvl);
  scope integer[] := public.app_row_scope();
  n integer;
begin
  if lvl is null or p_to <= p_from or (p_radius is not null and p_radius <= 0) then
    return;
  end if;
  -- A second call in the same transaction starts afresh.
  -- (to_regclass first: `drop … if exists` would send the client a notice at every first call.)
  if to_regclass('pg_temp.station_coverage_disks') is not null then
    drop table pg_temp.station_coverage_disks;
  end if;
  -- Jacobian by central differences over ±1e-4° (≈ 10 m): its own error is far below a millimetre.
  create temp table station_coverage_disks on commit drop as
    select s.id, ST_X(s.geom) as lon, ST_Y(s.geom) as lat, o.g as utm, r.r,
           (ST_X(e.g) - ST_X(w.g)) / 2e-4 as j11, (ST_X(n_.g) - ST_X(s_.g)) / 2e-4 as j12,
           (ST_Y(e.g) - ST_Y(w.g)) / 2e-4 as j21, (ST_Y(n_.g) - ST_Y(s_.g)) / 2e-4 as j22,
           -- Conservative WGS84 box around the disk (1° of latitude ≥ 110.5 km; 5 % margin).
           box(point(ST_X(s.geom) - r.r * 1.05 / (110500 * cos(radians(ST_Y(s.geom)))), ST_Y(s.geom) - r.r * 1.05 / 110500),
               point(ST_X(s.geom) + r.r * 1.05 / (110500 * cos(radians(ST_Y(s.geom)))), ST_Y(s.geom) + r.r * 1.05 / 110500)) as box,
           -- Half-width of the band where the linearised test is not trusted.
           0.5 + r.r * r.r * 1e-6 as band
    from public.stations s
    cross join lateral (select coalesce(p_radius, s.service_radius_m::double precision) as r) r
    cross join lateral (select ST_Transform(s.geom, 32648) as g) o
    cross join lateral (select ST_Transform(ST_Translate(s.geom, 1e-4, 0), 32648) as g) e
    cross join lateral (select ST_Transform(ST_Translate(s.geom, -1e-4, 0), 32648) as g) w
    cross join lateral (select ST_Transform(ST_Translate(s.geom, 0, 1e-4), 32648) as g) n_
    cross join lateral (select ST_Transform(ST_Translate(s.geom, 0, -1e-4), 32648) as g) s_
    where s.type = any (p_station_types) and s.closed_on is null and (s.opened_on is null or s.opened_on <= current_date)
      and (scope is null or array[s.street_id, s.community_id, s.grid_id, s.micro_grid_id] && scope);
  create index on station_coverage_disks using gist (box);
  analyze station_coverage_disks;
  select count(*)::int into n from station_coverage_disks;
  -- The box test is `&&` against a degenerate box: box_ops indexes box-to-box operators only.
  -- One exists() per incident (outside = all − inside, so the probe runs once).
  return query execute format($q$
    select c.inside::int, (c.total - c.inside)::int, $5
    from (
      select count(*) as total, count(*) filter (where exists (
          select 1 from pg_temp.station_coverage_disks d
          cross join lateral (select sqrt((d.j11 * (i.x - d.lon) + d.j12 * (i.y - d.lat)) ^ 2
                                        + (d.j21 * (i.x - d.lon) + d.j22 * (i.y - d.lat)) ^ 2) as m) l
          where d.box && box(point(i.x, i.y), point(i.x, i.y))
            and (l.m <= d.r - d.band
                 or (l.m <= d.r + d.band and ST_Distance(ST_Transform(i.geom, 32648), d.utm) <= d.r)))) as inside
      from (
        select ST_X(i.geom) as x, ST_Y(i.geom) as y, i.geom
        from public.incidents i
        where i.reported_at >= $2 and i.reported_at < $3 %s and ($4 is null or i.type = any ($4))
      ) i
    ) c$q$, public.incident_area_condition(col))
  using p_area, p_from, p_to, p_incident_types, n;
end $$;

revoke all on function area_station_coverage_incidents(integer, timestamptz, timestamptz, text[], double precision, text[]) from public;
grant execute on function area_station_coverage_incidents(integer, timestamptz, timestamptz, text[], double precision, text[]) to gridpulse_app;
