import { describe, expect, it } from "vitest";
import { formatPercent } from "./percent";

describe("formatPercent", () => {
  it("shows a negative share that rounds to zero without a minus sign (no -0.00 %)", () => {
    expect(formatPercent(-0.0001, 2)).toBe("0.00 %");
    expect(formatPercent(-0.004, 2)).toBe("0.00 %");
    expect(formatPercent(-0.005, 2)).toBe("-0.01 %");
    expect(formatPercent(-0, 1)).toBe("0.0 %");
  });
  it("rounds half away from zero at the given decimals and signs on request", () => {
    expect(formatPercent(388.3049, 2)).toBe("388.30 %");
    expect(formatPercent(6.545, 2)).toBe("6.55 %");
    expect(formatPercent(-6.545, 2)).toBe("-6.55 %");
    expect(formatPercent(12.34, 1, { sign: true })).toBe("+12.3 %");
    expect(formatPercent(-0.01, 1, { sign: true })).toBe("0.0 %");
    expect(formatPercent(-1.25, 1, { sign: true })).toBe("-1.3 %");
  });
});
