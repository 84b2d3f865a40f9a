-- AlterTable
ALTER TABLE "polled_usage" ADD COLUMN     "cacheWriteTokens" BIGINT NOT NULL DEFAULT 0;
