-- Incident types an admin can extend (issue 4): add a type, rename it, change its deadline, retire
-- it. A type is never deleted (incidents keep referring to it); a retired one stays readable and
-- filterable but takes no new reports or imports.
--
-- `position` fixes the order everywhere a type is an index: the config the browser reads and the
-- one-byte type index of the binary incident points (api/incidents/queries.ts) both come from
-- incident_type_codes(), so a new type is appended and never shifts an existing one.

alter table incident_types
  add column position integer,
  add column active boolean not null default true,
  add column created_at timestamptz not null default now();

update incident_types t set position = o.n
from (values
  ('high_altitude_throwing', 1), ('parking_dispute', 2), ('water_leak', 3), ('property_dispute', 4),
  ('hallway_clutter', 5), ('public_space_occupation', 6), ('neighbour_dispute', 7), ('telecom_fraud', 8),
  ('ebike_charging', 9), ('sanitation', 10), ('noise', 11)
) as o(code, n)
where t.code = o.code;
-- Types a deployment added by hand before this migration go after the built-in ones.
update incident_types t set position = 11 + o.n
from (select code, row_number() over (order by code) as n from incident_types where position is null) o
where t.code = o.code;

alter table incident_types
  alter column position set not null,
  add constraint incident_types_position_key unique (position),
  -- The code travels in URLs, CSV files and filter lists: keep it a plain identifier.
  add constraint incident_types_code_format check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  add constraint incident_types_names check (length(btrim(name_zh)) between 1 and 40 and length(btrim(name_en)) between 1 and 60),
  add constraint incident_types_deadline_range check (deadline_hours <= 24 * 365);

/** Type codes in their fixed order: index i of this array is type index i - 1 everywhere. */
create or replace function incident_type_codes() returns text[]
language sql stable parallel safe set search_path = pg_catalog, public, pg_temp as $$
  select coalesce(array_agg(code order by position), '{}') from public.incident_types
$$;
grant execute on function incident_type_codes() to gridpulse_app;

-- Everyone signed in reads the catalogue; only admins write it, and never delete.
grant insert, update on incident_types to gridpulse_app;
alter table incident_types enable row level security;
alter table incident_types force row level security;
create policy incident_types_owner on incident_types to current_user using (true) with check (true);
create policy incident_types_read on incident_types for select to gridpulse_app using (true);
create policy incident_types_admin_insert on incident_types for insert to gridpulse_app
  with check ((select app_is_admin()));
create policy incident_types_admin_update on incident_types for update to gridpulse_app
  using ((select app_is_admin())) with check ((select app_is_admin()));

/** Audit of catalogue changes: the key is a text code, so the codes go in the detail. */
create or replace function audit_incident_types() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  codes text[];
  n integer;
begin
  if nullif(current_setting('app.account_id', true), '') is null then
    return null;
  end if;
  select count(*)::int, array_agg(r.code order by r.code) into n, codes from new_rows r;
  if n > 0 then
    perform public.audit_record(lower(tg_op), 'incident_types', '{}', n, jsonb_build_object('codes', codes));
  end if;
  return null;
end $$;
create trigger incident_types_audit_insert after insert on incident_types
  referencing new table as new_rows for each statement execute function audit_incident_types();
create trigger incident_types_audit_update after update on incident_types
  referencing new table as new_rows for each statement execute function audit_incident_types();
