// Budget periods aligned to the calendar of an IANA time zone, using only Intl.DateTimeFormat.
//
// A period is a half-open interval [start, end) of UTC instants. `start` is the first instant
// whose local date (in `tz`) is the period's first day: local midnight, or, in the rare zones
// whose DST change skips midnight (e.g. America/Santiago), the instant the clock jumps past it.
// Defining boundaries as "first instant whose local date is ≥ D" makes consecutive periods
// tile with no gap or overlap whatever the offset (:30/:45 zones) and across 23/25-hour days.

export type Period = "daily" | "weekly" | "monthly" | "lifetime";
export type Bounds = { start: Date; end: Date };

/** Lifetime budgets start at the epoch and never end (a far-future sentinel). */
export const LIFETIME_START = new Date(0);
export const LIFETIME_END = new Date(Date.UTC(9999, 11, 31));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  return f;
}

export type LocalParts = { year: number; month: number; day: number; hour: number; minute: number; second: number };

/** Wall-clock fields of `at` in `tz` (month 1–12). */
export function localParts(tz: string, at: Date | number): LocalParts {
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatter(tz).formatToParts(at)) {
    if (p.type in out) out[p.type as keyof LocalParts] = Number(p.value);
  }
  return out;
}

/** True if `tz` is an IANA zone this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** UTC offset of `tz` at instant `t`, in ms (local = utc + offset). */
export function offsetMs(tz: string, t: number): number {
  const p = localParts(tz, t);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (t - (((t % 1000) + 1000) % 1000));
}

/** A calendar date as a comparable day number (days since 1970-01-01, proleptic Gregorian). */
function dayNumber(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY);
}

function localDayNumber(tz: string, t: number): number {
  const p = localParts(tz, t);
  return dayNumber(p.year, p.month, p.day);
}

/**
 * First instant whose local date in `tz` is ≥ the given date (y, m 1–12, d; out-of-range
 * days/months normalise like Date.UTC). Fast path: local midnight via the offsets around it;
 * otherwise (midnight skipped by a DST jump) a binary search to the millisecond.
 */
export function startOfLocalDay(tz: string, year: number, month: number, day: number): Date {
  const wall = Date.UTC(year, month - 1, day);
  const target = Math.floor(wall / DAY);
  const candidates = new Set<number>();
  for (const probe of [wall - DAY, wall, wall + DAY]) candidates.add(wall - offsetMs(tz, probe));
  let best: number | null = null;
  for (const t of candidates) {
    const p = localParts(tz, t);
    const isMidnight = dayNumber(p.year, p.month, p.day) === target && p.hour === 0 && p.minute === 0 && p.second === 0;
    // Must also be the first such instant: one ms earlier is still the previous day.
    if (isMidnight && localDayNumber(tz, t - 1) < target && (best === null || t < best)) best = t;
  }
  if (best !== null) return new Date(best);
  // Offsets lie within [-12h, +14h]: lo is surely before the day, hi surely inside it.
  let lo = wall - 15 * HOUR;
  let hi = wall + 13 * HOUR;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDayNumber(tz, mid) >= target) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The calendar date (in tz) that starts the period containing local date (y, m, d). */
function periodStartDate(period: Exclude<Period, "lifetime">, y: number, m: number, d: number): [number, number, number] {
  if (period === "daily") return [y, m, d];
  if (period === "monthly") return [y, m, 1];
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  const back = (dow + 6) % 7; // weeks start on Monday
  const s = new Date(Date.UTC(y, m - 1, d - back));
  return [s.getUTCFullYear(), s.getUTCMonth() + 1, s.getUTCDate()];
}

function nextStartDate(period: Exclude<Period, "lifetime">, [y, m, d]: [number, number, number], step = 1): [number, number, number] {
  const n =
    period === "daily"
      ? new Date(Date.UTC(y, m - 1, d + step))
      : period === "weekly"
        ? new Date(Date.UTC(y, m - 1, d + 7 * step))
        : new Date(Date.UTC(y, m - 1 + step, 1));
  return [n.getUTCFullYear(), n.getUTCMonth() + 1, n.getUTCDate()];
}

// The last bounds computed per (period, zone): evaluations ask for the same period many times
// a second, and the Intl calls behind a boundary are the expensive part.
const lastBounds = new Map<string, { start: number; end: number }>();

/** The period of kind `period` in zone `tz` that contains instant `at`: start ≤ at < end. */
export function periodBounds(period: Period, tz: string, at: Date | number): Bounds {
  if (period === "lifetime") return { start: LIFETIME_START, end: LIFETIME_END };
  const t = typeof at === "number" ? at : at.getTime();
  const cacheKey = `${period}|${tz}`;
  const hit = lastBounds.get(cacheKey);
  if (hit && hit.start <= t && t < hit.end) return { start: new Date(hit.start), end: new Date(hit.end) };
  const b = computeBounds(period, tz, t);
  if (lastBounds.size > 5_000) lastBounds.clear();
  lastBounds.set(cacheKey, { start: b.start.getTime(), end: b.end.getTime() });
  return b;
}

function computeBounds(period: Exclude<Period, "lifetime">, tz: string, t: number): Bounds {
  const p = localParts(tz, t);
  let startDate = periodStartDate(period, p.year, p.month, p.day);
  let start = startOfLocalDay(tz, ...startDate).getTime();
  let endDate = nextStartDate(period, startDate);
  let end = startOfLocalDay(tz, ...endDate).getTime();
  // Only in zones whose clocks fall back across midnight can `at`'s local date lag its period;
  // step until the interval contains `at` (at most once or twice).
  for (let i = 0; i < 4 && end <= t; i++) {
    startDate = endDate;
    start = end;
    endDate = nextStartDate(period, startDate);
    end = startOfLocalDay(tz, ...endDate).getTime();
  }
  for (let i = 0; i < 4 && start > t; i++) {
    endDate = startDate;
    end = start;
    startDate = nextStartDate(period, startDate, -1);
    start = startOfLocalDay(tz, ...startDate).getTime();
  }
  return { start: new Date(start), end: new Date(end) };
}

/** Bounds of the period right after the one containing `at` (when a budget resets). */
export function nextPeriodBounds(period: Period, tz: string, at: Date | number): Bounds {
  const { end } = periodBounds(period, tz, at);
  return periodBounds(period, tz, end);
}

/** Milliseconds until the period containing `at` ends; null for lifetime. */
export function timeLeftMs(period: Period, tz: string, at: Date | number): number | null {
  if (period === "lifetime") return null;
  const t = typeof at === "number" ? at : at.getTime();
  return periodBounds(period, tz, t).end.getTime() - t;
}

/** Fraction of the period elapsed at `at`, in [0, 1); null for lifetime. */
export function elapsedFraction(period: Period, tz: string, at: Date | number): number | null {
  if (period === "lifetime") return null;
  const t = typeof at === "number" ? at : at.getTime();
  const { start, end } = periodBounds(period, tz, t);
  return (t - start.getTime()) / (end.getTime() - start.getTime());
}

/** "2026-11-22" in `tz`: a stable per-local-day key (e.g. for once-a-day alerts). */
export function localDateKey(tz: string, at: Date | number): string {
  const p = localParts(tz, at);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

/** "3 d 4 h", "5 h 12 min", "42 min": a short human duration. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min`;
}

/** A readable label of the period containing `at`, e.g. "week of Mon 2026-11-16". */
export function describePeriod(period: Period, tz: string, at: Date | number): string {
  if (period === "lifetime") return "lifetime";
  const { start } = periodBounds(period, tz, at);
  const key = localDateKey(tz, start);
  if (period === "daily") return `day ${key}`;
  if (period === "weekly") return `week of Mon ${key}`;
  return `month ${key.slice(0, 7)}`;
}
