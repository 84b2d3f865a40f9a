import { describe, expect, it } from "vitest";
import { pool, prisma } from "@/server/db";
import { createOrg } from "../../../../test/helpers/factory";
import { upsertPollEvents, writeUsageEvents } from "./write-events";
import { normalizedEvent as event } from "../../../../test/helpers/events";

async function rollups(workspaceId: string, granularity: string) {
  const { rows } = await pool.query(
    `SELECT "bucketStart", model, requests::int, "inputTokens"::int AS input, "costMicros"::int AS cost
       FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = $2::"Granularity" ORDER BY "bucketStart", model`,
    [workspaceId, granularity],
  );
  return rows;
}

describe("writeUsageEvents", () => {
  it("survives concurrent batches with overlapping ids in different orders: each id once, rollups exact", async () => {
    const { org, workspace } = await createOrg();
    const ids = Array.from({ length: 300 }, (_, i) => `id-${i}`);
    const shuffled = (seed: number) => [...ids].sort((a, b) => ((a.length * 31 + a.charCodeAt(a.length - 1) * seed) % 97) - ((b.length * 31 + b.charCodeAt(b.length - 1) * seed) % 97));
    const batches = [1, 2, 3, 4, 5, 6].map((seed) =>
      shuffled(seed).slice(0, 250).map((id) => event(org.id, workspace.id, { externalId: id, model: `m-${Number(id.slice(3)) % 7}`, occurredAt: new Date(Date.UTC(2030, 0, 1, Number(id.slice(3)) % 5)) })),
    );
    const results = await Promise.all(batches.map((b) => writeUsageEvents(b)));
    const inserted = results.reduce((s, r) => s + r.inserted, 0);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM usage_events WHERE "workspaceId" = $1`, [workspace.id]);
    expect(inserted).toBe(rows[0].n);
    expect(results.reduce((s, r) => s + r.inserted + r.duplicates, 0)).toBe(6 * 250);
    for (const g of ["minute", "hour", "day"]) {
      const sum = (await rollups(workspace.id, g)).reduce((s, r) => s + r.requests, 0);
      expect(sum).toBe(rows[0].n);
    }
  });
});

describe("writeUsageEvents input encoding", () => {
  it("handles batches where every column but the id is constant, and ids shared across workspaces", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const at = new Date(Date.UTC(2030, 5, 30, 23, 59, 59, 999));
    const same = Array.from({ length: 5 }, (_, i) => event(a.org.id, a.workspace.id, { externalId: `same-${i}`, occurredAt: at, memberId: null, latencyMs: 7 }));
    const shared = [event(a.org.id, a.workspace.id, { externalId: "shared" }), event(b.org.id, b.workspace.id, { externalId: "shared" })];
    expect(await writeUsageEvents([...same, ...shared])).toEqual({ inserted: 7, duplicates: 0 });
    expect(await prisma.usageEvent.count({ where: { externalId: "shared", workspaceId: { in: [a.workspace.id, b.workspace.id] } } })).toBe(2);
    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: a.workspace.id, externalId: { startsWith: "same-" } } });
    expect(rows.map((r) => [r.occurredAt.toISOString(), r.latencyMs, r.memberId, r.inputTokens])).toEqual(Array(5).fill(["2030-06-30T23:59:59.999Z", 7, null, 10]));
    // UTC bucket starts for an event at 23:59:59.999.
    const buckets = await pool.query(
      `SELECT granularity, "bucketStart", requests::int FROM usage_rollups WHERE "workspaceId" = $1 AND "bucketStart" >= '2030-01-01' ORDER BY granularity`,
      [a.workspace.id],
    );
    expect(buckets.rows.map((r) => [r.granularity, r.bucketStart.toISOString(), r.requests])).toEqual([
      ["minute", "2030-06-30T23:59:00.000Z", 5],
      ["hour", "2030-06-30T23:00:00.000Z", 5],
      ["day", "2030-06-30T00:00:00.000Z", 5],
    ]);
  });


  it("stores awkward strings exactly (quotes, backslashes, braces, commas, NULL-looking text, unicode)", async () => {
    const { org, workspace } = await createOrg();
    const weird = ['a"b', "c\\d", "{x,y}", "NULL", " spaced ", "emoji 🚀 ünï", "tab\tnew\nline"];
    const events = weird.map((w, i) =>
      event(org.id, workspace.id, { externalId: w, model: `m ${w}`, endUser: w, errorMessage: w, metadata: { [`k${i}"`]: w }, occurredAt: new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)) }),
    );
    events.push(event(org.id, workspace.id, { externalId: "nul\u0000id", endUser: "x\u0000y", metadata: { k: "v\u0000" } }));
    expect(await writeUsageEvents(events)).toEqual({ inserted: 8, duplicates: 0 });
    const rows = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id } });
    for (const [i, w] of weird.entries()) {
      const r = rows.find((x) => x.externalId === w)!;
      expect(r).toMatchObject({ model: `m ${w}`, endUser: w, errorMessage: w, metadata: { [`k${i}"`]: w } });
      expect(r.occurredAt.toISOString()).toBe("2030-01-02T03:04:05.678Z");
    }
    expect(rows.find((x) => x.externalId === "nul\ufffdid")).toMatchObject({ endUser: "x\ufffdy", metadata: { k: "v\ufffd" } });
  });
});

describe("upsertPollEvents", () => {
  it("replaces a poll row and moves its contribution in the rollups (delta new − old)", async () => {
    const { org, workspace } = await createOrg();
    const t1 = new Date(Date.UTC(2030, 0, 1, 10, 5));
    const t2 = new Date(Date.UTC(2030, 0, 1, 11, 7));
    const base = event(org.id, workspace.id, { source: "poll", externalId: "poll:bucket-1", occurredAt: t1, inputTokens: 100, costMicros: 1000n, requests: 4 });
    expect(await upsertPollEvents([base])).toEqual({ inserted: 1, updated: 0, duplicates: 0 });
    expect(await upsertPollEvents([base])).toEqual({ inserted: 0, updated: 0, duplicates: 1 });
    // The bucket grew and (contrived) moved hour: the old contribution leaves, the new one lands.
    expect(await upsertPollEvents([{ ...base, occurredAt: t2, inputTokens: 250, costMicros: 2500n, requests: 9 }])).toEqual({ inserted: 0, updated: 1, duplicates: 0 });
    const hours = await rollups(workspace.id, "hour");
    expect(hours.map((r) => [r.bucketStart.toISOString(), r.requests, r.input, r.cost])).toEqual([
      ["2030-01-01T10:00:00.000Z", 0, 0, 0],
      ["2030-01-01T11:00:00.000Z", 9, 250, 2500],
    ]);
    const day = await rollups(workspace.id, "day");
    expect(day.map((r) => [r.requests, r.input, r.cost])).toEqual([[9, 250, 2500]]);
    const stored = await prisma.usageEvent.findMany({ where: { workspaceId: workspace.id } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ inputTokens: 250, requests: 9, costMicros: 2500n });
  });

  it("never overwrites a pushed event that happens to share the external id", async () => {
    const { org, workspace } = await createOrg();
    const pushed = event(org.id, workspace.id, { externalId: "same" });
    await writeUsageEvents([pushed]);
    const res = await upsertPollEvents([{ ...pushed, source: "poll", inputTokens: 999 }]);
    expect(res).toEqual({ inserted: 0, updated: 0, duplicates: 1 });
    const row = await prisma.usageEvent.findFirstOrThrow({ where: { workspaceId: workspace.id } });
    expect(row).toMatchObject({ source: "push", inputTokens: 10 });
    await expect(upsertPollEvents([pushed])).rejects.toThrow(/only takes source 'poll'/);
  });
});
