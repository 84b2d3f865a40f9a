import { env } from "@/env";
import { OpenRouterClient } from "@/providers/openrouter/client";
import { syncOpenAiPriceTable, syncOpenRouterPrices } from "./sync";

/**
 * pricing.sync: the shipped OpenAI table, then OpenRouter's public `/models` list (no key
 * needed). The OpenAI table is written first so a failing OpenRouter fetch still leaves the
 * OpenAI prices current; the error is rethrown so the job retries with backoff.
 */
export async function runPricingSync(opts: { openRouterBaseUrl?: string } = {}) {
  const openai = await syncOpenAiPriceTable();
  const models = await new OpenRouterClient({ apiKey: "", baseUrl: opts.openRouterBaseUrl ?? env.OPENROUTER_BASE_URL }).listModels();
  const openrouter = await syncOpenRouterPrices(models);
  return { openai, openrouter, models: models.length };
}
