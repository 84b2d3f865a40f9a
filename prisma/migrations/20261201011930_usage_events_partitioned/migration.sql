-- usage_events becomes a table partitioned by RANGE ("occurredAt"): one partition per UTC day
-- (usage_events_pYYYYMMDD) plus usage_events_default for anything outside them. Retention
-- then drops whole days instead of deleting rows (features/ingest/server/retention.ts), and
-- the job usage.partitions creates the days ahead (features/ingest/server/partitions.ts).
--
-- Keys: the bigint "id" goes. A unique key on a partitioned table must hold the partition
-- key, so the events' primary key is ("orgId", "workspaceId", "externalId", "occurredAt"),
-- led by the org (the distribution column of SCALING.md). "(workspace, externalId) counts
-- once, whatever its timestamp" needs a key across partitions: usage_event_ids (not
-- partitioned) holds it, and the ingest statement inserts there first (ON CONFLICT DO
-- NOTHING) so only new ids reach the events and rollups. Time is a BRIN (rows arrive in time
-- order), and the generation look-up index is partial (few events carry one) instead of a
-- full btree holding a NULL for almost every row.
--
-- Existing rows move: the old table is renamed, the new one is made from it (LIKE keeps any
-- column another migration added before this one), the rows are copied, the old one dropped.
-- Prisma does not model partitioning: schema.prisma describes the parent table as it is.

ALTER TABLE "usage_events" RENAME TO "usage_events_unpartitioned";
ALTER TABLE "usage_events_unpartitioned" RENAME CONSTRAINT "usage_events_pkey" TO "usage_events_unpartitioned_pkey";
DROP INDEX "usage_events_orgId_occurredAt_idx";
DROP INDEX "usage_events_generationId_idx";
DROP INDEX "usage_events_workspaceId_externalId_key";

CREATE TABLE "usage_events" (LIKE "usage_events_unpartitioned" INCLUDING DEFAULTS) PARTITION BY RANGE ("occurredAt");
ALTER TABLE "usage_events" DROP COLUMN "id";
ALTER TABLE "usage_events" ADD CONSTRAINT "usage_events_pkey" PRIMARY KEY ("orgId", "workspaceId", "externalId", "occurredAt");
CREATE INDEX "usage_events_occurredAt_idx" ON "usage_events" USING BRIN ("occurredAt");
CREATE INDEX "usage_events_pending_generation_idx" ON "usage_events" ("orgId", "occurredAt")
  WHERE "generationId" IS NOT NULL AND "costSource" <> 'provider';

CREATE TABLE "usage_event_ids" (
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "firstSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_event_ids_pkey" PRIMARY KEY ("orgId", "workspaceId", "externalId")
);
CREATE INDEX "usage_event_ids_firstSeenAt_idx" ON "usage_event_ids" USING BRIN ("firstSeenAt");

CREATE TABLE "usage_events_default" PARTITION OF "usage_events" DEFAULT;

-- Daily partitions from 100 days back (older than any workspace keeps raw events; older rows,
-- e.g. kept poll rows, go to the default partition) to 14 days ahead.
DO $$
DECLARE
  first_day date := (now() AT TIME ZONE 'UTC')::date - 100;
  last_day date := (now() AT TIME ZONE 'UTC')::date + 14;
  d date;
  cols text;
BEGIN
  d := first_day;
  WHILE d <= last_day LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "usage_events" FOR VALUES FROM (%L) TO (%L)',
      'usage_events_p' || to_char(d, 'YYYYMMDD'), d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
    d := d + 1;
  END LOOP;
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = '"usage_events"'::regclass AND attnum > 0 AND NOT attisdropped;
  EXECUTE format('INSERT INTO "usage_events" (%s) SELECT %s FROM "usage_events_unpartitioned"', cols, cols);
  INSERT INTO "usage_event_ids" ("orgId", "workspaceId", "externalId", "firstSeenAt")
    SELECT "orgId", "workspaceId", "externalId", "receivedAt" FROM "usage_events_unpartitioned";
END $$;

DROP TABLE "usage_events_unpartitioned";
