import { pool } from "@/server/db";
import { usdToMicros } from "@/lib/money";
import { OPENAI_PRICES } from "../openai-prices";
import { usdPerTokenToMicrosPerMTok, usdToMicrosOrNull } from "../price";
import { invalidatePrices } from "./catalog";

/** The part of an OpenRouter `/models` entry pricing needs (reference openrouter-api §9). */
export type OpenRouterModelPricing = {
  id: string;
  canonical_slug?: string | null;
  pricing?: {
    prompt?: string | number | null;
    completion?: string | number | null;
    request?: string | number | null;
    input_cache_read?: string | number | null;
    input_cache_write?: string | number | null;
    internal_reasoning?: string | number | null;
    discount?: number | string | null;
  } | null;
};

type Row = {
  provider: "openrouter" | "openai";
  model: string;
  prompt: bigint;
  completion: bigint;
  cacheRead: bigint | null;
  cacheWrite: bigint | null;
  reasoning: bigint | null;
  perRequest: bigint;
  source: string;
};

/**
 * OpenRouter prices are strings in USD per token; stored as micro-USD per 1M tokens
 * (×10¹²) with exact string math. A `discount` fraction is applied as price × (1 − d).
 * Models without a usable prompt/completion price (routers priced "-1") are skipped.
 * Both `id` and `canonical_slug` are stored: responses may name either.
 */
export function openRouterPriceRows(models: OpenRouterModelPricing[]): Row[] {
  const rows: Row[] = [];
  for (const m of models) {
    const p = m.pricing;
    if (!p || typeof m.id !== "string" || m.id.length === 0 || m.id.length > 200) continue;
    const prompt = usdPerTokenToMicrosPerMTok(p.prompt);
    const completion = usdPerTokenToMicrosPerMTok(p.completion);
    if (prompt === null || completion === null) continue;
    const factor = discountFactor(p.discount);
    const d = (v: bigint | null) => (v === null ? null : applyDiscount(v, factor));
    const positive = (v: bigint | null) => (v !== null && v > 0n ? v : null);
    const base = {
      provider: "openrouter" as const,
      prompt: d(prompt)!,
      completion: d(completion)!,
      cacheRead: d(usdPerTokenToMicrosPerMTok(p.input_cache_read)),
      cacheWrite: d(usdPerTokenToMicrosPerMTok(p.input_cache_write)),
      // "0" means "no separate reasoning price" in practice: fall back to the completion rate.
      reasoning: d(positive(usdPerTokenToMicrosPerMTok(p.internal_reasoning))),
      perRequest: d(usdToMicrosOrNull(p.request)) ?? 0n,
      source: "openrouter-models",
    };
    rows.push({ ...base, model: m.id });
    if (m.canonical_slug && m.canonical_slug !== m.id && m.canonical_slug.length <= 200) rows.push({ ...base, model: m.canonical_slug });
  }
  return rows;
}

/** Discount as an exact fraction over 10⁹ (a JSON number such as 0.25). */
function discountFactor(discount: number | string | null | undefined): bigint {
  if (discount === null || discount === undefined) return 0n;
  const scaled = usdToMicrosOrNull(typeof discount === "number" ? discount : discount.trim());
  if (scaled === null || scaled <= 0n || scaled >= 1_000_000n) return 0n;
  return scaled; // parts per million
}

function applyDiscount(v: bigint, ppm: bigint): bigint {
  if (ppm === 0n) return v;
  return (v * (1_000_000n - ppm) + 500_000n) / 1_000_000n;
}

export function openAiPriceRows(): Row[] {
  return Object.entries(OPENAI_PRICES).map(([model, p]) => ({
    provider: "openai",
    model,
    prompt: usdToMicros(p.input),
    completion: usdToMicros(p.output),
    cacheRead: p.cached === null ? null : usdToMicros(p.cached),
    cacheWrite: null,
    reasoning: null,
    perRequest: 0n,
    source: "openai-table",
  }));
}

async function upsertRows(rows: Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  // Last row wins for a repeated (provider, model) — ON CONFLICT can't touch a row twice.
  const unique = [...new Map(rows.map((r) => [`${r.provider}\u0000${r.model}`, r])).values()];
  const s = (v: bigint | null) => (v === null ? null : v.toString());
  const { rowCount } = await pool.query(
    `INSERT INTO model_prices (id, provider, model, "promptPerMTok", "completionPerMTok", "cacheReadPerMTok",
       "cacheWritePerMTok", "reasoningPerMTok", "perRequest", source, "updatedAt")
     SELECT 'mp_' || md5(p || ':' || m), p::"Provider", m, pr, co, cr, cw, re, rq, src, now()
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[])
         AS t(p, m, pr, co, cr, cw, re, rq, src)
      ORDER BY p, m
     ON CONFLICT (provider, model) DO UPDATE SET "promptPerMTok" = EXCLUDED."promptPerMTok",
       "completionPerMTok" = EXCLUDED."completionPerMTok", "cacheReadPerMTok" = EXCLUDED."cacheReadPerMTok",
       "cacheWritePerMTok" = EXCLUDED."cacheWritePerMTok", "reasoningPerMTok" = EXCLUDED."reasoningPerMTok",
       "perRequest" = EXCLUDED."perRequest", source = EXCLUDED.source, "updatedAt" = now()`,
    [
      unique.map((r) => r.provider),
      unique.map((r) => r.model),
      unique.map((r) => r.prompt.toString()),
      unique.map((r) => r.completion.toString()),
      unique.map((r) => s(r.cacheRead)),
      unique.map((r) => s(r.cacheWrite)),
      unique.map((r) => s(r.reasoning)),
      unique.map((r) => r.perRequest.toString()),
      unique.map((r) => r.source),
    ],
  );
  invalidatePrices();
  return rowCount ?? 0;
}

/** Upserts the catalog from a parsed OpenRouter `/models` list. Returns rows written. */
export async function syncOpenRouterPrices(models: OpenRouterModelPricing[]): Promise<number> {
  return upsertRows(openRouterPriceRows(models));
}

/** Writes the shipped OpenAI list-price table into the catalog. */
export async function syncOpenAiPriceTable(): Promise<number> {
  return upsertRows(openAiPriceRows());
}
