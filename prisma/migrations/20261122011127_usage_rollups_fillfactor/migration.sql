-- Rollup rows are updated in place by every ingest batch (ON CONFLICT DO UPDATE adding to
-- counters). Leaving most of each page free lets those updates be HOT (heap-only: no new
-- index entries) and lets Postgres prune dead row versions inside the page without waiting
-- for a vacuum; at the default fillfactor of 100 nearly every update moved the row to
-- another page, bloating the table and its indexes and slowing each upsert.
-- Prisma does not model storage parameters, so this does not drift from schema.prisma.
ALTER TABLE "usage_rollups" SET (fillfactor = 25);

-- The table is small and its rows churn: vacuum it after ~2% dead rows, not the default 20%.
ALTER TABLE "usage_rollups" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
