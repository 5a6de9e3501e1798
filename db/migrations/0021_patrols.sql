-- Patrol plans and compliance (issue 5). docs/patrols.md describes the model and the formulas.
--
-- patrol_tasks (0001) keeps its row per task; person_id stays as the task's lead member, and
-- every member (the lead included) is a row of patrol_task_members, so a joint patrol has several.
-- The MultiPoint column `checkpoints` gives way to patrol_checkpoints: ordered, each with why it is
-- on the walk (kind + text + optional ref id). A task may target some micro-grids of its grid
-- (micro_grid_ids; empty = the whole grid). Child rows carry the task's street, community and grid
-- (kept equal by a composite foreign key), so their policies test their own columns like incidents
-- do, and they distribute with the task on Citus by street_id.

alter table patrol_tasks add column community_id integer references areas(id);
alter table patrol_tasks add column micro_grid_ids integer[] not null default '{}';
update patrol_tasks t set community_id = g.path[3], street_id = g.path[2] from areas g where g.id = t.grid_id;
alter table patrol_tasks alter column community_id set not null;
alter table patrol_tasks add constraint patrol_tasks_areas_key unique (id, street_id, community_id, grid_id);
create index patrol_tasks_community_day_idx on patrol_tasks (community_id, day);
create index patrol_tasks_street_day_idx on patrol_tasks (street_id, day);

/** Row trigger: a task takes its street and community from its grid, which must be a grid. */
create or replace function patrol_task_areas() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  g record;
begin
  select a.level, a.path into g from public.areas a where a.id = new.grid_id;
  if g.level is distinct from 'grid' then
    raise exception 'area % is not a grid', new.grid_id using errcode = '23514', hint = 'not_a_grid';
  end if;
  new.street_id := g.path[2];
  new.community_id := g.path[3];
  return new;
end $$;
create trigger patrol_tasks_areas before insert or update of grid_id on patrol_tasks
  for each row execute function patrol_task_areas();

create table patrol_task_members (
  task_id       integer not null,
  street_id     integer not null,
  community_id  integer not null,
  grid_id       integer not null,
  person_id     integer not null references people(id),
  primary key (task_id, person_id),
  foreign key (task_id, street_id, community_id, grid_id)
    references patrol_tasks (id, street_id, community_id, grid_id) on delete cascade on update cascade
);
create index patrol_task_members_person_idx on patrol_task_members (person_id, task_id);

create table patrol_checkpoints (
  task_id       integer not null,
  street_id     integer not null,
  community_id  integer not null,
  grid_id       integer not null,
  seq           integer not null check (seq >= 0),
  kind          text not null check (kind in ('hotspot', 'unvisited_micro_grid', 'station', 'open_incident', 'manual')),
  reason        text not null default '' check (length(reason) <= 500),
  ref_id        bigint,
  geom          geometry(Point, 4326) not null,
  primary key (task_id, seq),
  foreign key (task_id, street_id, community_id, grid_id)
    references patrol_tasks (id, street_id, community_id, grid_id) on delete cascade on update cascade
);
-- Checkpoints near a place (every geometry column has one; tests/api/schema.test.ts).
create index patrol_checkpoints_geom_gist on patrol_checkpoints using gist (geom);

-- Existing tasks (the demo seed before this migration): the lead is the only member, the points
-- of the MultiPoint are manual checkpoints in their stored order.
insert into patrol_task_members (task_id, street_id, community_id, grid_id, person_id)
select id, street_id, community_id, grid_id, person_id from patrol_tasks;
insert into patrol_checkpoints (task_id, street_id, community_id, grid_id, seq, kind, reason, geom)
select t.id, t.street_id, t.community_id, t.grid_id, d.path[1] - 1, 'manual', '', d.geom
from patrol_tasks t, ST_Dump(t.checkpoints) d where t.checkpoints is not null;
alter table patrol_tasks drop column checkpoints;

-- The lead is one of the members: checked at commit, so a task and its members are written in
-- one transaction in either order.
alter table patrol_tasks add constraint patrol_tasks_lead_is_member foreign key (id, person_id)
  references patrol_task_members (task_id, person_id) deferrable initially deferred;

grant select, insert, update, delete on patrol_task_members, patrol_checkpoints to gridpulse_app;

-- Scope, as the incidents policies of 0018 read it: app.case_scope is '*' for admins, the scope ids
-- for commanders, grid leaders and grid members, '' for planners (no individual task). Reading
-- needs the task's street, community or grid in scope; writing also a role that plans patrols
-- (grid members read the tasks of their grid but do not change them).
drop policy patrol_tasks_scope on patrol_tasks;
create policy patrol_tasks_read on patrol_tasks for select to gridpulse_app
  using (coalesce((select current_setting('app.case_scope', true) = '*')
    or array[street_id, community_id, grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[]), false));
create policy patrol_tasks_write on patrol_tasks for all to gridpulse_app
  using (coalesce((select current_setting('app.case_scope', true) = '*')
    or ((select current_setting('app.role', true) in ('commander', 'grid_leader'))
      and array[street_id, community_id, grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[])), false))
  with check (coalesce((select current_setting('app.case_scope', true) = '*')
    or ((select current_setting('app.role', true) in ('commander', 'grid_leader'))
      and array[street_id, community_id, grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[])), false));

do $$
declare
  t text;
begin
  foreach t in array array['patrol_task_members', 'patrol_checkpoints'] loop
    execute format('alter table %I enable row level security', t);
    execute format('alter table %I force row level security', t);
    execute format('create policy %I on %I to current_user using (true) with check (true)', t || '_owner', t);
    execute format($p$create policy %I on %I for select to gridpulse_app
      using (coalesce((select current_setting('app.case_scope', true) = '*')
        or array[street_id, community_id, grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[]), false))$p$,
      t || '_read', t);
    execute format($p$create policy %I on %I for all to gridpulse_app
      using (coalesce((select current_setting('app.case_scope', true) = '*')
        or ((select current_setting('app.role', true) in ('commander', 'grid_leader'))
          and array[street_id, community_id, grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[])), false))
      with check (coalesce((select current_setting('app.case_scope', true) = '*')
        or ((select current_setting('app.role', true) in ('commander', 'grid_leader'))
          and array[street_id, community_id, grid_id] && (select string_to_array(nullif(nullif(current_setting('app.case_scope', true), '*'), ''), ',')::integer[])), false))$p$,
      t || '_write', t);
    execute format('create trigger %I after insert on %I referencing new table as new_rows for each statement execute function audit_writes(%L)',
      t || '_audit_insert', t, 'task_id');
    execute format('create trigger %I after update on %I referencing new table as new_rows for each statement execute function audit_writes(%L)',
      t || '_audit_update', t, 'task_id');
    execute format('create trigger %I after delete on %I referencing old table as old_rows for each statement execute function audit_writes(%L)',
      t || '_audit_delete', t, 'task_id');
  end loop;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Shift windows, local time Asia/Shanghai (no daylight saving): day 08:00–18:00, evening 18:00–23:00.

/** Start of a task's shift window (UTC instant). */
create or replace function patrol_shift_start(p_day date, p_shift text) returns timestamptz
language sql immutable parallel safe as $$
  select (p_day + case p_shift when 'evening' then time '18:00' else time '08:00' end) at time zone 'Asia/Shanghai'
$$;

/** End (exclusive) of a task's shift window (UTC instant). */
create or replace function patrol_shift_end(p_day date, p_shift text) returns timestamptz
language sql immutable parallel safe as $$
  select (p_day + case p_shift when 'evening' then time '23:00' else time '18:00' end) at time zone 'Asia/Shanghai'
$$;

/**
 * Compliance of patrol tasks, one row per task, in one set-based statement (docs/patrols.md):
 * the members' fixes inside the task's shift window (a range scan of the (person_id, t) key per
 * member), each paired with the member's previous fix; a checkpoint is visited when one member
 * spent at least p_dwell_s within p_radius_m of it (summing the intervals between consecutive fixes
 * both inside the radius and at most 2 min apart); a micro-grid is entered when a fix lies in it;
 * distance and time on patrol add up the steps at most 10 min apart (the session gap of tracks).
 * Metric work in UTM 48N (EPSG:32648). SECURITY INVOKER: row-level security decides which tasks
 * and fixes the caller may read.
 */
create or replace function patrol_compliance(
  p_tasks integer[], p_radius_m double precision default 30, p_dwell_s integer default 60,
  p_target_day_s integer default 7200, p_target_evening_s integer default 3600
) returns table (
  task_id integer, grid_id integer, day date, shift text, status text, members integer[],
  checkpoints_visited integer, checkpoints_total integer, micro_grids_entered integer, micro_grids_total integer,
  distance_m double precision, duration_s integer, target_s integer,
  checkpoint_part double precision, micro_grid_part double precision, time_part double precision, score double precision,
  checkpoints jsonb, member_stats jsonb
)
language sql stable as $$
  with t as (
    select pt.id, pt.grid_id, pt.day, pt.shift, pt.status, pt.micro_grid_ids,
      patrol_shift_start(pt.day, pt.shift) as t0, patrol_shift_end(pt.day, pt.shift) as t1,
      case pt.shift when 'evening' then p_target_evening_s else p_target_day_s end as target_s
    from patrol_tasks pt where pt.id = any (p_tasks)
  ),
  m as (
    select t.id as task_id, tm.person_id, t.t0, t.t1 from t join patrol_task_members tm on tm.task_id = t.id
  ),
  -- Each fix in UTM metres (x, y) with the member's previous fix in the window (px, py, dt). Plain
  -- floats from here on: the distances below are arithmetic, not geometry calls.
  f as materialized (
    select m.task_id, m.person_id, x.t, x.geom, x.x, x.y,
      x.t - lag(x.t) over w as dt, lag(x.x) over w as px, lag(x.y) over w as py
    from m cross join lateral (
      select tp.t, tp.geom, ST_X(u.g) as x, ST_Y(u.g) as y
      from track_points tp cross join lateral (select ST_Transform(tp.geom, 32648) as g) u
      where tp.person_id = m.person_id and tp.t >= m.t0 and tp.t < m.t1
    ) x
    window w as (partition by m.task_id, m.person_id order by x.t)
  ),
  per_member as (
    select m.task_id, m.person_id, coalesce(x.fixes, 0) as fixes, coalesce(x.distance_m, 0) as distance_m, coalesce(x.duration_s, 0) as duration_s
    from m left join (
      select f.task_id, f.person_id, count(*) as fixes,
        sum(sqrt((f.x - f.px) ^ 2 + (f.y - f.py) ^ 2)) filter (where f.dt <= interval '10 minutes') as distance_m,
        sum(extract(epoch from f.dt)) filter (where f.dt <= interval '10 minutes') as duration_s
      from f group by f.task_id, f.person_id
    ) x on x.task_id = m.task_id and x.person_id = m.person_id
  ),
  c as (
    select pc.task_id, pc.seq, pc.kind, ST_X(u.g) as cx, ST_Y(u.g) as cy
    from patrol_checkpoints pc cross join lateral (select ST_Transform(pc.geom, 32648) as g) u
    where pc.task_id = any (p_tasks)
  ),
  -- Per checkpoint and member: the nearest fix, and the time spent inside the radius (steps whose
  -- both ends lie inside it, at most 2 min long).
  pairs as (
    select c.task_id, c.seq, f.person_id, f.t, f.dt,
      sqrt((f.x - c.cx) ^ 2 + (f.y - c.cy) ^ 2) as d, sqrt((f.px - c.cx) ^ 2 + (f.py - c.cy) ^ 2) as pd
    from c join f on f.task_id = c.task_id
  ),
  near as (
    select p.task_id, p.seq, p.person_id, min(p.d) as nearest_m,
      coalesce(sum(extract(epoch from p.dt)) filter (where p.dt <= interval '2 minutes' and p.d <= p_radius_m and p.pd <= p_radius_m), 0) as dwell_s,
      min(p.t - p.dt) filter (where p.dt <= interval '2 minutes' and p.d <= p_radius_m and p.pd <= p_radius_m) as arrived
    from pairs p
    group by p.task_id, p.seq, p.person_id
  ),
  cp as (
    select c.task_id, c.seq, c.kind, min(n.nearest_m) as nearest_m, coalesce(max(n.dwell_s), 0) as dwell_s,
      coalesce(max(n.dwell_s), 0) >= p_dwell_s as visited,
      min(n.arrived) filter (where n.dwell_s >= p_dwell_s) as arrived
    from c left join near n on n.task_id = c.task_id and n.seq = c.seq
    group by c.task_id, c.seq, c.kind
  ),
  mg as (
    select t.id as task_id, a.id, a.geom from t
    join areas a on a.parent_id = t.grid_id and a.level = 'micro_grid'
      and (cardinality(t.micro_grid_ids) = 0 or a.id = any (t.micro_grid_ids))
  ),
  -- All of a task's fixes as one MultiPoint: one polygon-in-multipoint test per (task, micro-grid).
  fx as (
    select f.task_id, ST_Collect(f.geom) as pts from f group by f.task_id
  ),
  mg_n as (
    select mg.task_id, count(*)::int as total, (count(*) filter (where ST_Intersects(mg.geom, fx.pts)))::int as entered
    from mg left join fx on fx.task_id = mg.task_id
    group by mg.task_id
  ),
  pm_n as (
    select pm.task_id, array_agg(pm.person_id order by pm.person_id) as members,
      max(pm.distance_m) as distance_m, max(pm.duration_s) as duration_s,
      jsonb_agg(jsonb_build_object('person', pm.person_id, 'fixes', pm.fixes,
        'distance_m', round(pm.distance_m::numeric, 1), 'duration_s', round(pm.duration_s)) order by pm.person_id) as member_stats
    from per_member pm group by pm.task_id
  ),
  cp_n as (
    select cp.task_id, (count(*) filter (where cp.visited))::int as visited, count(*)::int as total,
      jsonb_agg(jsonb_build_object('seq', cp.seq, 'kind', cp.kind, 'visited', cp.visited, 'dwell_s', round(cp.dwell_s::numeric, 1),
        'arrived', cp.arrived, 'nearest_m', round(cp.nearest_m::numeric, 1)) order by cp.seq) as checkpoints
    from cp group by cp.task_id
  ),
  parts as (
    select t.id, t.grid_id, t.day, t.shift, t.status, t.target_s,
      coalesce(pm_n.members, '{}') as members, coalesce(cp_n.visited, 0) as visited, coalesce(cp_n.total, 0) as total,
      coalesce(mg_n.entered, 0) as entered, coalesce(mg_n.total, 0) as mg_total,
      coalesce(pm_n.distance_m, 0) as distance_m, coalesce(pm_n.duration_s, 0) as duration_s,
      case when cp_n.total > 0 then cp_n.visited::float8 / cp_n.total else 0 end as cp_part,
      case when mg_n.total > 0 then mg_n.entered::float8 / mg_n.total else 0 end as mg_part,
      least(1, coalesce(pm_n.duration_s, 0)::float8 / greatest(t.target_s, 1)) as time_part,
      coalesce(cp_n.checkpoints, '[]') as checkpoints, coalesce(pm_n.member_stats, '[]') as member_stats
    from t left join pm_n on pm_n.task_id = t.id left join cp_n on cp_n.task_id = t.id left join mg_n on mg_n.task_id = t.id
  )
  select p.id, p.grid_id, p.day, p.shift, p.status, p.members,
    p.visited, p.total, p.entered, p.mg_total,
    round(p.distance_m::numeric, 1)::float8, round(p.duration_s)::int, p.target_s,
    round(p.cp_part::numeric, 4)::float8, round(p.mg_part::numeric, 4)::float8, round(p.time_part::numeric, 4)::float8,
    round((100 * (0.5 * p.cp_part + 0.3 * p.mg_part + 0.2 * p.time_part))::numeric, 1)::float8,
    p.checkpoints, p.member_stats
  from parts p
$$;
grant execute on function patrol_compliance(integer[], double precision, integer, integer, integer) to gridpulse_app;
grant execute on function patrol_shift_start(date, text), patrol_shift_end(date, text) to gridpulse_app;

/**
 * Patrol coverage for a choropleth: per area of p_level inside p_area (or p_area itself when it is
 * of that level), how many of its micro-grids hold at least one track fix in [p_from, p_to) —
 * anyone's fix: coverage is about the ground walked, not who walked it. An aggregate, so planners
 * may read it too: SECURITY DEFINER, answering nothing for an area outside the caller's scope
 * (as area_incident_counts of 0005). One probe of the month partitions' GiST index per micro-grid,
 * stopping at the first fix inside.
 */
create or replace function patrol_coverage(p_area integer, p_from timestamptz, p_to timestamptz, p_level text)
returns table (id integer, name text, level text, micro_grids integer, visited integer, share double precision, geom text)
language sql stable security definer set search_path = pg_catalog, public, pg_temp as $$
  with root as (
    select a.id, a.level from public.areas a
    where a.id = p_area and public.app_role() is not null
      and (public.app_is_admin() or a.path && public.app_scope_ids())
  ),
  lv as (select array_position(array['district', 'street', 'community', 'grid', 'micro_grid'], p_level) as k),
  units as (
    select u.id, u.name, u.level, u.geom, u.path from public.areas u, root, lv
    where u.level = p_level and u.path @> array[root.id]
  ),
  mgs as (
    select m.path[(select k from lv)] as unit_id,
      exists (select 1 from public.track_points tp
              where tp.geom && m.geom and ST_Intersects(m.geom, tp.geom) and tp.t >= p_from and tp.t < p_to) as hit
    from public.areas m, root
    where m.level = 'micro_grid' and m.path @> array[root.id]
  )
  select u.id, u.name, u.level, count(m.*)::int, (count(*) filter (where m.hit))::int,
    case when count(m.*) > 0 then round(((count(*) filter (where m.hit))::numeric / count(m.*)), 4)::float8 else 0 end,
    ST_AsGeoJSON(u.geom, 6)
  from units u left join mgs m on m.unit_id = u.id
  group by u.id, u.name, u.level, u.geom
  order by u.id
$$;
revoke all on function patrol_coverage(integer, timestamptz, timestamptz, text) from public;
grant execute on function patrol_coverage(integer, timestamptz, timestamptz, text) to gridpulse_app;
