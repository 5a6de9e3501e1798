-- Boundary history (issue 7): every change of an area's shape, name, code, level or parent is a new
-- version with its validity (valid_from … valid_to, NULL = current), who made it and why. The map
-- can be drawn as of any date from these rows. Versions outlive their area (no foreign key): a
-- removed micro-grid stays in the history, closed at its removal.
--
-- Versions are written by triggers on areas, in the transaction of the change (an import, a
-- generated set of micro-grids, an edit): the time is the transaction's (now()), so everything one
-- commit changes shares one instant, and a second change of the same area in the same transaction
-- replaces that transaction's version instead of adding a zero-length one. Households and
-- population are copied as they are when the version is made; the totals refresh after buildings
-- move does not make versions (refresh_area_totals() changes no boundary).
--
-- Who: app.account_id / app.username (set per request by app_set_scope's caller). Why:
-- app.change_reason, which the API sets from the request (e.g. "import grids.zip"); empty when the
-- change came from elsewhere (psql, the seed).

create table area_versions (
  id              bigint generated always as identity primary key,
  area_id         integer not null,
  version         integer not null,
  change          text not null check (change in ('insert', 'update', 'delete')),
  parent_id       integer,
  level           text not null,
  code            text not null,
  name            text not null,
  geom            geometry(MultiPolygon, 4326) not null,
  households      integer not null,
  population      integer not null,
  path            integer[] not null,
  valid_from      timestamptz not null,
  valid_to        timestamptz,
  changed_by      integer,
  changed_by_name text,
  reason          text,
  unique (area_id, version),
  check (valid_to is null or valid_to >= valid_from)
);
create index area_versions_current_idx on area_versions (area_id) where valid_to is null;
create index area_versions_parent_idx on area_versions (parent_id, valid_from);
create index area_versions_level_idx on area_versions (level, valid_from);
create index area_versions_geom_gist on area_versions using gist (geom);

/** Row trigger on areas: close the area's current version and, unless it was deleted, open the next. */
create or replace function record_area_version() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  at timestamptz := now();
  next_version integer;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    -- A second change in one transaction replaces that transaction's version.
    delete from area_versions where area_id = old.id and valid_to is null and valid_from = at;
    update area_versions set valid_to = at where area_id = old.id and valid_to is null;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    select coalesce(max(version), 0) + 1 into next_version from area_versions where area_id = new.id;
    insert into area_versions (area_id, version, change, parent_id, level, code, name, geom, households, population, path,
                               valid_from, changed_by, changed_by_name, reason)
    values (new.id, next_version, case when next_version = 1 then 'insert' else lower(tg_op) end, new.parent_id, new.level, new.code,
            new.name, new.geom, new.households, new.population, new.path, at,
            nullif(current_setting('app.account_id', true), '')::integer, nullif(current_setting('app.username', true), ''),
            nullif(current_setting('app.change_reason', true), ''));
  end if;
  if tg_op = 'DELETE' then
    -- The closed version says who removed it and why.
    update area_versions set change = 'delete',
      changed_by = coalesce(nullif(current_setting('app.account_id', true), '')::integer, changed_by),
      changed_by_name = coalesce(nullif(current_setting('app.username', true), ''), changed_by_name),
      reason = coalesce(nullif(current_setting('app.change_reason', true), ''), reason)
    where area_id = old.id and valid_to = at and version = (select max(version) from area_versions where area_id = old.id);
  end if;
  return null;
end $$;

create trigger areas_version_insert after insert on areas for each row execute function record_area_version();
create trigger areas_version_update after update on areas for each row
  when (old.geom is distinct from new.geom or old.name is distinct from new.name or old.code is distinct from new.code
        or old.level is distinct from new.level or old.parent_id is distinct from new.parent_id or old.path is distinct from new.path)
  execute function record_area_version();
create trigger areas_version_delete after delete on areas for each row execute function record_area_version();

/** Version 1 for every area without one (areas loaded with triggers off, e.g. the demo seed as superuser). */
create or replace function record_missing_area_versions() returns integer
language sql security definer set search_path = pg_catalog, public, pg_temp as $$
  with ins as (
    insert into area_versions (area_id, version, change, parent_id, level, code, name, geom, households, population, path, valid_from, reason)
    select a.id, 1, 'insert', a.parent_id, a.level, a.code, a.name, a.geom, a.households, a.population, a.path, a.created_at, 'initial'
    from areas a where not exists (select 1 from area_versions v where v.area_id = a.id)
    returning 1
  )
  select count(*)::integer from ins
$$;
revoke all on function record_missing_area_versions() from public;
select record_missing_area_versions();

-- Read like areas: an admin everything; others the versions of areas in their scope (by the
-- version's own path, so a removed area stays readable to whoever had its parent in scope) and of
-- the ancestors they see for orientation.
alter table area_versions enable row level security;
alter table area_versions force row level security;
create policy area_versions_owner on area_versions to current_user using (true) with check (true);
create policy area_versions_read on area_versions for select to gridpulse_app using (
  coalesce((select current_setting('app.row_scope', true) = '*'), false)
  or path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
  or area_id = any ((select string_to_array(nullif(current_setting('app.scope_ancestor_ids', true), ''), ','))::integer[])
);
grant select on area_versions to gridpulse_app;
