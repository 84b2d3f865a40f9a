import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { usdToMicros } from "@/lib/money";
import { costToMicros } from "./cost";

describe("costToMicros", () => {
  it("agrees with usdToMicros on examples, short decimals and the rounding cases it defers", () => {
    for (const v of ["0", "0.1", "0.000123", "123456789.999999", "1.5", "0.0000005", "0.00000049", "12.3456789", "1234567890.1", 0.1, 1e-7, 2.5]) {
      expect(costToMicros(v)).toBe(usdToMicros(v));
    }
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,10}(\.\d{1,9})?$/), (s) => {
        expect(costToMicros(s)).toBe(usdToMicros(s));
      }),
    );
  });
});
