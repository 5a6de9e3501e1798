-- B-tree indexes on the foreign keys 0001 left without one (joins and cascades by area).
create index if not exists buildings_community_idx on buildings (community_id);
create index if not exists stations_micro_grid_idx on stations (micro_grid_id);
create index if not exists stations_grid_idx on stations (grid_id);
create index if not exists stations_community_idx on stations (community_id);
create index if not exists patrol_tasks_street_idx on patrol_tasks (street_id);
create index if not exists incidents_type_time_idx on incidents (type, reported_at);
create index if not exists users_person_idx on users (person_id);
