import { pool } from "@/server/db";
import { periodBounds } from "@/lib/periods";
import { NONE, SumMetric, UsageQuery, type Dimension, type Metric, type ParsedUsageQuery } from "../schemas";
import { HIST_BUCKETS, percentileFromHist } from "./histogram";
import { resolveRange, type UsageScope } from "./range";
import { bucketedSegments, HOUR, mergeSegments, rangeSegments, type Segment } from "./segments";
import { DIM_COLUMN, FILTER_DIM, Params, rollupFilterSql, segmentsSql } from "./sql";
import { coarseCandidateDays, coarseLevel, splitByCoarseDays, validCoarseDays } from "./coarse";

export type UsageRow = {
  /** Start of the output bucket (org time zone), null when the query has no bucket. */
  bucket: Date | null;
  /** Dimension values; NONE for "not attributed". */
  dims: Partial<Record<Dimension, string>>;
  sums: Partial<Record<SumMetric, bigint>>;
  latencyMaxMs?: number;
  /** Percentiles in ms from the histograms; null when no latency was recorded. */
  p50?: number | null;
  p95?: number | null;
  p99?: number | null;
};

const SUM_METRICS = new Set<Metric>(SumMetric.options);
const PCT = { p50: 0.5, p95: 0.95, p99: 0.99 } as const;

function bucketExpr(q: ParsedUsageQuery, p: Params, tz: string): string | null {
  switch (q.bucket) {
    case undefined:
      return null;
    case "minute":
      return `date_bin('1 minute', r."bucketStart", TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
    case "hour":
      return `date_bin('1 hour', r."bucketStart", TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
    default:
      return `date_trunc('${q.bucket}', r."bucketStart", ${p.add(tz)})`;
  }
}

function segmentsFor(q: ParsedUsageQuery, tz: string, from: number, to: number, hourStarts?: Date[]): Segment[] {
  if (hourStarts) return hourStarts.map((h) => ({ granularity: "hour" as const, from: h.getTime(), to: h.getTime() + HOUR }));
  if (q.resolution === "hour") return to > from ? [{ granularity: "hour", from, to }] : [];
  return q.bucket ? bucketedSegments(q.bucket, tz, from, to) : rangeSegments(from, to);
}

/**
 * THE read of usage_rollups: sums (exact integers) and latency percentiles (histograms) for
 * the org's usage in a range, filtered, bucketed in the org's time zone and grouped.
 * `opts.hourStarts` reads exactly those hour rollups instead of the range (the anomaly
 * sweep's same-hour-on-previous-days baseline).
 */
export async function queryUsage(scope: UsageScope, input: UsageQuery, opts: { hourStarts?: Date[] } = {}): Promise<UsageRow[]> {
  const q = UsageQuery.parse(input);
  const { from, to } = resolveRange(q.range, scope.timeZone);
  const segments = segmentsFor(q, scope.timeZone, from, to, opts.hourStarts);
  const sums = q.metrics.filter((m): m is SumMetric => SUM_METRICS.has(m));
  const order = q.orderBy ?? (sums.includes("costMicros") ? "costMicros" : sums[0]);
  if (order && !sums.includes(order)) sums.push(order);
  const wantsPct = q.metrics.some((m) => m in PCT);
  const wantsMax = q.metrics.includes("latencyMaxMs");

  // Report rollups (coarse.ts) for the closed days whose fingerprint matches, when the query
  // needs neither member nor key; the fine rollups for everything else.
  let split: { coarse: Segment[]; fine: Segment[] } | null = null;
  const used = new Set<string>([...q.groupBy, ...Object.entries(q.filters).flatMap(([k, v]) => (v?.length ? [FILTER_DIM[k as keyof typeof FILTER_DIM]] : []))]);
  const level = coarseLevel(used);
  const days = level && !opts.hourStarts && q.resolution !== "hour" ? coarseCandidateDays(segments) : null;
  if (days) {
    const valid = await validCoarseDays(scope.orgId, days.from, days.to);
    if (valid.size) split = splitByCoarseDays(segments, valid);
  }

  const p = new Params();
  let from_: string;
  if (!split) {
    from_ = `usage_rollups r WHERE r."orgId" = ${p.add(scope.orgId)} AND ${segmentsSql(segments, p)}${rollupFilterSql(q.filters, p).map((f) => ` AND ${f}`).join("")}`;
  } else {
    const cols = [`"bucketStart"`, ...q.groupBy.map((d) => DIM_COLUMN[d]), ...sums.map((m) => `"${m}"`), ...(wantsMax ? [`"latencyMaxMs"`] : []), ...(wantsPct ? [`"latencyHist"`] : [])];
    const part = (table: string, segs: Segment[]) =>
      `SELECT ${cols.map((c) => `r.${c}`).join(", ")} FROM ${table} r WHERE r."orgId" = ${p.add(scope.orgId)}${table === "usage_rollups_coarse" ? ` AND r.level = ${level}` : ""} AND ${segmentsSql(mergeSegments(segs), p)}${rollupFilterSql(q.filters, p)
        .map((f) => ` AND ${f}`)
        .join("")}`;
    const parts = [part("usage_rollups_coarse", split.coarse), ...(split.fine.length ? [part("usage_rollups", split.fine)] : [])];
    from_ = `(${parts.join(" UNION ALL ")}) r`;
  }
  const select: string[] = [];
  const group: string[] = [];
  const bucket = bucketExpr(q, p, scope.timeZone);
  if (bucket) {
    select.push(`${bucket} AS bucket`);
    group.push(bucket);
  }
  for (const d of q.groupBy) {
    const col = d === "provider" ? `r.provider::text` : `r.${DIM_COLUMN[d]}`;
    select.push(`${col} AS "d_${d}"`);
    group.push(col);
  }
  for (const m of sums) select.push(`coalesce(sum(r."${m}"), 0)::text AS "s_${m}"`);
  if (wantsMax) select.push(`coalesce(max(r."latencyMaxMs"), 0) AS lmax`);
  if (wantsPct) {
    const els = Array.from({ length: HIST_BUCKETS }, (_, i) => `coalesce(sum(r."latencyHist"[${i + 1}]), 0)`);
    select.push(`ARRAY[${els.join(", ")}]::int8[] AS hist`);
  }
  const orderBy = [...(bucket ? ["1"] : []), ...(order ? [`sum(r."${order}") DESC NULLS LAST`] : []), ...group.slice(bucket ? 1 : 0)];
  const sql = `SELECT ${select.join(", ")} FROM ${from_}
    ${group.length ? `GROUP BY ${group.join(", ")}` : ""}
    ${group.length && orderBy.length ? `ORDER BY ${orderBy.join(", ")}` : ""} LIMIT ${q.limit}`;
  const { rows } = await pool.query<Record<string, unknown>>(sql, p.values);
  return rows.map((r) => toRow(r, q, sums, scope.timeZone));
}

const CALENDAR = { day: "daily", week: "weekly", month: "monthly" } as const;

/**
 * date_trunc names the right local day, but PostgreSQL resolves an ambiguous local midnight
 * (America/Havana's clocks fall back from 01:00 to 00:00) to the later instant, while the
 * calendar (lib/periods: bucketStarts, the segments read above) starts the day at the first.
 * The bucket is the calendar's start of that day, week or month.
 */
function bucketStart(q: ParsedUsageQuery, tz: string, v: unknown): Date | null {
  if (!v) return null;
  const t = new Date(v as string);
  return q.bucket === "day" || q.bucket === "week" || q.bucket === "month" ? periodBounds(CALENDAR[q.bucket], tz, t).start : t;
}

function toRow(r: Record<string, unknown>, q: ParsedUsageQuery, sums: SumMetric[], tz: string): UsageRow {
  const out: UsageRow = { bucket: bucketStart(q, tz, r.bucket), dims: {}, sums: {} };
  for (const d of q.groupBy) {
    const v = r[`d_${d}`] as string | null;
    out.dims[d] = v === "" || v === null ? NONE : v;
  }
  for (const m of sums) out.sums[m] = BigInt(r[`s_${m}`] as string);
  if (q.metrics.includes("latencyMaxMs")) out.latencyMaxMs = Number(r.lmax);
  if (r.hist) {
    const hist = (r.hist as string[]).map(Number);
    for (const k of Object.keys(PCT) as (keyof typeof PCT)[]) if (q.metrics.includes(k)) out[k] = percentileFromHist(hist, PCT[k]);
  }
  return out;
}

/** Sum of one metric over the query (no grouping). */
export async function sumUsage(scope: UsageScope, input: Omit<UsageQuery, "metrics" | "groupBy" | "bucket">, metric: SumMetric = "costMicros"): Promise<bigint> {
  const [row] = await queryUsage(scope, { ...input, metrics: [metric] });
  return row?.sums[metric] ?? 0n;
}

/** Does any rollup row match (even with zero cost)? */
export async function hasUsage(scope: UsageScope, input: Omit<UsageQuery, "metrics" | "limit">): Promise<boolean> {
  const rows = await queryUsage(scope, { ...input, groupBy: input.groupBy?.length ? input.groupBy : ["workspace"], metrics: ["requests"], limit: 1 });
  return rows.length > 0;
}

/** Orgs with any usage in the hour starting at `hourStart` (system sweeps only: crosses orgs). */
export async function orgsWithUsageInHour(hourStart: Date): Promise<string[]> {
  const { rows } = await pool.query<{ orgId: string }>(`SELECT DISTINCT "orgId" FROM usage_rollups WHERE granularity = 'hour' AND "bucketStart" = $1`, [hourStart]);
  return rows.map((r) => r.orgId);
}
