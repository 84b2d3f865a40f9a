import type { Budget } from "@/generated/prisma/client";
import { prisma, pool } from "@/server/db";
import { systemContext, type TenantContext } from "@/server/tenant";
import { enqueue } from "@/server/jobs/queue";
import { formatUsd } from "@/lib/money";
import { describePeriod, formatDuration } from "@/lib/periods";
import { budgetStatus, type BudgetStatus } from "./status";
import { keysUnderBudget } from "./coverage";
import { scheduleDelivery } from "@/features/alerts/server/claim";
import { releaseKeysOfBudget } from "@/features/enforcement/server/release";
import { scheduleApply } from "@/features/enforcement/server/actions";

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
export const pauseKey = (keyId: string, budgetId: string, periodStart: Date) => `pause:${keyId}:${budgetId}:${periodStart.toISOString()}`;

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
export async function evaluateBudget(orgId: string, budgetId: string, now: Date = new Date()): Promise<EvaluationResult | null> {
  let ctx: TenantContext;
  try {
    ctx = await systemContext(orgId, "budget evaluation");
  } catch {
    return null;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const budget = await prisma.budget.findFirst({ where: { id: budgetId, orgId } });
    if (!budget) return null;
    const status = await budgetStatus(budget, ctx.timeZone, now);
    const decision = decide(budget, status);
    const keys = decision.overCap ? await keysUnderBudget(budget, status.bounds) : [];
    const claimed = await claim(ctx, budget, status, decision, keys, now);
    if (claimed === "stale") continue;
    // Raw UPDATE: bookkeeping must not bump `updatedAt` (the version the claims check).
    await pool.query(`UPDATE budgets SET "lastEvaluatedAt" = $1, "lastSpendMicros" = $2 WHERE id = $3 AND "orgId" = $4`, [
      now,
      status.spendMicros.toString(),
      budget.id,
      orgId,
    ]);
    await Promise.all([...claimed.alerts.map((id) => scheduleDelivery(id)), ...claimed.pauses.map((id) => scheduleApply(id))]);
    let resumed = 0;
    if (!decision.overCap) {
      // Below the cap (new period, raised amount, soft mode now): let go of the keys this
      // budget paused, unless another budget still holds them.
      resumed = await releaseKeysOfBudget(ctx, budget.id, releaseReason(budget, status));
    }
    if (budget.mode === "hard" && budget.syncKeyLimits) await scheduleLimitSync(orgId, budget.id);
    return { budgetId, spendMicros: status.spendMicros, percent: status.percent, newAlerts: claimed.alerts, newPauses: claimed.pauses, resumed };
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
): Promise<"stale" | { alerts: string[]; pauses: string[] }> {
  if (d.thresholds.length === 0 && !d.pace && keyIds.length === 0) return { alerts: [], pauses: [] };
  const payload = alertPayload(budget, s, ctx.timeZone, now);
  const hasWebhook = Boolean(budget.webhookUrl);
  const alertRows = [
    ...d.thresholds.map((t) => ({
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
      title: `Budget "${budget.name}" reached ${t}% (${formatUsd(s.spendMicros)} of ${formatUsd(budget.amountMicros)})`,
      payload: { ...payload, threshold: t },
      webhookStatus: hasWebhook ? "pending" : "none",
    })),
    ...(d.pace
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
            webhookStatus: hasWebhook ? "pending" : "none",
          },
        ]
      : []),
  ];
  const pauseRows = keyIds.map((keyId) => ({
    orgId: budget.orgId,
    providerKeyId: keyId,
    budgetId: budget.id,
    action: "pause" as const,
    reason: `Hard budget "${budget.name}" reached 100% (${formatUsd(s.spendMicros)} of ${formatUsd(budget.amountMicros)}, ${payload.periodLabel})`,
    dedupeKey: pauseKey(keyId, budget.id, s.bounds.start),
    periodStart: s.bounds.start,
  }));
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ same: boolean }[]>`
      SELECT ("updatedAt" = (${budget.updatedAt.toISOString()}::timestamptz AT TIME ZONE 'UTC')) AS same
        FROM budgets WHERE id = ${budget.id} AND "orgId" = ${budget.orgId} FOR SHARE`;
    if (!rows[0]?.same) return "stale" as const;
    const alerts = alertRows.length ? await tx.alert.createManyAndReturn({ data: alertRows, skipDuplicates: true, select: { id: true } }) : [];
    const pauses = pauseRows.length
      ? await tx.enforcementAction.createManyAndReturn({ data: pauseRows, skipDuplicates: true, select: { id: true } })
      : [];
    return { alerts: alerts.map((a) => a.id), pauses: pauses.map((p) => p.id) };
  });
}

/** Debounced per budget per second, like evaluations. */
export async function scheduleLimitSync(orgId: string, budgetId: string): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  try {
    await enqueue("enforcement.sync-limits", { orgId, budgetId }, { jobId: `sync-${budgetId}-${second}`, attempts: 5 });
  } catch (err) {
    console.warn("[budgets] could not schedule limit sync", (err as Error).message);
  }
}

/** The minute sweep: every budget gets evaluated even if its landing job was lost. */
export async function sweepBudgets(now: Date = new Date()): Promise<number> {
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
