import { usdToMicros } from "@/lib/money";

const SHORT_DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/**
 * `usdToMicros` with a fast path for the common shape of a pushed `cost_usd` ("0.000123":
 * up to 9 integer and 6 decimal digits), which is exact in a double (< 2⁵³) and needs one
 * BigInt instead of several. Anything else (digits to round, JSON numbers) goes through
 * usdToMicros.
 */
export function costToMicros(value: string | number): bigint {
  if (typeof value === "string") {
    const m = SHORT_DECIMAL.exec(value);
    if (m) return BigInt(Number(m[1]) * 1_000_000 + (m[2] ? Number(m[2].padEnd(6, "0")) : 0));
  }
  return usdToMicros(value);
}
