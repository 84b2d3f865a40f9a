import type { NormalizedEvent } from "@/features/ingest/types";
import { createOrg, uniq } from "../../../../test/helpers/factory";

export type Org = Awaited<ReturnType<typeof createOrg>>;
export const MODELS = ["gpt-4o", "gpt-4o-mini", "anthropic/claude-sonnet-4"];

/**
 * The i-th event of a varied, deterministic stream for the usage reader's tests: both providers,
 * three models, tagged and untagged, a member on every fifth, two services, a language on most,
 * cached tokens, latencies spread over 1–5,000 ms and ~13 % 5xx / 429.
 */
export function usageEvent(o: Org, at: Date, i: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    orgId: o.org.id,
    workspaceId: o.workspace.id,
    externalId: uniq("ev"),
    source: "push",
    provider: i % 3 === 2 ? "openrouter" : "openai",
    model: MODELS[i % 3]!,
    projectTagId: i % 4 === 0 ? null : o.defaultTag.id,
    memberId: i % 5 === 0 ? o.owner.id : null,
    endUser: null,
    providerKeyId: null,
    apiKeyRef: null,
    service: i % 2 ? "checkout" : "search",
    language: i % 3 ? "python" : null,
    occurredAt: at,
    inputTokens: 100 + i,
    outputTokens: 10 + (i % 7),
    cachedTokens: i % 11,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    requests: 1,
    costMicros: BigInt(1000 + i * 37),
    latencyMs: 1 + ((i * 7919) % 5000),
    status: i % 13 === 0 ? 500 : i % 17 === 0 ? 429 : 200,
    errorType: null,
    errorMessage: null,
    generationId: null,
    metadata: null,
    ...over,
  };
}
