-- Scope computed once per transaction (issue 3, RLS overhead).
--
-- app_scope_ids() and app_scope_ancestor_ids() were SECURITY DEFINER functions that read `areas`
-- on every call: the planner cannot inline such a function, each `(select app_scope_ids())` in a
-- policy became its own InitPlan (~0.25 ms each, up to four per incidents query), and RLS cost
-- 15–35 % of a 6 ms request (bench/scope.ts). Now app_set_scope() expands the scope once, as the
-- owner, when the request's transaction begins (db/scope.ts sends it before SET LOCAL ROLE), and
-- stores the result in transaction-local settings; the two helpers just read them.

/** Set the request's scope (transaction-local): role, people id, areas and, expanded, the scope and ancestor ids. Called by the owner before SET LOCAL ROLE gridpulse_app. */
create or replace function app_set_scope(
  p_role text, p_user_id integer, p_area_ids integer[],
  p_account_id integer default null, p_username text default null, p_client text default null
) returns void
language plpgsql volatile as $$
declare
  ids integer[];
  anc integer[];
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
  perform set_config('app.scope_ids', array_to_string(ids, ','), true);
  perform set_config('app.scope_ancestor_ids', array_to_string(anc, ','), true);
end $$;
revoke all on function app_set_scope(text, integer, integer[], integer, text, text) from public;

-- Plain, inlinable readers of what app_set_scope stored. Empty without a known role: fail closed.
create or replace function app_scope_ids() returns integer[]
language sql stable parallel safe as $$
  select case when public.app_role() is null then '{}'::integer[]
    else coalesce(string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[], '{}') end
$$;

create or replace function app_scope_ancestor_ids() returns integer[]
language sql stable parallel safe as $$
  select case when public.app_role() is null then '{}'::integer[]
    else coalesce(string_to_array(nullif(current_setting('app.scope_ancestor_ids', true), ''), ',')::integer[], '{}') end
$$;
grant execute on function app_scope_ids(), app_scope_ancestor_ids() to gridpulse_app;

-- One overlap test per row instead of four `= any` tests, each with its own InitPlan.
drop policy buildings_scope on buildings;
create policy buildings_scope on buildings for all to gridpulse_app
  using ((select app_is_admin()) or array[street_id, community_id, grid_id, micro_grid_id] && (select app_scope_ids()))
  with check ((select app_is_admin()) or array[street_id, community_id, grid_id, micro_grid_id] && (select app_scope_ids()));

drop policy stations_scope on stations;
create policy stations_scope on stations for all to gridpulse_app
  using ((select app_is_admin()) or array[street_id, community_id, grid_id, micro_grid_id] && (select app_scope_ids()))
  with check ((select app_is_admin()) or array[street_id, community_id, grid_id, micro_grid_id] && (select app_scope_ids()));

drop policy incidents_scope on incidents;
create policy incidents_scope on incidents for all to gridpulse_app
  using ((select app_is_admin()) or ((select app_reads_cases()) and array[street_id, community_id, grid_id, micro_grid_id] && (select app_scope_ids())))
  with check ((select app_is_admin()) or ((select app_reads_cases()) and array[street_id, community_id, grid_id, micro_grid_id] && (select app_scope_ids())));

-- A street commander's newest incidents: without this the planner walks all incidents by time and
-- filters (the policy is evaluated on every row it walks); streets are also the Citus distribution key.
create index incidents_street_time_idx on incidents (street_id, reported_at);
