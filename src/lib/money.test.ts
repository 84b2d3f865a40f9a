import { describe, expect, it } from "vitest";
import { formatUsd, microsToDecimalString, priceTokens, usdToMicros } from "./money";

describe("money", () => {
  it("parses decimal strings and numbers exactly", () => {
    expect(usdToMicros("0.1")).toBe(100_000n);
    expect(usdToMicros(0.1)).toBe(100_000n);
    expect(usdToMicros("12.3456785")).toBe(12_345_679n); // half-up at the 7th decimal
    expect(usdToMicros(1e-7)).toBe(0n);
    expect(usdToMicros(5e-7)).toBe(1n);
    expect(usdToMicros("-2")).toBe(-2_000_000n);
    expect(usdToMicros(1.5e21)).toBe(1_500_000_000_000_000_000_000_000_000n);
    expect(() => usdToMicros("abc")).toThrow(/Not a decimal/);
  });
  it("formats", () => {
    expect(microsToDecimalString(1_234_567n)).toBe("1.234567");
    expect(microsToDecimalString(-5n)).toBe("-0.000005");
    expect(formatUsd(1_234_567_890n)).toBe("$1,234.57");
    expect(formatUsd(4_999n)).toBe("$0.00");
    expect(formatUsd(5_000n)).toBe("$0.01");
  });
  it("prices tokens at per-million rates with half-up rounding", () => {
    // $3 / 1M tokens × 1234 tokens = $0.003702
    expect(priceTokens(1234, 3_000_000n)).toBe(3702n);
    // $0.075 / 1M × 10 tokens = 0.75 micro → 1
    expect(priceTokens(10, 75_000n)).toBe(1n);
  });
  it("shows a negative amount that rounds to zero without a minus sign (no -$0.00)", () => {
    expect(formatUsd(-4_999n)).toBe("$0.00");
    expect(formatUsd(-1n)).toBe("$0.00");
    expect(formatUsd(-5_000n)).toBe("-$0.01");
    expect(formatUsd(-49n, { cents: false })).toBe("$0.0000");
    expect(formatUsd(-50n, { cents: false })).toBe("-$0.0001");
  });
});
