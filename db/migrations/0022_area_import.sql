-- Boundary import (issue 7; docs/import.md): a previewed file of areas replaces a parent's children
-- at one level, all or nothing.
--
-- 1. area_import_previews: the checked, mapped features of an upload, kept server side until they are
--    committed or expire, so the commit does not trust the client to send the same file twice and
--    any API process can commit a preview another one made. Each row belongs to the account that
--    made it (RLS on app.account_id).
-- 2. Commanders may write the areas inside their scope (not their scoped areas themselves: a
--    street's own boundary belongs to the district's tiling). Before, only admins could.
-- 3. Two SECURITY DEFINER helpers for what the caller's policies hide or forbid: which codes are
--    taken outside the parent (codes are unique district-wide, and a commander cannot see other
--    streets), and moving the rows that point at a removed area (people's links, patrol tasks,
--    history rows) before it is deleted.

create table area_import_previews (
  id              uuid primary key default gen_random_uuid(),
  account_id      integer not null references users(id) on delete cascade,
  parent_id       integer not null references areas(id) on delete cascade,
  level           text not null check (level in ('street', 'community', 'grid', 'micro_grid')),
  -- [{ fid, code, name, households, geometry }] in WGS84, only when every feature could be read.
  features        jsonb not null,
  -- The problems that forbid committing (answered again by the commit).
  blocking        jsonb not null default '[]',
  -- md5 of the parent's geometry and its children's ids, codes and geometries at preview time.
  children_state  text not null,
  summary         jsonb not null,
  created_at      timestamptz not null default now(),
  expires_at      timestamptz not null
);
create index area_import_previews_account_idx on area_import_previews (account_id, expires_at);
create index area_import_previews_parent_idx on area_import_previews (parent_id);

grant select, insert, delete on area_import_previews to gridpulse_app;
alter table area_import_previews enable row level security;
alter table area_import_previews force row level security;
create policy area_import_previews_owner on area_import_previews to current_user using (true) with check (true);
create policy area_import_previews_own on area_import_previews for all to gridpulse_app
  using (account_id = nullif(current_setting('app.account_id', true), '')::integer)
  with check (account_id = nullif(current_setting('app.account_id', true), '')::integer);

-- Commanders: areas strictly inside their scope (the policy is OR-ed with areas_admin_write).
-- Writes only (reads stay with areas_read): a FOR ALL policy would be OR-ed into every read too.
create policy areas_commander_insert on areas for insert to gridpulse_app
  with check (coalesce((select current_setting('app.role', true) = 'commander')
    and path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
    and not array[id] && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[]), false));
create policy areas_commander_update on areas for update to gridpulse_app
  using (coalesce((select current_setting('app.role', true) = 'commander')
    and path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
    and not array[id] && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[]), false))
  with check (coalesce((select current_setting('app.role', true) = 'commander')
    and path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
    and not array[id] && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[]), false));
create policy areas_commander_delete on areas for delete to gridpulse_app
  using (coalesce((select current_setting('app.role', true) = 'commander')
    and path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
    and not array[id] && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[]), false));

/** True when the request's user may write the children of area p_parent (admin, or a commander whose scope holds it). */
create or replace function area_import_allowed(p_parent integer) returns boolean
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  select coalesce(current_setting('app.row_scope', true) = '*', false)
    or coalesce(current_setting('app.role', true) = 'commander' and exists (
      select 1 from public.areas a where a.id = p_parent
        and a.path && string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[]), false)
$$;

/**
 * Of p_codes, those an area outside the children of p_parent at p_level already uses (codes are
 * unique district-wide). Answers codes only, never which area holds them: it may be outside scope.
 */
create or replace function area_codes_taken(p_parent integer, p_level text, p_codes text[]) returns text[]
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  select coalesce(array_agg(a.code order by a.code), '{}')
  from public.areas a
  where public.area_import_allowed(p_parent) and a.code = any (p_codes)
    and not (a.parent_id is not distinct from p_parent and a.level = p_level)
$$;

/**
 * Before removed children (p_removed, children of p_parent at p_level) are deleted, move what points
 * at them to the final children (p_final):
 * - incidents, stations (by their point) and buildings (by a point on their surface) whose area of
 *   that level is removed or one of the final ones: the final child holding the point (lowest id,
 *   as locate_areas decides), else the one they have if it stays, else the nearest final child (a
 *   point in a gap of the imported file); history rows take their incident's areas;
 * - people's links (person_areas, user_areas) and patrol tasks: the final child covering most of
 *   the removed one (else the nearest).
 * Answers how many rows of each kind moved. Nothing happens unless the caller may import there.
 */
create or replace function area_import_repoint(p_parent integer, p_level text, p_removed integer[], p_final integer[])
returns jsonb
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  col text;
  kids integer[];
  removed integer[];
  n_incidents integer := 0;
  n_buildings integer := 0;
  n_stations integer := 0;
  n_people integer := 0;
  n_users integer := 0;
  n_tasks integer := 0;
begin
  if not public.area_import_allowed(p_parent) then
    raise exception 'area % is outside your areas', p_parent using errcode = '42501';
  end if;
  col := case p_level when 'street' then 'street_id' when 'community' then 'community_id' when 'grid' then 'grid_id'
    when 'micro_grid' then 'micro_grid_id' end;
  if col is null then
    raise exception 'unknown level %', p_level using errcode = '22023';
  end if;
  -- Only children of the parent at that level count, whatever the caller passed.
  kids := array(select a.id from public.areas a where a.parent_id = p_parent and a.level = p_level and a.id = any (p_final) order by a.id);
  removed := array(select a.id from public.areas a where a.parent_id = p_parent and a.level = p_level and a.id = any (p_removed) order by a.id);
  if cardinality(kids) = 0 then
    return jsonb_build_object('incidents', 0, 'buildings', 0, 'stations', 0, 'people_links', 0, 'user_links', 0, 'patrol_tasks', 0);
  end if;

  create temporary table if not exists import_final (id integer primary key, geom geometry) on commit drop;
  truncate import_final;
  insert into import_final select a.id, a.geom from public.areas a where a.id = any (kids);

  -- Points: holder, else kept, else nearest. %1$I is the level's column, a constant of this function.
  execute format($q$
    update public.incidents t set %1$I = p.pick
    from (
      select t2.street_id, t2.id, coalesce(
        (select f.id from import_final f where f.geom && t2.geom and ST_Intersects(f.geom, t2.geom) order by f.id limit 1),
        case when t2.%1$I = any ($2) then t2.%1$I end,
        (select f.id from import_final f order by f.geom <-> t2.geom, f.id limit 1)) as pick
      from public.incidents t2 where t2.%1$I = any ($1 || $2)
    ) p
    where t.street_id = p.street_id and t.id = p.id and t.%1$I <> p.pick $q$, col) using removed, kids;
  get diagnostics n_incidents = row_count;
  -- History rows carry their incident's areas (their scope policy reads them).
  execute format($q$
    update public.incident_events e set %1$I = i.%1$I from public.incidents i
    where e.incident_id = i.id and e.%1$I = any ($1) and e.%1$I <> i.%1$I $q$, col) using removed;

  execute format($q$
    update public.stations t set %1$I = p.pick
    from (
      select t2.id, coalesce(
        (select f.id from import_final f where f.geom && t2.geom and ST_Intersects(f.geom, t2.geom) order by f.id limit 1),
        case when t2.%1$I = any ($2) then t2.%1$I end,
        (select f.id from import_final f order by f.geom <-> t2.geom, f.id limit 1)) as pick
      from public.stations t2 where t2.%1$I = any ($1 || $2)
    ) p
    where t.id = p.id and t.%1$I <> p.pick $q$, col) using removed, kids;
  get diagnostics n_stations = row_count;

  execute format($q$
    update public.buildings t set %1$I = p.pick
    from (
      select t2.id, coalesce(
        (select f.id from import_final f where f.geom && s.probe and ST_Intersects(f.geom, s.probe) order by f.id limit 1),
        case when t2.%1$I = any ($2) then t2.%1$I end,
        (select f.id from import_final f order by f.geom <-> s.probe, f.id limit 1)) as pick
      from public.buildings t2, lateral (select ST_PointOnSurface(t2.geom) as probe) s where t2.%1$I = any ($1 || $2)
    ) p
    where t.id = p.id and t.%1$I <> p.pick $q$, col) using removed, kids;
  get diagnostics n_buildings = row_count;

  if cardinality(removed) > 0 then
    create temporary table if not exists import_successor (old_id integer primary key, new_id integer) on commit drop;
    truncate import_successor;
    insert into import_successor
    select r.id, coalesce(
      (select f.id from import_final f where f.geom && r.geom and ST_Intersects(f.geom, r.geom)
        order by ST_Area(ST_Intersection(f.geom, r.geom)) desc, f.id limit 1),
      (select f.id from import_final f order by f.geom <-> r.geom, f.id limit 1))
    from public.areas r where r.id = any (removed);

    insert into public.person_areas (person_id, area_id)
    select pa.person_id, s.new_id from public.person_areas pa join import_successor s on s.old_id = pa.area_id
    on conflict do nothing;
    delete from public.person_areas pa using import_successor s where pa.area_id = s.old_id;
    get diagnostics n_people = row_count;

    insert into public.user_areas (user_id, area_id)
    select ua.user_id, s.new_id from public.user_areas ua join import_successor s on s.old_id = ua.area_id
    on conflict do nothing;
    delete from public.user_areas ua using import_successor s where ua.area_id = s.old_id;
    get diagnostics n_users = row_count;

    if col in ('grid_id', 'street_id') then
      execute format('update public.patrol_tasks t set %1$I = s.new_id from import_successor s where t.%1$I = s.old_id', col);
      get diagnostics n_tasks = row_count;
    end if;
  end if;

  return jsonb_build_object('incidents', n_incidents, 'buildings', n_buildings, 'stations', n_stations,
    'people_links', n_people, 'user_links', n_users, 'patrol_tasks', n_tasks);
end $$;

revoke all on function area_import_allowed(integer) from public;
revoke all on function area_codes_taken(integer, text, text[]) from public;
revoke all on function area_import_repoint(integer, text, integer[], integer[]) from public;
grant execute on function area_import_allowed(integer) to gridpulse_app;
grant execute on function area_codes_taken(integer, text, text[]) to gridpulse_app;
grant execute on function area_import_repoint(integer, text, integer[], integer[]) to gridpulse_app;
