-- app_role() is read by every policy (through app_case_scope(), app_scope_ids(), app_is_admin()).
-- Written with a FROM clause it could not be inlined, so each query ran it as a separate SQL
-- function, planning its body afresh at every execution: ~0.2 ms per policy InitPlan, the largest
-- part of row-level security's fixed cost per request (EXPLAIN ANALYZE of a grid leader's
-- 100-incident page: InitPlans 0.25 + 0.21 ms → 0.015 + 0.007 ms). A single expression inlines
-- into its callers. Same answers: the role when it is one of the five, otherwise NULL.
create or replace function app_role() returns text
language sql stable parallel safe as $$
  select case when current_setting('app.role', true) in ('admin', 'commander', 'grid_leader', 'grid_member', 'planner')
    then current_setting('app.role', true) end
$$;
