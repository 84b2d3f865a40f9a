import { requirePermission, type TenantContext } from "@/server/tenant";
import { localDateKey } from "@/lib/periods";
import { queryUsage } from "@/features/usage/server/rollups";
import { previousRange } from "@/features/usage/server/range";
import type { Dimension, UsageFilters } from "@/features/usage/schemas";
import { listBudgets } from "@/features/budgets/server/budgets";
import { reportDates, ReportParams } from "../report-params";

/** Cost per value of one dimension over the last 30 local days (for list pages: keys, members…). */
export async function spendByDimension(ctx: TenantContext, dim: Dimension): Promise<Map<string, bigint>> {
  requirePermission(ctx, "reports:read");
  const { from, to } = reportDates(ReportParams.parse({ range: "30d" }), ctx.timeZone);
  const rows = await queryUsage(ctx, { range: { from, to }, groupBy: [dim], metrics: ["costMicros"], limit: 10_000 });
  return new Map(rows.map((r) => [r.dims[dim]!, r.sums.costMicros ?? 0n]));
}

export type EntityRef = { param: "key" | "member" | "tag" | "ws"; id: string; workspaceId?: string };

const FILTER: Record<EntityRef["param"], keyof UsageFilters> = { key: "providerKeyId", member: "memberId", tag: "projectTagId", ws: "workspaceId" };
const SCOPE: Record<EntityRef["param"], string> = { key: "key", member: "member", tag: "project", ws: "workspace" };

/** An entity's spend over the last 30 days, its daily trend, the previous 30 days, and its budgets. */
export async function entitySpend(ctx: TenantContext, ref: EntityRef) {
  requirePermission(ctx, "reports:read");
  const { from, to } = reportDates(ReportParams.parse({ range: "30d" }), ctx.timeZone);
  const filters: UsageFilters = { [FILTER[ref.param]]: [ref.id] };
  const [daily, prev, budgets] = await Promise.all([
    queryUsage(ctx, { range: { from, to }, filters, bucket: "day", metrics: ["costMicros", "requests"], limit: 10_000 }),
    queryUsage(ctx, { range: previousRange({ from, to }, ctx.timeZone), filters, metrics: ["costMicros"] }),
    ctx.permissions.has("budgets:read") ? listBudgets(ctx) : Promise.resolve([]),
  ]);
  const idOf = (b: (typeof budgets)[number]) =>
    ref.param === "key" ? b.providerKeyId : ref.param === "member" ? b.memberId : ref.param === "tag" ? b.projectTagId : b.workspaceId;
  return {
    costMicros: daily.reduce((a, d) => a + (d.sums.costMicros ?? 0n), 0n),
    requests: daily.reduce((a, d) => a + (d.sums.requests ?? 0n), 0n),
    previousMicros: prev[0]?.sums.costMicros ?? 0n,
    daily: daily.map((d) => ({ day: localDateKey(ctx.timeZone, d.bucket!), costMicros: d.sums.costMicros ?? 0n })),
    budgets: budgets.filter((b) => b.scope === SCOPE[ref.param] && idOf(b) === ref.id),
  };
}
