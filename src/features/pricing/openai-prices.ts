/**
 * OpenAI list prices (Standard tier, text tokens), USD per 1M tokens.
 * Source: https://platform.openai.com/docs/pricing and https://openai.com/api/pricing/
 * (checked when this table was written; update it when OpenAI changes a price — the
 * nightly pricing.sync writes this table into `model_prices`, per-org overrides win).
 *
 * `cached` is the cached-input (cache read) rate. OpenAI's prompt caching is automatic and
 * has no separate cache-write charge, so cache writes are billed at the input rate (null).
 * Reasoning tokens are billed as output tokens (null = the output rate).
 * Dated snapshots fall back to their base model (see catalog.ts) unless listed here.
 */
export type OpenAiListPrice = { input: string; cached: string | null; output: string };

export const OPENAI_PRICES: Record<string, OpenAiListPrice> = {
  "gpt-5.2": { input: "1.75", cached: "0.175", output: "14.00" },
  "gpt-5.1": { input: "1.25", cached: "0.125", output: "10.00" },
  "gpt-5": { input: "1.25", cached: "0.125", output: "10.00" },
  "gpt-5-mini": { input: "0.25", cached: "0.025", output: "2.00" },
  "gpt-5-nano": { input: "0.05", cached: "0.005", output: "0.40" },
  "gpt-5-codex": { input: "1.25", cached: "0.125", output: "10.00" },
  "gpt-5-pro": { input: "15.00", cached: null, output: "120.00" },
  "gpt-4.1": { input: "2.00", cached: "0.50", output: "8.00" },
  "gpt-4.1-mini": { input: "0.40", cached: "0.10", output: "1.60" },
  "gpt-4.1-nano": { input: "0.10", cached: "0.025", output: "0.40" },
  "gpt-4o": { input: "2.50", cached: "1.25", output: "10.00" },
  "gpt-4o-2024-05-13": { input: "5.00", cached: null, output: "15.00" },
  "gpt-4o-mini": { input: "0.15", cached: "0.075", output: "0.60" },
  "chatgpt-4o-latest": { input: "5.00", cached: null, output: "15.00" },
  o1: { input: "15.00", cached: "7.50", output: "60.00" },
  "o1-mini": { input: "1.10", cached: "0.55", output: "4.40" },
  "o1-pro": { input: "150.00", cached: null, output: "600.00" },
  o3: { input: "2.00", cached: "0.50", output: "8.00" },
  "o3-mini": { input: "1.10", cached: "0.55", output: "4.40" },
  "o3-pro": { input: "20.00", cached: null, output: "80.00" },
  "o4-mini": { input: "1.10", cached: "0.275", output: "4.40" },
  "codex-mini-latest": { input: "1.50", cached: "0.375", output: "6.00" },
  "gpt-4-turbo": { input: "10.00", cached: null, output: "30.00" },
  "gpt-4": { input: "30.00", cached: null, output: "60.00" },
  "gpt-3.5-turbo": { input: "0.50", cached: null, output: "1.50" },
  "text-embedding-3-small": { input: "0.02", cached: null, output: "0" },
  "text-embedding-3-large": { input: "0.13", cached: null, output: "0" },
  "text-embedding-ada-002": { input: "0.10", cached: null, output: "0" },
};
