import { prisma } from "@/server/db";
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

/** `conn` is a provider connection: its spend is the spend of the keys tracked through it. */
export type EntityRef = { param: "key" | "member" | "tag" | "ws" | "conn"; id: string };

const FILTER: Record<Exclude<EntityRef["param"], "conn">, keyof UsageFilters> = { key: "providerKeyId", member: "memberId", tag: "projectTagId", ws: "workspaceId" };
const SCOPE: Record<EntityRef["param"], string> = { key: "key", member: "member", tag: "project", ws: "workspace", conn: "key" };
/** The usage module takes at most 100 ids per filter. */
const IDS_PER_QUERY = 100;

/**
 * The filters that select an entity's usage: one set, or for a connection one set per 100 of
 * its keys (disjoint, so their sums add up). No set at all means no usage (a connection
 * without keys), never "no filter".
 */
async function filterSets(ctx: TenantContext, ref: EntityRef): Promise<{ sets: UsageFilters[]; ids: string[] }> {
  if (ref.param !== "conn") return { sets: [{ [FILTER[ref.param]]: [ref.id] }], ids: [ref.id] };
  const keys = await prisma.providerKey.findMany({ where: { orgId: ctx.orgId, connectionId: ref.id }, select: { id: true }, orderBy: { id: "asc" } });
  const ids = keys.map((k) => k.id);
  const sets: UsageFilters[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) sets.push({ providerKeyId: ids.slice(i, i + IDS_PER_QUERY) });
  return { sets, ids };
}

/** An entity's spend over the last 30 days, its daily trend, the previous 30 days, and its budgets. */
export async function entitySpend(ctx: TenantContext, ref: EntityRef) {
  requirePermission(ctx, "reports:read");
  const { from, to } = reportDates(ReportParams.parse({ range: "30d" }), ctx.timeZone);
  const { sets, ids } = await filterSets(ctx, ref);
  const [dailyParts, prevParts, budgets] = await Promise.all([
    Promise.all(sets.map((filters) => queryUsage(ctx, { range: { from, to }, filters, bucket: "day", metrics: ["costMicros", "requests"], limit: 10_000 }))),
    Promise.all(sets.map((filters) => queryUsage(ctx, { range: previousRange({ from, to }, ctx.timeZone), filters, metrics: ["costMicros"] }))),
    ctx.permissions.has("budgets:read") ? listBudgets(ctx) : Promise.resolve([]),
  ]);
  const days = new Map<number, { bucket: Date; costMicros: bigint; requests: bigint }>();
  for (const d of dailyParts.flat()) {
    const t = d.bucket!.getTime();
    const v = days.get(t) ?? { bucket: d.bucket!, costMicros: 0n, requests: 0n };
    v.costMicros += d.sums.costMicros ?? 0n;
    v.requests += d.sums.requests ?? 0n;
    days.set(t, v);
  }
  const daily = [...days.values()].sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
  const idOf = (b: (typeof budgets)[number]) =>
    ref.param === "key" || ref.param === "conn" ? b.providerKeyId : ref.param === "member" ? b.memberId : ref.param === "tag" ? b.projectTagId : b.workspaceId;
  const mine = new Set(ids);
  return {
    costMicros: daily.reduce((a, d) => a + d.costMicros, 0n),
    requests: daily.reduce((a, d) => a + d.requests, 0n),
    previousMicros: prevParts.reduce((a, p) => a + (p[0]?.sums.costMicros ?? 0n), 0n),
    daily: daily.map((d) => ({ day: localDateKey(ctx.timeZone, d.bucket), costMicros: d.costMicros })),
    budgets: budgets.filter((b) => b.scope === SCOPE[ref.param] && mine.has(idOf(b) ?? "")),
  };
}
