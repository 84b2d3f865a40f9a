import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { INT8_MAX, MAX_EVENT_COST_MICROS, MAX_SAFE_EVENTS_PER_SECOND, costWithinBound, wholeDigits } from "./limits";
import { MAX_EVENTS_PER_BATCH, PushEvent } from "./schemas";
import { usdToMicros } from "@/lib/money";

describe("the per-event cost bound", () => {
  it("keeps the widest rollup row (one day at the capped ingest rate, every event at the bound) below int8", () => {
    const worstDay = BigInt(MAX_SAFE_EVENTS_PER_SECOND) * 86_400n * MAX_EVENT_COST_MICROS;
    expect(worstDay < INT8_MAX).toBe(true);
    expect(BigInt(MAX_EVENTS_PER_BATCH) * MAX_EVENT_COST_MICROS < INT8_MAX).toBe(true);
    // ...and it is far above any real request ($90 for o1-pro at its full context).
    expect(MAX_EVENT_COST_MICROS > usdToMicros("90") * 10n).toBe(true);
  });

  it("accepts exactly up to $1,000 after rounding to the micro-dollar, as a number or a string", () => {
    for (const ok of [0, 0.0012, 999.9999994, 1000, "1000", "1000.0000004", "0999.5", "12.5"]) expect(costWithinBound(ok), String(ok)).toBe(true);
    for (const bad of [1000.000001, "1000.0000005", "1000.01", "9999999999", 1e9, "00001001"]) expect(costWithinBound(bad), String(bad)).toBe(false);
  });

  it("counts the digits before the point as split-and-strip would, for decimal and arbitrary strings", () => {
    const reference = (v: string) => v.trim().split(".")[0]!.replace(/^0+(?=\d)/, "").length;
    const decimal = fc
      .tuple(fc.stringMatching(/^[ \t]{0,2}$/), fc.stringMatching(/^0{0,3}\d{0,12}$/), fc.option(fc.stringMatching(/^\.\d{0,8}$/)), fc.stringMatching(/^[ \n]{0,2}$/))
      .map(([a, w, f, b]) => a + w + (f ?? "") + b);
    fc.assert(fc.property(fc.oneof(decimal, fc.string(), fc.string({ unit: "grapheme" })), (v) => wholeDigits(v) === reference(v)), { numRuns: 5000, seed: 20261202 });
    expect([wholeDigits("0012.5"), wholeDigits("000"), wholeDigits(" 0.3 "), wholeDigits("\u00a0999.5")]).toEqual([2, 1, 1, 3]);
  });

  it("the push schema names the field when the bound is exceeded", () => {
    const base = { id: "e1", timestamp: "2026-01-01T00:00:00Z", provider: "openai", model: "gpt-4o" };
    for (const cost_usd of ["9999999999", 1e9, 1000.5]) {
      const r = PushEvent.safeParse({ ...base, cost_usd });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]).toMatchObject({ path: ["cost_usd"], message: expect.stringMatching(/per-event bound of \$1,000/) });
    }
    expect(PushEvent.safeParse({ ...base, cost_usd: "1000" }).success).toBe(true);
  });
});
