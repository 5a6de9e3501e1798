-- Incidents, buildings and stations follow boundary changes (issues 4 and 7): when a micro-grid is
-- drawn, redrawn or removed, every row whose point lies in the old or the new shape is located
-- again, in the same statement's transaction. An incident's history rows carry its areas (their
-- scope policy reads them), so they follow the incident whenever its areas change, by a move or by
-- a boundary change.

/** Re-locate the incidents, buildings and stations under the changed micro-grids (statement trigger on areas). */
create or replace function follow_boundaries() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  moved_buildings integer;
begin
  create temporary table if not exists changed_micro_grids (geom geometry) on commit drop;
  truncate changed_micro_grids;
  if tg_op = 'DELETE' then
    insert into changed_micro_grids select o.geom from old_rows o where o.level = 'micro_grid';
  elsif tg_op = 'INSERT' then
    insert into changed_micro_grids select n.geom from new_rows n where n.level = 'micro_grid';
  else
    -- Only rows whose shape or level changed: refresh_area_totals() rewrites every area's totals.
    insert into changed_micro_grids
    select g from old_rows o join new_rows n on n.id = o.id,
      lateral (values (o.geom), (n.geom)) v(g)
    where (o.level = 'micro_grid' or n.level = 'micro_grid')
      and (n.level is distinct from o.level or ST_AsEWKB(n.geom) is distinct from ST_AsEWKB(o.geom));
  end if;
  if not exists (select 1 from changed_micro_grids) then
    return null;
  end if;

  -- A point no micro-grid holds any more (a boundary half-way through an edit) keeps its areas:
  -- the coverage check (GET /api/areas/:id/coverage) shows the gap.
  update incidents i
  set micro_grid_id = l.micro_grid_id, grid_id = l.grid_id, community_id = l.community_id, street_id = l.street_id
  from (
    select distinct on (i2.id) i2.street_id, i2.id, i2.geom
    from incidents i2 join changed_micro_grids c on i2.geom && c.geom and ST_Intersects(i2.geom, c.geom)
  ) hit
  cross join lateral locate_areas(hit.geom) l
  where i.street_id = hit.street_id and i.id = hit.id and l.micro_grid_id is not null and l.micro_grid_id <> i.micro_grid_id;

  update stations s
  set micro_grid_id = l.micro_grid_id, grid_id = l.grid_id, community_id = l.community_id, street_id = l.street_id
  from (select distinct on (s2.id) s2.id, s2.geom from stations s2 join changed_micro_grids c on s2.geom && c.geom and ST_Intersects(s2.geom, c.geom)) hit
  cross join lateral locate_areas(hit.geom) l
  where s.id = hit.id and l.micro_grid_id is not null and l.micro_grid_id <> s.micro_grid_id;

  -- Buildings are placed by a point on their surface, as assign_areas() does.
  update buildings b
  set micro_grid_id = l.micro_grid_id, grid_id = l.grid_id, community_id = l.community_id, street_id = l.street_id
  from (
    select distinct on (b2.id) b2.id, ST_PointOnSurface(b2.geom) as probe from buildings b2 join changed_micro_grids c
      on b2.geom && c.geom and ST_Intersects(ST_PointOnSurface(b2.geom), c.geom)
  ) hit
  cross join lateral locate_areas(hit.probe) l
  where b.id = hit.id and l.micro_grid_id is not null and l.micro_grid_id <> b.micro_grid_id;
  get diagnostics moved_buildings = row_count;
  -- Households and population of every level come from the buildings.
  if moved_buildings > 0 or tg_op <> 'UPDATE' then
    perform refresh_area_totals();
  end if;
  return null;
end $$;

create trigger areas_follow_boundaries_insert after insert on areas
  referencing new table as new_rows for each statement execute function follow_boundaries();
create trigger areas_follow_boundaries_update after update on areas
  referencing old table as old_rows new table as new_rows for each statement execute function follow_boundaries();
create trigger areas_follow_boundaries_delete after delete on areas
  referencing old table as old_rows for each statement execute function follow_boundaries();

/** An incident's history rows take its areas whenever they change (row trigger on incidents). */
create or replace function follow_incident_areas() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
begin
  update incident_events e
  set street_id = new.street_id, community_id = new.community_id, grid_id = new.grid_id, micro_grid_id = new.micro_grid_id
  where e.incident_id = new.id;
  return null;
end $$;

create trigger incidents_follow_areas after update of micro_grid_id, grid_id, community_id, street_id on incidents
  for each row when (old.micro_grid_id is distinct from new.micro_grid_id) execute function follow_incident_areas();
