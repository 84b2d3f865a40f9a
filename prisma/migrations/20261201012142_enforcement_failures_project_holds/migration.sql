-- AlterEnum
ALTER TYPE "AlertKind" ADD VALUE 'enforcement_failed';

-- CreateTable
CREATE TABLE "openai_project_holds" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "previousLimitCents" INTEGER,
    "tollgateLimitCents" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "openai_project_holds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "openai_project_holds_orgId_idx" ON "openai_project_holds"("orgId");

-- CreateIndex
CREATE UNIQUE INDEX "openai_project_holds_connectionId_projectId_key" ON "openai_project_holds"("connectionId", "projectId");

-- AddForeignKey
ALTER TABLE "openai_project_holds" ADD CONSTRAINT "openai_project_holds_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "provider_connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
