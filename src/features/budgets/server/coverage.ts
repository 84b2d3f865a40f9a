import type { Budget, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import type { Bounds } from "@/lib/periods";
import { hasUsage } from "@/features/usage/server/rollups";
import { budgetFilters, keysWithSpend } from "./spend";

/**
 * Which provider keys are "under" a budget (what a hard budget pauses and whose limits it
 * syncs), and, the other way round, which budgets apply to a key.
 *
 *  - org:       every tracked key of the org;
 *  - key:       that key;
 *  - workspace / project tag: keys attributed to it (ProviderKey.workspaceId/projectTagId)
 *               plus keys that spent inside it during the current period;
 *  - member:    keys the member spent through in that workspace during the period.
 * A provider filter keeps only that provider's keys. A model filter can't be enforced per
 * model at the provider: the whole key pauses (said in the UI).
 */
export async function keysUnderBudget(budget: Budget, bounds: Bounds): Promise<string[]> {
  const base = { orgId: budget.orgId, status: { not: "deleted" as const }, ...(budget.providerFilter ? { provider: budget.providerFilter } : {}) };
  const attributed =
    budget.scope === "org"
      ? { }
      : budget.scope === "key"
        ? { id: budget.providerKeyId ?? "-" }
        : budget.scope === "workspace"
          ? { workspaceId: budget.workspaceId ?? "-" }
          : budget.scope === "project"
            ? { projectTagId: budget.projectTagId ?? "-" }
            : null;
  const ids = new Set<string>();
  if (attributed) {
    for (const k of await prisma.providerKey.findMany({ where: { ...base, ...attributed }, select: { id: true } })) ids.add(k.id);
  }
  if (budget.scope !== "org" && budget.scope !== "key") {
    const spent = await keysWithSpend(budget, bounds.start, bounds.end);
    if (spent.length) {
      for (const k of await prisma.providerKey.findMany({ where: { ...base, id: { in: spent } }, select: { id: true } })) ids.add(k.id);
    }
  }
  return [...ids];
}

/** Did `keyId` spend inside the budget's scope during [start, end)? */
async function keySpentInScope(budget: Budget, keyId: string, bounds: Bounds): Promise<boolean> {
  return hasUsage(
    { orgId: budget.orgId, timeZone: "UTC" },
    { range: { from: bounds.start.toISOString(), to: bounds.end.toISOString() }, filters: { ...budgetFilters(budget), providerKeyId: [keyId] } },
  );
}

/** Does the budget apply to this key (same rules as keysUnderBudget)? */
export async function budgetCoversKey(budget: Budget, key: Pick<ProviderKey, "id" | "provider" | "workspaceId" | "projectTagId">, bounds: Bounds): Promise<boolean> {
  if (budget.providerFilter && budget.providerFilter !== key.provider) return false;
  switch (budget.scope) {
    case "org":
      return true;
    case "key":
      return budget.providerKeyId === key.id;
    case "workspace":
      return budget.workspaceId === key.workspaceId || keySpentInScope(budget, key.id, bounds);
    case "project":
      return budget.projectTagId === key.projectTagId || keySpentInScope(budget, key.id, bounds);
    case "member":
      return keySpentInScope(budget, key.id, bounds);
  }
}
