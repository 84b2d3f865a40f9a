import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import spec from "./reference/openapi.json";
import { ProviderAuthError, ProviderError } from "@/providers/errors";
import { OpenAIAdminClient } from "./client";
import { startFakeOpenAI, type FakeOpenAI } from "./fake";

type Spec = { paths: Record<string, Record<string, { "x-oaiMeta"?: { examples?: { response?: string } } }>> };
/** OpenAI's own example response for an operation (x-oaiMeta.examples.response in the spec). */
const example = (path: string, method: string) => JSON.parse((spec as unknown as Spec).paths[path]![method]!["x-oaiMeta"]!.examples!.response!) as Record<string, unknown>;

function cannedFetch(responses: { status?: number; body: unknown; headers?: Record<string, string> }[]) {
  const calls: { url: string; method: string; auth: string | null; body: unknown }[] = [];
  const fn = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({ url: decodeURIComponent(String(url)), method: init?.method ?? "GET", auth: headers.get("authorization"), body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const r = responses.shift() ?? { status: 500, body: { error: { message: "no more canned responses", type: "server_error", param: null, code: null } } };
    return new Response(JSON.stringify(r.body), { status: r.status ?? 200, headers: { "content-type": "application/json", ...(r.headers ?? {}) } });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}
const noSleep = vi.fn(async (_ms: number) => {});

describe("OpenAIAdminClient against OpenAI's own example responses", () => {
  it("usage follows next_page with the other parameters unchanged, arrays in bracket form", async () => {
    const page1 = example("/organization/usage/completions", "get");
    const page2 = { ...page1, has_more: false, next_page: null };
    const f = cannedFetch([{ body: page1 }, { body: page2 }]);
    const buckets = await new OpenAIAdminClient({ apiKey: "sk-admin-x", fetch: f.fetch }).usage("completions", {
      start_time: 1730419200,
      bucket_width: "1h",
      group_by: ["project_id", "model"],
      project_ids: ["proj_a"],
    });
    expect(buckets).toHaveLength(2);
    expect(buckets[0]!.results[0]).toMatchObject({ input_tokens: 1000, input_cached_tokens: 400, output_tokens: 500, num_model_requests: 5, model: null });
    expect(f.calls[0]!.url).toBe("https://api.openai.com/v1/organization/usage/completions?start_time=1730419200&bucket_width=1h&group_by[]=project_id&group_by[]=model&project_ids[]=proj_a&limit=168");
    expect(f.calls[1]!.url).toBe(`${f.calls[0]!.url}&page=page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=`);
    expect(f.calls[0]!.auth).toBe("Bearer sk-admin-x");
  });

  it("costs, project API keys and spend limits parse the examples", async () => {
    const f = cannedFetch([
      { body: example("/organization/costs", "get") },
      { body: example("/organization/projects/{project_id}/api_keys", "get") },
      { body: example("/organization/projects/{project_id}/spend_limit", "get") },
      { body: example("/organization/projects/{project_id}/spend_limit", "post") },
    ]);
    const c = new OpenAIAdminClient({ apiKey: "sk-admin-x", fetch: f.fetch });
    const costs = await c.costs({ start_time: 1730419200, group_by: ["project_id", "line_item"] });
    expect(costs[0]!.results[0]!.amount).toEqual({ value: 0.06, currency: "usd" });
    const keys = await c.listProjectApiKeys("proj_abc");
    expect(keys[0]).toMatchObject({ id: "key_abc", name: "My API Key", owner: { type: "user", user: { email: "user@example.com" } } });
    expect(f.calls[1]!.url).toBe("https://api.openai.com/v1/organization/projects/proj_abc/api_keys?owner_project_access=any&limit=100");
    expect(await c.getProjectSpendLimit("proj_abc")).toMatchObject({ threshold_amount: 10000, currency: "USD", interval: "month", enforcement: { status: "enforcing" } });
    await c.setProjectSpendLimit("proj_abc", 10000);
    expect(f.calls[3]).toMatchObject({ method: "POST", url: "https://api.openai.com/v1/organization/projects/proj_abc/spend_limit", body: { threshold_amount: 10000, currency: "USD", interval: "month" } });
  });

  it("classifies 429s by error.code: rate_limit_exceeded is retried, project_spend_limit_exceeded is not", async () => {
    const f = cannedFetch([
      { status: 429, headers: { "retry-after": "2" }, body: { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } } },
      { status: 429, body: { error: { message: "over", type: "insufficient_quota", param: null, code: "project_spend_limit_exceeded" } } },
    ]);
    noSleep.mockClear();
    const c = new OpenAIAdminClient({ apiKey: "k", fetch: f.fetch, sleep: noSleep });
    const e = (await c.chatCompletion({ model: "gpt-4o", messages: [] }).catch((x: unknown) => x)) as ProviderError;
    expect(noSleep).toHaveBeenCalledWith(2000);
    expect(e).toMatchObject({ status: 429, code: "project_spend_limit_exceeded", isLimitExceeded: true, isRateLimit: false });
    expect(f.calls).toHaveLength(2);
  });
});

describe("OpenAIAdminClient against the fake OpenAI", () => {
  let fake: FakeOpenAI;
  let client: OpenAIAdminClient;
  const start = Math.floor(Date.now() / 1000 / 3600) * 3600 - 30 * 86_400;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ seed: 4 });
    fake.generateTraffic({ days: 30, requestsPerDay: 80 });
    client = new OpenAIAdminClient({ apiKey: fake.state.adminKey, baseUrl: fake.url, sleep: noSleep, maxRetries: 3 });
  });
  afterAll(async () => fake.close());

  it("reads 30 days of 1h buckets across pages, and the totals match the fake's records", async () => {
    const before = fake.controls.count("/organization/usage/completions");
    const buckets = await client.usage("completions", { start_time: start, bucket_width: "1h", group_by: ["project_id", "api_key_id", "model", "user_id"] });
    expect(buckets.length).toBeGreaterThanOrEqual(30 * 24);
    expect(fake.controls.count("/organization/usage/completions") - before).toBe(Math.ceil(buckets.length / 168));
    const requests = buckets.flatMap((b) => b.results).reduce((s, r) => s + (r.num_model_requests ?? 0), 0);
    const expected = fake.state.recordsBetween(start * 1000, Date.now() + 1).filter((r) => r.kind === "completions").length;
    expect(requests).toBe(expected);
  });

  it("lists projects and their keys with `after` pagination", async () => {
    for (let i = 0; i < 105; i++) fake.state.createProject({ name: `bulk ${i}` });
    const projects = await client.listProjects();
    expect(projects).toHaveLength(109);
    const p = projects.find((x) => x.name === "Search")!;
    const keys = await client.listProjectApiKeys(p.id);
    expect(keys.map((k) => k.name).sort()).toEqual(["Search service", "Search – Alan"]);
  });

  it("429 + Retry-After then success; a revoked admin key → ProviderAuthError", async () => {
    noSleep.mockClear();
    fake.controls.failNext(1, 429, { retryAfterSeconds: 5, pathPrefix: "/organization/projects" });
    expect((await client.listProjects()).length).toBeGreaterThan(0);
    expect(noSleep.mock.calls.map((c) => c[0])).toEqual([5000]);
    const spare = fake.state.addAdminKey();
    fake.state.invalidateAdminKey(spare);
    await expect(new OpenAIAdminClient({ apiKey: spare, baseUrl: fake.url }).listProjects()).rejects.toBeInstanceOf(ProviderAuthError);
  });

  it("spend limit set/read/delete round trip; at the limit the project's requests get 429 project_spend_limit_exceeded", async () => {
    const p = fake.state.createProject({ name: "capped" });
    const k = fake.state.createApiKey(p.id, { name: "capped key", serviceAccountName: "svc" });
    const inference = new OpenAIAdminClient({ apiKey: k.secret, baseUrl: fake.url, maxRetries: 0 });
    // gpt-4o: 2000 input × $2.50/M + 1000 output × $10/M = $0.015 per request.
    const body = { model: "gpt-4o", messages: [{ role: "user", content: "hi" }], fake_usage: { prompt_tokens: 2000, completion_tokens: 1000 } };
    expect(await client.getProjectSpendLimit(p.id)).toBeNull();
    expect(await client.setProjectSpendLimit(p.id, 3)).toMatchObject({ threshold_amount: 3, enforcement: { status: "enforcing" } });
    expect((await client.getProjectSpendLimit(p.id))?.threshold_amount).toBe(3);
    await inference.chatCompletion(body); // $0.015 < $0.03
    await inference.chatCompletion(body); // $0.030: reaches the limit
    const refused = (await inference.chatCompletion(body).catch((e: unknown) => e)) as ProviderError;
    expect(refused).toMatchObject({ status: 429, code: "project_spend_limit_exceeded", isLimitExceeded: true });
    expect(fake.state.projectSpendMicros(p.id)).toBe(30_000n);
    expect(await client.projectMonthToDateMicros(p.id)).toBe(30_000n);
    expect(await client.deleteProjectSpendLimit(p.id)).toBe(true);
    await expect(inference.chatCompletion(body)).resolves.toMatchObject({ usage: { prompt_tokens: 2000 } });
  });
});
