import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenRouter } from "@openrouter/sdk";
import { startFakeOpenRouter, type FakeOpenRouter } from "./fake";

// Contract: the official SDK (@openrouter/sdk, its own zod schemas) accepts every answer of the
// fake. A field the SDK requires and the fake drops makes the call throw SDKValidationError here.
let fake: FakeOpenRouter;
let admin: OpenRouter;
let inference: OpenRouter;
let keyHash: string;
let workspaces: { id: string; slug: string }[];

const sdk = (apiKey: string) => new OpenRouter({ apiKey, serverURL: fake.url, retryConfig: { strategy: "none" } });

beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 3 });
  // History first: its keys stay in the Default workspace.
  fake.generateTraffic({ days: 5, requestsPerDay: 20, keys: 2 });
  fake.state.makeOrganization("org_contract");
  const ada = fake.state.addMember({ email: "ada@example.com", firstName: "Ada", lastName: "Lovelace", role: "org:admin" });
  const research = fake.state.createWorkspace({ name: "Research", createdBy: ada.id });
  const k = fake.state.createKey({ name: "Research key", workspaceId: research.id, creatorUserId: ada.id, externalUser: "customer-42" });
  keyHash = k.hash;
  admin = sdk(fake.state.managementKey);
  inference = sdk(k.secret);
  workspaces = [...fake.state.workspaces.values()].map((w) => ({ id: w.id, slug: w.slug }));
});
afterAll(async () => fake.close());

describe("fake OpenRouter driven by @openrouter/sdk", () => {
  it("apiKeys.list (default workspace, one workspace, paged), get, create, update, delete", async () => {
    const def = await admin.apiKeys.list({ includeDisabled: true });
    expect(def.data.map((k) => k.name).sort()).toEqual(["Production backend", "Staging"]);
    const research = await admin.apiKeys.list({ workspaceId: workspaces[1]!.id, offset: 0 });
    expect(research.data).toHaveLength(1);
    expect(research.data[0]).toMatchObject({ hash: keyHash, externalUser: "customer-42", workspaceId: workspaces[1]!.id });

    const one = await admin.apiKeys.get({ hash: keyHash });
    expect(one.data.creatorUserId).toMatch(/^user_/);

    const created = await admin.apiKeys.create({ requestBody: { name: "SDK key", limit: 5, limitReset: "weekly", workspaceId: workspaces[1]!.id, external: { user: "end-user-7" } } });
    expect(created.key).toMatch(/^sk-or-v1-/);
    expect(created.data).toMatchObject({ name: "SDK key", limit: 5, externalUser: "end-user-7", workspaceId: workspaces[1]!.id });

    const updated = await admin.apiKeys.update({ hash: created.data.hash, requestBody: { disabled: true, limit: 2 } });
    expect(updated.data).toMatchObject({ disabled: true, limit: 2 });
    await admin.apiKeys.delete({ hash: created.data.hash });
    expect(fake.state.getKey(created.data.hash)).toBeUndefined();
  });

  it("apiKeys.getCurrentKeyMetadata for a management key and an inference key", async () => {
    const mgmt = await admin.apiKeys.getCurrentKeyMetadata();
    expect(mgmt.data).toMatchObject({ isManagementKey: true, organizationId: "org_contract" });
    const self = await inference.apiKeys.getCurrentKeyMetadata();
    expect(self.data).toMatchObject({ isManagementKey: false, organizationId: "org_contract", workspaceId: workspaces[1]!.id, allowedDataRegions: ["global"] });
    expect(self.data.freeModelDailyRequests).toEqual({ limit: 1000, remaining: 1000, used: 0 });
  });

  it("workspaces.list, workspaces.get, workspaces.listMembers and organization.listMembers", async () => {
    const pages = await admin.workspaces.list({ limit: 1 });
    const seen: string[] = [];
    for await (const page of pages) seen.push(...page.result.data.map((w) => w.slug));
    expect(seen).toEqual(["default", "research"]);
    const one = await admin.workspaces.get({ id: "research" });
    expect(one.data.name).toBe("Research");
    const wm = await admin.workspaces.listMembers({ id: workspaces[1]!.id });
    expect(wm.result.data[0]).toMatchObject({ workspaceId: workspaces[1]!.id, role: "admin" });
    const members = await admin.organization.listMembers();
    expect(members.result.data).toEqual([expect.objectContaining({ email: "ada@example.com", firstName: "Ada", role: "org:admin" })]);
    expect(members.result.totalCount).toBe(1);
  });

  it("credits, activity (grouped by workspace) and models", async () => {
    const credits = await admin.credits.getCredits();
    expect(credits.data.totalCredits).toBeGreaterThan(0);
    const grouped = await admin.analytics.getUserActivity({ groupBy: "workspace" });
    expect(grouped.data.length).toBeGreaterThan(0);
    expect(grouped.data.every((r) => r.workspaceId === workspaces[0]!.id)).toBe(true);
    const plain = await admin.analytics.getUserActivity();
    expect(plain.data.every((r) => r.workspaceId === undefined)).toBe(true);
    const models = await admin.models.list();
    expect(models.result.data.map((m) => m.id)).toContain("openai/gpt-4o-mini");
  });

  it("chat.send non-streaming: system_fingerprint, usage.cost, and the generation behind it", async () => {
    const res = await inference.chat.send({ chatRequest: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] } });
    if (!("choices" in res)) throw new Error("expected a ChatResult");
    expect(res.systemFingerprint).toBeNull();
    expect(res.usage?.cost).toBeGreaterThan(0);
    const gen = await inference.generations.getGeneration({ id: res.id });
    expect(gen.data.externalUser).toBe("customer-42");
    expect(gen.data.workspaceId).toBe(workspaces[1]!.id);
  });

  it("chat.send streaming: SSE chunks, then the final usage chunk with the cost", async () => {
    const stream = await inference.chat.send({ chatRequest: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true } });
    if ("choices" in stream) throw new Error("expected a stream");
    let text = "";
    let usage: { cost?: number | null; totalTokens: number } | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain("Tollgate fake OpenRouter");
    expect(usage?.cost).toBeGreaterThan(0);
    const gens = [...fake.state.generations.values()].filter((g) => g.keyHash === keyHash);
    expect(gens).toHaveLength(2);
  });

  it("every chat answer carries X-Generation-Id", async () => {
    const k = fake.state.getKey(keyHash)!;
    const res = await fetch(`${fake.url}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${k.secret}`, "content-type": "application/json" }, body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true }) });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const id = res.headers.get("x-generation-id");
    expect(await res.text()).toContain(`"id":"${id}"`);
  });
});
