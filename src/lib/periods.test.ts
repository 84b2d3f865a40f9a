import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  describePeriod,
  elapsedFraction,
  localParts,
  nextPeriodBounds,
  offsetMs,
  periodBounds,
  startOfLocalDay,
  timeLeftMs,
  type Period,
} from "./periods";

// Zones with DST (north and south), half-hour DST (Lord Howe), :30 and :45 offsets,
// and zones whose DST change skips or repeats midnight (Santiago, Havana, Asuncion).
const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "America/St_Johns",
  "Australia/Adelaide",
  "Pacific/Kiritimati",
  "Pacific/Pago_Pago",
  "America/Santiago",
  "America/Havana",
  "America/Asuncion",
];
// Zones whose transitions never touch midnight: there the start must be exactly 00:00:00.
const MIDNIGHT_SAFE = new Set(ZONES.filter((z) => !["America/Santiago", "America/Havana", "America/Asuncion"].includes(z)));

const PERIODS: Exclude<Period, "lifetime">[] = ["daily", "weekly", "monthly"];

/** Instants where the offset changes in `tz` during [from, to), found hour by hour then bisected. */
function transitions(tz: string, from: number, to: number): number[] {
  const out: number[] = [];
  const H = 3_600_000;
  for (let t = from; t < to; t += H) {
    if (offsetMs(tz, t) !== offsetMs(tz, t + H)) {
      let lo = t;
      let hi = t + H;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetMs(tz, mid) === offsetMs(tz, t)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
  }
  return out;
}

const RANGE_FROM = Date.UTC(2024, 0, 1);
const RANGE_TO = Date.UTC(2027, 0, 1);
const TRANSITIONS = ZONES.flatMap((tz) => transitions(tz, RANGE_FROM, RANGE_TO).map((t) => ({ tz, t })));

// Instants anywhere in 2024–2026, and instants within ±30 h of a DST transition.
const anyInstant = fc.integer({ min: RANGE_FROM, max: RANGE_TO });
const nearTransition = fc
  .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -30 * 3_600_000, max: 30 * 3_600_000 }))
  .map(([{ tz, t }, d]) => ({ tz, at: t + d }));
const zoneAndInstant = fc.oneof(fc.tuple(fc.constantFrom(...ZONES), anyInstant).map(([tz, at]) => ({ tz, at })), nearTransition);

function localDay(tz: string, t: number) {
  const p = localParts(tz, t);
  return Date.UTC(p.year, p.month - 1, p.day);
}

describe("periodBounds (property-based)", () => {
  it("finds DST transitions in the zones that have them", () => {
    for (const tz of ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham"]) {
      expect(TRANSITIONS.filter((x) => x.tz === tz).length).toBeGreaterThanOrEqual(6);
    }
    expect(TRANSITIONS.filter((x) => x.tz === "Asia/Kathmandu")).toHaveLength(0);
  });

  it("contains the instant, starts at local midnight on the right weekday/day, and tiles", () => {
    fc.assert(
      fc.property(zoneAndInstant, fc.constantFrom(...PERIODS), ({ tz, at }, period) => {
        const { start, end } = periodBounds(period, tz, at);
        const s = start.getTime();
        const e = end.getTime();
        expect(s).toBeLessThanOrEqual(at);
        expect(at).toBeLessThan(e);
        // The start is the first instant of its local day.
        expect(localDay(tz, s - 1)).toBeLessThan(localDay(tz, s));
        const p = localParts(tz, s);
        if (MIDNIGHT_SAFE.has(tz)) expect([p.hour, p.minute, p.second]).toEqual([0, 0, 0]);
        if (period === "weekly") expect(new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay()).toBe(1);
        if (period === "monthly") expect(p.day).toBe(1);
        // Tiling: the next period starts exactly where this one ends; the previous ends at start.
        expect(periodBounds(period, tz, e).start.getTime()).toBe(e);
        expect(periodBounds(period, tz, s - 1).end.getTime()).toBe(s);
        expect(nextPeriodBounds(period, tz, at).start.getTime()).toBe(e);
      }),
      { numRuns: 1500 },
    );
  });

  it("daily periods last 23, 24 or 25 hours (24 ± DST shift), weeks and months accordingly", () => {
    fc.assert(
      fc.property(zoneAndInstant, ({ tz, at }) => {
        const d = periodBounds("daily", tz, at);
        const hours = (d.end.getTime() - d.start.getTime()) / 3_600_000;
        expect(hours).toBeGreaterThanOrEqual(23);
        expect(hours).toBeLessThanOrEqual(25);
        const w = periodBounds("weekly", tz, at);
        const wh = (w.end.getTime() - w.start.getTime()) / 3_600_000;
        expect(Math.abs(wh - 168)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 800 },
    );
  });

  it("time left and elapsed fraction are consistent with the bounds", () => {
    fc.assert(
      fc.property(zoneAndInstant, fc.constantFrom(...PERIODS), ({ tz, at }, period) => {
        const { start, end } = periodBounds(period, tz, at);
        expect(timeLeftMs(period, tz, at)).toBe(end.getTime() - at);
        const f = elapsedFraction(period, tz, at)!;
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThan(1);
        expect(f).toBeCloseTo((at - start.getTime()) / (end.getTime() - start.getTime()), 12);
      }),
      { numRuns: 400 },
    );
  });
});

describe("periodBounds (known cases)", () => {
  it("New York spring-forward day has 23 hours, fall-back day 25", () => {
    const spring = periodBounds("daily", "America/New_York", Date.parse("2026-03-08T12:00:00Z"));
    expect(spring.start.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(spring.end.toISOString()).toBe("2026-03-09T04:00:00.000Z");
    const fall = periodBounds("daily", "America/New_York", Date.parse("2026-11-01T12:00:00Z"));
    expect(fall.end.getTime() - fall.start.getTime()).toBe(25 * 3_600_000);
  });

  it("weeks start on Monday in the org's zone", () => {
    // Sunday 2026-11-22 23:30 in Kolkata is still the week of Mon 2026-11-16.
    const w = periodBounds("weekly", "Asia/Kolkata", Date.parse("2026-11-22T18:00:00Z"));
    expect(w.start.toISOString()).toBe("2026-11-15T18:30:00.000Z");
    expect(w.end.toISOString()).toBe("2026-11-22T18:30:00.000Z");
    expect(describePeriod("weekly", "Asia/Kolkata", Date.parse("2026-11-22T18:00:00Z"))).toBe("week of Mon 2026-11-16");
  });

  it(":45 offsets: Kathmandu and Chatham months", () => {
    const m = periodBounds("monthly", "Asia/Kathmandu", Date.parse("2026-02-10T00:00:00Z"));
    expect(m.start.toISOString()).toBe("2026-01-31T18:15:00.000Z");
    expect(m.end.toISOString()).toBe("2026-02-28T18:15:00.000Z");
    const c = periodBounds("monthly", "Pacific/Chatham", Date.parse("2026-04-15T00:00:00Z"));
    // April 1st 00:00 is still DST (+13:45) in Chatham; May 1st is +12:45.
    expect(c.start.toISOString()).toBe("2026-03-31T10:15:00.000Z");
    expect(c.end.toISOString()).toBe("2026-04-30T11:15:00.000Z");
  });

  it("a day whose midnight is skipped starts when the clock jumps (Santiago, Sep 2026)", () => {
    // Chile springs forward at 24:00 → 01:00 on the first Sunday of September.
    const d = startOfLocalDay("America/Santiago", 2026, 9, 6);
    const p = localParts("America/Santiago", d);
    expect([p.day, p.hour, p.minute]).toEqual([6, 1, 0]);
  });

  it("lifetime has no end and no elapsed fraction", () => {
    const l = periodBounds("lifetime", "UTC", Date.now());
    expect(l.start.getTime()).toBe(0);
    expect(l.end.getTime()).toBeGreaterThan(Date.now());
    expect(elapsedFraction("lifetime", "UTC", Date.now())).toBeNull();
    expect(timeLeftMs("lifetime", "UTC", Date.now())).toBeNull();
  });
});
