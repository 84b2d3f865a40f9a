import type { Processor } from "../registry";
import { runPricingSync } from "@/features/pricing/server/run-sync";

/** pricing.sync (nightly): OpenAI list-price table + OpenRouter /models into model_prices. */
export const pricingSync: Processor<"pricing.sync"> = async () => runPricingSync();
