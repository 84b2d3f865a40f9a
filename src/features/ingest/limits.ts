import { usdToMicros } from "@/lib/money";

/**
 * Bounds on what one event may carry, shared by the push API and OTLP (browser-safe).
 *
 * Per-event cost: at most $1,000 (1e9 µUSD). The dearest real requests are well under $100
 * (o1-pro at its full context: 200k input × $150/M + 100k output × $600/M = $90), so this is
 * more than 10× any real request; a larger value is a unit mistake (micro-dollars sent as
 * dollars) or an attack, and is refused with a 400 rather than stored.
 *
 * Why a rollup can't overflow int8 (9,223,372,036,854,775,807): a usage_rollups row's cost is
 * the sum of the costs of the events with one (granularity, bucket, workspace, dims) key; the
 * day bucket is the widest and contains every minute/hour row of that day, so it bounds them
 * all. Pushed and OTLP events reach a workspace through its ingest rate limit, which is capped
 * at MAX_SAFE_EVENTS_PER_SECOND (rate-limit.ts). So one day row receives at most
 *   MAX_SAFE_EVENTS_PER_SECOND × 86,400 events × MAX_EVENT_COST_MICROS
 *   = 100,000 × 86,400 × 1e9 = 8.64e18 µUSD < 9.22e18,
 * and a single batch's in-statement sum is at most 1,000 × 1e9 = 1e12. (The cap only holds
 * while Redis answers: the limiter fails open. Even then, overflow needs 9.2 billion events
 * at $1,000 each, $9.2 trillion, in one row in one day: more than PostgreSQL writes with rollups
 * on our hardware, about 84,000 events/s.) Poll fills are provider totals, real spend, and
 * move a row by their delta only.
 */
export const MAX_EVENT_COST_USD = 1_000;
export const MAX_EVENT_COST_MICROS = 1_000_000_000n;
export const INT8_MAX = 9_223_372_036_854_775_807n;
export const MAX_SAFE_EVENTS_PER_SECOND = 100_000;

/** The same test for both wire formats, after the exact conversion to micro-USD (half-up). */
export function costWithinBound(value: string | number): boolean {
  // Fast answers away from the boundary (the ingest hot path); exact conversion near it.
  if (typeof value === "number") {
    if (value < MAX_EVENT_COST_USD - 1) return true;
    if (value > MAX_EVENT_COST_USD + 1) return false;
  } else {
    const whole = wholeDigits(value);
    if (whole <= 3) return true; // < 1000 even after rounding up to the micro
    if (whole > 4) return false;
  }
  try {
    return usdToMicros(value) <= MAX_EVENT_COST_MICROS;
  } catch {
    return false;
  }
}

/**
 * Digits before the decimal point of the trimmed string, leading zeros ignored ("0012.5" → 2,
 * "0.3" → 1, "000" → 1; a zero is only dropped before another digit). Scans instead of
 * splitting: this runs once per event on the hot path.
 */
export function wholeDigits(value: string): number {
  const t = value.trim();
  let dot = t.indexOf(".");
  if (dot < 0) dot = t.length;
  let i = 0;
  while (i < dot - 1 && t.charCodeAt(i) === 48 && isDigit(t.charCodeAt(i + 1))) i++;
  return dot - i;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

export const COST_BOUND_MESSAGE = `cost is above the per-event bound of $${MAX_EVENT_COST_USD.toLocaleString("en-US")}`;
