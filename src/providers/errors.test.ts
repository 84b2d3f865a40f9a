import { describe, expect, it, vi } from "vitest";
import { backoffDelay, buildQuery, parseRetryAfter, ProviderError, withRetries } from "./errors";
import { validate } from "./json-schema";

describe("Retry-After", () => {
  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });
});

describe("withRetries", () => {
  const err = (status: number, retryAfterMs: number | null = null) => new ProviderError({ provider: "openai", status, message: `HTTP ${status}`, retryAfterMs });

  it("retries 429/5xx with exponential backoff, honouring Retry-After, up to maxRetries", async () => {
    const sleep = vi.fn(async (_ms: number) => {});
    const fn = vi.fn().mockRejectedValueOnce(err(429, 1500)).mockRejectedValueOnce(err(502)).mockResolvedValue("ok");
    await expect(withRetries(fn, { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000, sleep, random: () => 1 })).resolves.toBe("ok");
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([1500, 200]);
  });

  it("does not retry 4xx, nor a Retry-After longer than maxDelayMs, and stops after maxRetries", async () => {
    const sleep = vi.fn(async (_ms: number) => {});
    const opts = { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 1000, sleep };
    await expect(withRetries(() => Promise.reject(err(400)), opts)).rejects.toMatchObject({ status: 400 });
    await expect(withRetries(() => Promise.reject(err(429, 60_000)), opts)).rejects.toMatchObject({ retryAfterMs: 60_000 });
    expect(sleep).not.toHaveBeenCalled();
    const always = vi.fn(() => Promise.reject(err(500)));
    await expect(withRetries(always, opts)).rejects.toMatchObject({ status: 500 });
    expect(always).toHaveBeenCalledTimes(3);
  });

  it("jittered delays stay within [cap/2, cap] and the cap grows then saturates", () => {
    for (const r of [0, 0.3, 1]) {
      const d = backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 500, random: () => r });
      expect(d).toBeGreaterThanOrEqual(250);
      expect(d).toBeLessThanOrEqual(500);
    }
    expect(backoffDelay(0, { baseDelayMs: 100, maxDelayMs: 500, random: () => 1 })).toBe(100);
  });
});

describe("buildQuery", () => {
  it("skips undefined and encodes arrays in bracket form", () => {
    expect(buildQuery({ a: 1, b: undefined, group_by: ["model", "project_id"], t: true })).toBe("?a=1&group_by%5B%5D=model&group_by%5B%5D=project_id&t=true");
    expect(buildQuery({})).toBe("");
  });
});

describe("json-schema validator", () => {
  const doc = {
    components: {
      schemas: {
        Pet: { type: "object", properties: { id: { type: "integer" }, tag: { type: ["string", "null"] }, kind: { enum: ["cat", "dog"] } }, required: ["id"], additionalProperties: false },
        Either: { oneOf: [{ type: "object", properties: { k: { const: "a" } }, required: ["k"] }, { type: "object", properties: { k: { const: "b" } }, required: ["k"] }] },
      },
    },
  };
  const pet = { $ref: "#/components/schemas/Pet" };
  it("accepts valid values and rejects wrong types, missing required, extra properties, bad enums", () => {
    expect(validate(doc, pet, { id: 1, tag: null, kind: "cat" })).toEqual([]);
    expect(validate(doc, pet, { id: 1.5 })[0]).toMatchObject({ path: "$.id" });
    expect(validate(doc, pet, { tag: "x" })[0]?.message).toBe('missing required property "id"');
    expect(validate(doc, pet, { id: 1, extra: true })[0]?.message).toBe('unexpected property "extra"');
    expect(validate(doc, pet, { id: 1, kind: "cow" })).toHaveLength(1);
    expect(validate(doc, { type: "array", items: pet, minItems: 1 }, [])).toHaveLength(1);
  });
  it("oneOf needs exactly one match; anyOf at least one; nullable allows null", () => {
    const either = { $ref: "#/components/schemas/Either" };
    expect(validate(doc, either, { k: "a" })).toEqual([]);
    expect(validate(doc, either, { k: "c" })).toHaveLength(1);
    expect(validate(doc, { oneOf: [{ type: "number" }, { type: "integer" }] }, 3)[0]?.message).toMatch(/matches 2 of oneOf/);
    expect(validate(doc, { anyOf: [{ type: "string" }, { type: "null" }] }, 3)).toHaveLength(1);
    expect(validate(doc, { type: "string", nullable: true }, null)).toEqual([]);
  });
});
