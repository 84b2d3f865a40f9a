import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { periodBounds } from "@/lib/periods";
import type { BudgetIdInput } from "../schemas";
import { getBudget } from "./budgets";
import { keysUnderBudget } from "./coverage";
import { scopeNames } from "./options";

/** The budget page: the budget with its status, what it covers, its alerts and its keys. */
export async function budgetDetail(ctx: TenantContext, input: BudgetIdInput, now = new Date()) {
  requirePermission(ctx, "budgets:read");
  const budget = await prisma.budget.findFirst({ where: { id: input.budgetId, orgId: ctx.orgId } });
  if (!budget) throw notFound("Budget not found");
  const [view, scopeName, alerts, keyIds] = await Promise.all([
    getBudget(ctx, input, now),
    scopeNames(ctx, budget),
    prisma.alert.findMany({ where: { orgId: ctx.orgId, budgetId: budget.id }, orderBy: { createdAt: "desc" }, take: 20 }),
    keysUnderBudget(budget, periodBounds(budget.period, ctx.timeZone, now)),
  ]);
  const keys = await prisma.providerKey.findMany({
    where: { orgId: ctx.orgId, OR: [{ id: { in: keyIds } }, { pausedByBudgetId: budget.id }] },
    select: { id: true, label: true, provider: true, status: true, pausedByTollgate: true, pausedByBudgetId: true, pausedAt: true, syncedLimitMicros: true },
    orderBy: { label: "asc" },
  });
  return {
    budget: view,
    scopeName,
    alerts: alerts.map((a) => ({
      id: a.id,
      kind: a.kind,
      title: a.title,
      threshold: a.threshold,
      createdAt: a.createdAt.toISOString(),
      emailStatus: a.emailStatus,
      webhookStatus: a.webhookStatus,
      superseded: a.dedupeKey.includes(":superseded:"),
    })),
    keys: keys.map((k) => ({
      id: k.id,
      label: k.label,
      provider: k.provider,
      status: k.status,
      pausedByThis: k.pausedByTollgate && k.pausedByBudgetId === budget.id,
      pausedAt: k.pausedAt?.toISOString() ?? null,
      syncedLimitMicros: k.syncedLimitMicros?.toString() ?? null,
    })),
  };
}
