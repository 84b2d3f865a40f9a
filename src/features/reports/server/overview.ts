import type { TenantContext } from "@/server/tenant";
import { localDateKey } from "@/lib/periods";
import { queryUsage, type UsageRow } from "@/features/usage/server/rollups";
import { dimensionLabels, labelOf } from "@/features/usage/server/labels";
import { NONE, type Dimension, type UsageFilters } from "@/features/usage/schemas";
import type { ReportRange } from "../schemas";

export type Totals = {
  costMicros: bigint;
  requests: bigint;
  errors: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  cachedTokens: bigint;
  reasoningTokens: bigint;
  latencySumMs: bigint;
  latencyCount: bigint;
};
export type Breakdown = { key: string; label: string; costMicros: bigint; requests: bigint; tokens: bigint };

const TOTALS = ["costMicros", "requests", "errors", "inputTokens", "outputTokens", "cachedTokens", "reasoningTokens", "latencySumMs", "latencyCount"] as const;

/**
 * Spend overview from hour rollups (never raw events), days cut in the org's time zone.
 * Both providers side by side; every number is a sum of integers. Reads through the usage
 * module (hour resolution: the rows whose hour starts in the last `days` days).
 */
export async function spendOverview(ctx: TenantContext, range: ReportRange) {
  const to = new Date();
  const from = new Date(to.getTime() - range.days * 86_400_000);
  const filters: UsageFilters = {};
  if (range.workspaceId) filters.workspaceId = [range.workspaceId];
  if (range.provider) filters.provider = [range.provider];
  const base = { range: { from: from.toISOString(), to: to.toISOString() }, filters, resolution: "hour" as const };
  const top = (groupBy: Dimension[]) => queryUsage(ctx, { ...base, groupBy, metrics: ["costMicros", "requests", "inputTokens", "outputTokens"], limit: 10 });

  const [totals, daily, models, members, projects, keys] = await Promise.all([
    queryUsage(ctx, { ...base, metrics: [...TOTALS] }),
    queryUsage(ctx, { ...base, bucket: "day", groupBy: ["provider"], metrics: ["costMicros", "requests", "errors"], limit: 10_000 }),
    top(["provider", "model"]),
    top(["member"]),
    top(["projectTag"]),
    top(["key"]),
  ]);
  const labels = await dimensionLabels(ctx.orgId, {
    member: members.map((r) => r.dims.member!),
    projectTag: projects.map((r) => r.dims.projectTag!),
    key: keys.map((r) => r.dims.key!),
  });
  const t = totals[0]?.sums ?? {};
  const totalsOut = Object.fromEntries(TOTALS.map((m) => [m, t[m] ?? 0n])) as Totals;
  const breakdown = (rows: UsageRow[], dim: Dimension): Breakdown[] =>
    rows.map((r) => {
      const v = r.dims[dim]!;
      return { key: v === NONE ? "" : v, label: labelOf(labels, dim, v), costMicros: r.sums.costMicros!, requests: r.sums.requests!, tokens: r.sums.inputTokens! + r.sums.outputTokens! };
    });
  return {
    from,
    to,
    totals: totalsOut,
    daily: daily.map((r) => ({ day: localDateKey(ctx.timeZone, r.bucket!), provider: r.dims.provider!, costMicros: r.sums.costMicros!, requests: r.sums.requests!, errors: r.sums.errors! })),
    models: models.map((r) => {
      const label = `${r.dims.provider} · ${r.dims.model}`;
      return { key: label, label, costMicros: r.sums.costMicros!, requests: r.sums.requests!, tokens: r.sums.inputTokens! + r.sums.outputTokens! };
    }),
    members: breakdown(members, "member"),
    projects: breakdown(projects, "projectTag"),
    keys: breakdown(keys, "key"),
  };
}
