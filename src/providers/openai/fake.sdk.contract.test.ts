import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "./fake";

// Contract: the official `openai` SDK gets from the fake what it gets from the real API —
// streamed usage with include_usage, base64 embeddings it can decode, request ids, and the
// admin endpoints the product polls.
let fake: FakeOpenAI;
let client: OpenAI;
let admin: OpenAI;
let projectId: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ seed: 5 });
  fake.generateTraffic({ days: 3, requestsPerDay: 30 });
  const project = fake.state.createProject({ name: "SDK project" });
  projectId = project.id;
  const key = fake.state.createApiKey(project.id, { name: "SDK key", serviceAccountName: "sdk-svc" });
  client = new OpenAI({ apiKey: key.secret, baseURL: fake.url, maxRetries: 2 });
  admin = new OpenAI({ apiKey: "unused", adminAPIKey: fake.state.adminKey, baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => fake.close());

describe("fake OpenAI driven by the openai SDK", () => {
  it("chat.completions.create non-streaming, with the request id", async () => {
    const res = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(res.usage?.total_tokens).toBeGreaterThan(0);
    expect(res._request_id).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it("streaming with stream_options.include_usage: chunks carry usage null, the last one the usage", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toContain("Tollgate fake OpenAI");
    // Without include_usage there is no usage chunk.
    const plain = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
    const plainChunks = [];
    for await (const c of plain) plainChunks.push(c);
    expect(plainChunks.every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
  });

  it("embeddings.create decodes the default base64 into the same vector as floats", async () => {
    const b64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["hello", "world!"] });
    expect(b64.data).toHaveLength(2);
    expect(b64.data[0]!.embedding).toHaveLength(8);
    const floats = await client.embeddings.create({ model: "text-embedding-3-small", input: ["hello", "world!"], encoding_format: "float" });
    expect(b64.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding));
    expect(b64.data[0]!.embedding).not.toEqual(b64.data[1]!.embedding);
  });

  it("a billing 429 (hard spend limit) is not retried: x-should-retry false, and the error has the request id", async () => {
    fake.state.projects.get(projectId)!.spendLimitCents = 1;
    await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(4000) }], fake_usage: { prompt_tokens: 100_000 } } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    const before = fake.controls.count("/chat/completions", "POST");
    const err = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("project_spend_limit_exceeded");
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).requestID).toMatch(/^req_/);
    expect(fake.controls.count("/chat/completions", "POST") - before).toBe(1);
    fake.state.projects.get(projectId)!.spendLimitCents = null;
  });

  it("admin: projects, project API keys, usage, costs and the project spend limit", async () => {
    const projects = [];
    for await (const p of admin.admin.organization.projects.list({ limit: 2 })) projects.push(p);
    expect(projects.map((p) => p.name)).toContain("SDK project");
    const keys = [];
    for await (const k of admin.admin.organization.projects.apiKeys.list(projectId)) keys.push(k);
    expect(keys.map((k) => k.name)).toEqual(["SDK key"]);
    const start = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const usage = await admin.admin.organization.usage.completions({ start_time: start, bucket_width: "1d", group_by: ["project_id", "model"] });
    expect(usage.data.length).toBeGreaterThan(0);
    const costs = await admin.admin.organization.usage.costs({ start_time: start, group_by: ["project_id"] });
    expect(costs.data.length).toBeGreaterThan(0);
    const limit = await admin.admin.organization.projects.spendLimit.update(projectId, { threshold_amount: 10_000, currency: "USD", interval: "month" });
    expect(limit.enforcement.status).toBe("enforcing");
    expect((await admin.admin.organization.projects.spendLimit.retrieve(projectId)).threshold_amount).toBe(10_000);
    await admin.admin.organization.projects.spendLimit.delete(projectId);
  });
});
