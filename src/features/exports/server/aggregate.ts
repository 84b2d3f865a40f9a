import { badRequest } from "@/server/errors";
import { periodBounds } from "@/lib/periods";
import { queryUsage } from "@/features/usage/server/rollups";
import { resolveRange, type UsageScope } from "@/features/usage/server/range";
import { bucketStarts } from "@/features/usage/server/segments";
import type { Metric } from "@/features/usage/schemas";
import { groupDims, MAX_RANGE_DAYS, toUsageFilters, type ReportQuery } from "../schemas";
import type { AggRow } from "../columns";
import type { Labels } from "./labels";

/**
 * Aggregated rows of a report query in a stable order (bucket, then cost descending, then the
 * group values — the usage module's order), from any position, with flat memory: the range is
 * read in windows of whole buckets, each one `queryUsage` call of at most QUERY_LIMIT rows.
 * A window that fills the limit is halved and read again, so no row is ever cut off.
 *
 * A position is (bucket start, rows of that bucket already emitted): the report API's cursor.
 */
export type AggPosition = { t: number; skip: number };

const QUERY_LIMIT = 10_000;
const MAX_MINUTE_RANGE_MS = 7 * 86_400_000;
const METRICS: Metric[] = ["requests", "errors", "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens", "reasoningTokens", "costMicros", "p95"];

const PERIOD = { day: "daily", week: "weekly", month: "monthly" } as const;

/** Nominal end of the bucket starting at `t` (the last bucket may extend past the range). */
function bucketEnd(bucket: NonNullable<ReportQuery["bucket"]>, tz: string, t: number): number {
  if (bucket === "minute") return t + 60_000;
  if (bucket === "hour") return t + 3_600_000;
  return periodBounds(PERIOD[bucket], tz, t).end.getTime();
}

export function checkRange(q: Pick<ReportQuery, "from" | "to" | "bucket">, tz: string): { from: number; to: number } {
  const r = resolveRange({ from: q.from, to: q.to }, tz);
  if (!(r.to > r.from)) throw badRequest("`to` must be after `from`", [{ path: "to", message: "`to` must be after `from`" }]);
  if (r.to - r.from > MAX_RANGE_DAYS * 86_400_000) throw badRequest(`The range is at most ${MAX_RANGE_DAYS} days`, [{ path: "from", message: `At most ${MAX_RANGE_DAYS} days` }]);
  if (q.bucket === "minute" && r.to - r.from > MAX_MINUTE_RANGE_MS) {
    throw badRequest("Minute buckets cover at most 7 days", [{ path: "bucket", message: "Minute buckets cover at most 7 days; use hour or coarser" }]);
  }
  // Rollups have whole-minute buckets, so the aggregated reads round both edges up to a whole
  // minute (usage/README.md); raw rows are read over the same rounded range, so the shapes agree.
  return { from: Math.ceil(r.from / 60_000) * 60_000, to: Math.ceil(r.to / 60_000) * 60_000 };
}

export async function* aggregatedRows(
  scope: UsageScope,
  q: ReportQuery,
  labels: Labels,
  start: AggPosition = { t: -Infinity, skip: 0 },
  queryLimit = QUERY_LIMIT, // smaller in tests, to exercise window halving
): AsyncGenerator<{ row: AggRow; pos: AggPosition }> {
  const { from, to } = checkRange(q, scope.timeZone);
  const groupBy = groupDims(q);
  const filters = toUsageFilters(q);
  const read = (a: number, b: number) =>
    queryUsage(scope, {
      range: { from: new Date(a).toISOString(), to: new Date(b).toISOString() },
      filters,
      groupBy,
      bucket: q.bucket,
      metrics: METRICS,
      limit: queryLimit,
    });
  const toAgg = (r: Awaited<ReturnType<typeof read>>[number], end: number | null): AggRow => {
    const l: AggRow["labels"] = {};
    for (const d of groupBy) l[d] = labels.label(d, r.dims[d]);
    return {
      bucketStart: r.bucket,
      bucketEnd: end === null ? null : new Date(end),
      dims: r.dims,
      labels: l,
      requests: r.sums.requests ?? 0n,
      errors: r.sums.errors ?? 0n,
      inputTokens: r.sums.inputTokens ?? 0n,
      outputTokens: r.sums.outputTokens ?? 0n,
      cachedTokens: r.sums.cachedTokens ?? 0n,
      cacheWriteTokens: r.sums.cacheWriteTokens ?? 0n,
      reasoningTokens: r.sums.reasoningTokens ?? 0n,
      costMicros: r.sums.costMicros ?? 0n,
      p95Ms: r.p95 ?? null,
    };
  };

  if (!q.bucket) {
    const rows = await read(from, to);
    if (rows.length >= queryLimit) throw badRequest(`More than ${queryLimit} groups: add a bucket or filters`, [{ path: "group_by", message: "Too many groups without a bucket" }]);
    for (let i = start.t === 0 ? start.skip : 0; i < rows.length; i++) yield { row: toAgg(rows[i]!, null), pos: { t: 0, skip: i } };
    return;
  }

  const bucket = q.bucket;
  const starts = bucketStarts(bucket, scope.timeZone, from, to);
  const endOf = (i: number) => starts[i + 1] ?? bucketEnd(bucket, scope.timeZone, starts[i]!);
  let size = 16;
  const first = starts.findIndex((t, i) => (starts[i + 1] ?? Infinity) > start.t);
  for (let i = Math.max(0, first); first >= 0 && i < starts.length; ) {
    const j = Math.min(starts.length, i + size);
    const a = Math.max(from, starts[i]!);
    const b = Math.min(to, starts[j] ?? to);
    const rows = await read(a, b);
    if (rows.length >= queryLimit) {
      if (size === 1) throw badRequest(`More than ${queryLimit} groups in one bucket: use a smaller bucket or filters`, [{ path: "group_by", message: "Too many groups per bucket" }]);
      size = Math.ceil(size / 2);
      continue;
    }
    let current = NaN;
    let k = 0;
    for (const r of rows) {
      const t = r.bucket!.getTime();
      k = t === current ? k + 1 : 0;
      current = t;
      if (t < start.t || (t === start.t && k < start.skip)) continue;
      const idx = starts.indexOf(t, i);
      yield { row: toAgg(r, idx >= 0 ? endOf(idx) : null), pos: { t, skip: k } };
    }
    i = j;
    if (rows.length < queryLimit / 4 && size < 256) size *= 2;
  }
}
