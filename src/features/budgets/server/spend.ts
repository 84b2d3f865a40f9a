import type { Budget } from "@/generated/prisma/client";
import { queryUsage, sumUsage } from "@/features/usage/server/rollups";
import type { UsageFilters, UsageRange } from "@/features/usage/schemas";
import { NONE } from "@/features/usage/schemas";

/**
 * Budget spend, read through the usage module (features/usage), never from the tables
 * directly: a budget's scope and filters become a usage filter, its period a range. The
 * usage module reads UTC day rollups wholly inside the range, hours next to them, minutes
 * at the edges, so any period in any zone is summed exactly.
 */
export { rangeSegments, type Segment } from "@/features/usage/server/segments";

export type BudgetScopeFields = Pick<
  Budget,
  "orgId" | "scope" | "workspaceId" | "projectTagId" | "providerKeyId" | "memberId" | "providerFilter" | "modelFilter"
>;

/** The usage filter selecting a budget's rows. */
export function budgetFilters(b: BudgetScopeFields): UsageFilters {
  const f: UsageFilters = {};
  // A scope whose id is missing matches nothing (as `= NULL` did).
  const id = (v: string | null) => [v ?? "(missing)"];
  switch (b.scope) {
    case "workspace":
      f.workspaceId = id(b.workspaceId);
      break;
    case "project":
      f.projectTagId = id(b.projectTagId);
      break;
    case "key":
      f.providerKeyId = id(b.providerKeyId);
      break;
    case "member":
      f.workspaceId = id(b.workspaceId);
      f.memberId = id(b.memberId);
      break;
    case "org":
      break;
  }
  if (b.providerFilter) f.provider = [b.providerFilter];
  if (b.modelFilter) f.model = [b.modelFilter];
  return f;
}

// Budgets are evaluated in workers without a TenantContext; ranges here are instants, so the
// time zone only matters for buckets, which budget reads don't use.
const scopeOf = (b: BudgetScopeFields) => ({ orgId: b.orgId, timeZone: "UTC" });
const rangeOf = (start: Date, end: Date): UsageRange => ({ from: start.toISOString(), to: end.toISOString() });

/** Spend in micro-USD for the budget's scope and filters over [start, end). */
export async function spendInRange(b: BudgetScopeFields, start: Date, end: Date): Promise<bigint> {
  return sumUsage(scopeOf(b), { range: rangeOf(start, end), filters: budgetFilters(b) });
}

export type Driver = { id: string; costMicros: bigint };
export type SpendDrivers = { models: Driver[]; members: Driver[]; keys: Driver[] };

/** The top models, members and keys behind the spend in [start, end) (ids, not labels). */
export async function spendDrivers(b: BudgetScopeFields, start: Date, end: Date, limit = 5): Promise<SpendDrivers> {
  const n = Math.max(1, Math.min(limit, 50));
  const top = async (dim: "model" | "member" | "key"): Promise<Driver[]> => {
    const rows = await queryUsage(scopeOf(b), { range: rangeOf(start, end), filters: budgetFilters(b), groupBy: [dim], metrics: ["costMicros"], limit: 10_000 });
    return rows
      .map((r) => ({ id: r.dims[dim]!, costMicros: r.sums.costMicros ?? 0n }))
      .filter((d) => d.id !== NONE && d.costMicros > 0n)
      .sort((x, y) => (y.costMicros > x.costMicros ? 1 : y.costMicros < x.costMicros ? -1 : x.id.localeCompare(y.id)))
      .slice(0, n);
  };
  const [models, members, keys] = await Promise.all([top("model"), top("member"), top("key")]);
  return { models, members, keys };
}

/** Provider keys that spent inside the scope during [start, end) (for member/project scopes). */
export async function keysWithSpend(b: BudgetScopeFields, start: Date, end: Date): Promise<string[]> {
  const rows = await queryUsage(scopeOf(b), { range: rangeOf(start, end), filters: budgetFilters(b), groupBy: ["key"], metrics: ["requests"], limit: 10_000 });
  return rows.map((r) => r.dims.key!).filter((k) => k !== NONE);
}
