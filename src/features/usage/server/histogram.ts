/**
 * Latency histogram of a rollup row: HIST_BUCKETS fixed log-spaced buckets.
 *   bucket 0            latency < 1 ms (0 ms)
 *   bucket i (1..62)    [R^(i-1), R^i) ms with R = 600000^(1/62) ≈ 1.2390
 *   bucket 63           ≥ 10 min (600 000 ms)
 * Stored as int4[64] (Postgres arrays are 1-based: element i+1 is bucket i). The bucket of a
 * latency is computed in SQL (HIST_INDEX_SQL) at ingest; readers only need the bounds.
 *
 * Percentile estimate: nearest rank (the smallest value with at least q·N values ≤ it, as
 * percentile_disc) → its bucket → the bucket's geometric middle, clamped to the integer
 * latencies the bucket can hold. The true value lies in the same bucket, so the relative
 * error is at most √R − 1 ≈ 11.3 % for latencies in [1 ms, 10 min); bucket 0 is exact
 * (0 ms) and latencies ≥ 10 min are reported as 600 000 ms.
 */
export const HIST_BUCKETS = 64;
export const HIST_MAX_MS = 600_000;
const LOG_BUCKETS = HIST_BUCKETS - 2;
export const HIST_RATIO = Math.pow(HIST_MAX_MS, 1 / LOG_BUCKETS);
export const HIST_MAX_RELATIVE_ERROR = Math.sqrt(HIST_RATIO) - 1;

/** SQL: 1-based array index of latency expression `ms` (integer milliseconds, not NULL). */
export function histIndexSql(ms: string): string {
  return `(CASE WHEN ${ms} < 1 THEN 1 WHEN ${ms} >= ${HIST_MAX_MS} THEN ${HIST_BUCKETS}
    ELSE 2 + floor(ln(${ms}::float8) * ${LOG_BUCKETS / Math.log(HIST_MAX_MS)})::int END)`;
}

/** [lo, hi) in ms of bucket i (0-based). */
export function bucketBounds(i: number): [number, number] {
  if (i <= 0) return [0, 1];
  if (i >= HIST_BUCKETS - 1) return [HIST_MAX_MS, HIST_MAX_MS];
  return [Math.pow(HIST_RATIO, i - 1), Math.pow(HIST_RATIO, i)];
}

/** Point estimate for bucket i, clamped to the integers inside it. */
export function bucketEstimate(i: number): number {
  const [lo, hi] = bucketBounds(i);
  if (i <= 0) return 0;
  if (i >= HIST_BUCKETS - 1) return HIST_MAX_MS;
  const mid = Math.sqrt(lo * hi);
  const minInt = Math.ceil(lo);
  const maxInt = Math.ceil(hi) - 1;
  if (maxInt < minInt) return mid; // no integer inside (cannot happen for integer input)
  return Math.min(maxInt, Math.max(minInt, mid));
}

/** Nearest-rank percentile q (0 < q ≤ 1) of a histogram; null when it is empty. */
export function percentileFromHist(hist: readonly (number | bigint)[], q: number): number | null {
  let total = 0;
  for (const c of hist) total += Number(c);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let cum = 0;
  for (let i = 0; i < hist.length; i++) {
    cum += Number(hist[i]);
    if (cum >= rank) return bucketEstimate(i);
  }
  return bucketEstimate(hist.length - 1);
}

/**
 * SQL: per-bucket counts of contributions `e` (lidx = 1-based bucket or NULL, lone = ±1 as
 * int4), columns h1…h64. Everything stays int4 so each of the 64 aggregates keeps a by-value
 * int8 state (sum(int8) would accumulate in a palloc'd numeric/int128 state per group and
 * aggregate: that alone cost ingest ~8 µs per event).
 */
export function histCountColumnsSql(e: string): string {
  return Array.from({ length: HIST_BUCKETS }, (_, i) => `(sum(${e}.lone) FILTER (WHERE ${e}.lidx = ${i + 1}))::int4 AS h${i + 1}`).join(", ");
}

/** SQL: the int4[] histogram summed from columns h1…h64 of `c`, NULL when no latency was seen. */
export function histArraySql(c: string): string {
  const els = Array.from({ length: HIST_BUCKETS }, (_, i) => `coalesce(sum(${c}.h${i + 1}), 0)`);
  return `CASE WHEN bool_or(${c}.hl) THEN ARRAY[${els.join(", ")}]::int4[] END`;
}

/** SQL: element-wise a + b (either may be NULL), written out so no subquery runs per row. */
export function histAddSql(a: string, b: string): string {
  const els = Array.from({ length: HIST_BUCKETS }, (_, i) => `${a}[${i + 1}] + ${b}[${i + 1}]`);
  return `CASE WHEN ${b} IS NULL THEN ${a} WHEN ${a} IS NULL THEN ${b} ELSE ARRAY[${els.join(", ")}] END`;
}
