import { z } from "zod";

// Browser-safe: the price override form and its server action share these.
const usdPerM = (what: string) =>
  z.string().trim().regex(/^\d{1,7}(\.\d{1,6})?$/, `${what}: USD per 1M tokens, e.g. 2.50 (up to 6 decimals)`);

export const PriceOverrideInput = z.object({
  provider: z.enum(["openrouter", "openai"], { error: 'provider must be "openrouter" or "openai"' }),
  model: z.string().trim().min(1, "Enter the model id").max(200),
  prompt: usdPerM("Prompt price"),
  completion: usdPerM("Completion price"),
  cacheRead: usdPerM("Cache read price").nullish(),
  cacheWrite: usdPerM("Cache write price").nullish(),
  reasoning: usdPerM("Reasoning price").nullish(),
  perRequest: z.string().trim().regex(/^\d{1,4}(\.\d{1,6})?$/, "Per-request price: USD, e.g. 0.005").nullish(),
});
export type PriceOverrideInput = z.infer<typeof PriceOverrideInput>;
