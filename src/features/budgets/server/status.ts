import type { Budget } from "@/generated/prisma/client";
import { periodBounds, type Bounds } from "@/lib/periods";
import { spendInRange } from "./spend";

export type BudgetStatus = {
  bounds: Bounds;
  spendMicros: bigint;
  amountMicros: bigint;
  /** Spend as a percentage of the amount, one decimal (e.g. 83.4). */
  percent: number;
  /** ms until the period resets; null for lifetime. */
  timeLeftMs: number | null;
  /** Fraction of the period elapsed; null for lifetime. */
  elapsed: number | null;
  /**
   * Projected spend at period end, linear on elapsed time: spend × period length ÷ time
   * elapsed. It assumes the rest of the period burns at the period's average rate so far
   * (not the last hour's rate), so one spike early in the period weighs less as time passes.
   * Null for lifetime budgets (no end) and in the first minute of a period (too little data).
   */
  projectedMicros: bigint | null;
};

export function percentOf(spend: bigint, amount: bigint): number {
  if (amount <= 0n) return 0;
  return Number((spend * 1000n) / amount) / 10;
}

export function projectSpend(spend: bigint, bounds: Bounds, at: number): bigint | null {
  const total = bounds.end.getTime() - bounds.start.getTime();
  const elapsed = at - bounds.start.getTime();
  if (total <= 0 || total > 400 * 86_400_000 || elapsed < 60_000) return null;
  return (spend * BigInt(total)) / BigInt(Math.min(elapsed, total));
}

/** Where a budget stands now: spend in the current period, percentage, time left, projection. */
export async function budgetStatus(budget: Budget, timeZone: string, now: Date = new Date()): Promise<BudgetStatus> {
  const bounds = periodBounds(budget.period, timeZone, now);
  const spendMicros = await spendInRange(budget, bounds.start, bounds.end);
  return statusFromSpend(budget, bounds, spendMicros, now);
}

export function statusFromSpend(budget: Pick<Budget, "period" | "amountMicros">, bounds: Bounds, spendMicros: bigint, now: Date): BudgetStatus {
  const at = now.getTime();
  const lifetime = budget.period === "lifetime";
  return {
    bounds,
    spendMicros,
    amountMicros: budget.amountMicros,
    percent: percentOf(spendMicros, budget.amountMicros),
    timeLeftMs: lifetime ? null : bounds.end.getTime() - at,
    elapsed: lifetime ? null : (at - bounds.start.getTime()) / (bounds.end.getTime() - bounds.start.getTime()),
    projectedMicros: lifetime ? null : projectSpend(spendMicros, bounds, at),
  };
}
