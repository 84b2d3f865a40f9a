import { afterAll, beforeAll, describe, expect, it } from "vitest";
import spec from "./reference/openapi.json";
import { responseSchema, validate } from "@/providers/json-schema";
import { startFakeOpenAI, type FakeOpenAI } from "./fake";
import { USAGE_KINDS, USAGE_GROUP_BY } from "./schemas";

// Contract: the fake OpenAI's responses match OpenAI's published OpenAPI schemas
// (snapshot in ./reference/openapi.json).
const doc = spec as unknown as Record<string, unknown>;
const errorSchema = { $ref: "#/components/schemas/ErrorResponse" };

let fake: FakeOpenAI;
let projectId: string;
let userKeyId: string;
const start = Math.floor(Date.now() / 1000) - 3 * 86_400;

async function call(method: string, path: string, opts: { key?: string | null; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? fake.state.adminKey : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${fake.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

function expectConforms(schema: Record<string, unknown>, body: unknown) {
  const errors = validate(doc, schema, body);
  expect(errors, JSON.stringify(errors.slice(0, 5), null, 2)).toEqual([]);
}
const documented = (path: string, method: string, status: number) => responseSchema(doc, path, method, status);

beforeAll(async () => {
  fake = await startFakeOpenAI({ seed: 2 });
  const t = fake.generateTraffic({ days: 30, requestsPerDay: 120 });
  projectId = t.projects[1]!.id;
  userKeyId = t.keys.find((k) => k.projectId === projectId && !k.name.endsWith("service"))!.id;
});
afterAll(async () => fake.close());

describe("fake OpenAI vs the published OpenAPI schemas", () => {
  it.each(USAGE_KINDS)("GET /organization/usage/%s (1h, every group_by dimension, paged)", async (kind) => {
    const groupBy = USAGE_GROUP_BY[kind].map((g) => `group_by[]=${g}`).join("&");
    const res = await call("GET", `/organization/usage/${kind}?start_time=${start}&bucket_width=1h&limit=30&${groupBy}`);
    expect(res.status).toBe(200);
    expectConforms(documented(`/organization/usage/${kind}`, "get", 200), res.body);
    const page = res.body as { data: unknown[]; has_more: boolean; next_page: string | null };
    expect(page.data).toHaveLength(30);
    expect(page.has_more).toBe(true);
    const next = await call("GET", `/organization/usage/${kind}?start_time=${start}&bucket_width=1h&limit=30&${groupBy}&page=${page.next_page}`);
    expectConforms(documented(`/organization/usage/${kind}`, "get", 200), next.body);
  });

  it("completions usage has results with the grouped dimensions set and the others null", async () => {
    const res = await call("GET", `/organization/usage/completions?start_time=${start}&bucket_width=1d&group_by=model,project_id`);
    const buckets = (res.body as { data: { results: Record<string, unknown>[] }[] }).data;
    const results = buckets.flatMap((b) => b.results);
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => typeof r.model === "string" && typeof r.project_id === "string" && r.api_key_id === null && r.user_id === null)).toBe(true);
  });

  it("GET /organization/costs (by project and line item) and an unsupported width → 400 error body", async () => {
    const res = await call("GET", `/organization/costs?start_time=${start}&group_by[]=project_id&group_by[]=line_item&limit=5`);
    expectConforms(documented("/organization/costs", "get", 200), res.body);
    const results = (res.body as { data: { results: { amount: { value: number } }[] }[] }).data.flatMap((b) => b.results);
    expect(results.some((r) => r.amount.value > 0)).toBe(true);
    const bad = await call("GET", `/organization/costs?start_time=${start}&bucket_width=1h`);
    expect(bad.status).toBe(400);
    expectConforms(errorSchema, bad.body);
  });

  it("projects, project API keys, and hard spend limits", async () => {
    expectConforms(documented("/organization/projects", "get", 200), (await call("GET", "/organization/projects?limit=2")).body);
    expectConforms(documented("/organization/projects/{project_id}", "get", 200), (await call("GET", `/organization/projects/${projectId}`)).body);
    expectConforms(documented("/organization/projects/{project_id}/api_keys", "get", 200), (await call("GET", `/organization/projects/${projectId}/api_keys?owner_project_access=any`)).body);
    expectConforms(documented("/organization/projects/{project_id}/api_keys/{api_key_id}", "get", 200), (await call("GET", `/organization/projects/${projectId}/api_keys/${userKeyId}`)).body);

    const set = await call("POST", `/organization/projects/${projectId}/spend_limit`, { body: { threshold_amount: 2500, currency: "USD", interval: "month" } });
    expect(set.status).toBe(200);
    expectConforms(documented("/organization/projects/{project_id}/spend_limit", "post", 200), set.body);
    expectConforms(documented("/organization/projects/{project_id}/spend_limit", "get", 200), (await call("GET", `/organization/projects/${projectId}/spend_limit`)).body);
    expectConforms(documented("/organization/projects/{project_id}/spend_limit", "delete", 200), (await call("DELETE", `/organization/projects/${projectId}/spend_limit`)).body);
    const bad = await call("POST", `/organization/projects/${projectId}/spend_limit`, { body: { threshold_amount: 0, currency: "USD", interval: "month" } });
    expect(bad.status).toBe(400);
    expectConforms(errorSchema, bad.body);

    const deleted = await call("DELETE", `/organization/projects/${projectId}/api_keys/${userKeyId}`);
    expectConforms(documented("/organization/projects/{project_id}/api_keys/{api_key_id}", "delete", 200), deleted.body);
  });

  it("401 / 403 / 429 use the ErrorResponse envelope; 429 carries Retry-After", async () => {
    const noKey = await call("GET", `/organization/projects`, { key: "sk-admin-nope" });
    expect(noKey.status).toBe(401);
    expectConforms(errorSchema, noKey.body);
    const projectKey = [...fake.state.apiKeys.values()][0]!.secret;
    const wrongType = await call("GET", `/organization/projects`, { key: projectKey });
    expect(wrongType.status).toBe(403);
    expectConforms(errorSchema, wrongType.body);
    fake.controls.failNext(1, 429, { retryAfterSeconds: 3 });
    const limited = await call("GET", `/organization/usage/completions?start_time=${start}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expectConforms(documented("/organization/usage/completions", "get", 429), limited.body);
  });

  it("the validator can fail: a bucket without start_time or a result with string tokens is rejected", async () => {
    const res = (await call("GET", `/organization/usage/completions?start_time=${start}&group_by[]=model`)).body as { data: Record<string, unknown>[] };
    const schema = documented("/organization/usage/completions", "get", 200);
    const broken = structuredClone(res);
    delete broken.data[0]!.start_time;
    expect(validate(doc, schema, broken).map((e) => e.message)).toContain('missing required property "start_time"');
    const withResults = structuredClone(res);
    const bucket = withResults.data.find((b) => (b.results as unknown[]).length > 0)!;
    (bucket.results as Record<string, unknown>[])[0]!.input_tokens = "12";
    expect(validate(doc, schema, withResults).some((e) => e.message.startsWith("matches none of oneOf"))).toBe(true);
  });
});
