import { describe, expect, it } from "vitest";
import { pool, prisma } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import type { NormalizedEvent } from "../types";
import { upsertPollEvents, writeUsageEvents } from "./write-events";
import { deleteExpiredUsage } from "./retention";
import { POST } from "@/app/api/v1/usage/route";
import { createIngestToken } from "./tokens";
import { clearAttributionCaches } from "./attribution";

const DAY = 86_400_000;

function event(orgId: string, workspaceId: string, externalId: string, daysAgo: number, extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    orgId, workspaceId, externalId, source: "push", provider: "openai", model: "gpt-4o", projectTagId: null, memberId: null,
    endUser: null, providerKeyId: null, apiKeyRef: null, service: null, language: null, occurredAt: new Date(Date.now() - daysAgo * DAY),
    inputTokens: 10, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1, costMicros: 7n,
    latencyMs: null, status: 200, errorType: null, errorMessage: null, generationId: null, metadata: null, ...extra,
  };
}

describe("usage.retention", () => {
  it("deletes raw events past each workspace's retention in batches, keeps rollups and poll rows", async () => {
    const a = await createOrg();
    const b = await createOrg();
    await prisma.workspace.update({ where: { id: a.workspace.id }, data: { retentionDays: 7 } });
    const old = Array.from({ length: 25 }, (_, i) => event(a.org.id, a.workspace.id, `old-${i}`, 10));
    await writeUsageEvents([...old, event(a.org.id, a.workspace.id, "fresh", 1), event(b.org.id, b.workspace.id, "b-10-days", 10)]);
    await upsertPollEvents([event(a.org.id, a.workspace.id, "poll:old", 10, { source: "poll" })]);
    const rollupsBefore = await pool.query(`SELECT sum(requests)::int AS n FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day'`, [a.workspace.id]);

    const res = await deleteExpiredUsage({ batchSize: 10, orgIds: [a.org.id, b.org.id] });
    expect(res.complete).toBe(true);
    expect(res).toMatchObject({ workspaces: 2, deleted: 25 });

    const left = await prisma.usageEvent.findMany({ where: { workspaceId: a.workspace.id }, orderBy: { externalId: "asc" } });
    expect(left.map((e) => e.externalId)).toEqual(["fresh", "poll:old"]);
    // Org B keeps the default 30 days.
    expect(await prisma.usageEvent.count({ where: { workspaceId: b.workspace.id } })).toBe(1);
    const rollupsAfter = await pool.query(`SELECT sum(requests)::int AS n FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day'`, [a.workspace.id]);
    expect(rollupsAfter.rows[0].n).toBe(rollupsBefore.rows[0].n);
    expect(rollupsAfter.rows[0].n).toBe(27);
  });

  it("stops at maxRows and finishes on the next run", async () => {
    const a = await createOrg();
    await prisma.workspace.update({ where: { id: a.workspace.id }, data: { retentionDays: 1 } });
    await writeUsageEvents(Array.from({ length: 12 }, (_, i) => event(a.org.id, a.workspace.id, `x-${i}`, 3)));
    const first = await deleteExpiredUsage({ batchSize: 5, maxRows: 5, orgIds: [a.org.id] });
    expect(first).toMatchObject({ deleted: 5, complete: false });
    expect(await prisma.usageEvent.count({ where: { workspaceId: a.workspace.id } })).toBe(7);
    const second = await deleteExpiredUsage({ batchSize: 5, orgIds: [a.org.id] });
    expect(second).toMatchObject({ deleted: 7, complete: true });
    expect(await prisma.usageEvent.count({ where: { workspaceId: a.workspace.id } })).toBe(0);
  });

  it("raising retention from 30 to 90 days doesn't reopen ids the retention job already deleted (a replay would count twice)", async () => {
    const a = await createOrg();
    const { token } = await createIngestToken(a.ctx, { workspaceId: a.workspace.id, name: "replay" });
    // Pushed 20 days ago, when it was 20 days old: now 40 days old, past the 30-day retention.
    await writeUsageEvents([event(a.org.id, a.workspace.id, "replayed", 40), event(a.org.id, a.workspace.id, "recent", 5)]);
    expect(await deleteExpiredUsage({ orgIds: [a.org.id] })).toMatchObject({ deleted: 1 });
    const daySum = async () =>
      (await pool.query(`SELECT coalesce(sum(requests), 0)::int AS n FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day'`, [a.workspace.id])).rows[0].n as number;
    expect(await daySum()).toBe(2);

    await prisma.workspace.update({ where: { id: a.workspace.id }, data: { retentionDays: 90 } });
    clearAttributionCaches();
    const replay = (id: string, daysAgo: number) =>
      POST(
        new Request("http://localhost/api/v1/usage", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ events: [{ id, timestamp: new Date(Date.now() - daysAgo * DAY).toISOString(), provider: "openai", model: "gpt-4o", cost_usd: "0.000007" }] }),
        }),
      );
    const res = await replay("replayed", 40);
    expect(res.status).toBe(400);
    expect((await res.json()).error.issues[0]).toMatchObject({ path: "events.0.timestamp", message: expect.stringMatching(/already deleted/) });
    expect(await prisma.usageEvent.count({ where: { workspaceId: a.workspace.id, externalId: "replayed" } })).toBe(0);
    expect(await daySum()).toBe(2);
    // Inside the purged watermark, the longer retention applies as before.
    expect((await replay("recent", 5)).status).toBe(202);
    expect(await daySum()).toBe(2);
  });
});
