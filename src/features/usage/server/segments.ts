import { periodBounds } from "@/lib/periods";
import type { Bucket } from "../schemas";

/**
 * Which rollup rows a range reads. A range [start, end) is cut into the coarsest buckets
 * that fit wholly inside it: UTC days in the middle, hours next to them, minutes for the
 * partial hours at the edges (periods in :30/:45 zones don't start on an hour). Each
 * bucket is counted once because the pieces don't overlap. A bucketed query cuts every
 * output bucket separately, so each row read lies inside exactly one output bucket.
 */
export type Gran = "minute" | "hour" | "day";
export type Segment = { granularity: Gran; from: number; to: number };

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const ceilTo = (t: number, step: number) => Math.ceil(t / step) * step;
const floorTo = (t: number, step: number) => Math.floor(t / step) * step;
const ORDER: Record<Gran, number> = { minute: 0, hour: 1, day: 2 };

/** Non-overlapping day/hour/minute pieces covering [start, end) (minute-aligned edges). */
export function rangeSegments(start: Date | number, end: Date | number, coarsest: Gran = "day"): Segment[] {
  const s = ceilTo(+start, MIN); // rollups have whole-minute buckets
  const e = ceilTo(+end, MIN);
  if (e <= s) return [];
  const out: Segment[] = [];
  const split = (a: number, b: number, gran: Gran, step: number, finer: (a: number, b: number) => void) => {
    if (ORDER[gran] > ORDER[coarsest]) return finer(a, b);
    const ia = ceilTo(a, step);
    const ib = floorTo(b, step);
    if (ia >= ib) return finer(a, b);
    finer(a, ia);
    out.push({ granularity: gran, from: ia, to: ib });
    finer(ib, b);
  };
  const minutes = (a: number, b: number) => {
    if (a < b) out.push({ granularity: "minute", from: a, to: b });
  };
  const hours = (a: number, b: number) => {
    if (a < b) split(a, b, "hour", HOUR, minutes);
  };
  split(s, e, "day", DAY, hours);
  return out;
}

/** Joins touching pieces of the same granularity (fewer OR branches in the SQL). */
export function mergeSegments(segs: Segment[]): Segment[] {
  const sorted = [...segs].sort((a, b) => a.from - b.from);
  const out: Segment[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last.granularity === s.granularity && last.to === s.from) last.to = s.to;
    else out.push({ ...s });
  }
  return out;
}

const PERIOD = { day: "daily", week: "weekly", month: "monthly" } as const;

/** Output bucket starts in `tz` covering [start, end) (the first may start before `start`). */
export function bucketStarts(bucket: Bucket, tz: string, start: number, end: number): number[] {
  const out: number[] = [];
  if (bucket === "minute" || bucket === "hour") {
    const step = bucket === "minute" ? MIN : HOUR;
    for (let t = floorTo(start, step); t < end; t += step) out.push(t);
    return out;
  }
  for (let t = start; t < end; ) {
    const b = periodBounds(PERIOD[bucket], tz, t);
    out.push(b.start.getTime());
    t = b.end.getTime();
  }
  return out;
}

/** Rollup pieces for a bucketed read: every output bucket is cut on its own, then merged. */
export function bucketedSegments(bucket: Bucket, tz: string, start: number, end: number): Segment[] {
  if (bucket === "minute") return rangeSegments(start, end, "minute"); // edges rounded up, like every other read
  if (bucket === "hour") return rangeSegments(start, end, "hour");
  const starts = bucketStarts(bucket, tz, start, end);
  const segs: Segment[] = [];
  starts.forEach((b, i) => {
    const next = starts[i + 1] ?? end;
    segs.push(...rangeSegments(Math.max(b, start), Math.min(next, end)));
  });
  return mergeSegments(segs);
}
