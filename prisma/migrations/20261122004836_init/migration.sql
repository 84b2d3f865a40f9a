-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('owner', 'admin', 'member', 'viewer');

-- CreateEnum
CREATE TYPE "Provider" AS ENUM ('openrouter', 'openai');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('active', 'broken', 'disabled');

-- CreateEnum
CREATE TYPE "KeyStatus" AS ENUM ('active', 'paused', 'deleted');

-- CreateEnum
CREATE TYPE "UsageSource" AS ENUM ('push', 'otlp', 'broadcast', 'poll');

-- CreateEnum
CREATE TYPE "CostSource" AS ENUM ('provider', 'estimate', 'unknown');

-- CreateEnum
CREATE TYPE "Granularity" AS ENUM ('minute', 'hour', 'day');

-- CreateEnum
CREATE TYPE "BudgetScope" AS ENUM ('org', 'workspace', 'project', 'key', 'member');

-- CreateEnum
CREATE TYPE "BudgetPeriod" AS ENUM ('daily', 'weekly', 'monthly', 'lifetime');

-- CreateEnum
CREATE TYPE "BudgetMode" AS ENUM ('soft', 'hard');

-- CreateEnum
CREATE TYPE "AlertKind" AS ENUM ('budget_threshold', 'budget_pace', 'low_credit', 'anomaly', 'connection_broken', 'key_paused', 'key_resumed');

-- CreateEnum
CREATE TYPE "EnforcementActionType" AS ENUM ('pause', 'resume', 'sync_limit');

-- CreateEnum
CREATE TYPE "EnforcementStatus" AS ENUM ('pending', 'confirmed', 'failed');

-- CreateEnum
CREATE TYPE "ScheduleFrequency" AS ENUM ('daily', 'weekly', 'monthly');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "passwordHash" TEXT,
    "emailVerified" TIMESTAMP(3),
    "image" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "verification_tokens" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL
);

-- CreateTable
CREATE TABLE "orgs" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "lowCreditRunwayHours" INTEGER NOT NULL DEFAULT 72,
    "lowCreditBalanceMicros" BIGINT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "orgs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memberships" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'member',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memberships_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invitations" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'member',
    "tokenHash" TEXT NOT NULL,
    "invitedById" TEXT,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "acceptedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "workspaces" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "retentionDays" INTEGER NOT NULL DEFAULT 30,
    "ingestRateLimit" INTEGER NOT NULL DEFAULT 100000,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "workspaces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "project_tags" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ownerId" TEXT,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "project_tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_connections" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT,
    "provider" "Provider" NOT NULL,
    "name" TEXT NOT NULL,
    "baseUrl" TEXT,
    "secretCiphertext" TEXT NOT NULL,
    "secretLast4" TEXT NOT NULL,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'active',
    "statusReason" TEXT,
    "statusChangedAt" TIMESTAMP(3),
    "cursors" JSONB NOT NULL DEFAULT '{}',
    "backfillDoneAt" TIMESTAMP(3),
    "lastPolledAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_keys" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT,
    "provider" "Provider" NOT NULL,
    "providerKeyId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "providerProjectId" TEXT,
    "workspaceId" TEXT,
    "projectTagId" TEXT,
    "status" "KeyStatus" NOT NULL DEFAULT 'active',
    "pausedByTollgate" BOOLEAN NOT NULL DEFAULT false,
    "pausedByBudgetId" TEXT,
    "pausedAt" TIMESTAMP(3),
    "pauseReason" TEXT,
    "providerLimitMicros" BIGINT,
    "providerUsageMicros" BIGINT,
    "syncedLimitMicros" BIGINT,
    "disabledAtProvider" BOOLEAN NOT NULL DEFAULT false,
    "lastSeenAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingest_tokens" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "credit_snapshots" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "totalCreditsMicros" BIGINT NOT NULL,
    "totalUsageMicros" BIGINT NOT NULL,
    "takenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_prices" (
    "id" TEXT NOT NULL,
    "provider" "Provider" NOT NULL,
    "model" TEXT NOT NULL,
    "promptPerMTok" BIGINT NOT NULL,
    "completionPerMTok" BIGINT NOT NULL,
    "cacheReadPerMTok" BIGINT,
    "cacheWritePerMTok" BIGINT,
    "reasoningPerMTok" BIGINT,
    "perRequest" BIGINT NOT NULL DEFAULT 0,
    "source" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "model_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "price_overrides" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "provider" "Provider" NOT NULL,
    "model" TEXT NOT NULL,
    "promptPerMTok" BIGINT NOT NULL,
    "completionPerMTok" BIGINT NOT NULL,
    "cacheReadPerMTok" BIGINT,
    "cacheWritePerMTok" BIGINT,
    "reasoningPerMTok" BIGINT,
    "perRequest" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "price_overrides_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_events" (
    "id" BIGSERIAL NOT NULL,
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "source" "UsageSource" NOT NULL,
    "provider" "Provider" NOT NULL,
    "model" TEXT NOT NULL,
    "projectTagId" TEXT,
    "memberId" TEXT,
    "endUser" TEXT,
    "providerKeyId" TEXT,
    "apiKeyRef" TEXT,
    "service" TEXT,
    "language" TEXT,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "cachedTokens" INTEGER NOT NULL DEFAULT 0,
    "cacheWriteTokens" INTEGER NOT NULL DEFAULT 0,
    "reasoningTokens" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 1,
    "costMicros" BIGINT NOT NULL DEFAULT 0,
    "costSource" "CostSource" NOT NULL DEFAULT 'unknown',
    "latencyMs" INTEGER,
    "status" INTEGER NOT NULL DEFAULT 200,
    "errorType" TEXT,
    "errorMessage" TEXT,
    "generationId" TEXT,
    "metadata" JSONB,

    CONSTRAINT "usage_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_rollups" (
    "granularity" "Granularity" NOT NULL,
    "bucketStart" TIMESTAMPTZ(3) NOT NULL,
    "orgId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "projectTagId" TEXT NOT NULL DEFAULT '',
    "memberId" TEXT NOT NULL DEFAULT '',
    "providerKeyId" TEXT NOT NULL DEFAULT '',
    "provider" "Provider" NOT NULL,
    "model" TEXT NOT NULL,
    "statusClass" TEXT NOT NULL,
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

    CONSTRAINT "usage_rollups_pkey" PRIMARY KEY ("granularity","bucketStart","orgId","workspaceId","projectTagId","memberId","providerKeyId","provider","model","statusClass")
);

-- CreateTable
CREATE TABLE "polled_usage" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "provider" "Provider" NOT NULL,
    "endpoint" TEXT NOT NULL,
    "bucketStart" TIMESTAMPTZ(3) NOT NULL,
    "bucketSeconds" INTEGER NOT NULL,
    "keyRef" TEXT NOT NULL DEFAULT '',
    "projectRef" TEXT NOT NULL DEFAULT '',
    "userRef" TEXT NOT NULL DEFAULT '',
    "model" TEXT NOT NULL DEFAULT '',
    "requests" BIGINT NOT NULL DEFAULT 0,
    "inputTokens" BIGINT NOT NULL DEFAULT 0,
    "outputTokens" BIGINT NOT NULL DEFAULT 0,
    "cachedTokens" BIGINT NOT NULL DEFAULT 0,
    "reasoningTokens" BIGINT NOT NULL DEFAULT 0,
    "costMicros" BIGINT,
    "fetchedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "polled_usage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_cost_lines" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "projectRef" TEXT NOT NULL DEFAULT '',
    "lineItem" TEXT NOT NULL DEFAULT '',
    "amountMicros" BIGINT NOT NULL,
    "fetchedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_cost_lines_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budgets" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scope" "BudgetScope" NOT NULL,
    "workspaceId" TEXT,
    "projectTagId" TEXT,
    "providerKeyId" TEXT,
    "memberId" TEXT,
    "providerFilter" "Provider",
    "modelFilter" TEXT,
    "period" "BudgetPeriod" NOT NULL,
    "amountMicros" BIGINT NOT NULL,
    "thresholds" INTEGER[] DEFAULT ARRAY[80, 100]::INTEGER[],
    "mode" "BudgetMode" NOT NULL DEFAULT 'soft',
    "recipientEmails" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "recipientRoles" "Role"[] DEFAULT ARRAY[]::"Role"[],
    "notifyProjectOwner" BOOLEAN NOT NULL DEFAULT false,
    "webhookUrl" TEXT,
    "syncKeyLimits" BOOLEAN NOT NULL DEFAULT true,
    "paceAlerts" BOOLEAN NOT NULL DEFAULT true,
    "lastEvaluatedAt" TIMESTAMP(3),
    "lastSpendMicros" BIGINT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alerts" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "budgetId" TEXT,
    "periodStart" TIMESTAMP(3),
    "threshold" INTEGER,
    "subjectType" TEXT,
    "subjectId" TEXT,
    "spendMicros" BIGINT,
    "limitMicros" BIGINT,
    "title" TEXT NOT NULL,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "emailStatus" TEXT NOT NULL DEFAULT 'pending',
    "emailedAt" TIMESTAMP(3),
    "webhookStatus" TEXT NOT NULL DEFAULT 'none',
    "acknowledgedAt" TIMESTAMP(3),
    "acknowledgedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enforcement_actions" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "providerKeyId" TEXT NOT NULL,
    "budgetId" TEXT,
    "action" "EnforcementActionType" NOT NULL,
    "status" "EnforcementStatus" NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" TIMESTAMP(3),

    CONSTRAINT "enforcement_actions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "report_schedules" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "frequency" "ScheduleFrequency" NOT NULL,
    "recipients" TEXT[],
    "filters" JSONB NOT NULL DEFAULT '{}',
    "lastSentAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "report_schedules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "actorUserId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "accounts_provider_providerAccountId_key" ON "accounts"("provider", "providerAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_sessionToken_key" ON "sessions"("sessionToken");

-- CreateIndex
CREATE UNIQUE INDEX "verification_tokens_token_key" ON "verification_tokens"("token");

-- CreateIndex
CREATE UNIQUE INDEX "verification_tokens_identifier_token_key" ON "verification_tokens"("identifier", "token");

-- CreateIndex
CREATE UNIQUE INDEX "orgs_slug_key" ON "orgs"("slug");

-- CreateIndex
CREATE INDEX "memberships_userId_idx" ON "memberships"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "memberships_orgId_userId_key" ON "memberships"("orgId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "invitations_tokenHash_key" ON "invitations"("tokenHash");

-- CreateIndex
CREATE INDEX "invitations_orgId_email_idx" ON "invitations"("orgId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "workspaces_orgId_slug_key" ON "workspaces"("orgId", "slug");

-- CreateIndex
CREATE INDEX "project_tags_orgId_idx" ON "project_tags"("orgId");

-- CreateIndex
CREATE UNIQUE INDEX "project_tags_workspaceId_slug_key" ON "project_tags"("workspaceId", "slug");

-- CreateIndex
CREATE INDEX "provider_connections_orgId_idx" ON "provider_connections"("orgId");

-- CreateIndex
CREATE INDEX "provider_keys_connectionId_idx" ON "provider_keys"("connectionId");

-- CreateIndex
CREATE UNIQUE INDEX "provider_keys_orgId_provider_providerKeyId_key" ON "provider_keys"("orgId", "provider", "providerKeyId");

-- CreateIndex
CREATE UNIQUE INDEX "ingest_tokens_tokenHash_key" ON "ingest_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "ingest_tokens_orgId_idx" ON "ingest_tokens"("orgId");

-- CreateIndex
CREATE INDEX "credit_snapshots_connectionId_takenAt_idx" ON "credit_snapshots"("connectionId", "takenAt");

-- CreateIndex
CREATE UNIQUE INDEX "model_prices_provider_model_key" ON "model_prices"("provider", "model");

-- CreateIndex
CREATE UNIQUE INDEX "price_overrides_orgId_provider_model_key" ON "price_overrides"("orgId", "provider", "model");

-- CreateIndex
CREATE INDEX "usage_events_orgId_occurredAt_idx" ON "usage_events"("orgId", "occurredAt");

-- CreateIndex
CREATE INDEX "usage_events_generationId_idx" ON "usage_events"("generationId");

-- CreateIndex
CREATE UNIQUE INDEX "usage_events_workspaceId_externalId_key" ON "usage_events"("workspaceId", "externalId");

-- CreateIndex
CREATE INDEX "usage_rollups_orgId_granularity_bucketStart_idx" ON "usage_rollups"("orgId", "granularity", "bucketStart");

-- CreateIndex
CREATE INDEX "polled_usage_orgId_bucketStart_idx" ON "polled_usage"("orgId", "bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "polled_usage_connectionId_endpoint_bucketStart_bucketSecond_key" ON "polled_usage"("connectionId", "endpoint", "bucketStart", "bucketSeconds", "keyRef", "projectRef", "userRef", "model");

-- CreateIndex
CREATE UNIQUE INDEX "provider_cost_lines_connectionId_day_projectRef_lineItem_key" ON "provider_cost_lines"("connectionId", "day", "projectRef", "lineItem");

-- CreateIndex
CREATE INDEX "budgets_orgId_idx" ON "budgets"("orgId");

-- CreateIndex
CREATE UNIQUE INDEX "alerts_dedupeKey_key" ON "alerts"("dedupeKey");

-- CreateIndex
CREATE INDEX "alerts_orgId_createdAt_idx" ON "alerts"("orgId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "enforcement_actions_dedupeKey_key" ON "enforcement_actions"("dedupeKey");

-- CreateIndex
CREATE INDEX "enforcement_actions_orgId_providerKeyId_idx" ON "enforcement_actions"("orgId", "providerKeyId");

-- CreateIndex
CREATE INDEX "report_schedules_orgId_idx" ON "report_schedules"("orgId");

-- CreateIndex
CREATE INDEX "audit_logs_orgId_createdAt_idx" ON "audit_logs"("orgId", "createdAt");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_tags" ADD CONSTRAINT "project_tags_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_tags" ADD CONSTRAINT "project_tags_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_tags" ADD CONSTRAINT "project_tags_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_connections" ADD CONSTRAINT "provider_connections_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_keys" ADD CONSTRAINT "provider_keys_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_keys" ADD CONSTRAINT "provider_keys_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "provider_connections"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_tokens" ADD CONSTRAINT "ingest_tokens_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_tokens" ADD CONSTRAINT "ingest_tokens_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "credit_snapshots" ADD CONSTRAINT "credit_snapshots_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "provider_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "price_overrides" ADD CONSTRAINT "price_overrides_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "report_schedules" ADD CONSTRAINT "report_schedules_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
