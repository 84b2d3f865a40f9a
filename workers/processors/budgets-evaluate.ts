import type { Processor } from "../registry";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { now } from "@/lib/clock";

/** budgets.evaluate: spend from rollups → exactly-once alert/pause claims → their jobs. Sweep runs take the full path. */
export const budgetsEvaluate: Processor<"budgets.evaluate"> = async ({ orgId, budgetId }, job) => {
  const r = await evaluateBudget(orgId, budgetId, now(), { full: job.id?.startsWith("sweep-") ?? false });
  return r && { spendMicros: r.spendMicros.toString(), percent: r.percent, newAlerts: r.newAlerts.length, newPauses: r.newPauses.length, resumed: r.resumed };
};
