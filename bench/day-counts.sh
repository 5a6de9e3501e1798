#!/usr/bin/env bash
# What keeping incident_day_counts exact costs the write paths (0032; docs/analytics.md): the same
# writes with its triggers and index in place and, as the baseline in the same run, with them
# dropped. Every write runs in a transaction that is rolled back, so DB is left as it was — but
# the DDL locks incidents meanwhile: a bench database only (e.g. the `large` one).
#
#   DB=postgres://postgres@127.0.0.1:5432/gp_large bash bench/day-counts.sh [N]
set -euo pipefail
DB=${DB:?set DB to a migrated and seeded GridPulse database URL}
N=${1:-100000}
TRIGGERS="incidents_day_counts_insert incidents_day_counts_update incidents_day_counts_delete"

# $1 = label, $2 = 'with' | 'without' the rollup, $3 = the timed statement(s)
run() {
  local off=""
  if [ "$2" = without ]; then
    for t in $TRIGGERS; do off+="alter table incidents disable trigger $t; "; done
    off+="drop index incidents_close_hours_idx;"
  fi
  local ms
  ms=$(psql "$DB" -qAt -v ON_ERROR_STOP=1 <<SQL | tail -1
set jit = off;
begin;
$off
create temp table t0 as select clock_timestamp() as t;
$3
select round(extract(epoch from clock_timestamp() - (select t from t0)) * 1000);
rollback;
SQL
)
  printf '| %-52s | %-8s | %9s |\n' "$1" "$2" "$ms"
}

BULK="insert into incidents (street_id, community_id, grid_id, micro_grid_id, type, status, source, geom, reported_at, closed_at, description, updated_at)
  select street_id, community_id, grid_id, micro_grid_id, type, status, source, geom, reported_at - interval '1 day', closed_at - interval '1 day', description, updated_at
  from incidents order by id limit $N;"
CLOSE="update incidents set status = 'closed', closed_at = greatest(now(), reported_at) where id in (select id from incidents where closed_at is null order by id limit 20000);"
# One statement per incident, as the API writes them (statement triggers fire once per statement).
ONE_BY_ONE="do \$\$ declare r record; begin
  for r in select id, street_id from incidents where closed_at is null order by id limit 2000 loop
    update incidents set status = 'closed', closed_at = greatest(now(), reported_at) where street_id = r.street_id and id = r.id;
  end loop; end \$\$;"
REPORT_ONE_BY_ONE="do \$\$ declare r record; begin
  for r in select * from incidents order by id limit 2000 loop
    insert into incidents (street_id, community_id, grid_id, micro_grid_id, type, status, source, geom, reported_at, description, updated_at)
    values (r.street_id, r.community_id, r.grid_id, r.micro_grid_id, r.type, 'reported', r.source, r.geom, now(), r.description, now());
  end loop; end \$\$;"

echo "incidents: $(psql "$DB" -qAt -c 'select count(*) from incidents'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-52s | %-8s | %9s |\n|%s|%s|%s|\n' "write (rolled back)" "rollup" "ms" "------------------------------------------------------" "----------" "-----------"
# As the seed loads: one statement, session_replication_role = replica (areas given, BEFORE triggers skipped).
for side in without with without with; do run "seed-like: $N incidents, one statement, replica" $side "set local session_replication_role = replica; $BULK"; done
# As the CSV import writes: one statement, each point located in its micro-grid by the BEFORE trigger.
for side in without with without with; do run "import-like: $N incidents, one statement" $side "$BULK"; done
for side in without with without with; do run "close 20,000 open incidents (one statement)" $side "$CLOSE"; done
for side in without with without with; do run "report 2,000 incidents, one statement each" $side "$REPORT_ONE_BY_ONE"; done
for side in without with without with; do run "close 2,000 incidents, one statement each" $side "$ONE_BY_ONE"; done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
