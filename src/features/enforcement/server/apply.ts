import type { EnforcementAction, Prisma, ProviderConnection, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { withKeyLock, withProjectLock } from "./key-lock";
import { systemContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { claimAlert } from "@/features/alerts/server/claim";
import { formatDuration, periodBounds } from "@/lib/periods";
import { pauseAtProvider, resumeAtProvider } from "./control";
import { failLoudly, isExhausted, isPermanent, markMoot } from "./failures";
import { syncKeyLimit } from "./sync-limits";
import { MAX_APPLY_ATTEMPTS } from "./actions";
import { PROVIDER_INFO } from "@/features/providers/registry";

export type KeyWithConnection = ProviderKey & { connection: ProviderConnection | null };
export type ApplyResult = { status: "confirmed" | "failed" | "skipped"; detail?: string };

/** A newer action on the same key makes this one moot (latest intent wins). */
async function supersededBy(a: EnforcementAction): Promise<EnforcementAction | null> {
  return prisma.enforcementAction.findFirst({
    where: {
      orgId: a.orgId,
      providerKeyId: a.providerKeyId,
      action: a.action === "pause" ? "resume" : "pause",
      status: a.action === "pause" ? { not: "failed" } : { in: ["pending", "confirmed"] },
      requestedAt: { gt: a.requestedAt },
    },
  });
}

/**
 * Applies one enforcement action at the provider and records it once the provider confirms
 * (read back). Idempotent: a confirmed or failed action is left alone; provider calls are
 * "set state" calls, so repeating them after a crash is harmless. Throws on a transient
 * provider error so the job retries with backoff; a permanent error, or the
 * MAX_APPLY_ATTEMPTS-th failure, ends the action `failed` with an alert (failures.ts).
 * OpenAI work also holds its project's lock: the limit it changes is the project's.
 */
export async function applyAction(actionId: string, opts: { finalAttempt?: boolean } = {}): Promise<ApplyResult> {
  const first = await prisma.enforcementAction.findUnique({ where: { id: actionId } });
  if (!first || first.status !== "pending") return { status: "skipped" };
  return withKeyLock(first.providerKeyId, async () => {
    const action = await prisma.enforcementAction.findUnique({ where: { id: actionId } });
    if (!action || action.status !== "pending") return { status: "skipped" as const };
    const key = await prisma.providerKey.findFirst({ where: { id: action.providerKeyId, orgId: action.orgId }, include: { connection: true } });
    if (!key) return markMoot(action, "The key no longer exists");
    const projectId = PROVIDER_INFO[key.provider].pauseScope === "project" ? key.providerProjectId : null;
    return projectId && key.connectionId ? withProjectLock(key.connectionId, projectId, () => applyLocked(action, key, opts)) : applyLocked(action, key, opts);
  });
}

async function applyLocked(action: EnforcementAction, key: KeyWithConnection, opts: { finalAttempt?: boolean }): Promise<ApplyResult> {
  const newer = await supersededBy(action);
  if (newer) return markMoot(action, `Superseded by a newer ${newer.action} (${newer.id})`);
  if (isExhausted(action.attempts)) return failLoudly(action, key, action.lastError ?? "retries exhausted", "exhausted");
  const { attempts } = await prisma.enforcementAction.update({ where: { id: action.id }, data: { attempts: { increment: 1 } }, select: { attempts: true } });
  try {
    return action.action === "pause" ? await confirmPause(action, key) : action.action === "resume" ? await confirmResume(action, key) : { status: "skipped" as const };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (isPermanent(e)) return failLoudly(action, key, msg, "permanent");
    if (isExhausted(attempts)) return failLoudly({ ...action, lastError: msg }, key, msg, "exhausted");
    await prisma.enforcementAction.update({ where: { id: action.id }, data: { lastError: msg.slice(0, 1000) } });
    if (opts.finalAttempt) console.warn(`[enforcement] ${action.action} ${action.id} still failing (${attempts}/${MAX_APPLY_ATTEMPTS}); the sweep will retry: ${msg}`);
    throw e;
  }
}

async function resumesAt(orgId: string, budgetId: string | null): Promise<string | null> {
  if (!budgetId) return null;
  const [budget, org] = await Promise.all([
    prisma.budget.findFirst({ where: { id: budgetId, orgId } }),
    prisma.org.findUnique({ where: { id: orgId }, select: { timeZone: true } }),
  ]);
  if (!budget || !org || budget.period === "lifetime") return null;
  const end = periodBounds(budget.period, org.timeZone, new Date()).end;
  return `${end.toISOString()} (period reset, in ${formatDuration(end.getTime() - Date.now())}), or earlier if the budget is raised or an admin resumes it`;
}

async function confirmPause(action: EnforcementAction, key: KeyWithConnection): Promise<ApplyResult> {
  const outcome = await pauseAtProvider(key, action);
  const now = new Date();
  const ctx = await systemContext(action.orgId, "enforcement");
  const byTollgate = outcome.kind !== "external";
  await prisma.$transaction(async (tx) => {
    await tx.enforcementAction.update({
      where: { id: action.id },
      data: { status: "confirmed", confirmedAt: now, lastError: null, details: { ...(action.details as object), ...outcome.details, outcome: outcome.kind } as Prisma.InputJsonValue },
    });
    await tx.providerKey.update({
      where: { id: key.id },
      data: action.manual && (key.pausedByTollgate || byTollgate)
        ? // An admin's pause holds the key from now on, whatever paused it before (README: manual pauses).
          { status: "paused", pausedByTollgate: true, pausedByBudgetId: null, pausedAt: key.pausedAt ?? now, pauseReason: action.reason, disabledAtProvider: true }
        : key.pausedByTollgate
        ? { status: "paused", disabledAtProvider: true }
        : byTollgate
          ? { status: "paused", pausedByTollgate: true, pausedByBudgetId: action.budgetId, pausedAt: now, pauseReason: action.reason, disabledAtProvider: true }
          : { status: "paused", disabledAtProvider: true },
    });
    if (outcome.kind === "applied") {
      await writeAudit(
        ctx,
        { action: "key.paused", targetType: "provider_key", targetId: key.id, before: { status: key.status }, after: { status: "paused", budgetId: action.budgetId, reason: action.reason, control: outcome.control } },
        tx,
      );
    }
  });
  if (outcome.kind === "applied") {
    await claimAlert({
      orgId: action.orgId,
      kind: "key_paused",
      dedupeKey: `key-paused:${action.id}`,
      budgetId: action.budgetId,
      subjectType: "provider_key",
      subjectId: key.id,
      title: `Key "${key.label}" paused: ${action.reason}`,
      payload: { keyId: key.id, keyLabel: key.label, provider: key.provider, reason: action.reason, control: outcome.control, resumesAt: await resumesAt(action.orgId, action.budgetId) },
    });
  }
  return { status: "confirmed", detail: outcome.kind };
}

async function confirmResume(action: EnforcementAction, key: KeyWithConnection): Promise<ApplyResult> {
  // Undo the pause that actually changed the provider (not the ones that joined it).
  const applied = await prisma.enforcementAction.findFirst({
    where: { orgId: action.orgId, providerKeyId: key.id, action: "pause", requestedAt: { lte: action.requestedAt }, details: { path: ["outcome"], equals: "applied" } },
    orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
  });
  const attempted = await prisma.enforcementAction.findFirst({
    where: { orgId: action.orgId, providerKeyId: key.id, action: "pause", requestedAt: { lte: action.requestedAt }, attempts: { gt: 0 } },
    orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
  });
  // Nothing to undo unless Tollgate paused the key, or a pause got as far as the provider.
  const source = key.pausedByTollgate ? applied : attempted && (attempted.details as { outcome?: string }).outcome !== "external" ? (applied ?? attempted) : null;
  const outcome = source ? await resumeAtProvider(key, action, source) : { kind: "noop" as const, control: "nothing to undo at the provider", details: {} };
  const now = new Date();
  const ctx = await systemContext(action.orgId, "enforcement");
  await prisma.$transaction(async (tx) => {
    await tx.enforcementAction.update({
      where: { id: action.id },
      data: { status: "confirmed", confirmedAt: now, lastError: null, details: { ...(action.details as object), ...outcome.details, outcome: outcome.kind } as Prisma.InputJsonValue },
    });
    if (key.pausedByTollgate) {
      await tx.providerKey.update({
        where: { id: key.id },
        data: { status: "active", pausedByTollgate: false, pausedByBudgetId: null, pausedAt: null, pauseReason: null, disabledAtProvider: false },
      });
      await writeAudit(
        ctx,
        { action: "key.resumed", targetType: "provider_key", targetId: key.id, before: { status: key.status, pausedByBudgetId: key.pausedByBudgetId }, after: { status: "active", reason: action.reason, control: outcome.control } },
        tx,
      );
    }
  });
  if (key.pausedByTollgate) {
    await claimAlert({
      orgId: action.orgId,
      kind: "key_resumed",
      dedupeKey: `key-resumed:${action.id}`,
      budgetId: key.pausedByBudgetId,
      subjectType: "provider_key",
      subjectId: key.id,
      title: `Key "${key.label}" resumed: ${action.reason}`,
      payload: { keyId: key.id, keyLabel: key.label, provider: key.provider, reason: action.reason, control: outcome.control },
    });
    // The key's credit limit follows whatever budgets still cover it (or goes back to its own).
    if (PROVIDER_INFO[key.provider].syncsKeyLimits) await syncKeyLimit(action.orgId, key.id).catch((e: Error) => console.warn("[enforcement] limit sync after resume failed", e.message));
  }
  return { status: "confirmed", detail: outcome.kind };
}
