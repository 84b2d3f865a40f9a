import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { pool, prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { pollOpenRouter } from "./poll-openrouter";
import { pollOpenAI } from "./poll-openai";
import { fillGenerationCosts } from "./fill-costs";
import { eventTotals, makeConnection, noSleep, pushEvents, rollupTotals } from "./pollers.test-helpers";

// Accounting defects of issue 7 (items 1–3): each test names the behaviour it guards.
const HOUR = 3_600_000;
const DAY = 86_400_000;

let or: FakeOpenRouter;
let or2: FakeOpenRouter;
let oai: FakeOpenAI;
beforeAll(async () => {
  [or, or2, oai] = await Promise.all([startFakeOpenRouter({ seed: 71 }), startFakeOpenRouter({ seed: 72 }), startFakeOpenAI({ seed: 73 })]);
});
const extra: FakeOpenRouter[] = [];
/** A fake account of its own, so the org's totals are exactly this test's traffic. */
async function freshOpenRouter(seed: number) {
  const f = await startFakeOpenRouter({ seed });
  extra.push(f);
  return f;
}
afterAll(async () => {
  await Promise.all([or.close(), or2.close(), oai.close(), ...extra.map((f) => f.close())]);
  await closeQueues();
});

const sumPollEvents = async (orgId: string, where: object = {}) =>
  (await prisma.usageEvent.aggregate({ where: { orgId, source: "poll", ...where }, _sum: { requests: true, inputTokens: true, costMicros: true } }))._sum;

describe("accounting: like with like, never the sum, several connections", () => {
  it("OpenAI: a key's pushed chat calls don't offset its polled embeddings (each endpoint is reconciled against its own kind)", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const conn = await makeConnection(org, { provider: "openai", secret: oai.state.adminKey, baseUrl: oai.url, workspaceId: workspace.id });
    const project = oai.state.createProject({ name: "like-with-like" });
    const key = oai.state.createApiKey(project.id, { name: "app", serviceAccountName: "svc" });
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const chat = Array.from({ length: 10 }, (_, i) => oai.state.record({ at: hour + i * 60_000, projectId: project.id, apiKeyId: key.id, model: "gpt-4o", inputTokens: 100, outputTokens: 10 }));
    for (let i = 0; i < 5; i++) oai.state.record({ at: hour + i * 60_000, projectId: project.id, apiKeyId: key.id, model: "text-embedding-3-small", inputTokens: 1000 });
    // The app pushes its chat calls, not its embeddings.
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openai", model: "gpt-4o", projectTagId: defaultTag.id },
      chat.map((r) => ({ occurredAt: new Date(r.at), apiKeyRef: key.id, inputTokens: 100, outputTokens: 10 })),
    );
    expect((await pollOpenAI(conn.id, { sleep: noSleep })).status).toBe("ok");
    const embed = await sumPollEvents(org.id, { apiKeyRef: key.id, model: "text-embedding-3-small" });
    expect([embed.requests, embed.inputTokens]).toEqual([5, 5000]);
    expect(embed.costMicros).toBeGreaterThan(0n);
    // The chat part is fully pushed: no fill for it.
    expect((await sumPollEvents(org.id, { apiKeyRef: key.id, model: { startsWith: "gpt-4o" } })).requests ?? 0).toBe(0);
  });

  it("OpenRouter: a push that arrives after the day left the re-read window lowers the day's fill (never pushed + polled)", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const key = or.state.createKey({ name: "nightly backfill" });
    const day = Math.floor(Date.now() / DAY) * DAY - 6 * DAY;
    const gens = Array.from({ length: 5 }, (_, i) => or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: day + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 500 }));
    const polled = gens.reduce((s, g) => s + g.costMicros, 0n);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect((await rollupTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polled);

    // Five days later a log backfill pushes the same five requests.
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: "openai/gpt-4.1", projectTagId: defaultTag.id },
      gens.map((g) => ({ occurredAt: new Date(g.createdAt), apiKeyRef: key.hash, costMicros: g.costMicros, generationId: g.id })),
    );
    expect((await rollupTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polled);
    expect((await rollupTotals(org.id, { provider: "openrouter" })).requests).toBe(5n);
    // A later poll (which no longer re-reads that day) keeps it that way.
    await prisma.providerConnection.update({ where: { id: conn.id }, data: { cursors: {} } });
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(Date.now() + DAY) });
    expect((await eventTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polled);
  });

  it("OpenRouter: a generation cost fill outside the re-read window moves the day's fill in the same transaction", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const or = await freshOpenRouter(81);
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const key = or.state.createKey({ name: "cost fill" });
    const day = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
    // A model Tollgate has no price for: pushed without cost, the events cost 0 ('unknown').
    const gens = Array.from({ length: 3 }, (_, i) => or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: day + (10 + i) * HOUR, promptTokens: 2000, completionTokens: 100 }));
    const polled = gens.reduce((s, g) => s + g.costMicros, 0n);
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: "tollgate-test/unpriced-model", projectTagId: defaultTag.id },
      gens.map((g) => ({ occurredAt: new Date(g.createdAt), apiKeyRef: key.hash, costMicros: 0n, generationId: g.id })),
    );
    await prisma.usageEvent.updateMany({ where: { orgId: org.id, source: "push" }, data: { costSource: "unknown" } });
    await pollOpenRouter(conn.id, { sleep: noSleep });
    // The poll filled the cost the pushed events lack (same key, another model spelling).
    expect((await rollupTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polled);
    const res = await fillGenerationCosts(org.id, { sleep: noSleep });
    expect(res.filled).toBe(3);
    expect((await rollupTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polled);
    expect((await sumPollEvents(org.id)).costMicros).toBe(0n);
  });

  it("a push that commits while a poll is reconciling is never added on top of the fill", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const or = await freshOpenRouter(82);
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const key = or.state.createKey({ name: "race" });
    const day = Math.floor(Date.now() / DAY) * DAY - DAY;
    const gens = Array.from({ length: 4 }, (_, i) => or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: day + (8 + i) * HOUR, promptTokens: 700, completionTokens: 70 }));
    const polled = gens.reduce((s, g) => s + g.costMicros, 0n);
    // Hold the poll writer's per-workspace lock so the poll stops after reading pushed totals.
    const blocker = await pool.connect();
    try {
      await blocker.query(`SELECT pg_advisory_lock(hashtextextended('tollgate:poll:' || $1, 0))`, [workspace.id]);
      const poll = pollOpenRouter(conn.id, { sleep: noSleep });
      for (let i = 0; i < 200; i++) {
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
        if ((rows[0]?.n ?? 0) > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      // The app pushes two of the requests now.
      const push = pushEvents(
        { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: "openai/gpt-4.1", projectTagId: defaultTag.id },
        gens.slice(0, 2).map((g) => ({ occurredAt: new Date(g.createdAt), apiKeyRef: key.hash, costMicros: g.costMicros })),
      );
      await new Promise((r) => setTimeout(r, 300));
      await blocker.query(`SELECT pg_advisory_unlock(hashtextextended('tollgate:poll:' || $1, 0))`, [workspace.id]);
      await Promise.all([poll, push]);
    } finally {
      blocker.release();
    }
    expect((await rollupTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polled);
    expect((await rollupTotals(org.id, { provider: "openrouter" })).requests).toBe(4n);
  });

  it("two OpenRouter accounts: keyless pushes offset only the connection of their workspace", async () => {
    const { org, workspace: wsA, defaultTag } = await createOrg();
    const wsB = await prisma.workspace.create({ data: { orgId: org.id, slug: "b", name: "B", projectTags: { create: { orgId: org.id, slug: "default", name: "default", isDefault: true } } }, include: { projectTags: true } });
    const connA = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: wsA.id });
    const connB = await makeConnection(org, { provider: "openrouter", secret: or2.state.managementKey, baseUrl: or2.url, workspaceId: wsB.id });
    const day = Math.floor(Date.now() / DAY) * DAY - DAY;
    const ka = or.state.createKey({ name: "account A" });
    const kb = or2.state.createKey({ name: "account B" });
    const genA = Array.from({ length: 3 }, (_, i) => or.state.record({ keyHash: ka.hash, model: "openai/gpt-4.1", createdAt: day + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 100 }));
    const genB = Array.from({ length: 3 }, (_, i) => or2.state.record({ keyHash: kb.hash, model: "openai/gpt-4.1", createdAt: day + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 100 }));
    const total = (gs: typeof genA) => gs.reduce((s, g) => s + g.costMicros, 0n);
    // B's app pushes its traffic without api_key, into workspace B.
    await pushEvents(
      { orgId: org.id, workspaceId: wsB.id, provider: "openrouter", model: "openai/gpt-4.1", projectTagId: wsB.projectTags[0]!.id },
      genB.map((g) => ({ occurredAt: new Date(g.createdAt), costMicros: g.costMicros })),
    );
    await pollOpenRouter(connA.id, { sleep: noSleep });
    await pollOpenRouter(connB.id, { sleep: noSleep });
    // Account A's polled spend is all filled: B's keyless pushes don't offset it. B's are offset.
    const fillA = await sumPollEvents(org.id, { externalId: { startsWith: `poll:${connA.id}:` } });
    const fillB = await sumPollEvents(org.id, { externalId: { startsWith: `poll:${connB.id}:` } });
    expect(fillA.costMicros).toBe(completedDaysTotal(or));
    expect(fillB.costMicros ?? 0n).toBe(completedDaysTotal(or2) - total(genB));
    expect(total(genA)).toBeGreaterThan(0n);
    expect(defaultTag.workspaceId).toBe(wsA.id);
  });

  it("a second connection to an OpenRouter account that is already connected is refused (its fills would double-count)", async () => {
    const { org, workspace } = await createOrg();
    const first = await makeConnection(org, { provider: "openrouter", secret: or2.state.managementKey, baseUrl: or2.url, workspaceId: workspace.id });
    const second = await makeConnection(org, { provider: "openrouter", secret: or2.state.managementKey, baseUrl: or2.url, workspaceId: null });
    await prisma.providerConnection.update({ where: { id: second.id }, data: { createdAt: new Date(first.createdAt.getTime() + 1000) } });
    const k = or2.state.createKey({ name: "dup" });
    or2.state.record({ keyHash: k.hash, model: "openai/gpt-4.1", createdAt: Math.floor(Date.now() / DAY) * DAY - DAY + HOUR, promptTokens: 10, completionTokens: 10 });
    expect((await pollOpenRouter(first.id, { sleep: noSleep })).status).toBe("ok");
    const once = await eventTotals(org.id, { source: "poll" });
    const res = await pollOpenRouter(second.id, { sleep: noSleep });
    expect(res.status).toBe("broken");
    const after = await prisma.providerConnection.findUniqueOrThrow({ where: { id: second.id } });
    expect(after.statusReason).toContain(first.name);
    expect(await eventTotals(org.id, { source: "poll" })).toEqual(once);
    // The keys stay with the first connection.
    expect(await prisma.providerKey.count({ where: { orgId: org.id, connectionId: second.id } })).toBe(0);
  });
});

/** Everything the fake account spent on completed UTC days of the reconciled window (the fakes are shared by the tests). */
function completedDaysTotal(fake: FakeOpenRouter): bigint {
  const today = Math.floor(Date.now() / DAY) * DAY;
  let sum = 0n;
  for (const g of fake.state.generations.values()) if (g.createdAt >= today - 29 * DAY && g.createdAt < today) sum += g.costMicros;
  return sum;
}
