/**
 * Where a completed OpenRouter day's activity fills are stamped (README "The completed day").
 *
 * `/activity` gives one row per UTC day, key and model. Stamping it at 00:00 UTC put the day's
 * unpushed spend into the previous local day for every zone behind UTC (and the 1st of a month
 * into the month before). The key counters' minute readings (key-readings.ts) say when in the day
 * each key spent, so a key's activity fill is spread over its reading minutes:
 *
 * - weights: the key's readings, with the key's fill placed on its LATEST minutes (pushed events
 *   explain the earliest spend), exactly as the reading fills were placed before the day
 *   completed, so a day whose `/activity` agrees with its readings moves nothing in time; if that
 *   placement is empty (the fill has tokens but no cost), the readings themselves;
 * - every metric of every (key, model) fill cell is split over those minutes in proportion to the
 *   weights, in integers with the largest remainder, so the parts sum exactly to the cell;
 * - a cell without readings (a key's spend before its first reading, a key read by nobody, the
 *   keyless remainder of keys OpenRouter no longer lists) is stamped at 12:00 UTC of the day:
 *   local time 12:00 + offset stays inside the same calendar date for every offset from UTC-12 up
 *   to (not including) UTC+12, so it lands in the right local day, week and month there; only
 *   UTC+12 … UTC+14 zones (e.g. Auckland, Fiji, Kiribati) see it on the next local date.
 */
import { isZero, METRICS, type PolledMetrics } from "./reconcile-math";

const DAY_MS = 86_400_000;
export const NO_READINGS_OFFSET_MS = DAY_MS / 2;

export type DayReading = { at: Date; cost: bigint };
export type DayFillCell = { keyRef: string; model: string; projectRef: string; metrics: PolledMetrics };
export type SpreadPart<T extends DayFillCell = DayFillCell> = T & { at: Date };

/** `fill` of a key placed on its latest readings; what remains is explained by pushed events. */
export function placeOnLatest(readings: DayReading[], fill: bigint): DayReading[] {
  const total = readings.reduce((s, r) => s + r.cost, 0n);
  const explained = total - fill;
  const out: DayReading[] = [];
  let cum = 0n;
  for (const r of readings) {
    const before = cum > explained ? cum - explained : 0n;
    cum += r.cost;
    const after = cum > explained ? cum - explained : 0n;
    if (after > before) out.push({ at: r.at, cost: after - before });
  }
  return out;
}

/** `value` split over `weights` (Σ > 0) in integers, largest remainder first, earlier first on ties. */
export function splitLargestRemainder(value: bigint, weights: bigint[]): bigint[] {
  const total = weights.reduce((s, w) => s + w, 0n);
  if (total <= 0n) throw new Error("splitLargestRemainder needs a positive total weight");
  const parts = weights.map((w) => (value * w) / total);
  const rest = weights.map((w, i) => ({ i, r: (value * w) % total }));
  let left = value - parts.reduce((s, p) => s + p, 0n);
  rest.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of rest) {
    if (left <= 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts;
}

/** The stamped parts of one UTC day's activity fill cells (see the header). */
export function spreadDayFill<T extends DayFillCell>(day: Date, cells: T[], readingsByKey: Map<string, DayReading[]>): SpreadPart<T>[] {
  const midday = new Date(day.getTime() + NO_READINGS_OFFSET_MS);
  const out: SpreadPart<T>[] = [];
  const byKey = new Map<string, T[]>();
  for (const c of cells) byKey.set(c.keyRef, [...(byKey.get(c.keyRef) ?? []), c]);
  for (const [keyRef, keyCells] of byKey) {
    const readings = keyRef ? (readingsByKey.get(keyRef) ?? []).filter((r) => r.cost > 0n) : [];
    if (readings.length === 0) {
      for (const c of keyCells) out.push({ ...c, at: midday });
      continue;
    }
    const readTotal = readings.reduce((s, r) => s + r.cost, 0n);
    const fillCost = keyCells.reduce((s, c) => s + (c.metrics.costMicros ?? 0n), 0n);
    const placed = placeOnLatest(readings, fillCost < readTotal ? fillCost : readTotal);
    const weights = placed.length > 0 ? placed : readings;
    for (const c of keyCells) {
      const split = new Map<string, bigint[]>();
      for (const m of METRICS) {
        const v = c.metrics[m];
        if (v !== null) split.set(m, splitLargestRemainder(v, weights.map((w) => w.cost)));
      }
      weights.forEach((w, i) => {
        const metrics = { ...c.metrics };
        for (const m of METRICS) {
          const parts = split.get(m);
          if (m === "costMicros") metrics.costMicros = parts ? parts[i]! : null;
          else metrics[m] = parts![i]!;
        }
        if (!isZero(metrics)) out.push({ ...c, at: w.at, metrics });
      });
    }
  }
  return out;
}
