import { priceTokens } from "@/lib/money";

/**
 * A model's price: micro-USD per 1M tokens (= pico-USD per token, so sub-micro per-token
 * rates stay exact) and micro-USD per request. `null` rates mean "the model has no separate
 * rate": cache reads/writes then cost the prompt rate, reasoning the completion rate.
 */
export type Price = {
  promptPerMTok: bigint;
  completionPerMTok: bigint;
  cacheReadPerMTok: bigint | null;
  cacheWritePerMTok: bigint | null;
  reasoningPerMTok: bigint | null;
  perRequest: bigint;
};

export type CostInput = {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  requests: number;
};

/**
 * Estimated cost of one usage record in micro-USD. Token conventions (both providers):
 *
 * - `inputTokens` INCLUDES cached-read and cache-write tokens. OpenAI: `prompt_tokens`
 *   includes `prompt_tokens_details.cached_tokens` and the Usage API's `input_tokens` is
 *   "all input tokens including cached and cache-write" (reference openai-admin-api §2.3,
 *   §7.1). OpenRouter: `prompt_tokens` with `prompt_tokens_details.cached_tokens` /
 *   `cache_write_tokens` (reference openrouter-api §6.2). So the prompt rate applies only
 *   to `input − cached − cacheWrite`; cached tokens are priced at the cache-read rate and
 *   cache writes at the cache-write rate, never also at the prompt rate.
 * - `outputTokens` INCLUDES reasoning tokens. OpenAI bills reasoning tokens as output
 *   tokens inside `completion_tokens`; OpenRouter's ChatUsage example has
 *   completion_tokens 15 with reasoning_tokens 5 (§6.2). So reasoning tokens are priced at
 *   the reasoning rate (or the completion rate when the model has none) and the completion
 *   rate applies to `output − reasoning` only.
 * - Counts that contradict the convention (cached > input, reasoning > output) are clamped
 *   so a token is still never priced twice.
 *
 * All terms are summed in pico-USD and rounded half-up to micro-USD once.
 */
export function estimateCostMicros(event: CostInput, price: Price): bigint {
  const input = BigInt(Math.max(0, event.inputTokens));
  const output = BigInt(Math.max(0, event.outputTokens));
  const cached = min(BigInt(Math.max(0, event.cachedTokens)), input);
  const cacheWrite = min(BigInt(Math.max(0, event.cacheWriteTokens)), input - cached);
  const reasoning = min(BigInt(Math.max(0, event.reasoningTokens)), output);
  const uncached = input - cached - cacheWrite;
  const pico =
    uncached * price.promptPerMTok +
    cached * (price.cacheReadPerMTok ?? price.promptPerMTok) +
    cacheWrite * (price.cacheWritePerMTok ?? price.promptPerMTok) +
    (output - reasoning) * price.completionPerMTok +
    reasoning * (price.reasoningPerMTok ?? price.completionPerMTok);
  return priceTokens(pico, 1n) + BigInt(Math.max(0, event.requests)) * price.perRequest;
}

export type PricedCost = { costMicros: bigint; costSource: "provider" | "estimate" | "unknown" };

/** Provider-reported cost wins; otherwise estimate; no price → 0, marked unknown (still counted). */
export function resolveCost(event: CostInput & { costMicros: bigint | null }, price: Price | null): PricedCost {
  if (event.costMicros !== null) return { costMicros: event.costMicros, costSource: "provider" };
  if (!price) return { costMicros: 0n, costSource: "unknown" };
  return { costMicros: estimateCostMicros(event, price), costSource: "estimate" };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * "0.0000025" USD per token → micro-USD per 1M tokens (×10¹²), exactly, with string math.
 * Digits past the 12th decimal are rounded half-up. Returns null for negative or malformed
 * values (OpenRouter uses "-1" for routers whose price depends on the routed model).
 */
export function usdPerTokenToMicrosPerMTok(value: string | number | null | undefined): bigint | null {
  return scaleDecimal(value, 12);
}

/** "0.005" USD per request → micro-USD (×10⁶). */
export function usdToMicrosOrNull(value: string | number | null | undefined): bigint | null {
  return scaleDecimal(value, 6);
}

function scaleDecimal(value: string | number | null | undefined, places: number): bigint | null {
  if (value === null || value === undefined) return null;
  let s = typeof value === "number" ? (Number.isFinite(value) ? expandNumber(value) : "") : value.trim();
  if (s.startsWith("+")) s = s.slice(1);
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[1] === "" && !m[2])) return null;
  let intPart = m[1] || "0";
  let frac = m[2] ?? "";
  const exp = Number(m[3] ?? 0) + places;
  // Shift the decimal point `exp` places to the right.
  if (exp >= 0) {
    const take = frac.slice(0, exp).padEnd(exp, "0");
    intPart = intPart + take;
    frac = frac.slice(exp);
  } else {
    const digits = intPart.padStart(-exp + 1, "0");
    frac = digits.slice(digits.length + exp) + frac;
    intPart = digits.slice(0, digits.length + exp);
  }
  let out = BigInt(intPart || "0");
  if (frac.length > 0 && frac.charCodeAt(0) >= 53 /* '5' */) out += 1n;
  return out;
}

function expandNumber(n: number): string {
  if (n < 0) return "-";
  return String(n);
}
