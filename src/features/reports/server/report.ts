import { requirePermission, type TenantContext } from "@/server/tenant";
import { localParts } from "@/lib/periods";
import { queryUsage, type UsageRow } from "@/features/usage/server/rollups";
import { readEvents } from "@/features/usage/server/events";
import { dimensionLabels, labelOf, type Labels } from "@/features/usage/server/labels";
import { previousRange } from "@/features/usage/server/range";
import type { Dimension, UsageFilters } from "@/features/usage/schemas";
import { listBudgets } from "@/features/budgets/server/budgets";
import { listCreditStats } from "@/features/alerts/server/credits";
import { getPriceLookup } from "@/features/pricing/server/catalog";
import type { Price } from "@/features/pricing/price";
import type { Provider } from "@/generated/prisma/enums";
import { reportDates, type ReportParams } from "../report-params";

const SUMS = ["requests", "errors", "inputTokens", "outputTokens", "cachedTokens", "reasoningTokens", "costMicros"] as const;

export function reportFilters(p: ReportParams, workspaceId?: string): UsageFilters {
  const f: UsageFilters = {};
  const ws = workspaceId ?? p.ws;
  if (ws) f.workspaceId = [ws];
  if (p.tag) f.projectTagId = [p.tag];
  if (p.provider) f.provider = [p.provider];
  if (p.model) f.model = [p.model];
  if (p.member) f.memberId = [p.member];
  if (p.key) f.providerKeyId = [p.key];
  if (p.service) f.service = [p.service];
  if (p.language) f.language = [p.language];
  return f;
}

export type Slice = { value: string; label: string; costMicros: bigint; requests: bigint; tokens: bigint; cachedTokens: bigint; errors: bigint; p95: number | null };

/**
 * Everything the report page shows, read from rollups through the usage module (error
 * records excepted: raw events, newest first). Panels run in parallel.
 */
export async function loadReport(ctx: TenantContext, p: ReportParams, opts: { workspaceId?: string } = {}) {
  requirePermission(ctx, "reports:read");
  const dates = reportDates(p, ctx.timeZone);
  const range = { from: dates.from, to: dates.to };
  const filters = reportFilters(p, opts.workspaceId);
  const base = { range, filters };
  const by = (groupBy: Dimension[], extra: Partial<{ limit: number }> = {}) =>
    queryUsage(ctx, { ...base, groupBy, metrics: [...SUMS, "p95"], limit: extra.limit ?? 200 });
  const [totals, previous, daily, tokensByService, hourly, models, members, projects, keys, providers, services, languages, latency, errors, budgets, credits] =
    await Promise.all([
      queryUsage(ctx, { ...base, metrics: [...SUMS, "p50", "p95", "p99"] }),
      p.compare ? queryUsage(ctx, { range: previousRange(range, ctx.timeZone), filters, metrics: [...SUMS, "p95"] }) : Promise.resolve(null),
      queryUsage(ctx, { ...base, bucket: "day", groupBy: ["provider"], metrics: [...SUMS, "p95"], limit: 10_000 }),
      queryUsage(ctx, { ...base, bucket: "day", groupBy: ["service"], metrics: ["inputTokens", "outputTokens"], limit: 10_000 }),
      queryUsage(ctx, { ...base, bucket: "hour", metrics: ["requests", "costMicros"], limit: 10_000 }),
      by(["provider", "model"]),
      by(["member"]),
      by(["projectTag"]),
      by(["key"]),
      by(["provider"]),
      by(["service"]),
      by(["language"]),
      queryUsage(ctx, { ...base, groupBy: ["model"], metrics: ["p50", "p95", "p99", "requests"], orderBy: "requests", limit: 50 }),
      readEvents(ctx, { range, filters, errorsOnly: true, limit: 25 }),
      ctx.permissions.has("budgets:read") ? listBudgets(ctx) : Promise.resolve([]),
      ctx.permissions.has("alerts:read") ? listCreditStats(ctx) : Promise.resolve([]),
    ]);
  const labels = await dimensionLabels(ctx.orgId, {
    member: [...members.map((r) => r.dims.member!), ...errors.rows.map((e) => e.memberId ?? "-")],
    projectTag: projects.map((r) => r.dims.projectTag!),
    key: [...keys.map((r) => r.dims.key!), ...errors.rows.map((e) => e.providerKeyId ?? "-")],
    workspace: [...(opts.workspaceId ? [opts.workspaceId] : []), ...(p.ws ? [p.ws] : [])],
  });
  const slices = (rows: UsageRow[], dim: Dimension) => rows.map((r) => toSlice(r, dim, labels));
  const price = await getPriceLookup([ctx.orgId]);
  return {
    dates,
    labels,
    totals: totals[0]!,
    previous: previous?.[0] ?? null,
    daily,
    tokensByService,
    hourOfDay: hourOfDay(hourly, ctx.timeZone),
    models: models.map((r) => ({ ...toSlice(r, "model", labels), provider: r.dims.provider! })),
    cacheSavedMicros: cacheSaved(models, (prov, model) => price(ctx.orgId, prov as Provider, model)),
    members: slices(members, "member"),
    projects: slices(projects, "projectTag"),
    keys: slices(keys, "key"),
    providers: slices(providers, "provider"),
    services: slices(services, "service"),
    languages: slices(languages, "language"),
    latency,
    errors: errors.rows,
    budgets: budgets.filter((b) => inScope(b, filters)),
    credits,
  };
}

/**
 * What cached input saved: per model, cached tokens × (prompt price − cache-read price), from
 * the price catalog (a model without a price or without a cache-read price saves nothing).
 */
function cacheSaved(models: UsageRow[], priceOf: (provider: string, model: string) => Price | null): bigint {
  let saved = 0n;
  for (const r of models) {
    const p = priceOf(r.dims.provider!, r.dims.model!);
    if (!p || p.cacheReadPerMTok === null || p.cacheReadPerMTok >= p.promptPerMTok) continue;
    saved += ((r.sums.cachedTokens ?? 0n) * (p.promptPerMTok - p.cacheReadPerMTok)) / 1_000_000n;
  }
  return saved;
}

function toSlice(r: UsageRow, dim: Dimension, labels: Labels): Slice {
  const v = r.dims[dim]!;
  const s = r.sums;
  return { value: v, label: labelOf(labels, dim, v), costMicros: s.costMicros ?? 0n, requests: s.requests ?? 0n, tokens: (s.inputTokens ?? 0n) + (s.outputTokens ?? 0n), cachedTokens: s.cachedTokens ?? 0n, errors: s.errors ?? 0n, p95: r.p95 ?? null };
}

/** Requests and cost per local hour of day (0–23) over the range. */
function hourOfDay(rows: UsageRow[], tz: string) {
  const out = Array.from({ length: 24 }, (_, h) => ({ hour: h, requests: 0n, costMicros: 0n }));
  for (const r of rows) {
    const h = out[localParts(tz, r.bucket!).hour % 24]!;
    h.requests += r.sums.requests ?? 0n;
    h.costMicros += r.sums.costMicros ?? 0n;
  }
  return out;
}

/** Budgets whose scope overlaps the filtered view (org budgets always do). */
function inScope(b: { scope: string; workspaceId: string | null; projectTagId: string | null; providerKeyId: string | null }, f: UsageFilters): boolean {
  if (b.scope === "workspace" && f.workspaceId) return f.workspaceId.includes(b.workspaceId ?? "");
  if (b.scope === "project" && f.projectTagId) return f.projectTagId.includes(b.projectTagId ?? "");
  if (b.scope === "key" && f.providerKeyId) return f.providerKeyId.includes(b.providerKeyId ?? "");
  return true;
}

export type Report = Awaited<ReturnType<typeof loadReport>>;
