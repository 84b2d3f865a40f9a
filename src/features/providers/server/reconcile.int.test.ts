import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMember, createOrg } from "../../../../test/helpers/factory";
import { pool, prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { pollOpenRouter } from "./poll-openrouter";
import { pollOpenAI } from "./poll-openai";
import { eventTotals, makeConnection, noSleep, pushEvents, rollupTotals } from "./pollers.test-helpers";

// Push + pull never count the same spend twice: for every polled bucket,
// pushed + poll = max(pushed, polled) — here, always the polled total.
const HOUR = 3_600_000;
const DAY = 86_400_000;

let or: FakeOpenRouter;
let oai: FakeOpenAI;
beforeAll(async () => {
  or = await startFakeOpenRouter({ seed: 41 });
  oai = await startFakeOpenAI({ seed: 42 });
});
afterAll(async () => {
  await Promise.all([or.close(), oai.close()]);
  await closeQueues();
});

/** Forces the next poll to re-read /activity (as the first poll after the next UTC day would). */
async function expireActivityCursor(connectionId: string) {
  await prisma.providerConnection.update({ where: { id: connectionId }, data: { cursors: {} } });
}

describe("push + pull reconciliation", () => {
  it("OpenRouter: pushed generations for a key/model/day + the day's activity → totals equal the polled total, at every step", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const key = or.state.createKey({ name: "push+pull" });
    const day = Math.floor(Date.now() / DAY) * DAY - DAY; // yesterday, 00:00 UTC
    const gens = Array.from({ length: 5 }, (_, i) => or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: day + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 1000 + i * 100 }));
    const polledTotal = gens.reduce((s, g) => s + g.costMicros, 0n);
    const base = { orgId: org.id, workspaceId: workspace.id, provider: "openrouter" as const, model: "openai/gpt-4.1", projectTagId: defaultTag.id };
    const push = (gs: typeof gens) =>
      pushEvents(base, gs.map((g) => ({ occurredAt: new Date(g.createdAt), apiKeyRef: key.hash, costMicros: g.costMicros, inputTokens: g.promptTokens, outputTokens: g.completionTokens, generationId: g.id })));

    // 1. Three of five requests were pushed before the first poll.
    await push(gens.slice(0, 3));
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const check = async (pushedCount: number) => {
      expect((await rollupTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polledTotal);
      expect((await eventTotals(org.id, { provider: "openrouter" })).costMicros).toBe(polledTotal);
      expect((await rollupTotals(org.id, { provider: "openrouter" })).requests).toBe(5n);
      expect((await eventTotals(org.id, { source: "push" })).count).toBe(pushedCount);
      // One poll event at most for the bucket, whatever happened before.
      const pollEvents = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll" } });
      expect(pollEvents).toHaveLength(1);
      return pollEvents[0]!;
    };
    expect((await check(3)).requests).toBe(2);

    // 2. A late push of a fourth request lowers the poll event in its own transaction: the
    //    totals never exceed the polled total, not even until the next re-read.
    await push(gens.slice(3, 4));
    expect((await check(4)).requests).toBe(1);
    await expireActivityCursor(conn.id);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect((await check(4)).requests).toBe(1);

    // 3. Everything pushed: the poll event is zeroed, not deleted and not left behind.
    await push(gens.slice(4));
    await expireActivityCursor(conn.id);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const last = await check(5);
    expect([last.requests, last.costMicros, last.inputTokens]).toEqual([0, 0n, 0]);

    // 4. Polling again with nothing new changes nothing.
    await expireActivityCursor(conn.id);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    await check(5);
  });

  it("OpenAI: pushed requests in an hour bucket + the bucket's usage → requests and tokens equal the polled totals", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const conn = await makeConnection(org, { provider: "openai", secret: oai.state.adminKey, baseUrl: oai.url, workspaceId: workspace.id });
    const project = oai.state.createProject({ name: "reconcile" });
    const key = oai.state.createApiKey(project.id, { name: "reconcile key", serviceAccountName: "svc" });
    const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const recs = Array.from({ length: 6 }, (_, i) => oai.state.record({ at: hour + i * 60_000, projectId: project.id, apiKeyId: key.id, model: "gpt-4o-mini", inputTokens: 500, outputTokens: 50, cachedTokens: 100 }));
    // Four were also pushed by the app (with the snapshot-less model name and its key id).
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openai", model: "gpt-4o-mini", projectTagId: defaultTag.id },
      recs.slice(0, 4).map((r) => ({ occurredAt: new Date(r.at), apiKeyRef: key.id, inputTokens: 500, outputTokens: 50, cachedTokens: 100 })),
    );
    await pollOpenAI(conn.id, { sleep: noSleep });
    const pollEvents = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll", apiKeyRef: key.id } });
    expect(pollEvents.map((e) => [e.model, e.requests, e.inputTokens, e.cachedTokens])).toEqual([["gpt-4o-mini-2024-07-18", 2, 1000, 200]]);
    const bucket = { granularity: "hour" as const, provider: "openai" as const, from: new Date(hour), to: new Date(hour + HOUR) };
    const inBucket = await prisma.usageEvent.aggregate({ where: { orgId: org.id, apiKeyRef: key.id }, _sum: { requests: true, inputTokens: true } });
    expect(inBucket._sum).toEqual({ requests: 6, inputTokens: 3000 });
    expect((await rollupTotals(org.id, bucket)).requests).toBeGreaterThanOrEqual(6n);

    // The bucket keeps growing at OpenAI; the next poll replaces the difference.
    oai.state.record({ at: hour + 30 * 60_000, projectId: project.id, apiKeyId: key.id, model: "gpt-4o-mini", inputTokens: 500, outputTokens: 50 });
    await pollOpenAI(conn.id, { sleep: noSleep, now: () => new Date(Date.now() + 60_000) });
    const again = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll", apiKeyRef: key.id } });
    expect(again.map((e) => e.requests)).toEqual([3]);
    expect((await prisma.usageEvent.aggregate({ where: { orgId: org.id, apiKeyRef: key.id }, _sum: { requests: true } }))._sum.requests).toBe(7);
  });
});

describe("polled usage and the key's member", () => {
  it("polled events of a key attributed to a member carry that member (rollups too); clearing it moves them back", async () => {
    const { org, workspace } = await createOrg();
    const dev = await addMember(org.id, "member");
    const conn = await makeConnection(org, { provider: "openrouter", secret: or.state.managementKey, baseUrl: or.url, workspaceId: workspace.id });
    const key = or.state.createKey({ name: "team-key" });
    const row = await prisma.providerKey.create({ data: { orgId: org.id, provider: "openrouter", providerKeyId: key.hash, label: "team-key", workspaceId: workspace.id, memberUserId: dev.user.id } });
    const day = Math.floor(Date.now() / DAY) * DAY - DAY;
    for (let i = 0; i < 3; i++) or.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: day + (9 + i) * HOUR, promptTokens: 1000, completionTokens: 500 });
    const byMember = async () => {
      const ev = await pool.query<{ m: string; cost: string }>(`SELECT coalesce("memberId", '') AS m, sum("costMicros")::text AS cost FROM usage_events WHERE "orgId" = $1 AND "providerKeyId" = $2 AND source = 'poll' GROUP BY 1 ORDER BY 1`, [org.id, row.id]);
      const ro = await pool.query<{ m: string; cost: string }>(
        `SELECT "memberId" AS m, sum("costMicros")::text AS cost FROM usage_rollups WHERE "orgId" = $1 AND "providerKeyId" = $2 AND granularity = 'day' GROUP BY 1 HAVING sum("costMicros") <> 0 ORDER BY 1`,
        [org.id, row.id],
      );
      expect(ro.rows).toEqual(ev.rows);
      return ev.rows;
    };

    await pollOpenRouter(conn.id, { sleep: noSleep });
    const first = await byMember();
    expect(first.map((r) => r.m)).toEqual([dev.user.id]);
    expect(BigInt(first[0]!.cost)).toBeGreaterThan(0n);

    await prisma.providerKey.updateMany({ where: { orgId: org.id, providerKeyId: key.hash }, data: { memberUserId: null } });
    await expireActivityCursor(conn.id);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(await byMember()).toEqual([{ m: "", cost: first[0]!.cost }]);
  });
});
