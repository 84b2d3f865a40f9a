import { prisma } from "@/server/db";
import { usdToMicros } from "@/lib/money";
import type { Provider } from "@/generated/prisma/enums";
import { OPENAI_PRICES } from "../openai-prices";
import type { Price } from "../price";

/**
 * The price catalog as the ingest hot path sees it: an in-memory map per process,
 * refreshed every CATALOG_TTL_MS, so pricing an event never costs a query.
 * Layers, first match wins: the org's PriceOverride → model_prices rows (OpenRouter sync,
 * the synced OpenAI table) → the OpenAI table shipped in code (so OpenAI models are priced
 * even before the first sync).
 */
const CATALOG_TTL_MS = 60_000;
const OVERRIDES_TTL_MS = 30_000;

type PriceMap = Map<string, Price>;
const keyOf = (provider: Provider, model: string) => `${provider}\u0000${model.toLowerCase()}`;

const shipped: PriceMap = new Map(
  Object.entries(OPENAI_PRICES).map(([model, p]) => [
    keyOf("openai", model),
    {
      promptPerMTok: usdToMicros(p.input),
      completionPerMTok: usdToMicros(p.output),
      cacheReadPerMTok: p.cached === null ? null : usdToMicros(p.cached),
      cacheWritePerMTok: null,
      reasoningPerMTok: null,
      perRequest: 0n,
    },
  ]),
);

type Cached = { map: PriceMap; at: number };
const state = globalThis as unknown as {
  tgPriceCatalog?: Cached;
  tgPriceCatalogLoading?: Promise<Cached>;
  tgPriceOverrides?: Map<string, Cached>;
};
const overrideCache = (state.tgPriceOverrides ??= new Map());

function toPrice(r: Price): Price {
  return {
    promptPerMTok: r.promptPerMTok,
    completionPerMTok: r.completionPerMTok,
    cacheReadPerMTok: r.cacheReadPerMTok,
    cacheWritePerMTok: r.cacheWritePerMTok,
    reasoningPerMTok: r.reasoningPerMTok,
    perRequest: r.perRequest,
  };
}

async function loadCatalog(): Promise<Cached> {
  const rows = await prisma.modelPrice.findMany();
  const map: PriceMap = new Map();
  for (const r of rows) map.set(keyOf(r.provider, r.model), toPrice(r));
  return { map, at: Date.now() };
}

async function catalog(): Promise<PriceMap> {
  const c = state.tgPriceCatalog;
  if (c && Date.now() - c.at < CATALOG_TTL_MS) return c.map;
  if (!state.tgPriceCatalogLoading) {
    const loading = loadCatalog()
      .then((loaded) => (state.tgPriceCatalog = loaded))
      .finally(() => (state.tgPriceCatalogLoading = undefined));
    // A background refresh nobody awaits (a stale catalog is served meanwhile) must not
    // become an unhandled rejection, which would end the worker: log it, retry next call.
    loading.catch((e: Error) => console.warn("[pricing] catalog refresh failed; serving the previous one", e.message));
    state.tgPriceCatalogLoading = loading;
  }
  // A stale catalog keeps serving while a refresh is in flight; the first load waits.
  if (c) return c.map;
  return (await state.tgPriceCatalogLoading).map;
}

async function overridesFor(orgId: string): Promise<PriceMap> {
  const c = overrideCache.get(orgId);
  if (c && Date.now() - c.at < OVERRIDES_TTL_MS) return c.map;
  const rows = await prisma.priceOverride.findMany({ where: { orgId } });
  const map: PriceMap = new Map();
  for (const r of rows) map.set(keyOf(r.provider, r.model), toPrice(r));
  overrideCache.set(orgId, { map, at: Date.now() });
  return map;
}

/** Forget cached prices (after a sync or an override change in this process). */
export function invalidatePrices(orgId?: string) {
  if (orgId) overrideCache.delete(orgId);
  else {
    state.tgPriceCatalog = undefined;
    overrideCache.clear();
  }
}

/**
 * Names to try for a model, most specific first:
 * exact → without a dated snapshot suffix ("gpt-4o-2024-08-06" → "gpt-4o", "gpt-4-0613")
 * → for OpenRouter without a ":variant" ("…:nitro") → the OpenAI list price for
 * "openai/<model>" (OpenRouter passes OpenAI's prices through) and vice versa.
 */
export function candidateModels(provider: Provider, model: string): [Provider, string][] {
  const out: [Provider, string][] = [];
  const push = (p: Provider, m: string) => {
    if (m && !out.some(([q, n]) => q === p && n === m)) out.push([p, m]);
  };
  const undated = (m: string) => m.replace(/-\d{4}-\d{2}-\d{2}$/, "").replace(/-(0[1-9]|1[0-2])\d{2}$/, "");
  push(provider, model);
  if (provider === "openrouter") {
    const base = model.split(":")[0]!;
    push("openrouter", base);
    push("openrouter", undated(base));
    if (base.startsWith("openai/")) {
      push("openai", base.slice(7));
      push("openai", undated(base.slice(7)));
    }
  } else {
    const bare = model.startsWith("openai/") ? model.slice(7) : model;
    push("openai", bare);
    push("openai", undated(bare));
  }
  return out;
}

export type PriceLookup = (orgId: string, provider: Provider, model: string) => Price | null;

/** Loads (or reuses) what pricing these orgs' events needs; the returned lookup is synchronous. */
export async function getPriceLookup(orgIds: Iterable<string>): Promise<PriceLookup> {
  const cat = await catalog();
  const ov = new Map<string, PriceMap>();
  for (const orgId of new Set(orgIds)) ov.set(orgId, await overridesFor(orgId));
  const memo = new Map<string, Price | null>();
  return (orgId, provider, model) => {
    const memoKey = `${orgId}\u0000${provider}\u0000${model}`;
    const hit = memo.get(memoKey);
    if (hit !== undefined) return hit;
    const names = candidateModels(provider, model);
    const orgMap = ov.get(orgId);
    let price: Price | null = null;
    for (const layer of [orgMap, cat, shipped]) {
      if (!layer || layer.size === 0) continue;
      for (const [p, m] of names) {
        const found = layer.get(keyOf(p, m));
        if (found) {
          price = found;
          break;
        }
      }
      if (price) break;
    }
    memo.set(memoKey, price);
    return price;
  };
}
