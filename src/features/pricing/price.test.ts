import { describe, expect, it } from "vitest";
import { estimateCostMicros, resolveCost, usdPerTokenToMicrosPerMTok, usdToMicrosOrNull, type Price } from "./price";
import { candidateModels } from "./server/catalog";
import { openRouterPriceRows } from "./server/sync";

const M = 1_000_000n; // $1 per 1M tokens in micro-USD per 1M tokens

const gpt4o: Price = { promptPerMTok: 2_500_000n, completionPerMTok: 10n * M, cacheReadPerMTok: 1_250_000n, cacheWritePerMTok: null, reasoningPerMTok: null, perRequest: 0n };
const zero = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1 };

describe("estimateCostMicros", () => {
  it("prices cached input at the cache-read rate and not also at the prompt rate", () => {
    // 600 uncached × $2.50/M = 1500 µ$; 400 cached × $1.25/M = 500 µ$; 500 out × $10/M = 5000 µ$
    expect(estimateCostMicros({ ...zero, inputTokens: 1000, cachedTokens: 400, outputTokens: 500 }, gpt4o)).toBe(7000n);
    // Without caching the same tokens cost 2500 + 5000.
    expect(estimateCostMicros({ ...zero, inputTokens: 1000, outputTokens: 500 }, gpt4o)).toBe(7500n);
  });

  it("prices reasoning tokens once: at the reasoning rate when there is one, else as completion", () => {
    // output 500 includes 200 reasoning tokens: without a reasoning rate it is 500 × $10/M.
    expect(estimateCostMicros({ ...zero, outputTokens: 500, reasoningTokens: 200 }, gpt4o)).toBe(5000n);
    const withReasoning = { ...gpt4o, reasoningPerMTok: 20n * M };
    // 300 × $10/M + 200 × $20/M = 3000 + 4000
    expect(estimateCostMicros({ ...zero, outputTokens: 500, reasoningTokens: 200 }, withReasoning)).toBe(7000n);
  });

  it("prices cache writes at the cache-write rate (Anthropic-style via OpenRouter)", () => {
    const claude: Price = { promptPerMTok: 3n * M, completionPerMTok: 15n * M, cacheReadPerMTok: 300_000n, cacheWritePerMTok: 3_750_000n, reasoningPerMTok: null, perRequest: 0n };
    // input 10,000 = 2,000 uncached + 6,000 cache reads + 2,000 cache writes
    // 2000×3 + 6000×0.3 + 2000×3.75 = 6000 + 1800 + 7500 µ$; 100 out × $15/M = 1500 µ$
    expect(estimateCostMicros({ ...zero, inputTokens: 10_000, cachedTokens: 6000, cacheWriteTokens: 2000, outputTokens: 100 }, claude)).toBe(16_800n);
  });

  it("falls back to the prompt rate when a model has no cache-read price", () => {
    const noCache = { ...gpt4o, cacheReadPerMTok: null };
    expect(estimateCostMicros({ ...zero, inputTokens: 1000, cachedTokens: 400 }, noCache)).toBe(2500n);
  });

  it("rounds once, half-up, after summing in pico-USD", () => {
    const mini: Price = { promptPerMTok: 150_000n, completionPerMTok: 600_000n, cacheReadPerMTok: 75_000n, cacheWritePerMTok: null, reasoningPerMTok: null, perRequest: 0n };
    // 102 × 0.15 + 10 × 0.6 = 15.3 + 6 = 21.3 µ$ → 21
    expect(estimateCostMicros({ ...zero, inputTokens: 102, outputTokens: 10 }, mini)).toBe(21n);
    // 3 cached × 0.075 + 3 × 0.15 = 0.675 → 1 (per-term rounding would give 0 + 0)
    expect(estimateCostMicros({ ...zero, inputTokens: 6, cachedTokens: 3 }, mini)).toBe(1n);
  });

  it("clamps contradictory counts so nothing is priced twice", () => {
    // cached > input: all 100 input tokens are cache reads
    expect(estimateCostMicros({ ...zero, inputTokens: 100, cachedTokens: 500 }, gpt4o)).toBe(125n);
    // reasoning > output: all output tokens are reasoning (completion rate here)
    expect(estimateCostMicros({ ...zero, outputTokens: 100, reasoningTokens: 900 }, gpt4o)).toBe(1000n);
  });

  it("adds the per-request price per request", () => {
    expect(estimateCostMicros({ ...zero, requests: 3 }, { ...gpt4o, perRequest: 5000n })).toBe(15_000n);
  });
});

describe("resolveCost", () => {
  const ev = { ...zero, inputTokens: 1000, outputTokens: 500 };
  it("uses the provider-reported cost when there is one, even if a price exists", () => {
    expect(resolveCost({ ...ev, costMicros: 42n }, gpt4o)).toEqual({ costMicros: 42n, costSource: "provider" });
    expect(resolveCost({ ...ev, costMicros: 0n }, gpt4o)).toEqual({ costMicros: 0n, costSource: "provider" });
  });
  it("estimates when the provider reported none, and marks unknown models", () => {
    expect(resolveCost({ ...ev, costMicros: null }, gpt4o)).toEqual({ costMicros: 7500n, costSource: "estimate" });
    expect(resolveCost({ ...ev, costMicros: null }, null)).toEqual({ costMicros: 0n, costSource: "unknown" });
  });
});

describe("USD-per-token strings → micro-USD per 1M tokens", () => {
  it("converts exactly, without floats", () => {
    expect(usdPerTokenToMicrosPerMTok("0.0000025")).toBe(2_500_000n);
    expect(usdPerTokenToMicrosPerMTok("0.00000015")).toBe(150_000n);
    expect(usdPerTokenToMicrosPerMTok("0.000000075")).toBe(75_000n);
    expect(usdPerTokenToMicrosPerMTok("0.00003")).toBe(30_000_000n);
    expect(usdPerTokenToMicrosPerMTok("0")).toBe(0n);
    expect(usdPerTokenToMicrosPerMTok("1e-7")).toBe(100_000n);
    expect(usdPerTokenToMicrosPerMTok("0.0000000000005")).toBe(1n); // half-up at the 12th decimal
    expect(usdPerTokenToMicrosPerMTok("0.0000000000004")).toBe(0n);
    expect(usdPerTokenToMicrosPerMTok("0.000000333333333333")).toBe(333_333n);
  });
  it("rejects negative (variable-price routers) and malformed values", () => {
    expect(usdPerTokenToMicrosPerMTok("-1")).toBeNull();
    expect(usdPerTokenToMicrosPerMTok("abc")).toBeNull();
    expect(usdPerTokenToMicrosPerMTok("")).toBeNull();
    expect(usdPerTokenToMicrosPerMTok(undefined)).toBeNull();
  });
  it("converts per-request USD to micro-USD", () => {
    expect(usdToMicrosOrNull("0.005")).toBe(5000n);
    expect(usdToMicrosOrNull("0")).toBe(0n);
  });
});

describe("openRouterPriceRows", () => {
  it("maps pricing keys, applies discounts and skips routers with negative prices", () => {
    const rows = openRouterPriceRows([
      {
        id: "anthropic/claude-sonnet-4",
        canonical_slug: "anthropic/claude-4-sonnet-20250522",
        pricing: { prompt: "0.000003", completion: "0.000015", input_cache_read: "0.0000003", input_cache_write: "0.00000375", internal_reasoning: "0", request: "0" },
      },
      { id: "openrouter/auto", pricing: { prompt: "-1", completion: "-1" } },
      { id: "x/discounted", pricing: { prompt: "0.000002", completion: "0.000004", discount: 0.25 } },
    ]);
    expect(rows.map((r) => r.model)).toEqual(["anthropic/claude-sonnet-4", "anthropic/claude-4-sonnet-20250522", "x/discounted"]);
    expect(rows[0]).toMatchObject({ prompt: 3_000_000n, completion: 15_000_000n, cacheRead: 300_000n, cacheWrite: 3_750_000n, reasoning: null, perRequest: 0n });
    expect(rows[2]).toMatchObject({ prompt: 1_500_000n, completion: 3_000_000n });
  });
});

describe("candidateModels", () => {
  it("tries exact, undated, variant-less and OpenAI list names", () => {
    expect(candidateModels("openai", "gpt-4o-2024-08-06")).toEqual([["openai", "gpt-4o-2024-08-06"], ["openai", "gpt-4o"]]);
    expect(candidateModels("openai", "gpt-4-0613")).toEqual([["openai", "gpt-4-0613"], ["openai", "gpt-4"]]);
    expect(candidateModels("openrouter", "openai/gpt-4o-mini:nitro")).toEqual([
      ["openrouter", "openai/gpt-4o-mini:nitro"],
      ["openrouter", "openai/gpt-4o-mini"],
      ["openai", "gpt-4o-mini"],
    ]);
  });
});
