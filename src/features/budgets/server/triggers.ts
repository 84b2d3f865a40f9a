import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";
import type { BudgetScope } from "@/generated/prisma/enums";

/**
 * Called by ingest after usage rows (and their rollups) are committed. Budgets decide
 * which budgets to re-evaluate; ingest does not know about budgets.
 * Must be cheap and must never throw into the ingest path.
 */
export type UsageLanded = {
  orgId: string;
  workspaceIds: string[];
  projectTagIds: string[];
  providerKeyIds: string[];
  memberIds: string[];
};

type CachedBudget = { id: string; scope: BudgetScope; workspaceId: string | null; projectTagId: string | null; providerKeyId: string | null; memberId: string | null };

// The org's budget list, cached per process for a few seconds: on the ingest hot path a
// batch costs one Map lookup, not a query. Edits in this process invalidate at once; other
// processes see them within CACHE_MS (and the minute sweep evaluates every budget anyway).
const CACHE_MS = 5_000;
const cache = new Map<string, { at: number; budgets: Promise<CachedBudget[]> }>();

function budgetsOf(orgId: string): Promise<CachedBudget[]> {
  const hit = cache.get(orgId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.budgets;
  const budgets = prisma.budget.findMany({
    where: { orgId },
    select: { id: true, scope: true, workspaceId: true, projectTagId: true, providerKeyId: true, memberId: true },
  });
  cache.set(orgId, { at: Date.now(), budgets });
  budgets.catch(() => cache.delete(orgId));
  if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
  return budgets;
}

export function invalidateBudgetCache(orgId: string) {
  cache.delete(orgId);
}

/** Budgets whose scope the landed usage touches (provider/model filters are left to evaluation). */
export function touchedBudgets(budgets: CachedBudget[], landed: UsageLanded): string[] {
  const ws = new Set(landed.workspaceIds);
  const tags = new Set(landed.projectTagIds);
  const keys = new Set(landed.providerKeyIds);
  const members = new Set(landed.memberIds);
  return budgets
    .filter((b) => {
      switch (b.scope) {
        case "org":
          return true;
        case "workspace":
          return b.workspaceId !== null && ws.has(b.workspaceId);
        case "project":
          return b.projectTagId !== null && tags.has(b.projectTagId);
        case "key":
          return b.providerKeyId !== null && keys.has(b.providerKeyId);
        case "member":
          return b.memberId !== null && members.has(b.memberId) && b.workspaceId !== null && ws.has(b.workspaceId);
      }
    })
    .map((b) => b.id);
}

// Debounce, leading and trailing, per budget per wall-clock second S:
//  - "lead" (jobId <budget>-<S>-lead) runs at once, so an isolated crossing is seen without
//    waiting for the window to close;
//  - "trail" (jobId <budget>-<S>-trail) runs at the end of S and covers every landing in S,
//    including ones from other processes whose lead add was a no-op (same jobId).
// Each process adds both at its first landing in S for that budget (a trail can't have run
// before S ends, so it covers later landings from any process). A busy budget is evaluated at
// most twice a second and no landing waits past the end of its second. Repeated adds of one
// jobId are no-ops in BullMQ; the local Set saves the Redis round trip within this process.
const WINDOW_MS = 1_000;
const recent = new Set<string>();
let recentSecond = 0;

export async function scheduleEvaluation(orgId: string, budgetId: string, opts: { immediate?: boolean } = {}): Promise<void> {
  try {
    const now = Date.now();
    if (opts.immediate) {
      await enqueue("budgets.evaluate", { orgId, budgetId }, { jobId: `eval-${budgetId}-now-${now}`, attempts: 3 });
      return;
    }
    const second = Math.floor(now / WINDOW_MS);
    if (second !== recentSecond) {
      recent.clear();
      recentSecond = second;
    }
    const lead = `eval-${budgetId}-${second}-lead`;
    const trail = `eval-${budgetId}-${second}-trail`;
    if (recent.has(lead)) return; // this process already queued both for this second
    recent.add(lead);
    await Promise.all([
      enqueue("budgets.evaluate", { orgId, budgetId }, { jobId: lead, attempts: 3 }),
      enqueue("budgets.evaluate", { orgId, budgetId }, { jobId: trail, delay: (second + 1) * WINDOW_MS - now, attempts: 3 }),
    ]);
  } catch (err) {
    // Redis down: the minute sweep evaluates every budget, so nothing is lost for long.
    console.warn("[budgets] could not schedule evaluation", (err as Error).message);
  }
}

export async function onUsageLanded(landed: UsageLanded): Promise<void> {
  try {
    const ids = touchedBudgets(await budgetsOf(landed.orgId), landed);
    await Promise.all(ids.map((id) => scheduleEvaluation(landed.orgId, id)));
  } catch (err) {
    console.warn("[budgets] onUsageLanded failed", (err as Error).message);
  }
}
