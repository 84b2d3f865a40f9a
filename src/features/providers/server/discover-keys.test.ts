import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { OpenRouterClient } from "@/providers/openrouter/client";
import { discoverOpenRouterAccount } from "./discover-keys";

let fake: FakeOpenRouter;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 31 });
});
afterAll(async () => fake.close());

const client = () => new OpenRouterClient({ apiKey: fake.state.managementKey, baseUrl: fake.url, maxRetries: 0 });

describe("OpenRouter key discovery", () => {
  it("a personal account: the Default workspace's keys, no members asked for", async () => {
    const k = fake.state.createKey({ name: "solo" });
    const account = await discoverOpenRouterAccount(client());
    expect(account).toMatchObject({ accountType: "personal", providerOrgId: null, members: [] });
    expect(account.workspaces.map((w) => w.slug)).toEqual(["default"]);
    expect(account.keys.map((x) => x.hash)).toEqual([k.hash]);
    expect(fake.controls.count("/organization/members")).toBe(0);
  });

  it("an organization: keys of every workspace, disabled ones included, paged past 100 per workspace", async () => {
    fake.state.makeOrganization();
    fake.state.addMember({ email: "a@example.test" });
    const ws = fake.state.createWorkspace({ name: "Big" });
    for (let i = 0; i < 130; i++) fake.state.createKey({ name: `big ${i}`, workspaceId: ws.id, disabled: i === 7, createdAt: Date.now() - i * 1000 });
    const account = await discoverOpenRouterAccount(client());
    expect(account.accountType).toBe("organization");
    expect(account.keys).toHaveLength(131);
    expect(account.keys.filter((k) => k.workspace_id === ws.id)).toHaveLength(130);
    expect(account.keys.some((k) => k.disabled)).toBe(true);
    expect(account.members.map((m) => m.email)).toEqual(["a@example.test"]);
  });

  it("an account without the workspaces API (404) still gets its Default keys", async () => {
    fake.controls.failNext(1, 404, { pathPrefix: "/workspaces" });
    const account = await discoverOpenRouterAccount(client());
    expect(account.workspaces).toEqual([]);
    expect(account.keys.length).toBeGreaterThan(0);
    expect(account.keys.every((k) => k.workspace_id === fake.state.workspaceId)).toBe(true);
  });
});
