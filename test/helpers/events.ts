import type { NormalizedEvent } from "@/features/ingest/types";
import { uniq } from "./factory";

/**
 * A normalized usage event as the writers take it: a plain successful OpenAI gpt-4o push of 10
 * input and 1 output token at 5 micro-USD, now, with every optional attribute empty. Tests name
 * only what they vary.
 */
export function normalizedEvent(orgId: string, workspaceId: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    orgId,
    workspaceId,
    externalId: uniq("e"),
    source: "push",
    provider: "openai",
    model: "gpt-4o",
    projectTagId: null,
    memberId: null,
    endUser: null,
    providerKeyId: null,
    apiKeyRef: null,
    service: null,
    language: null,
    occurredAt: new Date(),
    inputTokens: 10,
    outputTokens: 1,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    requests: 1,
    costMicros: 5n,
    latencyMs: null,
    status: 200,
    errorType: null,
    errorMessage: null,
    generationId: null,
    metadata: null,
    ...over,
  };
}
