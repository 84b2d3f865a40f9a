/**
 * Late usage re-evaluates the period it belongs to. A push that arrives after its period ended, a
 * revised provider bucket, a cost fill or a billed-cost line changes the rollups of a period that
 * the current-period evaluation never looks at again. For every budget of the org whose period
 * containing one of `times` has ended, the budgets' own evaluation runs on that period
 * (`evaluateBudget(…, endedPeriod)`): threshold alerts only, saying the period has ended — a key
 * is never paused now for a period that is over.
 */
import { prisma } from "@/server/db";
import { periodBounds } from "@/lib/periods";
import { now as clockNow } from "@/lib/clock";
import { evaluateBudget } from "./evaluate";

export async function reevaluateEndedPeriods(orgId: string, times: Date[], now = clockNow()): Promise<number> {
  if (times.length === 0) return 0;
  const org = await prisma.org.findUnique({ where: { id: orgId }, select: { timeZone: true } });
  if (!org) return 0;
  const budgets = await prisma.budget.findMany({ where: { orgId, period: { not: "lifetime" } }, select: { id: true, period: true } });
  let alerts = 0;
  for (const b of budgets) {
    const ends = new Set<number>();
    for (const t of times) {
      const end = periodBounds(b.period, org.timeZone, t).end.getTime();
      if (end <= now.getTime()) ends.add(end);
    }
    for (const end of ends) alerts += (await evaluateBudget(orgId, b.id, new Date(end - 1), { endedPeriod: true }))?.newAlerts.length ?? 0;
  }
  return alerts;
}
