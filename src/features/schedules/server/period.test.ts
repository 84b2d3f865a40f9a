import { describe, expect, it } from "vitest";
import { duePeriod, localInstant, previousPeriod } from "./period";

const at = (iso: string) => new Date(iso);

describe("which period a schedule owes", () => {
  it("daily at 08:00 Berlin: yesterday's report from 08:00 local, nothing before", () => {
    expect(duePeriod("daily", "Europe/Berlin", 8, at("2026-12-01T06:59:00Z"))).toBeNull();
    const due = duePeriod("daily", "Europe/Berlin", 8, at("2026-12-01T07:00:00Z"))!;
    expect(due.start.toISOString()).toBe("2026-11-29T23:00:00.000Z");
    expect(due.end.toISOString()).toBe("2026-11-30T23:00:00.000Z");
    expect(due.sendAt.toISOString()).toBe("2026-12-01T07:00:00.000Z");
  });

  it("weekly: the previous Monday–Sunday, sent on Monday", () => {
    const due = duePeriod("weekly", "UTC", 9, at("2026-12-09T12:00:00Z"))!; // a Wednesday
    expect(due.start.toISOString()).toBe("2026-11-30T00:00:00.000Z"); // Monday
    expect(due.end.toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(due.sendAt.toISOString()).toBe("2026-12-07T09:00:00.000Z");
  });

  it("monthly across the DST change: March in New York is 31 local days, sent April 1st at 06:00 EDT", () => {
    const due = duePeriod("monthly", "America/New_York", 6, at("2026-04-02T00:00:00Z"))!;
    expect(due.start.toISOString()).toBe("2026-03-01T05:00:00.000Z");
    expect(due.end.toISOString()).toBe("2026-04-01T04:00:00.000Z");
    expect(due.sendAt.toISOString()).toBe("2026-04-01T10:00:00.000Z");
    const prev = previousPeriod("monthly", "America/New_York", due);
    expect(prev.start.toISOString()).toBe("2026-02-01T05:00:00.000Z");
  });

  it("a send hour in a DST gap goes out at the first valid instant after it", () => {
    // 2026-03-08 02:00 does not exist in New York; 03:00 EDT = 07:00Z.
    expect(localInstant("America/New_York", 2026, 3, 8, 2).getTime()).toBeGreaterThanOrEqual(at("2026-03-08T06:00:00Z").getTime());
    expect(localInstant("America/New_York", 2026, 3, 8, 2).getTime()).toBeLessThanOrEqual(at("2026-03-08T07:00:00Z").getTime());
    expect(localInstant("Asia/Kolkata", 2026, 6, 1, 8).toISOString()).toBe("2026-06-01T02:30:00.000Z");
  });
});
