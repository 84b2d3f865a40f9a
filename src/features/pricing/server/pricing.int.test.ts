import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { syncOpenAiPriceTable, syncOpenRouterPrices } from "./sync";
import { deletePriceOverride, setPriceOverride } from "./overrides";

function event(orgId: string, workspaceId: string, extra: Partial<NormalizedEvent>): NormalizedEvent {
  return {
    orgId, workspaceId, externalId: uniq("e"), source: "push", provider: "openrouter", model: "x", projectTagId: null, memberId: null,
    endUser: null, providerKeyId: null, apiKeyRef: null, service: null, language: null, occurredAt: new Date(), inputTokens: 0,
    outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1, costMicros: null, latencyMs: null,
    status: 200, errorType: null, errorMessage: null, generationId: null, metadata: null, ...extra,
  };
}

async function costOf(workspaceId: string, externalId: string) {
  const e = await prisma.usageEvent.findFirstOrThrow({ where: { workspaceId, externalId } });
  return { costMicros: e.costMicros, costSource: e.costSource };
}

describe("pricing on the write path", () => {
  it("prices synced OpenRouter models with cached and reasoning rates, each token once", async () => {
    const { org, workspace } = await createOrg();
    const model = `${uniq("vendor")}/thinker`;
    const n = await syncOpenRouterPrices([
      {
        id: model,
        pricing: { prompt: "0.000002", completion: "0.000008", input_cache_read: "0.0000005", input_cache_write: "0.0000025", internal_reasoning: "0.000012", request: "0.0001" },
      },
    ]);
    expect(n).toBe(1);
    const ev = event(org.id, workspace.id, { model, inputTokens: 10_000, cachedTokens: 4_000, cacheWriteTokens: 1_000, outputTokens: 3_000, reasoningTokens: 1_000 });
    await writeUsageEvents([ev]);
    // 5,000 × $2/M = 10,000 µ$; 4,000 × $0.5/M = 2,000; 1,000 × $2.5/M = 2,500;
    // 2,000 × $8/M = 16,000; 1,000 reasoning × $12/M = 12,000; + $0.0001/request = 100  → 42,600 µ$
    expect(await costOf(workspace.id, ev.externalId)).toEqual({ costMicros: 42_600n, costSource: "estimate" });
    await prisma.modelPrice.deleteMany({ where: { provider: "openrouter", model } });
  });

  it("lets the provider-reported cost win and marks unpriced models unknown", async () => {
    const { org, workspace } = await createOrg();
    const reported = event(org.id, workspace.id, { provider: "openai", model: "gpt-4o", inputTokens: 1_000_000, costMicros: 123n });
    const unknown = event(org.id, workspace.id, { provider: "openai", model: uniq("no-such-model"), inputTokens: 1_000 });
    const snapshot = event(org.id, workspace.id, { provider: "openai", model: "gpt-4o-2024-08-06", inputTokens: 1_000, cachedTokens: 1_000 });
    await writeUsageEvents([reported, unknown, snapshot]);
    expect(await costOf(workspace.id, reported.externalId)).toEqual({ costMicros: 123n, costSource: "provider" });
    expect(await costOf(workspace.id, unknown.externalId)).toEqual({ costMicros: 0n, costSource: "unknown" });
    // Dated snapshot → gpt-4o's cached-input rate, $1.25/M
    expect(await costOf(workspace.id, snapshot.externalId)).toEqual({ costMicros: 1_250n, costSource: "estimate" });
  });

  it("applies an org's price override over the catalog, for that org only", async () => {
    const a = await createOrg();
    const b = await createOrg();
    await syncOpenAiPriceTable();
    const row = await setPriceOverride(a.ctx, { provider: "openai", model: "gpt-4o-mini", prompt: "1.00", completion: "2.00" });
    const ea = event(a.org.id, a.workspace.id, { provider: "openai", model: "gpt-4o-mini", inputTokens: 1_000, outputTokens: 1_000 });
    const eb = event(b.org.id, b.workspace.id, { provider: "openai", model: "gpt-4o-mini", inputTokens: 1_000, outputTokens: 1_000 });
    await writeUsageEvents([ea, eb]);
    expect((await costOf(a.workspace.id, ea.externalId)).costMicros).toBe(3_000n); // 1000×$1/M + 1000×$2/M
    expect((await costOf(b.workspace.id, eb.externalId)).costMicros).toBe(750n); // 1000×$0.15/M + 1000×$0.60/M
    await deletePriceOverride(a.ctx, row.id);
    const ea2 = event(a.org.id, a.workspace.id, { provider: "openai", model: "gpt-4o-mini", inputTokens: 1_000, outputTokens: 1_000 });
    await writeUsageEvents([ea2]);
    expect((await costOf(a.workspace.id, ea2.externalId)).costMicros).toBe(750n);
  });
});
