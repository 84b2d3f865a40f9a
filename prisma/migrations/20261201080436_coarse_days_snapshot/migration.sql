-- The fingerprint check is replaced by a row count and the writers the build saw (usage/server/coarse.ts).
-- Old markers can't be converted: drop them, so every day is read fine until usage.coarsen rebuilds it.
DELETE FROM "usage_rollup_coarse_days";

-- AlterTable
ALTER TABLE "usage_rollup_coarse_days" DROP COLUMN "fingerprint",
ADD COLUMN     "fineRows" INTEGER NOT NULL,
ADD COLUMN     "seenXids" BIGINT[],
ADD COLUMN     "snapXmin" BIGINT NOT NULL;
