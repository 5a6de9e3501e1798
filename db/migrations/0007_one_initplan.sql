-- One InitPlan per policy (issue 3, RLS overhead): the incidents, buildings and stations policies
-- read the caller's effective scope once — NULL for an admin (every row), the scope ids for a role
-- that may see those rows, '{}' otherwise — instead of evaluating app_is_admin(), app_reads_cases()
-- and app_scope_ids() as three InitPlans.

/** Scope for incident rows: NULL = all (admin); scope ids for commanders, grid leaders and members; '{}' for planners and unknown roles. */
create or replace function app_case_scope() returns integer[]
language sql stable parallel safe as $$
  select case when public.app_role() = 'admin' then null
              when public.app_role() in ('commander', 'grid_leader', 'grid_member') then public.app_scope_ids()
              else '{}'::integer[] end
$$;

/** Scope for buildings and stations: NULL = all (admin); scope ids for every other known role; '{}' without one. */
create or replace function app_row_scope() returns integer[]
language sql stable parallel safe as $$
  select case when public.app_role() = 'admin' then null else public.app_scope_ids() end
$$;
grant execute on function app_case_scope(), app_row_scope() to gridpulse_app;

-- `array && NULL` is NULL for an admin: coalesce(…, true) lets every row through; '{}' lets none.
drop policy incidents_scope on incidents;
create policy incidents_scope on incidents for all to gridpulse_app
  using (coalesce(array[street_id, community_id, grid_id, micro_grid_id] && (select app_case_scope()), true))
  with check (coalesce(array[street_id, community_id, grid_id, micro_grid_id] && (select app_case_scope()), true));

drop policy buildings_scope on buildings;
create policy buildings_scope on buildings for all to gridpulse_app
  using (coalesce(array[street_id, community_id, grid_id, micro_grid_id] && (select app_row_scope()), true))
  with check (coalesce(array[street_id, community_id, grid_id, micro_grid_id] && (select app_row_scope()), true));

drop policy stations_scope on stations;
create policy stations_scope on stations for all to gridpulse_app
  using (coalesce(array[street_id, community_id, grid_id, micro_grid_id] && (select app_row_scope()), true))
  with check (coalesce(array[street_id, community_id, grid_id, micro_grid_id] && (select app_row_scope()), true));
