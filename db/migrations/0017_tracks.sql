-- Track ingest (issue 5): monthly partitions made on demand by the API, and made ahead here.
--
-- track_points is range-partitioned by month (0001_init.sql) with a default partition for the
-- rest. Rows that land in the default partition stay there: a month's partition can no longer be
-- created once the default holds rows of that month, and the default has no pruning benefit. So
-- the ingest API calls ensure_track_months() for the months of a batch before inserting it.
-- ensure_track_partitions() stays owner-only (DDL); this wrapper is what the app role may call:
-- bounded to sane months, idempotent, and safe against a concurrent request making the same
-- partition. Distribution (docs/scaling.md): track_points keeps person_id as its Citus
-- distribution column — already the lead of the (person_id, t) key, so no street_id is added.

/**
 * Create the missing monthly partitions of track_points for [p_from, p_to] (UTC months). For the
 * app role: only months from 2000 up to next month, at most 25 months at once, and nothing for a
 * role that may not read tracks. A month whose rows already sit in the default partition is left
 * alone (its partition cannot be created); a partition made meanwhile by another session is fine.
 */
create or replace function ensure_track_months(p_from timestamptz, p_to timestamptz) returns integer
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  m date;
  part text;
  made integer := 0;
begin
  if p_from is null or p_to is null or p_to < p_from then
    return 0;
  end if;
  if public.app_role() is not null and not public.app_reads_cases() then
    return 0;
  end if;
  if p_from < timestamptz '2000-01-01 00:00:00+00' or p_to > now() + interval '1 month'
     or p_to - p_from > interval '25 months' then
    raise exception 'track months out of range: % to %', p_from, p_to using errcode = '22023';
  end if;
  m := date_trunc('month', p_from at time zone 'UTC')::date;
  while m <= (p_to at time zone 'UTC')::date loop
    part := format('track_points_%s', to_char(m, 'YYYY_MM'));
    if to_regclass('public.' || part) is null then
      begin
        execute format('create table public.%I partition of public.track_points for values from (%L) to (%L)',
          part, (m::timestamp at time zone 'UTC'), ((m + interval '1 month')::timestamp at time zone 'UTC'));
        made := made + 1;
      exception
        when duplicate_table then null;   -- another request made it first
        when check_violation then null;   -- the default partition already holds rows of this month
      end;
    end if;
    m := (m + interval '1 month')::date;
  end loop;
  return made;
end $$;
revoke all on function ensure_track_months(timestamptz, timestamptz) from public;
grant execute on function ensure_track_months(timestamptz, timestamptz) to gridpulse_app;

-- Months around today exist before any upload, so a live phone's first batch of a month never
-- waits on DDL (which locks track_points for the creating transaction).
select ensure_track_months(date_trunc('month', now()) - interval '12 months', now() + interval '1 month');

-- The generic audit trigger of 0005 reads each row's key through to_jsonb(row), which for a track
-- point renders its geometry as text: 43 ms of a 78 ms insert of 500 fixes (EXPLAIN ANALYZE, PG 15).
-- track_points gets its own statement trigger with the same record (one audit row per statement:
-- the distinct person ids, capped at 10,000, and the exact row count), reading person_id directly.

/** Statement trigger on track_points: one audit row per write made in a signed-in request (as audit_writes of 0005). */
create or replace function audit_track_point_writes() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  touched bigint[];
  n integer;
begin
  if nullif(current_setting('app.account_id', true), '') is null then
    return null;
  end if;
  if tg_op = 'DELETE' then
    select count(*)::int, (array_agg(distinct r.person_id::bigint))[1:10000] into n, touched from old_rows r;
  else
    select count(*)::int, (array_agg(distinct r.person_id::bigint))[1:10000] into n, touched from new_rows r;
  end if;
  if n > 0 then
    perform public.audit_record(lower(tg_op), 'track_points', touched, n);
  end if;
  return null;
end $$;

drop trigger track_points_audit_insert on track_points;
drop trigger track_points_audit_update on track_points;
drop trigger track_points_audit_delete on track_points;
create trigger track_points_audit_insert after insert on track_points referencing new table as new_rows
  for each statement execute function audit_track_point_writes();
create trigger track_points_audit_update after update on track_points referencing new table as new_rows
  for each statement execute function audit_track_point_writes();
create trigger track_points_audit_delete after delete on track_points referencing old table as old_rows
  for each statement execute function audit_track_point_writes();
