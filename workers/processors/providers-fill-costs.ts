import type { Processor } from "../registry";
import { fillGenerationCosts } from "@/features/providers/server/fill-costs";

/** usage.fill-costs: provider-reported cost for pushed OpenRouter events that came without one. */
export const providersFillCosts: Processor<"usage.fill-costs"> = async ({ orgId }) => fillGenerationCosts(orgId);
