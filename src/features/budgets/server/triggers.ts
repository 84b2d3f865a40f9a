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

// Debounce: one `budgets.evaluate` per budget per wall-clock second. The job for second S
// has jobId "<budget>-<S>" and runs at the end of S, so every landing during S is covered
// by it, and repeated adds in S are no-ops in BullMQ (same jobId). The local Set saves the
// Redis round trip for repeats within this process.
const WINDOW_MS = 1_000;
const recent = new Set<string>();
let recentSecond = 0;

export async function scheduleEvaluation(orgId: string, budgetId: string, opts: { immediate?: boolean } = {}): Promise<void> {
  try {
    const now = Date.now();
    const second = Math.floor(now / WINDOW_MS);
    if (second !== recentSecond) {
      recent.clear();
      recentSecond = second;
    }
    const jobId = opts.immediate ? `eval-${budgetId}-now-${now}` : `eval-${budgetId}-${second}`;
    if (!opts.immediate) {
      if (recent.has(jobId)) return;
      recent.add(jobId);
    }
    const delay = opts.immediate ? 0 : (second + 1) * WINDOW_MS - now;
    await enqueue("budgets.evaluate", { orgId, budgetId }, { jobId, delay, attempts: 3 });
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
