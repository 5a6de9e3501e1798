#!/usr/bin/env bash
# RLS cost by hand: pgbench latency of one transaction per query, as the owner (superuser: RLS
# bypassed) and as gridpulse_app under three scopes. DB = a migrated + seeded GridPulse database.
set -euo pipefail
DB=${DB:?set DB to a seeded GridPulse database URL}; T=${T:-5}
read -r S G < <(psql "$DB" -Atc "select street_id, grid_id from incidents group by 1, 2 order by count(*) desc, 2 limit 1" | tr '|' ' ')
Q30="select count(*) from incidents where reported_at > now() - interval '30 days';"
QGRID="select count(*), sum(length(ST_AsGeoJSON(geom))) from areas where level = 'grid';"
app() { echo "select app_set_scope('$1', 1, '{$2}'::integer[]); set local role gridpulse_app;"; }
run() {
  f=$(mktemp); printf 'begin;\n%s\n%s\ncommit;\n' "$2" "$3" > "$f"
  printf '%-44s %8s ms\n' "$1" "$(pgbench -n -f "$f" -T "$T" "$DB" 2>/dev/null | awk '/latency average/ {print $4}')"; rm -f "$f"
}
echo "street $S, grid $G"
for q in Q30 QGRID; do
  echo "== $q: ${!q}"
  run "owner (superuser, RLS bypassed)" "" "${!q}"
  [ $q = Q30 ] && run "owner, hand-written 'and grid_id = $G'" "" "${Q30%;} and grid_id = $G;"
  run "app role: admin" "$(app admin '')" "${!q}"
  run "app role: commander of street $S" "$(app commander $S)" "${!q}"
  run "app role: grid_leader of grid $G" "$(app grid_leader $G)" "${!q}"
  [ $q = Q30 ] && run "app role: grid_leader + 'and grid_id = $G'" "$(app grid_leader $G)" "${Q30%;} and grid_id = $G;"
done
