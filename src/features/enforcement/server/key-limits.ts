import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { periodBounds } from "@/lib/periods";
import { budgetCoversKey } from "@/features/budgets/server/coverage";
import { budgetStatus } from "@/features/budgets/server/status";
import { SCOPE_LABELS } from "@/features/budgets/schemas";
import { isOverridden, manualOverrides } from "./release";
import { manualHoldOf, openPauseOf } from "./actions";
import { PROVIDER_INFO } from "@/features/providers/registry";

/** How Tollgate stops a key at each provider (shown on the key page). */
export const CONTROL_EXPLAINED = {
  openrouter:
    "OpenRouter: Tollgate disables the key through the management API (PATCH /keys/{hash} with disabled: true) and re-enables it on resume. Under a hard budget it also keeps the key's own credit limit at (the key's usage in its limit window + the budget's remaining amount), so OpenRouter itself refuses the request that would cross the cap.",
  openai:
    "OpenAI has no per-key disable. The closest reversible control is the project's hard spend limit: Tollgate sets the key's project limit to the project's month-to-date spend (at least $0.01), which stops every key of that project, and restores the previous limit (or removes it) on resume. OpenAI notes that enforcement is not instantaneous.",
} as const;

export type KeyLimitsView = Awaited<ReturnType<typeof whatLimitsKey>>;

/**
 * "What limits this key": every budget that applies to it with its use, mode and reset; and
 * when paused, which budget paused it and when it will resume.
 */
export async function whatLimitsKey(ctx: TenantContext, input: { keyId: string }, now = new Date()) {
  requirePermission(ctx, "keys:read");
  const key = await prisma.providerKey.findFirst({
    where: { id: input.keyId, orgId: ctx.orgId },
    include: { connection: { select: { id: true, name: true, status: true } } },
  });
  if (!key) throw notFound("Key not found");
  const [budgets, workspace, tag, overrides, manualHold, openPause] = await Promise.all([
    prisma.budget.findMany({ where: { orgId: ctx.orgId }, orderBy: { createdAt: "asc" } }),
    key.workspaceId ? prisma.workspace.findFirst({ where: { id: key.workspaceId, orgId: ctx.orgId }, select: { name: true } }) : null,
    key.projectTagId ? prisma.projectTag.findFirst({ where: { id: key.projectTagId, orgId: ctx.orgId }, select: { name: true } }) : null,
    manualOverrides(ctx.orgId, key.id),
    manualHoldOf(ctx.orgId, key.id),
    openPauseOf(ctx.orgId, key.id),
  ]);
  // An admin's pause (pending or in force) that no resume has undone yet.
  const byHand = manualHold
    ? { by: (manualHold.details as { requestedBy?: string } | null)?.requestedBy ?? "an admin", reason: (manualHold.details as { reasonGiven?: string } | null)?.reasonGiven ?? manualHold.reason, requestedAt: manualHold.requestedAt.toISOString(), status: manualHold.status }
    : null;
  const applying = [];
  for (const b of budgets) {
    const bounds = periodBounds(b.period, ctx.timeZone, now);
    if (!(await budgetCoversKey(b, key, bounds))) continue;
    const s = await budgetStatus(b, ctx.timeZone, now);
    const over = s.spendMicros >= b.amountMicros;
    applying.push({
      id: b.id,
      name: b.name,
      scope: b.scope,
      scopeLabel: SCOPE_LABELS[b.scope],
      mode: b.mode,
      period: b.period,
      spendMicros: s.spendMicros.toString(),
      amountMicros: b.amountMicros.toString(),
      remainingMicros: (over ? 0n : b.amountMicros - s.spendMicros).toString(),
      percent: s.percent,
      resetsAt: b.period === "lifetime" ? null : bounds.end.toISOString(),
      over,
      overriddenByHand: isOverridden(overrides, b.id, bounds.start),
      syncsKeyLimit: b.mode === "hard" && b.syncKeyLimits && PROVIDER_INFO[key.provider].syncsKeyLimits,
      filters: [b.providerFilter, b.modelFilter].filter(Boolean) as string[],
    });
  }
  const pausedByBudget = key.pausedByBudgetId ? budgets.find((b) => b.id === key.pausedByBudgetId) ?? null : null;
  let pause = null;
  if (key.status === "paused" || key.pausedByTollgate || byHand) {
    const resumesAt =
      pausedByBudget && pausedByBudget.period !== "lifetime" ? periodBounds(pausedByBudget.period, ctx.timeZone, now).end.toISOString() : null;
    pause = {
      byTollgate: key.pausedByTollgate || Boolean(byHand),
      byHand,
      budgetId: pausedByBudget?.id ?? null,
      budgetName: pausedByBudget?.name ?? null,
      pausedAt: key.pausedAt?.toISOString() ?? null,
      reason: key.pauseReason,
      resumesAt,
      resumeRule: byHand
        ? "Paused by hand: stays paused until an admin resumes it (budget releases and period resets do not resume it)."
        : !key.pausedByTollgate
        ? "Paused outside Tollgate (at the provider); Tollgate will not resume it."
        : pausedByBudget
          ? resumesAt
            ? "Resumes automatically when the period resets, earlier if the budget is raised above its spend, or when an admin resumes it."
            : "Lifetime budget: resumes when the budget is raised above its spend or an admin resumes it."
          : "Paused for a spend spike (or by a deleted budget): resumes when an admin resumes it.",
    };
  }
  const history = await prisma.enforcementAction.findMany({
    where: { orgId: ctx.orgId, providerKeyId: key.id },
    orderBy: { requestedAt: "desc" },
    take: 20,
  });
  // The newest action failed loudly (failures.ts): the key is not in the state Tollgate wanted.
  const latest = history[0];
  const failure = latest?.status === "failed" ? (latest.details as { failure?: string } | null)?.failure : undefined;
  const enforcementProblem =
    latest && failure
      ? {
          action: latest.action,
          actionId: latest.id,
          failure,
          error: latest.lastError,
          attempts: latest.attempts,
          requestedAt: latest.requestedAt.toISOString(),
          meaning:
            latest.action === "pause"
              ? "Tollgate could not pause this key: it is NOT protected and keeps spending. Fix the connection (or pause the key at the provider), then resume or let the budget evaluate again."
              : "Tollgate could not resume this key at the provider: it may still be disabled there. Fix the connection, then resume it here again.",
        }
      : null;
  return {
    enforcementProblem,
    key: {
      id: key.id,
      label: key.label,
      provider: key.provider,
      providerKeyId: key.providerKeyId,
      providerProjectId: key.providerProjectId,
      status: key.status,
      workspace: workspace?.name ?? null,
      projectTag: tag?.name ?? null,
      connection: key.connection ? { name: key.connection.name, status: key.connection.status } : null,
      providerLimitMicros: key.providerLimitMicros?.toString() ?? null,
      providerUsageMicros: key.providerUsageMicros?.toString() ?? null,
      syncedLimitMicros: key.syncedLimitMicros?.toString() ?? null,
      limitSyncActive: key.limitSyncActive,
    },
    control: CONTROL_EXPLAINED[key.provider],
    budgets: applying,
    pause,
    // An admin may pause the key by hand unless a manual pause already holds it; a connection must act.
    canPauseByHand: !byHand && Boolean(key.connection),
    pauseOpen: Boolean(openPause),
    history: history.map((a) => ({
      id: a.id,
      action: a.action,
      status: a.status,
      reason: a.reason,
      attempts: a.attempts,
      lastError: a.lastError,
      manual: a.manual,
      requestedAt: a.requestedAt.toISOString(),
      confirmedAt: a.confirmedAt?.toISOString() ?? null,
    })),
  };
}
