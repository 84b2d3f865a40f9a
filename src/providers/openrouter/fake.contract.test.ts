import { afterAll, beforeAll, describe, expect, it } from "vitest";
import spec from "./reference/openapi.json";
import { responseSchema, validate, type Schema } from "@/providers/json-schema";
import { startFakeOpenRouter, type FakeOpenRouter } from "./fake";

// Contract: every response the fake OpenRouter serves matches OpenRouter's published OpenAPI
// schema (snapshot in ./reference/openapi.json) for that path, method and status.
const doc = spec as unknown as Record<string, unknown>;
const DAY = 86_400_000;

let fake: FakeOpenRouter;
let inferenceKey: string;
let keyHash: string;

async function call(method: string, path: string, opts: { key?: string | null; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  const key = opts.key === undefined ? fake.state.managementKey : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${fake.url}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
}

function expectConforms(specPath: string, method: string, status: number, body: unknown) {
  const errors = validate(doc, responseSchema(doc, specPath, method, status), body);
  expect(errors, JSON.stringify(errors.slice(0, 5), null, 2)).toEqual([]);
}

beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 1 });
  const t = fake.generateTraffic({ days: 30, requestsPerDay: 60, keys: 4 });
  keyHash = t.keys[0]!.hash;
  inferenceKey = t.keys[0]!.secret;
  fake.state.updateKey(t.keys[1]!.hash, { limit: 500, limitReset: "monthly" });
});
afterAll(async () => fake.close());

describe("fake OpenRouter vs the published OpenAPI schemas", () => {
  it("GET /keys, /keys/{hash}, PATCH, POST, DELETE", async () => {
    const list = await call("GET", "/keys?include_disabled=true");
    expect(list.status).toBe(200);
    expect((list.body as { data: unknown[] }).data.length).toBe(4);
    expectConforms("/keys", "get", 200, list.body);

    const one = await call("GET", `/keys/${keyHash}`);
    expectConforms("/keys/{hash}", "get", 200, one.body);

    const patched = await call("PATCH", `/keys/${keyHash}`, { body: { disabled: true, limit: 12.5, limit_reset: "daily" } });
    expect(patched.status).toBe(200);
    expectConforms("/keys/{hash}", "patch", 200, patched.body);
    await call("PATCH", `/keys/${keyHash}`, { body: { disabled: false, limit: null, limit_reset: null } });

    const created = await call("POST", "/keys", { body: { name: "Contract key", limit: 5, limit_reset: "weekly" } });
    expect(created.status).toBe(201);
    expectConforms("/keys", "post", 201, created.body);
    const hash = (created.body as { data: { hash: string } }).data.hash;
    const deleted = await call("DELETE", `/keys/${hash}`);
    expectConforms("/keys/{hash}", "delete", 200, deleted.body);

    const missing = await call("GET", `/keys/${"0".repeat(64)}`);
    expect(missing.status).toBe(404);
    expectConforms("/keys/{hash}", "get", 404, missing.body);
    const badPatch = await call("PATCH", `/keys/${keyHash}`, { body: { limit: "lots" } });
    expect(badPatch.status).toBe(400);
    expectConforms("/keys/{hash}", "patch", 400, badPatch.body);
  });

  it("GET /credits, /activity (all days, one date, one key), /key", async () => {
    const credits = await call("GET", "/credits");
    expectConforms("/credits", "get", 200, credits.body);

    const activity = await call("GET", "/activity");
    const rows = (activity.body as { data: { date: string }[] }).data;
    expect(rows.length).toBeGreaterThan(30);
    expectConforms("/activity", "get", 200, activity.body);
    // Only completed UTC days: today is never included.
    const today = new Date().toISOString().slice(0, 10);
    expect(rows.every((r) => r.date < today)).toBe(true);

    const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);
    const oneDay = await call("GET", `/activity?date=${yesterday}&api_key_hash=${keyHash}`);
    expectConforms("/activity", "get", 200, oneDay.body);
    const tooOld = await call("GET", `/activity?date=2001-01-01`);
    expect(tooOld.status).toBe(400);
    expectConforms("/activity", "get", 400, tooOld.body);

    const self = await call("GET", "/key", { key: inferenceKey });
    expectConforms("/key", "get", 200, self.body);
  });

  it("GET /generation and /models", async () => {
    const chat = await call("POST", "/chat/completions", { key: inferenceKey, body: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } });
    expect(chat.status).toBe(200);
    const gen = await call("GET", `/generation?id=${(chat.body as { id: string }).id}`, { key: inferenceKey });
    expectConforms("/generation", "get", 200, gen.body);
    const missing = await call("GET", `/generation?id=gen-nope`);
    expect(missing.status).toBe(404);
    expectConforms("/generation", "get", 404, missing.body);

    const models = await call("GET", "/models", { key: null });
    expectConforms("/models", "get", 200, models.body);
  });

  it("auth failures use the documented error bodies (401, 403) and 429 carries Retry-After", async () => {
    const wrongKeyType = await call("GET", "/credits", { key: inferenceKey });
    expect(wrongKeyType.status).toBe(403);
    expectConforms("/credits", "get", 403, wrongKeyType.body);
    const noAuth = await call("GET", "/keys", { key: null });
    expect(noAuth.status).toBe(401);
    expectConforms("/keys", "get", 401, noAuth.body);

    fake.controls.failNext(1, 429, { retryAfterSeconds: 7 });
    const limited = await call("GET", "/keys");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expectConforms("/keys", "get", 429, limited.body);
  });

  it("the validator can fail: a key without `hash` or with a string `limit` is rejected", async () => {
    const list = (await call("GET", "/keys")).body as { data: Record<string, unknown>[] };
    const schema: Schema = responseSchema(doc, "/keys", "get", 200);
    const noHash = { data: [{ ...list.data[0], hash: undefined }] };
    delete noHash.data[0]!.hash;
    expect(validate(doc, schema, noHash).map((e) => e.message)).toContain('missing required property "hash"');
    const stringLimit = { data: [{ ...list.data[0], limit: "100" }] };
    expect(validate(doc, schema, stringLimit)[0]?.path).toBe("$.data[0].limit");
    expect(validate(doc, responseSchema(doc, "/credits", "get", 200), { data: { total_credits: 1 } })).not.toEqual([]);
  });
});
