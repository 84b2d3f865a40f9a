import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import spec from "./reference/openapi.json";
import { ProviderAuthError, ProviderError } from "@/providers/errors";
import { OpenRouterClient } from "./client";
import { startFakeOpenRouter, type FakeOpenRouter } from "./fake";

type Spec = { paths: Record<string, Record<string, { responses: Record<string, { content?: { "application/json"?: { example?: unknown } } }> }>> };
/** OpenRouter's own example response for an operation, from the published OpenAPI document. */
const example = (path: string, method: string, status = "200") => (spec as unknown as Spec).paths[path]![method]!.responses[status]!.content!["application/json"]!.example;

/** A fetch that answers each request from a queue of canned responses and records what was asked. */
function cannedFetch(responses: { status?: number; body: unknown; headers?: Record<string, string> }[]) {
  const calls: { url: string; method: string; auth: string | null; body: unknown }[] = [];
  const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({ url: String(url), method: init?.method ?? "GET", auth: headers.get("authorization"), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const r = responses.shift() ?? { status: 500, body: { error: { code: 500, message: "no more canned responses" } } };
    return new Response(JSON.stringify(r.body), { status: r.status ?? 200, headers: { "content-type": "application/json", ...(r.headers ?? {}) } });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

const noSleep = vi.fn(async (_ms: number) => {});

describe("OpenRouterClient against OpenRouter's own example responses", () => {
  it("listKeys parses the spec example and sends the management key", async () => {
    const f = cannedFetch([{ body: example("/keys", "get") }]);
    const keys = await new OpenRouterClient({ apiKey: "mk", fetch: f.fetch }).listKeys({ includeDisabled: true });
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ hash: "f01d52606dc8f0a8303a7b5cc3fa07109c2e346cec7c0a16b40de462992ce943", limit: 100, limit_remaining: 74.5, limit_reset: "monthly", disabled: false, usage: 25.5 });
    expect(f.calls[0]).toMatchObject({ url: "https://openrouter.ai/api/v1/keys?include_disabled=true", method: "GET", auth: "Bearer mk" });
  });

  it("updateKey sends PATCH /keys/{hash} with the patch and parses the spec example", async () => {
    const f = cannedFetch([{ body: example("/keys/{hash}", "patch") }]);
    const key = await new OpenRouterClient({ apiKey: "mk", fetch: f.fetch }).updateKey("abc", { disabled: true });
    expect(f.calls[0]).toMatchObject({ url: "https://openrouter.ai/api/v1/keys/abc", method: "PATCH", body: { disabled: true } });
    expect(key.limit).toBe(75);
  });

  it("credits, activity and generation parse the spec examples", async () => {
    const f = cannedFetch([{ body: example("/credits", "get") }, { body: example("/activity", "get") }, { body: example("/generation", "get") }]);
    const c = new OpenRouterClient({ apiKey: "mk", fetch: f.fetch });
    expect(await c.getCredits()).toEqual({ total_credits: 100.5, total_usage: 25.75 });
    const activity = await c.getActivity({ date: "2025-08-24" });
    expect(activity[0]).toMatchObject({ date: "2025-08-24", model: "openai/gpt-4.1", usage: 0.015, requests: 5, prompt_tokens: 50, completion_tokens: 125, reasoning_tokens: 25 });
    expect(f.calls[1]!.url).toBe("https://openrouter.ai/api/v1/activity?date=2025-08-24");
    const gen = await c.getGeneration("gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
    expect(gen).toMatchObject({ id: "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG", total_cost: 0.0015, native_tokens_cached: 3, external_user: "user-123" });
    expect(f.calls[2]!.url).toBe("https://openrouter.ai/api/v1/generation?id=gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
  });

  it("models: pricing strings are kept as published and links.next is followed", async () => {
    // The ModelsListResponse example (with links.next pointing at a second page).
    const listExample = (spec as unknown as { components: { schemas: Record<string, { example: unknown }> } }).components.schemas.ModelsListResponse!.example;
    const f = cannedFetch([{ body: listExample }, { body: { data: [], total_count: 150, links: { next: null } } }]);
    const models = await new OpenRouterClient({ apiKey: "k", fetch: f.fetch }).listModels();
    expect(models[0]!.pricing).toMatchObject({ prompt: "0.00003", completion: "0.00006" });
    expect(f.calls[1]!.url).toBe("https://openrouter.ai/api/v1/models?offset=500&limit=500");
  });

  it("the documented 401 body becomes a ProviderAuthError; 'Key limit exceeded' 403 is a limit, not auth", async () => {
    const f = cannedFetch([
      { status: 401, body: { error: { code: 401, message: "User not found." } } },
      { status: 403, body: { error: { code: 403, message: "Key limit exceeded (monthly limit)." } } },
      { status: 402, body: example("/generation", "get", "402") ?? { error: { code: 402, message: "Insufficient credits" } } },
    ]);
    const c = new OpenRouterClient({ apiKey: "k", fetch: f.fetch, sleep: noSleep });
    const auth = await c.listKeys().catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(ProviderAuthError);
    expect(auth).toMatchObject({ status: 401, isAuth: true, providerMessage: expect.stringContaining("User not found.") });
    const limit = await c.chatCompletion({ model: "m", messages: [] }).catch((e: unknown) => e as ProviderError);
    expect(limit).toMatchObject({ status: 403, isAuth: false, isLimitExceeded: true });
    const credits = await c.getGeneration("x").catch((e: unknown) => e as ProviderError);
    expect(credits).toMatchObject({ status: 402, isLimitExceeded: true, retryable: false });
  });
});

describe("OpenRouterClient against the fake OpenRouter", () => {
  let fake: FakeOpenRouter;
  let client: OpenRouterClient;
  beforeAll(async () => {
    fake = await startFakeOpenRouter({ seed: 3 });
    client = new OpenRouterClient({ apiKey: fake.state.managementKey, baseUrl: fake.url, sleep: noSleep, maxRetries: 3 });
  });
  afterAll(async () => fake.close());

  it("pages through 250 keys with offset pagination (3 requests)", async () => {
    for (let i = 0; i < 250; i++) fake.state.createKey({ name: `k${i}`, disabled: i % 50 === 0, createdAt: Date.now() - i * 1000 });
    const before = fake.controls.count("/keys", "GET");
    const all = await client.listKeys({ includeDisabled: true });
    expect(all).toHaveLength(250);
    expect(new Set(all.map((k) => k.hash)).size).toBe(250);
    expect(fake.controls.count("/keys", "GET") - before).toBe(3);
    expect(await client.listKeys()).toHaveLength(245);
  });

  it("429 with Retry-After is honoured (slept for exactly Retry-After), then succeeds", async () => {
    noSleep.mockClear();
    fake.controls.failNext(2, 429, { retryAfterSeconds: 4, pathPrefix: "/credits" });
    const credits = await client.getCredits();
    expect(credits.total_credits).toBeGreaterThan(0);
    expect(noSleep.mock.calls.map((c) => c[0])).toEqual([4000, 4000]);
  });

  it("the fake's own rate limit (per credential, fixed window) answers 429 + Retry-After, and waiting it out succeeds", async () => {
    let clock = Date.parse("2026-03-02T10:00:00Z");
    const limited = await startFakeOpenRouter({ seed: 5, now: () => clock });
    try {
      limited.controls.rateLimit = { limit: 2, windowMs: 10_000 };
      const waits: number[] = [];
      // The injected sleep advances the fake's clock instead of waiting.
      const c = new OpenRouterClient({ apiKey: limited.state.managementKey, baseUrl: limited.url, maxRetries: 2, sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      } });
      await c.getCredits();
      clock += 1_000;
      await c.getCredits();
      await expect(c.getCredits()).resolves.toBeTruthy();
      expect(waits).toEqual([9_000]);
      expect(limited.controls.log.filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it("gives up after maxRetries on persistent 5xx, with the status kept", async () => {
    fake.controls.failNext(5, 503, { pathPrefix: "/credits" });
    const e = (await client.getCredits().catch((x: unknown) => x)) as ProviderError;
    expect(e).toBeInstanceOf(ProviderError);
    expect(e.status).toBe(503);
    fake.controls.clearFailures();
  });

  it("a revoked management key → ProviderAuthError (401)", async () => {
    const spare = fake.state.addManagementKey();
    const c = new OpenRouterClient({ apiKey: spare, baseUrl: fake.url, sleep: noSleep });
    await expect(c.getCredits()).resolves.toBeTruthy();
    fake.state.invalidateManagementKey(spare);
    await expect(c.getCredits()).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it("disable round trip: PATCH disabled → inference refused with 401 → re-enable → served", async () => {
    const key = fake.state.createKey({ name: "round-trip" });
    const inference = new OpenRouterClient({ apiKey: key.secret, baseUrl: fake.url, maxRetries: 0 });
    const body = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hello" }] };
    expect((await inference.chatCompletion(body)).usage?.cost).toBeGreaterThan(0);
    expect((await client.updateKey(key.hash, { disabled: true })).disabled).toBe(true);
    expect(fake.state.isDisabled(key.hash)).toBe(true);
    await expect(inference.chatCompletion(body)).rejects.toMatchObject({ status: 401 });
    expect((await client.getKey(key.hash)).disabled).toBe(true);
    await client.updateKey(key.hash, { disabled: false });
    await expect(inference.chatCompletion(body)).resolves.toBeTruthy();
  });

  it("a key's credit limit refuses the request that would cross it (403 Key limit exceeded)", async () => {
    const key = fake.state.createKey({ name: "capped" });
    const inference = new OpenRouterClient({ apiKey: key.secret, baseUrl: fake.url, maxRetries: 0 });
    // gpt-4.1: 1000 prompt × $2/M + 1000 completion × $8/M = $0.01 per request.
    const body = { model: "openai/gpt-4.1", messages: [{ role: "user", content: "x" }], fake_usage: { prompt_tokens: 1000, completion_tokens: 1000 } };
    await client.updateKey(key.hash, { limit: 0.025 });
    const first = await inference.chatCompletion(body);
    expect(first.usage?.cost).toBe(0.01);
    await inference.chatCompletion(body);
    const refused = (await inference.chatCompletion(body).catch((e: unknown) => e)) as ProviderError;
    expect(refused).toMatchObject({ status: 403, isLimitExceeded: true });
    expect(refused.providerMessage).toMatch(/Key limit exceeded \(total limit\)/);
    const after = await client.getKey(key.hash);
    expect(after.usage).toBe(0.02);
    expect(after.limit_remaining).toBe(0.005);
    expect(fake.state.usageMicros(key.hash)).toBe(20_000n);
  });

  it("activity by key and generation look-up agree with what was charged", async () => {
    const key = fake.state.createKey({ name: "history" });
    const dayAgo = Date.now() - 86_400_000;
    const g = fake.state.record({ keyHash: key.hash, model: "anthropic/claude-sonnet-4", createdAt: dayAgo, promptTokens: 2000, completionTokens: 500, cachedTokens: 1000, reasoningTokens: 100 });
    const rows = await client.getActivity({ apiKeyHash: key.hash });
    expect(rows).toHaveLength(1);
    // 1000 uncached × $3/M + 1000 cached × $0.3/M + 500 × $15/M = 0.003 + 0.0003 + 0.0075
    expect(rows[0]).toMatchObject({ model: "anthropic/claude-sonnet-4", usage: 0.0108, requests: 1, prompt_tokens: 2000, completion_tokens: 500, reasoning_tokens: 100 });
    const gen = await client.getGeneration(g.id);
    expect(gen.total_cost).toBe(0.0108);
  });
});
