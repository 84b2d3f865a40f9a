import type { Budget } from "@/generated/prisma/client";
import { now as clockNow } from "@/lib/clock";
import { prisma, pool } from "@/server/db";
import { systemContext, type TenantContext } from "@/server/tenant";
import { enqueue } from "@/server/jobs/queue";
import { formatUsd } from "@/lib/money";
import { describePeriod, formatDuration } from "@/lib/periods";
import { budgetStatus, type BudgetStatus } from "./status";
import { keysUnderBudget } from "./coverage";
import { claimAlertsIn, scheduleDelivery } from "@/features/alerts/server/claim";
import { releaseKeysOfBudget } from "@/features/enforcement/server/release";
import { claimPauses, pauseKey, scheduleApply } from "@/features/enforcement/server/actions";
import { keysOverriddenByHand } from "@/features/enforcement/server/release";

/** Pace alerts wait until this much of the period has passed (too little data before). */
export const PACE_MIN_ELAPSED = 0.05;
/** Pace alerts are for budgets still under this percentage (the first threshold line). */
export const PACE_BEFORE_PERCENT = 80;

export type Decision = { thresholds: number[]; pace: boolean; overCap: boolean };

/** What the spend means for the budget right now (pure). */
export function decide(budget: Pick<Budget, "thresholds" | "amountMicros" | "mode" | "paceAlerts" | "period">, s: BudgetStatus): Decision {
  const spend = s.spendMicros;
  const amount = budget.amountMicros;
  const thresholds = budget.thresholds.filter((t) => spend * 100n >= amount * BigInt(t));
  const pace =
    budget.paceAlerts &&
    budget.period !== "lifetime" &&
    s.elapsed !== null &&
    s.elapsed >= PACE_MIN_ELAPSED &&
    s.projectedMicros !== null &&
    s.projectedMicros > amount &&
    spend * 100n < amount * BigInt(PACE_BEFORE_PERCENT);
  return { thresholds, pace, overCap: budget.mode === "hard" && spend >= amount };
}

export const thresholdKey = (budgetId: string, periodStart: Date, pct: number) => `budget:${budgetId}:${periodStart.toISOString()}:t${pct}`;
export const paceKey = (budgetId: string, periodStart: Date) => `budget:${budgetId}:${periodStart.toISOString()}:pace`;
// The pause claim's key is enforcement's; re-exported here for existing callers.
export { pauseKey };

export type EvaluationResult = {
  budgetId: string;
  spendMicros: bigint;
  percent: number;
  newAlerts: string[];
  newPauses: string[];
  resumed: number;
};

function alertPayload(budget: Budget, s: BudgetStatus, tz: string, now: Date) {
  return {
    budgetName: budget.name,
    scope: budget.scope,
    period: budget.period,
    periodLabel: describePeriod(budget.period, tz, now),
    periodStart: s.bounds.start.toISOString(),
    periodEnd: budget.period === "lifetime" ? null : s.bounds.end.toISOString(),
    timeLeft: s.timeLeftMs === null ? null : formatDuration(s.timeLeftMs),
    spendMicros: s.spendMicros.toString(),
    limitMicros: budget.amountMicros.toString(),
    percent: s.percent,
    projectedMicros: s.projectedMicros?.toString() ?? null,
    mode: budget.mode,
    timeZone: tz,
  };
}

/**
 * Evaluates one budget: spend from the rollups, then the exactly-once claims (threshold
 * alerts, the pace alert, key pauses) inserted in one transaction that holds the budget row
 * `FOR SHARE` and re-checks its version (`updatedAt`), so a claim is never made from a
 * definition an edit has just replaced (see rearm.ts). Side effects (mail, provider calls)
 * happen in jobs keyed by the claimed rows, never here.
 */
// The org's time zone, cached per process for a few seconds (evaluations run many times a
// second under traffic; a time-zone change reaches them within ORG_TTL_MS).
const ORG_TTL_MS = 10_000;
const orgZones = new Map<string, { tz: string; at: number }>();
async function orgTimeZone(orgId: string): Promise<string | null> {
  const hit = orgZones.get(orgId);
  if (hit && Date.now() - hit.at < ORG_TTL_MS) return hit.tz;
  const org = await prisma.org.findUnique({ where: { id: orgId }, select: { timeZone: true } });
  if (!org) return null;
  orgZones.set(orgId, { tz: org.timeZone, at: Date.now() });
  if (orgZones.size > 10_000) orgZones.delete(orgZones.keys().next().value!);
  return org.timeZone;
}

/** No claim can be due: same period and definition as the last evaluation, no new line crossed. */
function isQuiet(budget: Budget, s: BudgetStatus, d: Decision): boolean {
  const last = budget.lastEvaluatedAt;
  if (!last || budget.lastSpendMicros === null || d.overCap || d.pace) return false;
  if (last < s.bounds.start || last >= s.bounds.end) return false;
  if (budget.updatedAt.getTime() + 5_000 >= last.getTime()) return false;
  const before = budget.lastSpendMicros;
  return budget.thresholds.every((t) => s.spendMicros * 100n < budget.amountMicros * BigInt(t) || before * 100n >= budget.amountMicros * BigInt(t));
}

async function recordEvaluation(budget: Budget, spend: bigint, now: Date) {
  // Raw UPDATE: bookkeeping must not bump `updatedAt` (the version the claims check).
  await pool.query(
    `UPDATE budgets SET "lastEvaluatedAt" = ($1::timestamptz AT TIME ZONE 'UTC'), "lastSpendMicros" = $2 WHERE id = $3 AND "orgId" = $4`,
    [now.toISOString(), spend.toString(), budget.id, budget.orgId],
  );
}

/**
 * Evaluates one budget: spend from the rollups, then the exactly-once claims (threshold
 * alerts, the pace alert, key pauses) inserted in one transaction that holds the budget row
 * `FOR SHARE` and re-checks its version (`updatedAt`), so a claim is never made from a
 * definition an edit has just replaced (see rearm.ts). Side effects (mail, provider calls)
 * happen in jobs keyed by the claimed rows, never here.
 *
 * Fast path: when nothing can be due (isQuiet) only the spend is recorded. That is safe
 * because `lastSpendMicros` is written only after the claims for it committed. The minute
 * sweep passes `full` and always takes the whole path.
 *
 * `endedPeriod`: re-evaluates the period that contains `now` after it has ended (late usage,
 * see ended-periods.ts): threshold alerts only, marked as such; no pace alert, no pause, no
 * release, and the budget's current state is left alone.
 */
export async function evaluateBudget(orgId: string, budgetId: string, now: Date = clockNow(), opts: { full?: boolean; endedPeriod?: boolean } = {}): Promise<EvaluationResult | null> {
  const tz = await orgTimeZone(orgId);
  if (!tz) return null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const budget = await prisma.budget.findFirst({ where: { id: budgetId, orgId } });
    if (!budget) return null;
    const status = await budgetStatus(budget, tz, now);
    const decision = decide(budget, status);
    if (opts.endedPeriod) {
      const claimed = await claim(await systemContext(orgId, "late usage"), budget, status, { ...decision, pace: false }, [], now, true);
      if (claimed === "stale") continue;
      await Promise.all(claimed.alerts.map((id) => scheduleDelivery(id)));
      return { budgetId, spendMicros: status.spendMicros, percent: status.percent, newAlerts: claimed.alerts, newPauses: [], resumed: 0 };
    }
    const result = { budgetId, spendMicros: status.spendMicros, percent: status.percent, newAlerts: [] as string[], newPauses: [] as string[], resumed: 0 };
    if (!opts.full && isQuiet(budget, status, decision)) {
      await recordEvaluation(budget, status.spendMicros, now);
      if (budget.mode === "hard" && budget.syncKeyLimits) await scheduleLimitSync(orgId, budget.id);
      return result;
    }
    const ctx = await systemContext(orgId, "budget evaluation");
    const keys = decision.overCap ? await keysUnderBudget(budget, status.bounds) : [];
    const claimed = await claim(ctx, budget, status, decision, keys, now);
    if (claimed === "stale") continue;
    await recordEvaluation(budget, status.spendMicros, now);
    await Promise.all([...claimed.alerts.map((id) => scheduleDelivery(id)), ...claimed.pauses.map((id) => scheduleApply(id))]);
    if (!decision.overCap) {
      // Below the cap (new period, raised amount, soft mode now, a spend correction): let go
      // of the keys this budget paused, unless another budget or an anomaly pause still holds
      // them, and re-arm this period's pause claims so a new crossing pauses again.
      result.resumed = await releaseKeysOfBudget(ctx, budget.id, releaseReason(budget, status), { periodStart: status.bounds.start });
    }
    if (budget.mode === "hard" && budget.syncKeyLimits) await scheduleLimitSync(orgId, budget.id);
    return { ...result, newAlerts: claimed.alerts, newPauses: claimed.pauses };
  }
  throw new Error(`Budget ${budgetId} kept changing during evaluation; will retry`);
}

function releaseReason(budget: Budget, s: BudgetStatus): string {
  if (budget.mode === "soft") return `Budget "${budget.name}" is no longer a hard budget`;
  return `Budget "${budget.name}" is below its cap (${formatUsd(s.spendMicros)} of ${formatUsd(budget.amountMicros)} this period)`;
}

async function claim(
  ctx: TenantContext,
  budget: Budget,
  s: BudgetStatus,
  d: Decision,
  keyIds: string[],
  now: Date,
  periodEnded = false,
): Promise<"stale" | { alerts: string[]; pauses: string[] }> {
  if (d.thresholds.length === 0 && !d.pace && keyIds.length === 0) return { alerts: [], pauses: [] };
  // Most evaluations find every claim already made: check with two cheap reads and skip
  // the transaction then (the insert below stays the arbiter when a claim is new).
  const wantAlerts = [...d.thresholds.map((t) => thresholdKey(budget.id, s.bounds.start, t)), ...(d.pace ? [paceKey(budget.id, s.bounds.start)] : [])];
  const wantPauses = keyIds.map((k) => pauseKey(k, budget.id, s.bounds.start));
  const [haveAlerts, havePauses] = await Promise.all([
    wantAlerts.length ? prisma.alert.findMany({ where: { dedupeKey: { in: wantAlerts } }, select: { dedupeKey: true } }) : [],
    wantPauses.length ? prisma.enforcementAction.findMany({ where: { dedupeKey: { in: wantPauses } }, select: { dedupeKey: true } }) : [],
  ]);
  const claimed = new Set([...haveAlerts, ...havePauses].map((r) => r.dedupeKey));
  if (wantAlerts.every((k) => claimed.has(k)) && wantPauses.every((k) => claimed.has(k))) return { alerts: [], pauses: [] };
  const payload = { ...alertPayload(budget, s, ctx.timeZone, now), ...(periodEnded ? { periodEnded: true } : {}) };
  const hasWebhook = Boolean(budget.webhookUrl);
  const alertRows = [
    ...d.thresholds.filter((t) => !claimed.has(thresholdKey(budget.id, s.bounds.start, t))).map((t) => ({
      orgId: budget.orgId,
      kind: "budget_threshold" as const,
      dedupeKey: thresholdKey(budget.id, s.bounds.start, t),
      budgetId: budget.id,
      periodStart: s.bounds.start,
      threshold: t,
      subjectType: "budget",
      subjectId: budget.id,
      spendMicros: s.spendMicros,
      limitMicros: budget.amountMicros,
      title: `Budget "${budget.name}" reached ${t}% (${formatUsd(s.spendMicros)} of ${formatUsd(budget.amountMicros)})${periodEnded ? ` in ${payload.periodLabel}, a period that has ended (usage arrived late)` : ""}`,
      payload: { ...payload, threshold: t },
      webhook: hasWebhook,
    })),
    ...(d.pace && !claimed.has(paceKey(budget.id, s.bounds.start))
      ? [
          {
            orgId: budget.orgId,
            kind: "budget_pace" as const,
            dedupeKey: paceKey(budget.id, s.bounds.start),
            budgetId: budget.id,
            periodStart: s.bounds.start,
            subjectType: "budget",
            subjectId: budget.id,
            spendMicros: s.spendMicros,
            limitMicros: budget.amountMicros,
            title: `Budget "${budget.name}" is on pace to reach ${formatUsd(s.projectedMicros ?? 0n)} (limit ${formatUsd(budget.amountMicros)})`,
            payload,
            webhook: hasWebhook,
          },
        ]
      : []),
  ];
  const unclaimed = keyIds.filter((k) => !claimed.has(pauseKey(k, budget.id, s.bounds.start)));
  // An admin's resume overrides this budget for the period (claims can be re-armed after a
  // release, so the override must be checked here, not only by the claim's existence).
  const overridden = unclaimed.length ? await keysOverriddenByHand(budget.orgId, budget.id, s.bounds.start, unclaimed) : new Set<string>();
  const pauseRows = unclaimed.filter((k) => !overridden.has(k)).map((keyId) => ({
    orgId: budget.orgId,
    providerKeyId: keyId,
    budgetId: budget.id,
    reason: `Hard budget "${budget.name}" reached 100% (${formatUsd(s.spendMicros)} of ${formatUsd(budget.amountMicros)}, ${payload.periodLabel})`,
    dedupeKey: pauseKey(keyId, budget.id, s.bounds.start),
    periodStart: s.bounds.start,
  }));
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ same: boolean }[]>`
      SELECT ("updatedAt" = (${budget.updatedAt.toISOString()}::timestamptz AT TIME ZONE 'UTC')) AS same
        FROM budgets WHERE id = ${budget.id} AND "orgId" = ${budget.orgId} FOR SHARE`;
    if (!rows[0]?.same) return "stale" as const;
    const alerts = await claimAlertsIn(tx, alertRows);
    const pauses = await claimPauses(tx, pauseRows);
    return { alerts, pauses };
  });
}

/** Debounced per budget per second, like evaluations; `afterEdit` always queues a fresh one. */
export async function scheduleLimitSync(orgId: string, budgetId: string, opts: { afterEdit?: boolean } = {}): Promise<void> {
  const now = Date.now();
  const jobId = opts.afterEdit ? `sync-${budgetId}-edit-${now}` : `sync-${budgetId}-${Math.floor(now / 1000)}`;
  try {
    await enqueue("enforcement.sync-limits", { orgId, budgetId }, { jobId, attempts: 5 });
  } catch (err) {
    console.warn("[budgets] could not schedule limit sync", (err as Error).message);
  }
}

/** The minute sweep: every budget gets evaluated even if its landing job was lost. */
export async function sweepBudgets(now: Date = clockNow()): Promise<number> {
  const minute = Math.floor(now.getTime() / 60_000);
  let cursor: string | undefined;
  let n = 0;
  for (;;) {
    const page = await prisma.budget.findMany({
      select: { id: true, orgId: true },
      orderBy: { id: "asc" },
      take: 500,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (page.length === 0) break;
    await Promise.all(page.map((b) => enqueue("budgets.evaluate", { orgId: b.orgId, budgetId: b.id }, { jobId: `sweep-${b.id}-${minute}`, attempts: 3 })));
    n += page.length;
    cursor = page[page.length - 1]!.id;
  }
  return n;
}
