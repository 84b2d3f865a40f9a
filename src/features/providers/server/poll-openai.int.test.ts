import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { pollOpenAI } from "./poll-openai";
import { eventTotals, makeConnection, noSleep, rollupTotals } from "./pollers.test-helpers";

const HOUR = 3_600_000;
const DAY = 86_400_000;

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ seed: 31 });
  fake.generateTraffic({ days: 31, requestsPerDay: 40 });
});
afterAll(async () => {
  await fake.close();
  await closeQueues();
});

/** Records the usage URLs the poller asks for (to check the trailing window). */
function recordingFetch(urls: string[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    urls.push(decodeURIComponent(String(url)));
    return fetch(url, init);
  }) as typeof fetch;
}

const TOKEN_KINDS = new Set(["completions", "embeddings", "moderations"]);
function fakeTotals(from: number) {
  let requests = 0n;
  let input = 0n;
  for (const r of fake.state.recordsBetween(from, Date.now() + HOUR)) {
    if (!TOKEN_KINDS.has(r.kind)) continue;
    requests += BigInt(r.requests);
    input += BigInt(r.inputTokens);
  }
  return { requests, input };
}

describe("OpenAI poller against the fake", () => {
  it("discovers projects and keys, backfills usage (1h buckets) into poll events and costs into cost lines", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openai", secret: fake.state.adminKey, baseUrl: fake.url, workspaceId: workspace.id });
    const res = await pollOpenAI(conn.id, { sleep: noSleep });
    expect(res.status).toBe("ok");

    const keys = await prisma.providerKey.findMany({ where: { orgId: org.id } });
    expect(keys).toHaveLength(fake.state.apiKeys.size);
    for (const k of keys) {
      const fk = fake.state.apiKeys.get(k.providerKeyId)!;
      expect(k).toMatchObject({ provider: "openai", providerProjectId: fk.projectId, label: fk.name, workspaceId: workspace.id, connectionId: conn.id });
    }

    // Usage older than 29 days is stored raw but not turned into events (pushed events may be gone).
    const reconcileFrom = Math.floor((Date.now() - 29 * DAY) / HOUR) * HOUR + HOUR;
    const expected = fakeTotals(reconcileFrom);
    const polled = await eventTotals(org.id, { source: "poll" });
    expect(polled.requests).toBe(expected.requests);
    expect(polled.inputTokens).toBe(expected.input);
    expect((await rollupTotals(org.id, { granularity: "hour" })).requests).toBe(expected.requests);
    // Token fills are priced from the catalog (usage buckets carry no money); only the billed-cost
    // events (cost-lines.ts) carry the provider's amounts.
    expect(polled.costMicros).toBeGreaterThan(0n);
    expect(await prisma.usageEvent.count({ where: { orgId: org.id, source: "poll", costSource: "provider", NOT: { externalId: { contains: ":openai.costs:" } } } })).toBe(0);
    expect(await prisma.polledUsage.count({ where: { connectionId: conn.id, endpoint: "openai.images" } })).toBeGreaterThan(0);

    // Cost lines add up to what the fake charged since the first day of the backfill.
    const lines = await prisma.providerCostLine.findMany({ where: { connectionId: conn.id } });
    const firstDay = Math.floor((Date.now() - 30 * DAY) / DAY) * DAY;
    let charged = 0n;
    for (const r of fake.state.recordsBetween(firstDay, Date.now() + DAY)) charged += r.costMicros;
    expect(lines.reduce((s, l) => s + l.amountMicros, 0n)).toBe(charged);
    expect(lines.some((l) => l.lineItem.endsWith(", cached input"))).toBe(true);
  });

  it("every poll re-reads the trailing 48 h and replaces the buckets that changed, without duplicating", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openai", secret: fake.state.adminKey, baseUrl: fake.url, workspaceId: workspace.id });
    const first = new Date();
    await pollOpenAI(conn.id, { sleep: noSleep, now: () => first });

    // OpenAI revises a bucket from 3 hours ago: more requests land in it.
    const key = [...fake.state.apiKeys.values()].find((k) => k.owner.type === "user")!;
    const at = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR + 60_000;
    const bucketIso = new Date(Math.floor(at / HOUR) * HOUR).toISOString();
    const externalId = `poll:${conn.id}:openai.completions:${bucketIso}:${key.id}:gpt-4o-2024-08-06`;
    const before = await prisma.usageEvent.findFirst({ where: { workspaceId: workspace.id, externalId } });
    for (let i = 0; i < 3; i++) fake.state.record({ at, projectId: key.projectId, apiKeyId: key.id, userId: key.owner.type === "user" ? key.owner.userId : null, model: "gpt-4o", inputTokens: 1000, outputTokens: 100 });

    const urls: string[] = [];
    const second = new Date(first.getTime() + 5 * 60_000);
    await pollOpenAI(conn.id, { sleep: noSleep, now: () => second, fetch: recordingFetch(urls) });
    const usageUrl = urls.find((u) => u.includes("/organization/usage/completions"))!;
    const startTime = Number(/start_time=(\d+)/.exec(usageUrl)![1]);
    expect(startTime * 1000).toBe(Math.floor((first.getTime() - 48 * HOUR) / HOUR) * HOUR);
    expect(usageUrl).toContain("bucket_width=1h");
    expect(usageUrl).toMatch(/group_by\[\]=project_id&group_by\[\]=user_id&group_by\[\]=api_key_id&group_by\[\]=model/);

    const after = await prisma.usageEvent.findMany({ where: { orgId: org.id, externalId } });
    expect(after).toHaveLength(1);
    expect(after[0]!.requests).toBe((before?.requests ?? 0) + 3);
    // Every token-bearing record in the reconciled window is counted exactly once. The window
    // starts where the FIRST poll's did (29 days before it, the next whole hour): the second
    // poll re-reads only 48 h and leaves older buckets as they are. (Taken from `second`, the
    // window lost an hour whenever the two polls fell on both sides of an hour boundary, i.e.
    // when the test ran in the last 5 minutes of an hour, and the hour's requests were "extra".)
    const reconcileFrom = Math.floor((first.getTime() - 29 * DAY) / HOUR) * HOUR + HOUR;
    expect((await eventTotals(org.id, { source: "poll" })).requests).toBe(fakeTotals(reconcileFrom).requests);
    expect((await rollupTotals(org.id, { granularity: "hour" })).requests).toBe(fakeTotals(reconcileFrom).requests);
    // Keys and costs are not re-read every 5 minutes.
    expect(urls.some((u) => u.includes("/organization/projects"))).toBe(false);
    expect(urls.some((u) => u.includes("/organization/costs"))).toBe(false);
  });

  it("a cost line the Costs API no longer reports for a day it re-reads is dropped, so the bill is what OpenAI says now", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openai", secret: fake.state.adminKey, baseUrl: fake.url, workspaceId: workspace.id });
    expect((await pollOpenAI(conn.id, { sleep: noSleep })).status).toBe("ok");
    const day = new Date(Math.floor(Date.now() / DAY) * DAY - 2 * DAY);
    const billed = async () => (await prisma.providerCostLine.findMany({ where: { connectionId: conn.id, day } })).reduce((s, l) => s + l.amountMicros, 0n);
    const before = await billed();
    // A line of an earlier read that OpenAI has since revised away (renamed or voided).
    await prisma.providerCostLine.create({ data: { orgId: org.id, connectionId: conn.id, day, projectRef: "proj_gone", lineItem: "gpt-legacy, input", amountMicros: 5_000_000n, quantityUnit: "tokens" } });
    // The next costs read (due hourly) re-reads the trailing days, this one among them.
    expect((await pollOpenAI(conn.id, { sleep: noSleep, now: () => new Date(Date.now() + 2 * HOUR) })).status).toBe("ok");
    expect(await prisma.providerCostLine.count({ where: { connectionId: conn.id, day, lineItem: "gpt-legacy, input" } })).toBe(0);
    expect(await billed()).toBe(before);
  });
});

