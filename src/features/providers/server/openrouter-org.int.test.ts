import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { applyAction } from "@/features/enforcement/server/apply";
import { landUsage, makeBudget } from "@/features/budgets/test/fixtures";
import { createConnection as createFreshConnection } from "./connections";
import { pollOpenRouter } from "./poll-openrouter";
import { mapOpenRouterWorkspace, openRouterAccountView } from "./workspace-mapping";
import { reconcileWorkspaceSpend, workspaceDrift } from "./workspace-spend";
import { noSleep } from "./pollers.test-helpers";
import { listTrackedKeys } from "./keys.queries";
import { createMirrorWorkspace } from "./openrouter-account";

/** A connection created past its first-poll grace period (CONNECTION_GRACE_MS), as after a real wait. */
async function createConnection(...args: Parameters<typeof createFreshConnection>) {
  const conn = await createFreshConnection(...args);
  await prisma.providerConnection.update({ where: { id: conn.id }, data: { createdAt: new Date(Date.now() - 5 * 60_000) } });
  return conn;
}


const DAY = 86_400_000;
const yesterday = () => Math.floor(Date.now() / DAY) * DAY - DAY + 3_600_000;

let fake: FakeOpenRouter;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 77 });
});
afterAll(async () => {
  await fake.close();
  await closeQueues();
});

/** An OpenRouter organization: Default + Research + Support workspaces, two members, keys in each (Support has > 1 page). */
function seedOrganization(adaEmail: string) {
  const s = fake.state;
  s.makeOrganization();
  const ada = s.addMember({ email: adaEmail.toUpperCase(), firstName: "Ada", lastName: "Lovelace", role: "org:admin" });
  const grace = s.addMember({ email: "grace@elsewhere.test", firstName: "Grace", role: "org:member" });
  const research = s.createWorkspace({ name: "Research", createdBy: ada.id });
  const support = s.createWorkspace({ name: "Support" });
  const keys = {
    def: s.createKey({ name: "Default app", creatorUserId: ada.id }),
    research: s.createKey({ name: "Notebooks", workspaceId: research.id, creatorUserId: ada.id, externalUser: "customer-42" }),
    research2: s.createKey({ name: "Eval harness", workspaceId: research.id, creatorUserId: grace.id }),
    support: Array.from({ length: 101 }, (_, i) => s.createKey({ name: `Support bot ${i}`, workspaceId: support.id, createdAt: Date.now() - (i + 1) * 1000 })),
  };
  for (const [k, usd] of [[keys.def, 40], [keys.research, 90], [keys.research2, 10], [keys.support[0]!, 30]] as const) {
    s.record({ keyHash: k.hash, model: "openai/gpt-4.1", createdAt: yesterday(), promptTokens: usd * 100_000, completionTokens: usd * 25_000 });
  }
  return { ada, grace, research, support, keys };
}

describe("an OpenRouter organization with three workspaces", () => {
  it("is discovered in full, lands in created workspaces with members, is paused and resumed by a hard budget, and reconciled per workspace", async () => {
    const { org, workspace: home, ctx } = await createOrg();
    const adaMember = await addMember(org.id, "admin", `ada-${org.id}@example.test`);
    const or = seedOrganization(adaMember.user.email);
    const conn = await createConnection(ctx, { provider: "openrouter", name: "OpenRouter org", secret: fake.state.managementKey, workspaceId: home.id, baseUrl: fake.url, createWorkspaces: true });

    const res = await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(res).toMatchObject({ status: "ok", stats: { keys: 104, workspaces: 3 } });
    // /keys?workspace_id=… for each workspace, Support paged (101 keys → 2 pages).
    expect(fake.controls.log.filter((r) => r.path === "/keys").length).toBeGreaterThanOrEqual(4);

    const view = await openRouterAccountView(ctx, conn.id);
    expect(view).toMatchObject({ accountType: "organization", providerOrgId: fake.state.organizationId, members: { total: 2, matched: 1 } });
    expect(view.workspaces.map((w) => [w.slug, w.workspaceName, w.keys])).toEqual([
      ["default", "Default Workspace", 1],
      ["research", "Research", 2],
      ["support", "Support", 101],
    ]);
    const wsOf = (slug: string) => view.workspaces.find((w) => w.slug === slug)!.workspaceId!;
    expect(new Set(view.workspaces.map((w) => w.workspaceId)).size).toBe(3);
    expect(await prisma.projectTag.count({ where: { workspaceId: wsOf("research"), isDefault: true } })).toBe(1);

    const tracked = await prisma.providerKey.findMany({ where: { connectionId: conn.id } });
    expect(tracked).toHaveLength(104);
    const row = (hash: string) => tracked.find((k) => k.providerKeyId === hash)!;
    expect(row(or.keys.def.hash)).toMatchObject({ workspaceId: wsOf("default"), ownerUserId: adaMember.user.id });
    expect(row(or.keys.research.hash)).toMatchObject({ workspaceId: wsOf("research"), ownerUserId: adaMember.user.id, creatorUserRef: or.ada.id, externalUser: "customer-42" });
    expect(row(or.keys.research2.hash)).toMatchObject({ workspaceId: wsOf("research"), ownerUserId: null, creatorUserRef: or.grace.id });
    expect(tracked.filter((k) => k.workspaceId === wsOf("support"))).toHaveLength(101);
    // The keys page names the Tollgate member who created the key, and the end user.
    const listed = await listTrackedKeys(ctx);
    expect(listed.find((k) => k.id === row(or.keys.research.hash).id)).toMatchObject({ owner: adaMember.user.email, externalUser: "customer-42", workspace: { name: "Research" } });

    // Reconciled per workspace: yesterday's OpenRouter spend per workspace equals Tollgate's spend in the mapped workspace.
    const day = new Date(Math.floor(yesterday() / DAY) * DAY);
    const drift = await workspaceDrift({ id: conn.id, orgId: org.id }, { since: day });
    const charged = (hashes: string[]) => [...fake.state.generations.values()].filter((g) => hashes.includes(g.keyHash)).reduce((s, g) => s + g.costMicros, 0n);
    expect(drift.map((d) => [d.workspaceId, d.providerMicros, d.driftMicros])).toEqual(
      expect.arrayContaining([
        [wsOf("default"), charged([or.keys.def.hash]), 0n],
        [wsOf("research"), charged([or.keys.research.hash, or.keys.research2.hash]), 0n],
        [wsOf("support"), charged([or.keys.support[0]!.hash]), 0n],
      ]),
    );
    expect(drift).toHaveLength(3);

    // A hard budget on the Research workspace pauses exactly its keys at OpenRouter, and resumes them.
    const budget = await makeBudget(org.id, { amountMicros: 5_000_000n, mode: "hard", scope: "workspace", workspaceId: wsOf("research"), period: "daily", thresholds: [100] });
    await landUsage([{ orgId: org.id, workspaceId: wsOf("research"), at: new Date(), costMicros: 6_000_000n, providerKeyId: row(or.keys.research.hash).id, provider: "openrouter" }]);
    const evaluated = await evaluateBudget(org.id, budget.id);
    expect(evaluated!.newPauses).toHaveLength(2);
    for (const id of evaluated!.newPauses) expect(await applyAction(id)).toMatchObject({ status: "confirmed" });
    expect(fake.state.isDisabled(or.keys.research.hash)).toBe(true);
    expect(fake.state.isDisabled(or.keys.research2.hash)).toBe(true);
    expect(fake.state.isDisabled(or.keys.def.hash)).toBe(false);
    await prisma.budget.update({ where: { id: budget.id }, data: { amountMicros: 50_000_000n } });
    expect((await evaluateBudget(org.id, budget.id))!.resumed).toBe(2);
    const resumes = await prisma.enforcementAction.findMany({ where: { budgetId: budget.id, action: "resume" } });
    for (const a of resumes) expect(await applyAction(a.id)).toMatchObject({ status: "confirmed" });
    expect(fake.state.isDisabled(or.keys.research.hash)).toBe(false);
    expect(fake.state.isDisabled(or.keys.research2.hash)).toBe(false);

    // A key moved to another OpenRouter workspace follows to that workspace's Tollgate workspace.
    fake.state.moveKey(or.keys.research2.hash, or.support.id);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: row(or.keys.research2.hash).id } })).toMatchObject({ workspaceId: wsOf("support"), providerWorkspaceId: or.support.id });
  });

  it("in map mode, workspaces wait for the admin; mapping moves their keys; a new OpenRouter workspace appears unmapped", async () => {
    fake.state.keys.clear();
    const { org, workspace: home, ctx } = await createOrg();
    const s = fake.state;
    const ops = s.createWorkspace({ name: `Ops ${org.id.slice(-4)}` });
    const opsKey = s.createKey({ name: "Ops cron", workspaceId: ops.id });
    const conn = await createConnection(ctx, { provider: "openrouter", name: "OpenRouter map", secret: s.managementKey, workspaceId: home.id, baseUrl: fake.url, createWorkspaces: false });
    await pollOpenRouter(conn.id, { sleep: noSleep });
    let view = await openRouterAccountView(ctx, conn.id);
    const opsRow = view.workspaces.find((w) => w.providerWorkspaceId === ops.id)!;
    expect(opsRow).toMatchObject({ workspaceId: null, keys: 1 });
    const key = await prisma.providerKey.findFirstOrThrow({ where: { connectionId: conn.id, providerKeyId: opsKey.hash } });
    expect(key.workspaceId).toBe(home.id);

    await expect(mapOpenRouterWorkspace(ctx, { connectionId: conn.id, providerWorkspaceId: opsRow.id, target: "nope" })).rejects.toMatchObject({ status: 404 });
    const mapped = await mapOpenRouterWorkspace(ctx, { connectionId: conn.id, providerWorkspaceId: opsRow.id, target: "create" });
    expect(mapped.keysMoved).toBe(1);
    expect((await prisma.providerKey.findUniqueOrThrow({ where: { id: key.id } })).workspaceId).toBe(mapped.workspaceId);

    // A mapped workspace deleted in Tollgate counts as unmapped again.
    await prisma.workspace.delete({ where: { id: mapped.workspaceId! } });
    const later = s.createWorkspace({ name: `Later ${org.id.slice(-4)}` });
    await pollOpenRouter(conn.id, { sleep: noSleep });
    view = await openRouterAccountView(ctx, conn.id);
    expect(view.workspaces.find((w) => w.providerWorkspaceId === later.id)).toMatchObject({ workspaceId: null, keys: 0 });
    expect(view.workspaces.find((w) => w.providerWorkspaceId === ops.id)).toMatchObject({ workspaceId: null });

    // Another org can't map this connection's workspaces.
    const other = await createOrg();
    await expect(mapOpenRouterWorkspace(other.ctx, { connectionId: conn.id, providerWorkspaceId: opsRow.id, target: other.workspace.id })).rejects.toMatchObject({ status: 404 });
  });

  it("stores the provider figure and the drift when Tollgate's workspace spend differs from the bill", async () => {
    const { org, workspace, ctx } = await createOrg();
    const created = await createConnection(ctx, { provider: "openrouter", name: "drift", secret: fake.state.managementKey, workspaceId: workspace.id, baseUrl: fake.url });
    const conn = { id: created.id, orgId: org.id };
    await prisma.providerWorkspace.create({ data: { orgId: org.id, connectionId: conn.id, providerWorkspaceId: "pw-1", slug: "pw", name: "PW", workspaceId: workspace.id, lastSeenAt: new Date() } });
    const day = new Date(Math.floor(yesterday() / DAY) * DAY);
    await landUsage([{ orgId: org.id, workspaceId: workspace.id, at: new Date(day.getTime() + 60_000), costMicros: 2_500_000n, provider: "openrouter" }]);
    const item = { date: day.toISOString().slice(0, 10), model: "openai/gpt-4.1", usage: 4, requests: 3, prompt_tokens: 1, completion_tokens: 1, reasoning_tokens: 0, workspace_id: "pw-1" };
    const rows = await reconcileWorkspaceSpend(conn, [item, { ...item, model: "openai/gpt-4o-mini", usage: 0.5 }]);
    expect(rows).toEqual([{ providerWorkspaceId: "pw-1", workspaceId: workspace.id, day, providerMicros: 4_500_000n, tollgateMicros: 2_500_000n, driftMicros: -2_000_000n }]);
    // Re-reading replaces the row.
    await reconcileWorkspaceSpend(conn, [{ ...item, usage: 2.5 }]);
    expect(await workspaceDrift(conn)).toEqual([expect.objectContaining({ providerMicros: 2_500_000n, driftMicros: 0n })]);
  });

  it("racing polls create one Tollgate workspace per OpenRouter workspace", async () => {
    const { org, workspace, ctx } = await createOrg();
    const created = await createConnection(ctx, { provider: "openrouter", name: "race", secret: fake.state.managementKey, workspaceId: workspace.id, baseUrl: fake.url });
    const pw = await prisma.providerWorkspace.create({ data: { orgId: org.id, connectionId: created.id, providerWorkspaceId: "pw-race", slug: "race", name: "Race", lastSeenAt: new Date() } });
    const ids = await Promise.all([1, 2, 3].map(() => createMirrorWorkspace(org.id, pw.id, "test")));
    expect(new Set(ids).size).toBe(1);
    expect(await prisma.workspace.count({ where: { orgId: org.id, name: "Race" } })).toBe(1);
  });
});
