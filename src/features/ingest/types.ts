import type { Provider, UsageSource } from "@/generated/prisma/enums";

/**
 * One usage record after validation and attribution, whatever it came from
 * (push API, OTLP, OpenRouter Broadcast, or a poller's reconciliation).
 * `costMicros: null` means the provider did not report a cost: the writer estimates it
 * from the price catalog. A reported cost always wins over the estimate.
 */
export type NormalizedEvent = {
  orgId: string;
  workspaceId: string;
  externalId: string;
  source: UsageSource;
  provider: Provider;
  model: string;
  projectTagId: string | null;
  memberId: string | null;
  endUser: string | null;
  providerKeyId: string | null;
  apiKeyRef: string | null;
  service: string | null;
  language: string | null;
  occurredAt: Date;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  requests: number;
  costMicros: bigint | null;
  latencyMs: number | null;
  status: number;
  errorType: string | null;
  errorMessage: string | null;
  generationId: string | null;
  metadata: Record<string, string> | null;
};

export type WriteResult = { inserted: number; duplicates: number };
