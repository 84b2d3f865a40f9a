import type { Processor } from "../registry";
import { sweepBudgets } from "@/features/budgets/server/evaluate";
import { requeueStuckDeliveries } from "@/features/alerts/server/claim";
import { requeueStuckActions } from "@/features/enforcement/server/actions";

/** budgets.sweep (every minute): evaluate every budget; re-queue lost deliveries and actions. */
export const budgetsSweep: Processor<"budgets.sweep"> = async () => {
  const [budgets, deliveries, actions] = await Promise.all([sweepBudgets(), requeueStuckDeliveries(), requeueStuckActions()]);
  return { budgets, deliveries, actions };
};
