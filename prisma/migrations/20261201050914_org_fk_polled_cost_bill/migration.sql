-- Rows of orgs that no longer exist (nothing removed them before these foreign keys) would
-- make the constraints fail: remove them first.
DELETE FROM "polled_usage" p WHERE NOT EXISTS (SELECT 1 FROM "orgs" o WHERE o."id" = p."orgId");
DELETE FROM "provider_cost_lines" c WHERE NOT EXISTS (SELECT 1 FROM "orgs" o WHERE o."id" = c."orgId");
DELETE FROM "bill_reconciliations" b WHERE NOT EXISTS (SELECT 1 FROM "orgs" o WHERE o."id" = b."orgId");

-- CreateIndex
CREATE INDEX "provider_cost_lines_orgId_day_idx" ON "provider_cost_lines"("orgId", "day");

-- AddForeignKey
ALTER TABLE "polled_usage" ADD CONSTRAINT "polled_usage_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_cost_lines" ADD CONSTRAINT "provider_cost_lines_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "bill_reconciliations" ADD CONSTRAINT "bill_reconciliations_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
