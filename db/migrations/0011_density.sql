-- Incident density for heatmaps and hex bins, and the incident list at 1M incidents (issue 4).
-- Measured at `large` scale (1M incidents, PostgreSQL 15): docs/api.md "Density" and "Speed".

-- Where an incident lies, kept on the row so aggregation never reads `geom` (a heap column):
--   lon, lat         exactly ST_X/ST_Y(geom); api/analytics/density.ts turns a bbox into strict
--                    bounds on them that select the same points as PostGIS's `geom && envelope`
--                    (which compares float4 boxes and so takes points up to ~1 m outside the box);
--   cell_x, cell_y   the Web-Mercator tile that holds the point at level 30 (2^30 tiles per axis,
--                    ~3 cm): the density cell of zoom z is (cell_x >> (24 - z), cell_y >> (24 - z)),
--                    an 8-pixel square at that zoom. Latitudes are clamped to Web Mercator's range.
-- Stored generated columns: computed after the BEFORE triggers (assign_areas), so they follow
-- every insert and move; immutable expressions only, the same on PostgreSQL 15 and PGlite.
alter table incidents
  add column lon double precision generated always as (ST_X(geom)) stored,
  add column lat double precision generated always as (ST_Y(geom)) stored,
  add column cell_x integer generated always as (
    floor((ST_X(geom) + 180) / 360 * 1073741824)::integer) stored,
  add column cell_y integer generated always as (
    floor((1 - ln(tan(pi() / 4 + greatest(-85.0511287798066, least(85.0511287798066, ST_Y(geom))) * pi() / 360)) / pi())
          / 2 * 1073741824)::integer) stored;

-- The street/time index (0006) again, now covering everything the density aggregation and the
-- scope policy read, so a whole district's year is one index-only scan of ~100 MB instead of a
-- scan of the heap (~200 MB plus geometry detoasting): `street_id = any(streets)` with a period
-- seeks each street's time range. Same key, so the commander's newest-first list is unchanged.
drop index if exists incidents_street_time_idx;
create index incidents_street_time_idx on incidents (street_id, reported_at)
  include (cell_x, cell_y, community_id, grid_id, micro_grid_id, lon, lat, type, status);

-- The planner's number of density cells. Grouping by (cell_x >> s, cell_y >> s), it otherwise
-- guesses from the columns (each ~unique): ~270k groups where a district has ~30k, and then will
-- not aggregate in parallel workers (it would gather 1M rows instead). Statistics on the cell
-- expressions of the levels a large scan can be grouped at (zoom 8–16 + 6; finer levels come only
-- with small boxes) give it the true figure; the query must write the same expressions
-- (api/analytics/density.ts densitySql).
do $$
begin
  for level in 14..22 loop
    execute format('create statistics incidents_cells_%s (ndistinct) on (cell_x >> %s), (cell_y >> %s) from incidents',
                   level, 30 - level, 30 - level);
  end loop;
end $$;

-- Newest incidents of one status (the list's `status=` filter): without it a rare status
-- (returned, accepted) walked the time index through every other incident.
create index incidents_status_time_idx on incidents (status, reported_at);

-- The incidents policy of 0007, the same rule written so an admin's rows cost nothing each: the
-- old form built array[street_id, …] for every row before finding the admin's scope NULL
-- (coalesce(… && NULL, true)): a third of an admin's 1M-row index-only scan (150 → 100 ms).
-- Now `scope is null` decides first (one more InitPlan, ~0.02 ms a statement); for everyone else
-- the test is unchanged, planners and unknown roles still get '{}' and see no row. The outer
-- coalesce(…, false) never changes the result (the OR is never NULL) but keeps the planner's
-- estimate of the policy at 0.5 as before: bare, `x is null or a && b` is estimated at ~1 %, and
-- list queries switched from walking the time index to sorting every matching row.
drop policy incidents_scope on incidents;
create policy incidents_scope on incidents for all to gridpulse_app
  using (coalesce((select app_case_scope()) is null or array[street_id, community_id, grid_id, micro_grid_id] && (select app_case_scope()), false))
  with check (coalesce((select app_case_scope()) is null or array[street_id, community_id, grid_id, micro_grid_id] && (select app_case_scope()), false));

-- The new columns and statistics are read by the planner only after ANALYZE. A populated table
-- (rewritten above, which clears its visibility map) also needs `VACUUM incidents` before its
-- index-only scans stop visiting the heap: migrations run in a transaction, where VACUUM cannot;
-- autovacuum gets there eventually, run it by hand after migrating a big database.
analyze incidents;
