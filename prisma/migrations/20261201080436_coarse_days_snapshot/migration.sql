-- The fingerprint check is replaced by a row count and the build's snapshot (usage/server/coarse.ts).
-- Old markers can't be converted: drop them, so every day is read fine until usage.coarsen rebuilds it.
DELETE FROM "usage_rollup_coarse_days";

-- AlterTable
ALTER TABLE "usage_rollup_coarse_days" DROP COLUMN "fingerprint",
ADD COLUMN     "fineRows" INTEGER NOT NULL,
ADD COLUMN     "snapXmax" BIGINT NOT NULL,
ADD COLUMN     "snapXmin" BIGINT NOT NULL,
ADD COLUMN     "snapshot" TEXT NOT NULL;
