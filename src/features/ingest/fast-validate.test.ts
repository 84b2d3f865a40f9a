import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fastParsePushBatch } from "./fast-validate";
import { PushBatch, PushEvent } from "./schemas";

// Each field: usually absent or valid, sometimes an edge case or a wrong type, so whole
// events are often valid (exercising acceptance) and every boundary is still hit.
const anyJson = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.constant({}), fc.constant([]));
const field = <T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<unknown>) =>
  fc.option(fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 30 }, { arbitrary: edge, weight: 1 }, { arbitrary: anyJson, weight: 1 }), { nil: undefined, freq: 2 });
const okStr = (max: number) => fc.oneof(fc.string({ minLength: 1, maxLength: Math.min(max, 12) }), fc.constantFrom(" padded ", "ünï🚀", "x".repeat(max), ` ${"y".repeat(max)} `));
const badStr = (max: number) => fc.constantFrom("", " ", "\t", "x".repeat(max + 1));
const okCount = fc.oneof(fc.nat({ max: 100_000 }), fc.constantFrom(0, 2_147_483_647, -0));
const badCount = fc.constantFrom(-1, 2_147_483_648, 1.5, Number.MAX_SAFE_INTEGER + 2, "5");
const okTimestamp = fc.oneof(
  fc.date({ min: new Date("1999-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom("2028-02-29T10:00:00+05:30", "2026-01-01T00:00:00.123456789-23:59", "2026-01-01T00:00:00Z"),
);
const badTimestamp = fc.constantFrom("2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00Z", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+24:00");
const okCost = fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constantFrom("0.0012", " 1.5 ", "0", "1234567890.5", 1e9));
const badCost = fc.constantFrom("1e-3", "-1", "12345678901", "1.", -0.5, 1e9 + 1, Number.NaN);
const okProject = fc.constantFrom("search", "Search-API", " checkout ", "x".repeat(48), "a1-b2");
const badProject = fc.constantFrom("a--b", "-a", "a_b", "x".repeat(49), "", "has space");
const okMetadata = fc.dictionary(fc.string({ maxLength: 64 }).filter((k) => k !== "__proto__"), fc.string({ maxLength: 40 }), { maxKeys: 16 });
const badMetadata = fc.oneof(
  fc.constant(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]))),
  fc.constant({ ["k".repeat(65)]: "v" }),
  fc.constant({ k: "v".repeat(513) }),
  fc.constant({ k: 5 }),
  fc.constant(JSON.parse('{"__proto__": "x"}') as unknown),
);

const event = fc.record(
  {
    id: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 128 }), weight: 20 }, { arbitrary: fc.constantFrom("", "x".repeat(129)), weight: 1 }),
    timestamp: fc.oneof({ arbitrary: okTimestamp, weight: 20 }, { arbitrary: badTimestamp, weight: 1 }),
    provider: fc.oneof({ arbitrary: fc.constantFrom("openai", "openrouter"), weight: 20 }, { arbitrary: fc.constantFrom("anthropic", "OpenAI"), weight: 1 }),
    model: fc.oneof({ arbitrary: okStr(200), weight: 20 }, { arbitrary: badStr(200), weight: 1 }),
    project: field(okProject, badProject),
    user: field(okStr(256), badStr(256)),
    api_key: field(okStr(256), badStr(256)),
    service: field(okStr(128), badStr(128)),
    language: field(okStr(64), badStr(64)),
    input_tokens: field(okCount, badCount),
    output_tokens: field(okCount, badCount),
    cached_tokens: field(okCount, badCount),
    cache_write_tokens: field(okCount, badCount),
    reasoning_tokens: field(okCount, badCount),
    cost_usd: field(okCost, badCost),
    latency_ms: field(okCount, badCount),
    status: field(fc.integer({ min: 100, max: 599 }), fc.constantFrom(99, 600, 200.5)),
    error: field(
      fc.record({ type: fc.option(fc.string({ maxLength: 128 }), { nil: undefined }), message: fc.option(fc.string({ maxLength: 60 }), { nil: undefined }), other: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: [] }),
      fc.constantFrom({ type: "x".repeat(129) }, { message: 5 }, "oops"),
    ),
    generation_id: field(okStr(128), badStr(128)),
    metadata: field(okMetadata, badMetadata),
    extra_field: fc.option(fc.string(), { nil: undefined }),
  },
  { requiredKeys: ["id", "timestamp", "provider", "model"] },
);

const wellFormed = fc.record({
  id: fc.string({ minLength: 1, maxLength: 128 }),
  timestamp: fc.date({ min: new Date("2000-01-01"), max: new Date("2099-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
  provider: fc.constantFrom("openai", "openrouter"),
  model: fc.constantFrom("gpt-4o", "openai/gpt-4o-mini"),
  input_tokens: fc.nat({ max: 100_000 }),
  output_tokens: fc.nat({ max: 100_000 }),
  cost_usd: fc.constantFrom("0.0012", 0.5),
});

/** JSON round trip: the push API only ever sees what JSON.parse produces. */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

const FIELDS = Object.keys(PushEvent.shape);
const ERROR_FIELDS = ["type", "message"];
/** The fast path returns the (normalised) input objects; compare what zod would output. */
function known(batch: { events: unknown[] }) {
  return {
    events: batch.events.map((e) => {
      const out: Record<string, unknown> = {};
      for (const k of FIELDS) if (k in (e as object)) out[k] = (e as Record<string, unknown>)[k];
      if (out.error && typeof out.error === "object") out.error = Object.fromEntries(Object.entries(out.error).filter(([k]) => ERROR_FIELDS.includes(k)));
      return out;
    }),
  };
}

describe("fastParsePushBatch", () => {
  it("never accepts what zod rejects, and returns exactly zod's output when it accepts", () => {
    let accepted = 0;
    let zodAccepted = 0;
    fc.assert(
      fc.property(fc.array(event, { minLength: 0, maxLength: 2 }), (events) => {
        const input = asJson({ events });
        const slow = PushBatch.safeParse(structuredClone(input));
        const fast = fastParsePushBatch(input);
        if (slow.success) zodAccepted++;
        if (fast !== null) {
          accepted++;
          expect(slow.success).toBe(true);
          expect(known(fast)).toEqual(slow.data);
        } else {
          // Giving up halfway must not change zod's verdict on the (partly normalised) input.
          expect(PushBatch.safeParse(input).success).toBe(slow.success);
        }
      }),
      { numRuns: 3000 },
    );
    // The generator must exercise the accepting branch, not only rejections.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThanOrEqual(zodAccepted);
  }, 30_000); // 3,000 generated batches through zod: seconds on a loaded 2-core machine

  it("handles ordinary well-formed batches itself", () => {
    fc.assert(
      fc.property(fc.array(wellFormed, { minLength: 1, maxLength: 20 }), (events) => {
        const input = asJson({ events });
        const slow = PushBatch.parse(structuredClone(input));
        const fast = fastParsePushBatch(input);
        expect(fast).not.toBeNull();
        expect(known(fast!)).toEqual(slow);
      }),
      { numRuns: 500 },
    );
  });

  it("leaves batch-level problems to zod", () => {
    expect(fastParsePushBatch({ events: [] })).toBeNull();
    expect(fastParsePushBatch({})).toBeNull();
    expect(fastParsePushBatch([])).toBeNull();
  });
});
