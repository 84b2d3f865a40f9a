-- CreateTable
CREATE TABLE "usage_rollups_coarse" (
    "level" INTEGER NOT NULL,
    "granularity" "Granularity" NOT NULL,
    "bucketStart" TIMESTAMPTZ(3) NOT NULL,
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "projectTagId" TEXT NOT NULL DEFAULT '',
    "provider" "Provider" NOT NULL,
    "model" TEXT NOT NULL,
    "statusClass" TEXT NOT NULL,
    "service" TEXT NOT NULL DEFAULT '',
    "language" TEXT NOT NULL DEFAULT '',
    "requests" BIGINT NOT NULL DEFAULT 0,
    "errors" BIGINT NOT NULL DEFAULT 0,
    "inputTokens" BIGINT NOT NULL DEFAULT 0,
    "outputTokens" BIGINT NOT NULL DEFAULT 0,
    "cachedTokens" BIGINT NOT NULL DEFAULT 0,
    "cacheWriteTokens" BIGINT NOT NULL DEFAULT 0,
    "reasoningTokens" BIGINT NOT NULL DEFAULT 0,
    "costMicros" BIGINT NOT NULL DEFAULT 0,
    "latencySumMs" BIGINT NOT NULL DEFAULT 0,
    "latencyCount" BIGINT NOT NULL DEFAULT 0,
    "latencyMaxMs" INTEGER NOT NULL DEFAULT 0,
    "latencyHist" INTEGER[],

    CONSTRAINT "usage_rollups_coarse_pkey" PRIMARY KEY ("orgId","level","granularity","bucketStart","workspaceId","projectTagId","provider","model","statusClass","service","language")
);

-- CreateTable
CREATE TABLE "usage_rollup_coarse_days" (
    "orgId" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "builtAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_rollup_coarse_days_pkey" PRIMARY KEY ("orgId","day")
);
