-- AlterTable
ALTER TABLE "provider_connections" ADD COLUMN     "accountType" TEXT,
ADD COLUMN     "createWorkspaces" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "providerOrgId" TEXT;

-- AlterTable
ALTER TABLE "provider_keys" ADD COLUMN     "creatorUserRef" TEXT,
ADD COLUMN     "externalUser" TEXT,
ADD COLUMN     "ownerUserId" TEXT,
ADD COLUMN     "providerWorkspaceId" TEXT;

-- CreateTable
CREATE TABLE "provider_workspaces" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "providerWorkspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "workspaceId" TEXT,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "goneAt" TIMESTAMP(3),

    CONSTRAINT "provider_workspaces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_members" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "providerUserId" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" TEXT NOT NULL,
    "userId" TEXT,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "provider_workspace_spend" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "providerWorkspaceId" TEXT NOT NULL,
    "workspaceId" TEXT,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "providerMicros" BIGINT NOT NULL,
    "tollgateMicros" BIGINT NOT NULL,
    "driftMicros" BIGINT NOT NULL,
    "checkedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_workspace_spend_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_workspaces_orgId_idx" ON "provider_workspaces"("orgId");

-- CreateIndex
CREATE UNIQUE INDEX "provider_workspaces_connectionId_providerWorkspaceId_key" ON "provider_workspaces"("connectionId", "providerWorkspaceId");

-- CreateIndex
CREATE INDEX "provider_members_orgId_idx" ON "provider_members"("orgId");

-- CreateIndex
CREATE UNIQUE INDEX "provider_members_connectionId_providerUserId_key" ON "provider_members"("connectionId", "providerUserId");

-- CreateIndex
CREATE INDEX "provider_workspace_spend_orgId_day_idx" ON "provider_workspace_spend"("orgId", "day");

-- CreateIndex
CREATE UNIQUE INDEX "provider_workspace_spend_connectionId_providerWorkspaceId_d_key" ON "provider_workspace_spend"("connectionId", "providerWorkspaceId", "day");

-- AddForeignKey
ALTER TABLE "provider_workspaces" ADD CONSTRAINT "provider_workspaces_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "provider_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_members" ADD CONSTRAINT "provider_members_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "provider_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_workspace_spend" ADD CONSTRAINT "provider_workspace_spend_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "provider_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
