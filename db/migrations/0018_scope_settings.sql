-- Row-level security's planning cost (issue 3: ≤ 15 % overhead per request).
--
-- The policies called small SQL functions (app_case_scope(), app_row_scope(), app_scope_ids(),
-- app_is_admin(), each calling app_role()). They inline, but the planner parses and analyses each
-- function body again at every call site of every query: ~0.3–0.5 ms of planning per incidents or
-- areas query (EXPLAIN of an admin's district page: planning 0.44–0.67 ms with the functions,
-- 0.15–0.2 ms with the expressions below; 0.13–0.22 ms without RLS). app_set_scope() now also
-- stores what each policy needs, already decided, and the policies read the settings directly:
--   app.case_scope  '*' admin · scope ids (commander, grid leader, grid member) · '' anyone else
--   app.row_scope   '*' admin · scope ids (every other known role)             · '' unknown role
-- An unset or empty setting matches nothing: a transaction that did not go through app_set_scope()
-- sees no rows (fail closed, as before). The functions stay, reading the same settings, for the
-- SECURITY DEFINER aggregates and the API.

create or replace function app_set_scope(
  p_role text, p_user_id integer, p_area_ids integer[],
  p_account_id integer default null, p_username text default null, p_client text default null
) returns void
language plpgsql volatile as $$
declare
  known boolean := coalesce(p_role in ('admin', 'commander', 'grid_leader', 'grid_member', 'planner'), false);
  ids integer[];
  anc integer[];
  ids_text text;
begin
  perform set_config('app.role', coalesce(p_role, ''), true);
  perform set_config('app.user_id', coalesce(p_user_id::text, ''), true);
  perform set_config('app.area_ids', array_to_string(coalesce(p_area_ids, '{}'), ','), true);
  perform set_config('app.account_id', coalesce(p_account_id::text, ''), true);
  perform set_config('app.username', coalesce(p_username, ''), true);
  perform set_config('app.client_addr', coalesce(p_client, ''), true);
  -- Rows carry street/community/grid/micro-grid ids, not the district: a district means its streets.
  ids := array(
    select distinct x from (
      select unnest(coalesce(p_area_ids, '{}')) as x
      union all
      select a.id from public.areas a where a.level = 'street' and a.parent_id = any (coalesce(p_area_ids, '{}'))
    ) s order by x);
  anc := array(select distinct p from public.areas a, unnest(a.path) p where a.id = any (ids) order by p);
  ids_text := case when known then array_to_string(ids, ',') else '' end;
  perform set_config('app.scope_ids', ids_text, true);
  perform set_config('app.scope_ancestor_ids', case when known then array_to_string(anc, ',') else '' end, true);
  perform set_config('app.row_scope', case when p_role = 'admin' then '*' else ids_text end, true);
  perform set_config('app.case_scope',
    case when p_role = 'admin' then '*' when p_role in ('commander', 'grid_leader', 'grid_member') then ids_text else '' end, true);
end $$;
revoke all on function app_set_scope(text, integer, integer[], integer, text, text) from public;

/** NULL = every row (admin); the scope ids for case readers; '{}' for anyone else. */
create or replace function app_case_scope() returns integer[]
language sql stable parallel safe as $$
  select case current_setting('app.case_scope', true) when '*' then null::integer[]
    else coalesce(string_to_array(nullif(current_setting('app.case_scope', true), ''), ',')::integer[], '{}') end
$$;

/** NULL = every row (admin); the scope ids for every other known role; '{}' without one. */
create or replace function app_row_scope() returns integer[]
language sql stable parallel safe as $$
  select case current_setting('app.row_scope', true) when '*' then null::integer[]
    else coalesce(string_to_array(nullif(current_setting('app.row_scope', true), ''), ',')::integer[], '{}') end
$$;

-- Each setting is read once per statement ((select …) = one InitPlan); '*' short-circuits the row test.
drop policy incidents_scope on incidents;
create policy incidents_scope on incidents for all to gridpulse_app
  using (coalesce((select current_setting('app.case_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[]), false))
  with check (coalesce((select current_setting('app.case_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[]), false));

drop policy incident_events_scope on incident_events;
create policy incident_events_scope on incident_events for all to gridpulse_app
  using (coalesce((select current_setting('app.case_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[]), false))
  with check (coalesce((select current_setting('app.case_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[]), false));

drop policy buildings_scope on buildings;
create policy buildings_scope on buildings for all to gridpulse_app
  using (coalesce((select current_setting('app.row_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[]), false))
  with check (coalesce((select current_setting('app.row_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[]), false));

drop policy stations_scope on stations;
create policy stations_scope on stations for all to gridpulse_app
  using (coalesce((select current_setting('app.row_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[]), false))
  with check (coalesce((select current_setting('app.row_scope', true) = '*')
    or array[street_id, community_id, grid_id, micro_grid_id] && (select string_to_array(nullif(nullif(current_setting('app.row_scope', true), '*'), ''), ',')::integer[]), false));

-- Areas: the scoped areas, everything inside them and their ancestors; admins everything. The
-- write policy applies to reads too (FOR ALL), so it is written the same cheap way.
drop policy if exists areas_read on areas;
create policy areas_read on areas for select to gridpulse_app using (
  coalesce((select current_setting('app.row_scope', true) = '*'), false)
  or path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
  or id = any ((select string_to_array(nullif(current_setting('app.scope_ancestor_ids', true), ''), ','))::integer[])
);
drop policy areas_admin_write on areas;
create policy areas_admin_write on areas for all to gridpulse_app
  using (coalesce((select current_setting('app.row_scope', true) = '*'), false))
  with check (coalesce((select current_setting('app.row_scope', true) = '*'), false));
