-- Station registry (issue 6): who may add, edit, move, close and reopen stations, and the limits
-- every station row keeps whoever writes it.
--
-- Until now one policy (stations_scope, 0023) let every known role of a scope write its stations:
-- a grid member could have moved a police post. Stations are planning objects: planners site them,
-- commanders run them, admins run everything. So reading stays as before (every role, its row
-- scope), and writing needs the role admin, commander or planner as well as the row scope. Grid
-- leaders and members read stations only. The API answers them 403 before any SQL (api/stations/
-- registry.ts); this policy is what holds if some other code path ever forgets.
--
-- Boundary changes still move stations between micro-grids whoever edits the areas:
-- follow_boundaries() (0020) is SECURITY DEFINER and writes as the owner.

drop policy stations_scope on stations;

create policy stations_read on stations for select to gridpulse_app
  using (coalesce((select current_setting('app.row_scope', true) = '*')
    or street_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or community_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or micro_grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[]), false));

-- One expression for the three write commands: the managing roles, inside their row scope. For
-- UPDATE it is both USING (which rows may be changed) and WITH CHECK (where a moved row may land).
create policy stations_insert on stations for insert to gridpulse_app
  with check (coalesce((select current_setting('app.role', true) in ('admin', 'commander', 'planner')), false)
    and coalesce((select current_setting('app.row_scope', true) = '*')
    or street_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or community_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or micro_grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[]), false));

create policy stations_update on stations for update to gridpulse_app
  using (coalesce((select current_setting('app.role', true) in ('admin', 'commander', 'planner')), false)
    and coalesce((select current_setting('app.row_scope', true) = '*')
    or street_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or community_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or micro_grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[]), false))
  with check (coalesce((select current_setting('app.role', true) in ('admin', 'commander', 'planner')), false)
    and coalesce((select current_setting('app.row_scope', true) = '*')
    or street_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or community_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[])
    or micro_grid_id = any ((select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[])::integer[]), false));

-- Stations are closed, never deleted (coverage history and the audit log keep pointing at them);
-- deleting stays with admins, e.g. to remove a row imported by mistake.
create policy stations_delete on stations for delete to gridpulse_app
  using (coalesce((select current_setting('app.row_scope', true) = '*'), false));

-- The limits the API checks, kept by the table too (seeded data: radii 300–1,500 m, no closings).
-- 10 km is the siting and coverage limit: a larger disk is a data-entry slip, not a service area.
alter table stations
  add constraint stations_radius_max check (service_radius_m <= 10000),
  add constraint stations_name_nonempty check (length(btrim(name)) between 1 and 100),
  add constraint stations_capacity_nonneg check (capacity is null or capacity >= 0),
  add constraint stations_closed_after_opened check (closed_on is null or opened_on is null or closed_on >= opened_on);
alter table station_types add constraint station_types_radius_max check (default_service_radius_m <= 10000);

-- The registry's lists filter on closed_on (open stations by default).
create index if not exists stations_open_type_idx on stations (type) where closed_on is null;
