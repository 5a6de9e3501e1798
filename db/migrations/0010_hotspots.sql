-- Hotspot statistics (issue 4, Getis-Ord Gi*; docs/analytics.md).
--
-- Queen contiguity between areas of one level is a spatial self-join: ~0.4 s for the 5,280
-- micro-grids of `district` on PostgreSQL 15 (~0.8 s for the 10,080 of `large`), far too much to
-- repeat per request. The pairs are kept in area_neighbours instead, built here and kept right by
-- statement triggers on areas whenever an area is inserted, deleted, or its geometry or level
-- changes (boundaries become editable later). The triggers are ENABLE ALWAYS: the demo seed loads
-- areas with session_replication_role = replica, which skips ordinary triggers.
--
-- Access: gridpulse_app is granted nothing on area_neighbours (it would reveal ids of areas outside
-- the caller's scope); only the SECURITY DEFINER function area_hotspot_input() reads it, and only
-- for the areas in the caller's scope. Writes happen only in the trigger, inside the statement on
-- areas that the audit triggers of 0005 already record.

create table area_neighbours (
  level         text not null,
  area_id       integer not null references areas(id) on delete cascade,
  neighbour_id  integer not null references areas(id) on delete cascade,
  primary key (area_id, neighbour_id),
  check (area_id <> neighbour_id)
);
create index area_neighbours_neighbour_idx on area_neighbours (neighbour_id);

alter table area_neighbours enable row level security;
alter table area_neighbours force row level security;
create policy area_neighbours_owner on area_neighbours to current_user using (true) with check (true);
revoke all on area_neighbours from public;

/**
 * Queen contiguity of the given areas: every pair (a, b), both directions, of areas of the same
 * level whose geometries share at least one point (a common edge or only a corner). Areas of a
 * level tile without overlaps, so intersecting = touching, and ST_Intersects is the cheaper test.
 */
create or replace function area_queen_pairs(p_ids integer[])
returns table (level text, area_id integer, neighbour_id integer)
language sql stable set search_path = pg_catalog, public, pg_temp as $$
  -- Materialised first: the planner underestimates the spatial join to one row and, given the
  -- ids inline, nested-looped over them inside it (6,010 areas on PGlite: 2 min instead of 2 s).
  with changed as materialized (
    select a.id, a.level, a.geom from public.areas a where a.id in (select unnest(p_ids))
  ),
  pairs as (
    select c.level, c.id as a_id, b.id as b_id
    from changed c
    join public.areas b on b.level = c.level and b.id <> c.id and b.geom && c.geom and ST_Intersects(b.geom, c.geom)
  )
  select level, a_id, b_id from pairs
  union
  select level, b_id, a_id from pairs
$$;
revoke all on function area_queen_pairs(integer[]) from public;

/** Statement trigger on areas: recompute the neighbour pairs of the areas the statement inserted, deleted or moved. */
create or replace function area_neighbours_sync() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  changed integer[];
begin
  if tg_op = 'INSERT' then
    select array_agg(n.id) into changed from new_rows n;
  elsif tg_op = 'DELETE' then
    select array_agg(o.id) into changed from old_rows o;
  else
    -- Only rows whose geometry or level changed (refresh_area_totals() rewrites every area's totals).
    select array_agg(coalesce(n.id, o.id)) into changed
    from new_rows n full join old_rows o on o.id = n.id
    where n.id is null or o.id is null or n.level is distinct from o.level
       or ST_AsEWKB(n.geom) is distinct from ST_AsEWKB(o.geom);
  end if;
  if changed is null then
    return null;
  end if;
  delete from public.area_neighbours where area_id in (select unnest(changed));
  delete from public.area_neighbours where neighbour_id in (select unnest(changed));
  if tg_op <> 'DELETE' then
    insert into public.area_neighbours (level, area_id, neighbour_id)
    select q.level, q.area_id, q.neighbour_id from public.area_queen_pairs(changed) q
    on conflict do nothing;
  end if;
  return null;
end $$;
revoke all on function area_neighbours_sync() from public;

create trigger areas_neighbours_insert after insert on areas
  referencing new table as new_rows for each statement execute function area_neighbours_sync();
create trigger areas_neighbours_update after update on areas
  referencing old table as old_rows new table as new_rows for each statement execute function area_neighbours_sync();
create trigger areas_neighbours_delete after delete on areas
  referencing old table as old_rows for each statement execute function area_neighbours_sync();
alter table areas enable always trigger areas_neighbours_insert;
alter table areas enable always trigger areas_neighbours_update;
alter table areas enable always trigger areas_neighbours_delete;

-- Areas that exist already (a database migrated after it was seeded).
insert into area_neighbours (level, area_id, neighbour_id)
select q.level, q.area_id, q.neighbour_id from area_queen_pairs(array(select id from areas)) q;
analyze area_neighbours;

/**
 * What the Gi* statistic needs for the areas of one level in the caller's scope (the study region),
 * for incidents of [p_from, p_to) of the given types (null: all):
 *   n           incidents per area (counted past the incidents policy: planners get aggregates),
 *   neighbours  its queen neighbours inside the study region (p_weights = 'contiguity'),
 *   x, y        its centroid, projected to EPSG:32648 metres (p_weights = 'distance').
 * SECURITY DEFINER and scope-checked like area_incident_stats(): admins get every area of the
 * level, others the areas whose path meets their scope; no row of incidents ever leaves it.
 */
create or replace function area_hotspot_input(p_level text, p_from timestamptz, p_to timestamptz, p_types text[], p_weights text)
returns table (area_id integer, n integer, neighbours integer[], x double precision, y double precision)
-- jit off: the planner's row estimates through the CTEs are far too high, JIT compiling cost
-- ~350 ms of a ~150 ms query at `large` scale.
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set jit = off as $$
declare
  col text := case p_level when 'street' then 'street_id' when 'community' then 'community_id'
                           when 'grid' then 'grid_id' when 'micro_grid' then 'micro_grid_id' end;
begin
  if public.app_role() is null or p_to <= p_from then
    return;
  end if;
  if col is null or p_weights not in ('contiguity', 'distance') then
    raise exception 'unknown level % or weights %', p_level, p_weights using errcode = '22023';
  end if;
  return query execute format($q$
    with region as materialized (
      select a.id, a.geom from public.areas a
      where a.level = $1 and (public.app_is_admin() or a.path && public.app_scope_ids())
    ),
    counts as (
      select i.%1$I as id, count(*)::int as n
      from public.incidents i
      where i.reported_at >= $2 and i.reported_at < $3 and ($4 is null or i.type = any ($4))
        and i.%1$I in (select r.id from region r)
      group by 1
    ),
    nb as (
      select g.area_id as id, array_agg(g.neighbour_id) as ids
      from public.area_neighbours g
      where $5 = 'contiguity' and g.level = $1
        and g.area_id in (select r.id from region r) and g.neighbour_id in (select r.id from region r)
      group by 1
    )
    select r.id, coalesce(c.n, 0), coalesce(nb.ids, '{}'), ST_X(p.c), ST_Y(p.c)
    from region r
    left join counts c on c.id = r.id
    left join nb on nb.id = r.id
    -- The centroid taken in WGS84, then projected: one point per area to transform instead of
    -- every vertex (3x cheaper; the two differ by < 1 mm at micro-grid size).
    left join lateral (select ST_Transform(ST_Centroid(r.geom), 32648) as c where $5 = 'distance') p on true
    order by r.id$q$, col)
  using p_level, p_from, p_to, p_types, p_weights;
end $$;
revoke all on function area_hotspot_input(text, timestamptz, timestamptz, text[], text) from public;
grant execute on function area_hotspot_input(text, timestamptz, timestamptz, text[], text) to gridpulse_app;
