-- Boundary edit drafts (issue 7, "Edit on the map"; docs/editing.md): an edit that the user keeps
-- without saving it to areas — typically one the coverage check refuses — with the ops as sent, the
-- result computed from them and its problems, so the map can show it again later. Nothing in areas
-- changes while a draft exists; saving the edit deletes its draft.
--
-- Reading and writing: the account that made the draft (app.account_id), or an admin (row scope '*').

create table area_edit_drafts (
  id          uuid primary key default gen_random_uuid(),
  account_id  integer not null references users(id) on delete cascade,
  parent_id   integer not null references areas(id) on delete cascade,
  level       text not null check (level in ('street', 'community', 'grid', 'micro_grid')),
  ops         jsonb not null check (jsonb_typeof(ops) = 'array'),
  reason      text check (length(reason) <= 500),
  -- The answer's FeatureCollection and problems when the draft was stored.
  result      jsonb not null,
  problems    jsonb not null default '[]' check (jsonb_typeof(problems) = 'array'),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);
create index area_edit_drafts_account_idx on area_edit_drafts (account_id, parent_id, updated_at desc);
create index area_edit_drafts_parent_idx on area_edit_drafts (parent_id);

grant select, insert, update, delete on area_edit_drafts to gridpulse_app;
alter table area_edit_drafts enable row level security;
alter table area_edit_drafts force row level security;
create policy area_edit_drafts_owner on area_edit_drafts to current_user using (true) with check (true);
create policy area_edit_drafts_own on area_edit_drafts for all to gridpulse_app
  using (coalesce((select current_setting('app.row_scope', true) = '*'), false)
    or account_id = (select nullif(current_setting('app.account_id', true), '')::integer))
  with check (coalesce((select current_setting('app.row_scope', true) = '*'), false)
    or account_id = (select nullif(current_setting('app.account_id', true), '')::integer));
