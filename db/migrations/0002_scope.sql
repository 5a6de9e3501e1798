-- Area scope enforced by row-level security (see docs/security.md).
--
-- The API connects as the owner (superuser `postgres` on both engines) and runs each request's
-- queries in one transaction that does `SET LOCAL ROLE gridpulse_app` and sets, transaction-local:
--   app.user_id   people.id of the signed-in user
--   app.role      admin | commander | grid_leader | grid_member | planner
--   app.area_ids  comma-separated area ids (any level)
-- Scope = those areas and everything inside them. Policies apply only to gridpulse_app; with no
-- (or an unknown) role set, gridpulse_app sees nothing.

-- Roles are cluster-wide on PostgreSQL: create once, never fail when another database made it.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'gridpulse_app') then
    create role gridpulse_app nologin nosuperuser nobypassrls noinherit nocreatedb nocreaterole;
  end if;
  -- A superuser may SET ROLE to anything; a non-superuser owner must be a member to switch to it.
  if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant gridpulse_app to %I', current_user);
  end if;
end $$;

grant usage on schema public to gridpulse_app;
-- Reference data and the basemap: read-only, no row filter.
grant select on roads, station_types, incident_types to gridpulse_app;
-- Scoped tables. track_points is granted on the parent only: partitions are reached through it
-- (direct access to a partition would skip the parent's policies, so it stays ungranted).
grant select, insert, update, delete on areas, buildings, people, person_areas, stations, incidents, patrol_tasks, track_points to gridpulse_app;
grant usage, select on all sequences in schema public to gridpulse_app;

-- ---------------------------------------------------------------------------------------------
-- Scope helpers. Policies call them as `(select f())`: an InitPlan, evaluated once per statement
-- rather than once per row.

/** The signed-in user's role from app.role, or null when unset or not one of the known roles. */
create or replace function app_role() returns text
language sql stable parallel safe as $$
  select r from (select nullif(current_setting('app.role', true), '') as r) s
  where r in ('admin', 'commander', 'grid_leader', 'grid_member', 'planner')
$$;

/** The signed-in user's people.id from app.user_id, or null. */
create or replace function app_user_id() returns integer
language sql stable parallel safe as $$
  select nullif(current_setting('app.user_id', true), '')::integer
$$;

/** True when app.role is admin: no area filter. */
create or replace function app_is_admin() returns boolean
language sql stable parallel safe as $$
  select coalesce(app_role() = 'admin', false)
$$;

/** True when the role may read individual incidents, patrols, people and tracks (not planners). */
create or replace function app_reads_cases() returns boolean
language sql stable parallel safe as $$
  select coalesce(app_role() in ('admin', 'commander', 'grid_leader', 'grid_member'), false)
$$;

/**
 * The scope as area ids: app.area_ids plus the streets of any district among them (rows carry
 * street/community/grid/micro-grid ids, not the district). Empty without a known role.
 * SECURITY DEFINER: it reads areas, whose own policy calls it (no recursion through RLS).
 */
create or replace function app_scope_ids() returns integer[]
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  with s as (
    select coalesce(string_to_array(nullif(current_setting('app.area_ids', true), ''), ',')::integer[], '{}') as ids
    where public.app_role() is not null
  )
  select coalesce(array_agg(distinct x order by x), '{}') from (
    select unnest(ids) as x from s
    union all
    select a.id from public.areas a, s where a.level = 'street' and a.parent_id = any (s.ids)
  ) u
$$;

/** Ancestors of the scoped areas (their paths), so breadcrumbs up to the district resolve. */
create or replace function app_scope_ancestor_ids() returns integer[]
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  select coalesce(array_agg(distinct p order by p), '{}')
  from public.areas a, unnest(a.path) p
  where a.id = any (public.app_scope_ids())
$$;

/** People attached (person_areas) to an area in scope: one indexed lookup per statement. */
create or replace function app_scope_person_ids() returns setof integer
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  select distinct pa.person_id
  from public.areas a join public.person_areas pa on pa.area_id = a.id
  where a.path && public.app_scope_ids()
$$;

/** True when an area path lies in scope (an area is in scope iff its path overlaps the scope ids). */
create or replace function in_scope(path integer[]) returns boolean
language sql stable parallel safe as $$
  select app_is_admin() or path && app_scope_ids()
$$;

-- The locating trigger (assign_areas -> locate_areas) must see every micro-grid, or a row placed
-- out of scope fails as "outside the district" instead of being refused by the policy's WITH CHECK.
-- It only maps a point to area ids.
alter function locate_areas(geometry) security definer set search_path = pg_catalog, public, pg_temp;

-- Under RLS the planner only uses a query's own condition as an index condition when its operator
-- is LEAKPROOF; PostGIS's bounding-box `&&` is not marked so, and every bbox query of the app role
-- became a sequential scan (210k incidents: 113 ms instead of 0.3 ms). `&&` compares two boxes and
-- raises no data-dependent error (mixed SRIDs included), so it is declared leakproof here.
-- Superuser only (both engines migrate as one); an extension update resets it (docs/security.md).
do $$
begin
  if (select rolsuper from pg_roles where rolname = current_user) then
    alter function geometry_overlaps(geometry, geometry) leakproof;
  else
    raise warning 'not a superuser: geometry && stays non-leakproof, bbox queries under RLS will not use GiST indexes';
  end if;
end $$;

revoke all on function app_scope_ids(), app_scope_ancestor_ids(), app_scope_person_ids() from public;
grant execute on function app_role(), app_user_id(), app_is_admin(), app_reads_cases(), app_scope_ids(),
  app_scope_ancestor_ids(), app_scope_person_ids(), in_scope(integer[]), locate_areas(geometry), assign_areas()
  to gridpulse_app;

-- ---------------------------------------------------------------------------------------------
-- Policies. FORCE makes them apply to the table owner too; the owner (the migrating role, here
-- the superuser, which bypasses RLS anyway) keeps full access through `<table>_owner`, so the seed,
-- migrations and the not-yet-scoped API keep working if the owner is ever a non-superuser.

alter table areas enable row level security;
alter table areas force row level security;
create policy areas_owner on areas to current_user using (true) with check (true);
-- Read: the scoped areas, everything inside them, and their ancestors (breadcrumbs, map context).
create policy areas_read on areas for select to gridpulse_app using (
  (select app_is_admin())
  or path && (select app_scope_ids())
  or id = any ((select app_scope_ancestor_ids())::integer[])
);
-- Write: the area hierarchy is edited by admins only.
create policy areas_admin_write on areas for all to gridpulse_app
  using ((select app_is_admin())) with check ((select app_is_admin()));

alter table buildings enable row level security;
alter table buildings force row level security;
create policy buildings_owner on buildings to current_user using (true) with check (true);
create policy buildings_scope on buildings for all to gridpulse_app
  using (
    (select app_is_admin())
    or street_id = any ((select app_scope_ids())::integer[]) or community_id = any ((select app_scope_ids())::integer[])
    or grid_id = any ((select app_scope_ids())::integer[]) or micro_grid_id = any ((select app_scope_ids())::integer[])
  ) with check (
    (select app_is_admin())
    or street_id = any ((select app_scope_ids())::integer[]) or community_id = any ((select app_scope_ids())::integer[])
    or grid_id = any ((select app_scope_ids())::integer[]) or micro_grid_id = any ((select app_scope_ids())::integer[])
  );

alter table stations enable row level security;
alter table stations force row level security;
create policy stations_owner on stations to current_user using (true) with check (true);
create policy stations_scope on stations for all to gridpulse_app
  using (
    (select app_is_admin())
    or street_id = any ((select app_scope_ids())::integer[]) or community_id = any ((select app_scope_ids())::integer[])
    or grid_id = any ((select app_scope_ids())::integer[]) or micro_grid_id = any ((select app_scope_ids())::integer[])
  ) with check (
    (select app_is_admin())
    or street_id = any ((select app_scope_ids())::integer[]) or community_id = any ((select app_scope_ids())::integer[])
    or grid_id = any ((select app_scope_ids())::integer[]) or micro_grid_id = any ((select app_scope_ids())::integer[])
  );

-- Incidents: planners get no rows (aggregates will come through a SECURITY DEFINER function).
alter table incidents enable row level security;
alter table incidents force row level security;
create policy incidents_owner on incidents to current_user using (true) with check (true);
create policy incidents_scope on incidents for all to gridpulse_app
  using (
    (select app_is_admin())
    or ((select app_reads_cases()) and (
      street_id = any ((select app_scope_ids())::integer[]) or community_id = any ((select app_scope_ids())::integer[])
      or grid_id = any ((select app_scope_ids())::integer[]) or micro_grid_id = any ((select app_scope_ids())::integer[])))
  ) with check (
    (select app_is_admin())
    or ((select app_reads_cases()) and (
      street_id = any ((select app_scope_ids())::integer[]) or community_id = any ((select app_scope_ids())::integer[])
      or grid_id = any ((select app_scope_ids())::integer[]) or micro_grid_id = any ((select app_scope_ids())::integer[])))
  );

-- Patrol tasks carry street and grid only: a task is in scope iff its grid is (any level).
alter table patrol_tasks enable row level security;
alter table patrol_tasks force row level security;
create policy patrol_tasks_owner on patrol_tasks to current_user using (true) with check (true);
create policy patrol_tasks_scope on patrol_tasks for all to gridpulse_app
  using (
    (select app_is_admin())
    or ((select app_reads_cases()) and grid_id in (select a.id from areas a where a.path && (select app_scope_ids())))
  ) with check (
    (select app_is_admin())
    or ((select app_reads_cases()) and grid_id in (select a.id from areas a where a.path && (select app_scope_ids())))
  );

-- People: those attached to an area in scope, and the user themself. Personnel are edited by admins.
alter table people enable row level security;
alter table people force row level security;
create policy people_owner on people to current_user using (true) with check (true);
create policy people_read on people for select to gridpulse_app using (
  (select app_is_admin())
  or id = (select app_user_id())
  or ((select app_reads_cases()) and id in (select app_scope_person_ids()))
);
create policy people_admin_write on people for all to gridpulse_app
  using ((select app_is_admin())) with check ((select app_is_admin()));

alter table person_areas enable row level security;
alter table person_areas force row level security;
create policy person_areas_owner on person_areas to current_user using (true) with check (true);
create policy person_areas_read on person_areas for select to gridpulse_app using (
  (select app_is_admin())
  or person_id = (select app_user_id())
  or ((select app_reads_cases()) and area_id in (select a.id from areas a where a.path && (select app_scope_ids())))
);
create policy person_areas_admin_write on person_areas for all to gridpulse_app
  using ((select app_is_admin())) with check ((select app_is_admin()));

-- Track points: of people attached to an area in scope (hashed once per statement), and a user's
-- own points (a grid member's phone uploads them). Planners: none.
alter table track_points enable row level security;
alter table track_points force row level security;
create policy track_points_owner on track_points to current_user using (true) with check (true);
create policy track_points_scope on track_points for all to gridpulse_app
  using (
    (select app_is_admin())
    or ((select app_reads_cases()) and (person_id = (select app_user_id()) or person_id in (select app_scope_person_ids())))
  ) with check (
    (select app_is_admin())
    or ((select app_reads_cases()) and (person_id = (select app_user_id()) or person_id in (select app_scope_person_ids())))
  );
