import type { Processor } from "../registry";
import { syncLimitsForBudget } from "@/features/enforcement/server/sync-limits";

/** enforcement.sync-limits: OpenRouter key credit limits follow the remaining hard budget. */
export const enforcementSyncLimits: Processor<"enforcement.sync-limits"> = async ({ orgId, budgetId }) => {
  const r = await syncLimitsForBudget(orgId, budgetId);
  return r.map((x) => ({ keyId: x.keyId, limitMicros: x.limitMicros?.toString() ?? null, changed: x.changed }));
};
