import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { zeroMetrics } from "./reconcile-math";
import { spreadDayFill, splitLargestRemainder } from "./spread-fill";

const DAY0 = new Date("2026-11-01T00:00:00.000Z");
const at = (h: number, m = 0) => new Date(DAY0.getTime() + h * 3_600_000 + m * 60_000);
const cell = (keyRef: string, model: string, costMicros: bigint, requests = 0n, inputTokens = 0n) => ({ keyRef, model, projectRef: "", metrics: { ...zeroMetrics(), costMicros, requests, inputTokens } });

describe("a completed day's activity fill spread over the key's reading minutes", () => {
  it("splits in integers whose parts sum exactly to the value, largest remainder first", () => {
    expect(splitLargestRemainder(10n, [1n, 1n, 1n])).toEqual([4n, 3n, 3n]);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 1, maxLength: 30 }), (v, ws) => {
        const parts = splitLargestRemainder(v, ws);
        expect(parts.reduce((s, p) => s + p, 0n)).toBe(v);
        const total = ws.reduce((s, w) => s + w, 0n);
        parts.forEach((p, i) => expect(p * total - v * ws[i]! <= total && v * ws[i]! - p * total <= total).toBe(true));
      }),
    );
  });

  it("puts a key's fill where its readings were, every metric of every model summing exactly to the cell", () => {
    const readings = new Map([["k", [{ at: at(3, 5), cost: 1_000n }, { at: at(14, 0), cost: 3_000n }]]]);
    const parts = spreadDayFill(DAY0, [cell("k", "m1", 3_001n, 7n, 1_000_001n), cell("k", "m2", 999n, 3n, 5n)], readings);
    expect(new Set(parts.map((p) => p.at.getTime()))).toEqual(new Set([at(3, 5).getTime(), at(14, 0).getTime()]));
    for (const m of ["m1", "m2"]) {
      const ps = parts.filter((p) => p.model === m);
      const src = m === "m1" ? cell("k", "m1", 3_001n, 7n, 1_000_001n) : cell("k", "m2", 999n, 3n, 5n);
      expect(ps.reduce((s, p) => s + p.metrics.costMicros!, 0n)).toBe(src.metrics.costMicros);
      expect(ps.reduce((s, p) => s + p.metrics.requests, 0n)).toBe(src.metrics.requests);
      expect(ps.reduce((s, p) => s + p.metrics.inputTokens, 0n)).toBe(src.metrics.inputTokens);
    }
  });

  it("a fill smaller than the readings sits on the latest minutes, as the reading fills did", () => {
    const readings = new Map([["k", [{ at: at(1), cost: 500n }, { at: at(20), cost: 500n }]]]);
    const parts = spreadDayFill(DAY0, [cell("k", "m1", 400n)], readings);
    expect(parts.map((p) => [p.at.getTime(), p.metrics.costMicros])).toEqual([[at(20).getTime(), 400n]]);
  });

  it("keyless cells and keys without readings land at 12:00 UTC", () => {
    const parts = spreadDayFill(DAY0, [cell("", "m1", 5n), cell("kx", "m1", 7n)], new Map([["other", [{ at: at(2), cost: 1n }]]]));
    expect(parts.map((p) => p.at.getTime())).toEqual([at(12).getTime(), at(12).getTime()]);
  });
});
