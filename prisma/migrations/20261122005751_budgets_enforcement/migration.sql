-- AlterTable
ALTER TABLE "orgs" ADD COLUMN     "anomalyAutoPause" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "anomalyMinSpendMicros" BIGINT NOT NULL DEFAULT 5000000;

-- AlterTable
ALTER TABLE "provider_keys" ADD COLUMN     "limitBeforeSyncMicros" BIGINT,
ADD COLUMN     "limitSyncActive" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "alerts" ADD COLUMN     "emailError" TEXT,
ADD COLUMN     "webhookError" TEXT,
ADD COLUMN     "webhookedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "enforcement_actions" ADD COLUMN     "details" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "manual" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "periodStart" TIMESTAMP(3);
