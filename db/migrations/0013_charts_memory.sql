-- The charts' grouping sets sort and hash up to a million rows at district scale: with the default
-- work_mem (4 MB) they spill to disk, and JIT compilation adds time without paying back. Measured
-- at `large` scale (1M incidents, district, one year): 1.98 s → 1.63 s.
alter function area_incident_charts(integer, timestamptz, timestamptz, text[]) set work_mem = '64MB';
alter function area_incident_charts(integer, timestamptz, timestamptz, text[]) set jit = off;
