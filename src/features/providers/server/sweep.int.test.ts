import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The sweep enqueues a poll for every connection in the database: give this file its own Redis
// prefix so other files' workers never run those jobs (and vice versa).
vi.hoisted(() => {
  process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? "tgtest"}-sweep-${process.pid}`;
});

const { createOrg } = await import("../../../../test/helpers/factory");
const { prisma } = await import("@/server/db");
const { closeQueues, getQueue } = await import("@/server/jobs/queue");
const { startFakeOpenRouter } = await import("@/providers/openrouter/fake");
const { sweepConnections, sweepPollJobId, POLL_SLOT_MS } = await import("./sweep");
const { fillGenerationCosts } = await import("./fill-costs");
const { makeConnection, noSleep, pushEvents, rollupTotals } = await import("./pollers.test-helpers");

let fake: Awaited<ReturnType<typeof startFakeOpenRouter>>;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 61 });
});
afterAll(async () => {
  await fake.close();
  await closeQueues();
});

describe("providers.sweep", () => {
  it("queues one poll per active connection per slot (broken ones every 6th slot, disabled never), idempotently", async () => {
    const { org } = await createOrg();
    const active = await makeConnection(org, { provider: "openrouter", secret: "sk-or-v1-a", baseUrl: fake.url });
    const openai = await makeConnection(org, { provider: "openai", secret: "sk-admin-a", baseUrl: "http://127.0.0.1:9/v1" });
    const broken = await makeConnection(org, { provider: "openrouter", secret: "sk-or-v1-b", baseUrl: fake.url });
    const disabled = await makeConnection(org, { provider: "openrouter", secret: "sk-or-v1-c", baseUrl: fake.url });
    await prisma.providerConnection.update({ where: { id: broken.id }, data: { status: "broken" } });
    await prisma.providerConnection.update({ where: { id: disabled.id }, data: { status: "disabled" } });

    const slot = 6 * 1_000_003 + 1; // not a multiple of 6: broken connections wait
    const at = new Date(slot * POLL_SLOT_MS + 1000);
    await sweepConnections(at);
    await sweepConnections(new Date(at.getTime() + 60_000)); // same slot again (a retry, a second worker)
    const q = getQueue("providers");
    const job = (id: string, s = slot) => q.getJob(sweepPollJobId(id, s));
    expect((await job(active.id))?.name).toBe("providers.poll-openrouter");
    expect((await job(openai.id))?.name).toBe("providers.poll-openai");
    expect(await job(broken.id)).toBeUndefined();
    expect(await job(disabled.id)).toBeUndefined();
    const mine = (await q.getJobs(["waiting", "delayed", "prioritized"])).filter((j) => [active.id, openai.id, broken.id, disabled.id].includes(j.data.connectionId));
    expect(mine).toHaveLength(2);
    expect(await q.getJob(`fill-costs-${org.id}-${slot}`)).toBeDefined();

    const slot6 = 6 * 1_000_004;
    await sweepConnections(new Date(slot6 * POLL_SLOT_MS));
    expect((await job(broken.id, slot6))?.data).toEqual({ connectionId: broken.id });
  });
});

describe("usage.fill-costs", () => {
  it("fills pushed OpenRouter events' cost from /generation, moving the rollups by the difference, once", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
    const key = fake.state.createKey({ name: "gens" });
    const at = Date.now() - 3_600_000;
    const g1 = fake.state.record({ keyHash: key.hash, model: "anthropic/claude-sonnet-4", createdAt: at, promptTokens: 3000, completionTokens: 700, cachedTokens: 1000 });
    const g2 = fake.state.record({ keyHash: key.hash, model: "anthropic/claude-sonnet-4", createdAt: at, promptTokens: 100, completionTokens: 10 });
    const base = { orgId: org.id, workspaceId: workspace.id, provider: "openrouter" as const, model: "anthropic/claude-sonnet-4", projectTagId: defaultTag.id };
    // Pushed without cost: the first with a bogus estimate-able model name, the second unknown, one not at OpenRouter at all.
    await pushEvents(base, [
      { occurredAt: new Date(at), generationId: g1.id, inputTokens: 3000, outputTokens: 700, costMicros: null, model: "no-such-model" },
      { occurredAt: new Date(at), generationId: g2.id, inputTokens: 100, outputTokens: 10, costMicros: null },
      { occurredAt: new Date(at), generationId: "gen-not-at-openrouter", costMicros: null },
      { occurredAt: new Date(at), generationId: "gen-already-costed", costMicros: 777n },
    ]);
    const before = await rollupTotals(org.id, { granularity: "hour" });
    const beforeEvents = await prisma.usageEvent.findMany({ where: { orgId: org.id, generationId: { in: [g1.id, g2.id] } } });
    const estimated = beforeEvents.reduce((s, e) => s + e.costMicros, 0n);

    const res = await fillGenerationCosts(org.id, { sleep: noSleep });
    expect(res).toEqual({ checked: 3, filled: 2, notFound: 1 });
    const after = await prisma.usageEvent.findMany({ where: { orgId: org.id, generationId: { in: [g1.id, g2.id] } }, orderBy: { externalId: "asc" } });
    expect(after.map((e) => [e.costMicros, e.costSource])).toEqual([
      [g1.costMicros, "provider"],
      [g2.costMicros, "provider"],
    ]);
    const expected = before.costMicros - estimated + g1.costMicros + g2.costMicros;
    for (const granularity of ["minute", "hour", "day"] as const) expect((await rollupTotals(org.id, { granularity })).costMicros).toBe(expected);

    // A second run (or a concurrent one) finds nothing left to fill and moves nothing.
    expect((await fillGenerationCosts(org.id, { sleep: noSleep })).filled).toBe(0);
    expect((await rollupTotals(org.id, { granularity: "hour" })).costMicros).toBe(expected);
  });
});
