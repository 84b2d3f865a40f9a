import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { runPricingSync } from "./run-sync";

describe("pricing.sync against the fake OpenRouter", () => {
  let fake: FakeOpenRouter;
  let before: Set<string>;
  const key = (r: { provider: string; model: string }) => `${r.provider}:${r.model}`;
  beforeAll(async () => {
    fake = await startFakeOpenRouter({ host: "127.0.0.1" });
    before = new Set((await prisma.modelPrice.findMany({ select: { provider: true, model: true } })).map(key));
  });
  afterAll(async () => {
    await fake.close();
    // The catalog is global: remove the fake's OpenRouter prices this test added, so other
    // test files never price against them. (The OpenAI rows equal the shipped table.)
    const added = (await prisma.modelPrice.findMany({ where: { source: "openrouter-models" } })).filter((r) => !before.has(key(r)));
    await prisma.modelPrice.deleteMany({ where: { id: { in: added.map((r) => r.id) } } });
  });

  it("writes OpenRouter /models prices exactly (id and canonical slug) and the OpenAI table", async () => {
    const res = await runPricingSync({ openRouterBaseUrl: fake.url });
    expect(res.models).toBe(fake.state.models.length);
    const sonnet = await prisma.modelPrice.findUniqueOrThrow({ where: { provider_model: { provider: "openrouter", model: "anthropic/claude-sonnet-4" } } });
    expect(sonnet).toMatchObject({ promptPerMTok: 3_000_000n, completionPerMTok: 15_000_000n, cacheReadPerMTok: 300_000n, cacheWritePerMTok: 3_750_000n, source: "openrouter-models" });
    const mini = await prisma.modelPrice.findUniqueOrThrow({ where: { provider_model: { provider: "openrouter", model: "openai/gpt-4o-mini-2024-07-18" } } });
    expect(mini).toMatchObject({ promptPerMTok: 150_000n, completionPerMTok: 600_000n, cacheReadPerMTok: 75_000n });
    const gpt41 = await prisma.modelPrice.findUniqueOrThrow({ where: { provider_model: { provider: "openai", model: "gpt-4.1" } } });
    expect(gpt41).toMatchObject({ promptPerMTok: 2_000_000n, cacheReadPerMTok: 500_000n, completionPerMTok: 8_000_000n, source: "openai-table" });
    // Running again is an idempotent upsert.
    await runPricingSync({ openRouterBaseUrl: fake.url });
    expect(await prisma.modelPrice.count({ where: { provider: "openrouter", model: "anthropic/claude-sonnet-4" } })).toBe(1);
  });
});
