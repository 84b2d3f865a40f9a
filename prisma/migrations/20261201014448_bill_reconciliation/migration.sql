-- AlterEnum
ALTER TYPE "AlertKind" ADD VALUE 'bill_drift';

-- CreateTable
CREATE TABLE "bill_reconciliations" (
    "id" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "tollgateMicros" BIGINT NOT NULL,
    "billedMicros" BIGINT NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bill_reconciliations_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "bill_reconciliations_orgId_day_idx" ON "bill_reconciliations"("orgId", "day");

-- CreateIndex
CREATE UNIQUE INDEX "bill_reconciliations_connectionId_day_key" ON "bill_reconciliations"("connectionId", "day");
