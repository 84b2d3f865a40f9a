import { z } from "zod";

/**
 * The typed query every spend read goes through (see README.md). Ids are opaque strings;
 * NONE selects "not attributed" (the rollups' '' / the raw events' NULL).
 */
export const NONE = "-";

const Ids = z.array(z.string().min(1).max(200)).max(100);

export const Dimension = z.enum(["workspace", "projectTag", "provider", "model", "member", "key", "service", "language", "statusClass"]);
export type Dimension = z.infer<typeof Dimension>;

export const Bucket = z.enum(["minute", "hour", "day", "week", "month"]);
export type Bucket = z.infer<typeof Bucket>;

export const StatusClass = z.enum(["2xx", "4xx", "5xx", "other"]);
export type StatusClass = z.infer<typeof StatusClass>;

export const UsageFilters = z
  .object({
    workspaceId: Ids,
    projectTagId: Ids,
    provider: z.array(z.enum(["openrouter", "openai"])).max(2),
    model: Ids,
    memberId: Ids,
    providerKeyId: Ids,
    service: Ids,
    language: Ids,
    statusClass: z.array(StatusClass).max(4),
  })
  .partial();
export type UsageFilters = z.infer<typeof UsageFilters>;

/** Summable metrics (exact integers) and latency percentiles (from the rollup histograms). */
export const SumMetric = z.enum([
  "requests",
  "errors",
  "inputTokens",
  "outputTokens",
  "cachedTokens",
  "cacheWriteTokens",
  "reasoningTokens",
  "costMicros",
  "latencySumMs",
  "latencyCount",
]);
export type SumMetric = z.infer<typeof SumMetric>;
export const Metric = z.union([SumMetric, z.enum(["latencyMaxMs", "p50", "p95", "p99"])]);
export type Metric = z.infer<typeof Metric>;

/**
 * A range: `from` inclusive, `to` exclusive. A plain date (YYYY-MM-DD) is local midnight in
 * the org's time zone; anything else must be an ISO instant with an offset.
 */
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
export const UsageRange = z.object({ from: Instant, to: Instant });
export type UsageRange = z.infer<typeof UsageRange>;

export const UsageQuery = z.object({
  range: UsageRange,
  filters: UsageFilters.default({}),
  bucket: Bucket.optional(),
  groupBy: z.array(Dimension).max(4).default([]),
  metrics: z.array(Metric).min(1).max(20).default(["requests", "errors", "inputTokens", "outputTokens", "costMicros"]),
  /** Rows ordered by this metric, descending (default: bucket, then costMicros). */
  orderBy: SumMetric.optional(),
  limit: z.number().int().min(1).max(10_000).default(1_000),
  /**
   * "auto" reads the coarsest rollups that fit (exact for any minute-aligned range);
   * "hour" reads only hour rollups whose bucket starts inside the range (what the old
   * overview did; kept for it).
   */
  resolution: z.enum(["auto", "hour"]).default("auto"),
});
export type UsageQuery = z.input<typeof UsageQuery>;
export type ParsedUsageQuery = z.output<typeof UsageQuery>;

export const EventsQuery = z.object({
  range: UsageRange,
  filters: UsageFilters.default({}),
  /** Only events with status >= 400. */
  errorsOnly: z.boolean().default(false),
  order: z.enum(["asc", "desc"]).default("desc"),
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(10_000).default(100),
});
export type EventsQuery = z.input<typeof EventsQuery>;
