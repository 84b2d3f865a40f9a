-- AlterTable
ALTER TABLE "polled_usage" ADD COLUMN     "cacheWriteTokens" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "provider_cost_lines" ADD COLUMN     "quantityUnit" TEXT;
