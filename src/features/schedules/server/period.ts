import { localParts, offsetMs, periodBounds, type Bounds } from "@/lib/periods";

export type Frequency = "daily" | "weekly" | "monthly";

/** The instant whose wall clock in `tz` is (y, m, d, hour:00); on a DST gap, the first valid instant after it. */
export function localInstant(tz: string, y: number, m: number, d: number, hour: number): Date {
  const wall = Date.UTC(y, m - 1, d, hour);
  let t = wall - offsetMs(tz, wall);
  t = wall - offsetMs(tz, t); // second pass settles the offset on DST-change days
  return new Date(t);
}

/**
 * The report a schedule owes at `now`: the last complete period (yesterday, last Monday–Sunday,
 * last month, in the org's time zone), due from `hour` o'clock local on the first day of the
 * current period. Null while the current period's send hour has not come yet (the previous
 * period's report was due, and claimed, at the previous send time).
 */
export function duePeriod(frequency: Frequency, tz: string, hour: number, now: Date): (Bounds & { sendAt: Date }) | null {
  const current = periodBounds(frequency, tz, now);
  const p = localParts(tz, current.start);
  const sendAt = localInstant(tz, p.year, p.month, p.day, hour);
  if (now.getTime() < sendAt.getTime()) return null;
  const prev = periodBounds(frequency, tz, current.start.getTime() - 1);
  return { start: prev.start, end: prev.end, sendAt };
}

/** The same-length period before `b` (for "change vs previous period"). */
export function previousPeriod(frequency: Frequency, tz: string, b: Bounds): Bounds {
  return periodBounds(frequency, tz, b.start.getTime() - 1);
}

export function runDedupeKey(scheduleId: string, periodStart: Date): string {
  return `${scheduleId}:${periodStart.toISOString()}`;
}
