import { describe, expect, it } from "vitest";
import { pool, prisma } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import type { NormalizedEvent } from "../types";
import { upsertPollEvents, writeUsageEvents } from "./write-events";
import { deleteExpiredUsage } from "./retention";
import { POST } from "@/app/api/v1/usage/route";
import { createIngestToken } from "./tokens";
import { clearAttributionCaches } from "./attribution";
import { ensureUsagePartitions } from "./partitions";
import { normalizedEvent } from "../../../../test/helpers/events";

const DAY = 86_400_000;

function event(orgId: string, workspaceId: string, externalId: string, daysAgo: number, extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return normalizedEvent(orgId, workspaceId, { externalId, occurredAt: new Date(Date.now() - daysAgo * DAY), costMicros: 7n, ...extra });
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

describe("usage.retention on day partitions", () => {
  const at = (d: number) => new Date(Date.UTC(2001, 2, d, 12));
  const partitionOf = async (workspaceId: string, externalId: string) =>
    (await pool.query(`SELECT tableoid::regclass::text AS p FROM usage_events WHERE "workspaceId" = $1 AND "externalId" = $2`, [workspaceId, externalId])).rows[0]?.p;

  it("drops a day whose events have all expired (poll rows kept), deletes rows of a day another workspace keeps, and remembers purged ids", async () => {
    const a = await createOrg();
    const b = await createOrg();
    await prisma.workspace.update({ where: { id: a.workspace.id }, data: { retentionDays: 30 } });
    await prisma.workspace.update({ where: { id: b.workspace.id }, data: { retentionDays: 90 } });
    await ensureUsagePartitions({ from: at(1), now: at(1), daysAhead: 1 });
    const ev = (org: typeof a, id: string, day: number, extra: Partial<NormalizedEvent> = {}) => ({ ...event(org.org.id, org.workspace.id, id, 0, extra), occurredAt: at(day) });
    await writeUsageEvents([ev(a, "a1-1", 1), ev(a, "a1-2", 1), ev(a, "a1-3", 1), ev(a, "a2-1", 2), ev(a, "a2-2", 2), ev(b, "b2-1", 2)]);
    await upsertPollEvents([ev(a, "poll:a1", 1, { source: "poll" })]);
    expect(await partitionOf(a.workspace.id, "a1-1")).toBe("usage_events_p20010301");
    const rollup = `SELECT sum(requests)::int AS n FROM usage_rollups WHERE "orgId" = ANY($1) AND granularity = 'day'`;
    const before = (await pool.query(rollup, [[a.org.id, b.org.id]])).rows[0].n;

    // 1 May 2001: A (30 days) is past both days, B (90 days) keeps 2 March.
    const res = await deleteExpiredUsage({ orgIds: [a.org.id, b.org.id], now: new Date(Date.UTC(2001, 4, 1)), batchSize: 1 });
    expect(res).toMatchObject({ deleted: 5, complete: true });
    expect((await pool.query(`SELECT 1 FROM pg_class WHERE relname = 'usage_events_p20010301'`)).rowCount).toBe(0);
    expect(await partitionOf(a.workspace.id, "poll:a1")).toBe("usage_events_default");
    const left = await prisma.usageEvent.findMany({ where: { workspaceId: { in: [a.workspace.id, b.workspace.id] } }, orderBy: { externalId: "asc" } });
    expect(left.map((e) => e.externalId)).toEqual(["b2-1", "poll:a1"]);
    expect((await pool.query(rollup, [[a.org.id, b.org.id]])).rows[0].n).toBe(before);
    // A purged id is still known: sending it again counts nothing.
    expect(await writeUsageEvents([ev(a, "a1-1", 1)])).toEqual({ inserted: 0, duplicates: 1 });
  });

  it("creates missing days ahead and moves rows the default partition held for them", async () => {
    const a = await createOrg();
    const day = new Date(Date.UTC(2002, 6, 1, 8));
    const id = uniq("early");
    await writeUsageEvents([{ ...event(a.org.id, a.workspace.id, id, 0), occurredAt: day }]);
    const name = await partitionOf(a.workspace.id, id);
    expect(["usage_events_default", "usage_events_p20020701"]).toContain(name);
    await ensureUsagePartitions({ now: day, daysAhead: 0 });
    expect(await partitionOf(a.workspace.id, id)).toBe("usage_events_p20020701");
    expect(await prisma.usageEvent.count({ where: { workspaceId: a.workspace.id } })).toBe(1);
  });
});
