-- Workers (issue 7, docs/workers.md): commanders assign grid leaders, members and micro-grid
-- leaders of the grids in their street, i.e. insert and delete person_areas rows.
--
-- Only areas strictly inside the commander's scope (a street's grids and micro-grids, never the
-- street itself, so a commander cannot attach people to, or detach them from, their own street).
-- A linked person must be attached to an area in scope already (app_scope_person_ids()), or be an
-- unassigned grid worker (no link at all): a commander cannot pull someone out of another street.
-- These are write policies only: a FOR ALL policy would be OR-ed into every read of person_areas
-- too (reads stay with person_areas_read). No update policy: a link is replaced by delete +
-- insert, each audited (0005_audit.sql).

/**
 * Grid workers (grid leaders, members, micro-grid leaders) attached to no area: the district's pool
 * that commanders assign from. Without it a commander who removed a grid's only link of a person
 * could no longer see, nor put back, that person. SECURITY DEFINER: reads people and person_areas
 * past their policies (which call it), answering ids only.
 */
create or replace function app_unassigned_person_ids() returns setof integer
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  select p.id from public.people p
  where p.role in ('grid_leader', 'grid_member', 'micro_grid_leader')
    and not exists (select 1 from public.person_areas pa where pa.person_id = p.id)
$$;
revoke all on function app_unassigned_person_ids() from public;
grant execute on function app_unassigned_person_ids() to gridpulse_app;

-- Commanders also read the unassigned pool (their pickers list it). Select only: OR-ed into people_read.
create policy people_commander_unassigned on people for select to gridpulse_app using (
  coalesce((select current_setting('app.role', true) = 'commander'), false)
  and id in (select app_unassigned_person_ids()));

create policy person_areas_commander_insert on person_areas for insert to gridpulse_app
  with check (coalesce((select current_setting('app.role', true) = 'commander')
    and area_id in (
      select a.id from areas a
      where a.path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
        and not array[a.id] && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[]))
    and (person_id in (select app_scope_person_ids()) or person_id in (select app_unassigned_person_ids())), false));

create policy person_areas_commander_delete on person_areas for delete to gridpulse_app
  using (coalesce((select current_setting('app.role', true) = 'commander')
    and area_id in (
      select a.id from areas a
      where a.path && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])
        and not array[a.id] && (select string_to_array(nullif(current_setting('app.scope_ids', true), ''), ',')::integer[])), false));
