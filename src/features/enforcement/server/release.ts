import type { Budget, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { badRequest, conflict, notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { periodBounds } from "@/lib/periods";
import { budgetCoversKey } from "@/features/budgets/server/coverage";
import { budgetStatus } from "@/features/budgets/server/status";
import type { PauseKeyInput, ResumeKeyInput } from "@/features/budgets/schemas";
import { claimPauses, manualHoldOf, manualPauseKey, openPauseOf, pauseHoldOf, requestResume, scheduleApply, supersedePauseClaims } from "./actions";

export type Override = { budgetId: string; periodStart: string };

/**
 * Budgets an admin's manual resume overrides for the rest of their current period: the key
 * is not re-paused and its credit limit is not held down by them until the period resets.
 */
export async function manualOverrides(orgId: string, keyId: string): Promise<Override[]> {
  const rows = await prisma.enforcementAction.findMany({
    where: { orgId, providerKeyId: keyId, action: "resume", manual: true, status: { in: ["pending", "confirmed"] } },
    select: { details: true },
    orderBy: { requestedAt: "desc" },
    take: 20,
  });
  return rows.flatMap((r) => ((r.details as { overrides?: Override[] } | null)?.overrides ?? []) as Override[]);
}

export function isOverridden(overrides: Override[], budgetId: string, periodStart: Date): boolean {
  const ps = periodStart.toISOString();
  return overrides.some((o) => o.budgetId === budgetId && o.periodStart === ps);
}

/** Of `keyIds`, those an admin's resume exempts from `budgetId` for the period starting at `periodStart`. */
export async function keysOverriddenByHand(orgId: string, budgetId: string, periodStart: Date, keyIds: string[]): Promise<Set<string>> {
  // An override for a period is asked for during that period, so older resumes can't hold one.
  const rows = await prisma.enforcementAction.findMany({
    where: { orgId, providerKeyId: { in: keyIds }, action: "resume", manual: true, status: { in: ["pending", "confirmed"] }, requestedAt: { gte: periodStart } },
    select: { providerKeyId: true, details: true },
  });
  const out = new Set<string>();
  for (const r of rows) {
    const overrides = ((r.details as { overrides?: Override[] } | null)?.overrides ?? []) as Override[];
    if (isOverridden(overrides, budgetId, periodStart)) out.add(r.providerKeyId);
  }
  return out;
}

/** Hard budgets over their cap that cover the key (other than `exceptBudgetId`), not overridden. */
export async function blockingBudgets(
  ctx: TenantContext,
  key: Pick<ProviderKey, "id" | "orgId" | "provider" | "workspaceId" | "projectTagId">,
  opts: { exceptBudgetId?: string; now?: Date } = {},
): Promise<{ budget: Budget; periodStart: Date }[]> {
  const now = opts.now ?? new Date();
  const budgets = await prisma.budget.findMany({ where: { orgId: ctx.orgId, mode: "hard", ...(opts.exceptBudgetId ? { id: { not: opts.exceptBudgetId } } : {}) } });
  if (budgets.length === 0) return [];
  const overrides = await manualOverrides(ctx.orgId, key.id);
  const out: { budget: Budget; periodStart: Date }[] = [];
  for (const b of budgets) {
    const bounds = periodBounds(b.period, ctx.timeZone, now);
    if (isOverridden(overrides, b.id, bounds.start)) continue;
    if (!(await budgetCoversKey(b, key, bounds))) continue;
    const s = await budgetStatus(b, ctx.timeZone, now);
    if (s.spendMicros >= b.amountMicros) out.push({ budget: b, periodStart: bounds.start });
  }
  return out;
}

/**
 * A budget lets go of its keys (below its cap again, now soft, or deleted). First its pause
 * claims for the period are freed (`periodStart`), so a later crossing in the same period
 * pauses again. A key that another over-cap hard budget also covers stays paused and is
 * handed over to that budget; a key an anomaly pause or an admin's manual pause holds stays paused until an admin
 * resumes it; the others get a resume. Pauses of this budget still pending are cancelled the
 * same way (the resume supersedes them). Returns how many resumes were requested.
 */
export async function releaseKeysOfBudget(ctx: TenantContext, budgetId: string, reason: string, opts: { periodStart?: Date } = {}): Promise<number> {
  if (opts.periodStart) await supersedePauseClaims(prisma, { orgId: ctx.orgId, budgetId, periodStart: opts.periodStart });
  const [paused, pending] = await Promise.all([
    prisma.providerKey.findMany({ where: { orgId: ctx.orgId, pausedByTollgate: true, pausedByBudgetId: budgetId } }),
    prisma.enforcementAction.findMany({ where: { orgId: ctx.orgId, budgetId, action: "pause", status: "pending" }, select: { providerKeyId: true } }),
  ]);
  const pendingIds = pending.map((p) => p.providerKeyId).filter((id) => !paused.some((k) => k.id === id));
  const keys = [...paused, ...(pendingIds.length ? await prisma.providerKey.findMany({ where: { orgId: ctx.orgId, id: { in: pendingIds } } }) : [])];
  let n = 0;
  for (const key of keys) {
    const holders = await blockingBudgets(ctx, key, { exceptBudgetId: budgetId });
    if (holders.length > 0) {
      const holder = holders[0]!.budget;
      if (key.pausedByBudgetId === budgetId) await handOver(ctx, key, budgetId, { pausedByBudgetId: holder.id, pauseReason: `Hard budget "${holder.name}" is over its cap` }, reason);
      continue;
    }
    // An anomaly pause or an admin's manual pause holds the key until an admin resumes it.
    const hold = await pauseHoldOf(ctx.orgId, key.id);
    if (hold) {
      if (key.pausedByBudgetId === budgetId) await handOver(ctx, key, budgetId, { pausedByBudgetId: null, pauseReason: hold.reason }, reason);
      continue;
    }
    if ((await requestResume(key, { reason, manual: false, budgetId, periodStart: null }))?.created) n++;
  }
  return n;
}

/** The key stays paused, now on behalf of another budget or of an anomaly pause (null). */
async function handOver(ctx: TenantContext, key: ProviderKey, budgetId: string, to: { pausedByBudgetId: string | null; pauseReason: string }, reason: string) {
  await prisma.$transaction(async (tx) => {
    await tx.providerKey.update({ where: { id: key.id }, data: to });
    await writeAudit(ctx, { action: "key.pause_transferred", targetType: "provider_key", targetId: key.id, before: { pausedByBudgetId: budgetId }, after: { ...to, reason } }, tx);
  });
}

/**
 * "Resume" by an admin, with a reason. Only a key Tollgate paused can be resumed here. The
 * budgets holding it are overridden until their period resets (see manualOverrides).
 */
export async function resumeKeyByHand(ctx: TenantContext, input: ResumeKeyInput, now = new Date()) {
  requirePermission(ctx, "keys:write");
  const key = await prisma.providerKey.findFirst({ where: { id: input.keyId, orgId: ctx.orgId } });
  if (!key) throw notFound("Key not found");
  const pause = await openPauseOf(ctx.orgId, key.id);
  if (!pause && !key.pausedByTollgate) throw badRequest("Tollgate did not pause this key, so there is nothing to resume here.", [{ path: "keyId", message: "This key is not paused by Tollgate" }]);
  const holders = await blockingBudgets(ctx, key, { now });
  const overrides: Override[] = holders.map((h) => ({ budgetId: h.budget.id, periodStart: h.periodStart.toISOString() }));
  const pausedBy = key.pausedByBudgetId ? await prisma.budget.findFirst({ where: { id: key.pausedByBudgetId, orgId: ctx.orgId } }) : null;
  if (pausedBy && !overrides.some((o) => o.budgetId === pausedBy.id)) {
    overrides.push({ budgetId: pausedBy.id, periodStart: periodBounds(pausedBy.period, ctx.timeZone, now).start.toISOString() });
  }
  if (!key.connectionId) {
    throw conflict(`Key "${key.label}" has no provider connection, so Tollgate cannot re-enable it at the provider. Reconnect the provider account (the next poll links its keys again), then resume.`);
  }
  const reason = `Resumed by ${ctx.actorLabel}: ${input.reason}`;
  const req = await requestResume(key, { reason, manual: true, budgetId: key.pausedByBudgetId, periodStart: null, details: { requestedBy: ctx.actorLabel, overrides } });
  if (!req) throw conflict("Tollgate has no pause of this key left to undo; it may have just been resumed. Reload the page.");
  await writeAudit(ctx, {
    action: "key.resume_requested",
    targetType: "provider_key",
    targetId: key.id,
    before: { status: key.status, pausedByBudgetId: key.pausedByBudgetId, pauseReason: key.pauseReason },
    after: { reason: input.reason, actionId: req.id, overrides, alreadyRequested: !req.created },
  });
  // "already_requested": a resume of the same pause is queued; its overrides stand as asked then.
  return { keyId: key.id, actionId: req.id, status: req.created ? ("requested" as const) : ("already_requested" as const), overriddenBudgets: overrides.map((o) => o.budgetId) };
}

/**
 * "Pause" by an admin, with a reason: a pause claim (`manual-pause:<key>:<newest resume>`,
 * `manual: true`, no budget) applied like any other pause. It holds the key until an admin
 * resumes it: budget releases and period resets leave it paused (see releaseKeysOfBudget).
 */
export async function pauseKeyByHand(ctx: TenantContext, input: PauseKeyInput) {
  requirePermission(ctx, "keys:write");
  const key = await prisma.providerKey.findFirst({ where: { id: input.keyId, orgId: ctx.orgId } });
  if (!key) throw notFound("Key not found");
  const held = await manualHoldOf(ctx.orgId, key.id);
  if (held) return { keyId: key.id, actionId: held.id, status: "already_requested" as const };
  if (!key.connectionId) {
    throw conflict(`Key "${key.label}" has no provider connection, so Tollgate cannot disable it at the provider. Reconnect the provider account (the next poll links its keys again), then pause.`);
  }
  const lastResume = await prisma.enforcementAction.findFirst({
    where: { orgId: ctx.orgId, providerKeyId: key.id, action: "resume", status: { in: ["pending", "confirmed"] } },
    orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  const dedupeKey = manualPauseKey(key.id, lastResume?.id ?? "start");
  const reason = `Paused by hand by ${ctx.actorLabel}: ${input.reason}`;
  const [id, existing] = await prisma.$transaction(async (tx) => {
    // A manual pause that failed must not block the next one: move it out of the way.
    await tx.$executeRaw`
      UPDATE enforcement_actions SET "dedupeKey" = "dedupeKey" || ':failed:' || id
       WHERE "dedupeKey" = ${dedupeKey} AND status = 'failed'`;
    const [created] = await claimPauses(tx, [{ orgId: ctx.orgId, providerKeyId: key.id, budgetId: null, reason, dedupeKey, periodStart: null }]);
    if (created) {
      await tx.enforcementAction.update({ where: { id: created }, data: { manual: true, details: { requestedBy: ctx.actorLabel, reasonGiven: input.reason } } });
      await writeAudit(
        ctx,
        {
          action: "key.pause_requested",
          targetType: "provider_key",
          targetId: key.id,
          before: { status: key.status, pausedByTollgate: key.pausedByTollgate, pausedByBudgetId: key.pausedByBudgetId, pauseReason: key.pauseReason },
          after: { reason: input.reason, actionId: created },
        },
        tx,
      );
      return [created, null] as const;
    }
    return [null, await tx.enforcementAction.findUnique({ where: { dedupeKey }, select: { id: true } })] as const;
  });
  if (id) {
    await scheduleApply(id);
    return { keyId: key.id, actionId: id, status: "requested" as const };
  }
  if (!existing) throw conflict("Another pause of this key was just requested. Reload the page.");
  return { keyId: key.id, actionId: existing.id, status: "already_requested" as const };
}
