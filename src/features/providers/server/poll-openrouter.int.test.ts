import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues, getQueue } from "@/server/jobs/queue";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { pollOpenRouter } from "./poll-openrouter";
import { requeueAfterRateLimit } from "./sweep";
import { eventTotals, makeConnection, noSleep, pushEvents, rollupTotals } from "./pollers.test-helpers";

const DAY = 86_400_000;
const today = () => Math.floor(Date.now() / DAY) * DAY;

let fake: FakeOpenRouter;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 21 });
});
afterAll(async () => {
  await fake.close();
  await closeQueues();
});

/** What the fake charged, per key, for the days the poller reconciles (last 29 completed days). */
function chargedMicros(keyHash?: string) {
  const from = today() - 29 * DAY;
  let sum = 0n;
  for (const g of fake.state.generations.values()) if (g.createdAt >= from && g.createdAt < today() && (!keyHash || g.keyHash === keyHash)) sum += g.costMicros;
  return sum;
}

/** What the fake charged yesterday (UTC), all keys: the fake account is shared by this file's tests. */
function chargedYesterday() {
  const charged = { costMicros: 0n, requests: 0n, inputTokens: 0n };
  for (const g of fake.state.generations.values()) {
    if (g.createdAt < today() - DAY || g.createdAt >= today()) continue;
    charged.costMicros += g.costMicros;
    charged.requests += 1n;
    charged.inputTokens += BigInt(g.promptTokens);
  }
  return charged;
}
const yesterday = () => ({ from: new Date(today() - DAY), to: new Date(today()) });

describe("OpenRouter poller against the fake", () => {
  it("discovers keys, snapshots credits, backfills 30 days of activity into reconciled poll events", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
    const t = fake.generateTraffic({ days: 31, requestsPerDay: 25, keys: 4 });
    fake.state.updateKey(t.keys[1]!.hash, { disabled: true, limit: 250 });
    const before = chargedMicros();

    const res = await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(res).toMatchObject({ status: "ok", stats: { keys: 4, creditSnapshots: 1 } });

    const keys = await prisma.providerKey.findMany({ where: { orgId: org.id }, orderBy: { label: "asc" } });
    expect(keys.map((k) => k.label).sort()).toEqual(t.keys.map((k) => k.name).sort());
    for (const k of keys) {
      expect(k).toMatchObject({ provider: "openrouter", connectionId: conn.id, workspaceId: workspace.id, status: "active" });
      expect(k.providerUsageMicros).toBe(fake.state.usageMicros(k.providerKeyId));
      expect(k.lastSeenAt).not.toBeNull();
    }
    const disabled = keys.find((k) => k.providerKeyId === t.keys[1]!.hash)!;
    expect(disabled).toMatchObject({ disabledAtProvider: true, providerLimitMicros: 250_000_000n });

    const snap = await prisma.creditSnapshot.findFirstOrThrow({ where: { connectionId: conn.id } });
    expect(snap.totalUsageMicros).toBe(fake.state.totalUsageMicros());
    expect(snap.totalCreditsMicros).toBe(fake.state.totalCreditsMicros);

    // Raw activity rows are stored; poll events carry exactly what the fake charged (nothing pushed).
    expect(await prisma.polledUsage.count({ where: { connectionId: conn.id, endpoint: "openrouter.activity" } })).toBeGreaterThan(29);
    const polled = await eventTotals(org.id, { source: "poll" });
    expect(polled.costMicros).toBe(before);
    expect((await rollupTotals(org.id)).costMicros).toBe(before);
    // Each poll event is attributed to its key and the connection's workspace; a backfilled day has no
    // minute readings, so its fill sits at 12:00 UTC (spread-fill.ts).
    const ev = await prisma.usageEvent.findFirstOrThrow({ where: { orgId: org.id, source: "poll", apiKeyRef: t.keys[0]!.hash } });
    expect(ev).toMatchObject({ workspaceId: workspace.id, providerKeyId: keys.find((k) => k.providerKeyId === t.keys[0]!.hash)!.id, costSource: "provider" });
    expect(ev.externalId).toMatch(new RegExp(`^poll:${conn.id}:openrouter\\.activity:\\d{4}-\\d{2}-\\d{2}T12:00:00\\.000Z:${t.keys[0]!.hash}:`));

    const row = await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } });
    expect(row.backfillDoneAt).not.toBeNull();
    expect(row.lastPolledAt).not.toBeNull();
    expect(Object.keys(row.cursors as object)).toContain("openrouter.activity");
  });

  it("re-reading a revised day replaces its poll event instead of adding one; deleted keys are marked", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
    const key = fake.state.createKey({ name: "revised" });
    const gone = fake.state.createKey({ name: "to delete" });
    const yesterdayNoon = today() - DAY / 2;
    fake.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: yesterdayNoon, promptTokens: 1000, completionTokens: 1000 }); // $0.01
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const where = { orgId: org.id, source: "poll" as const, apiKeyRef: key.hash, model: "openai/gpt-4.1" };
    expect((await prisma.usageEvent.findMany({ where })).map((e) => [e.requests, e.costMicros])).toEqual([[1, 10_000n]]);

    // Activity is only re-read after a day ends or every few hours: a second poll now skips it.
    fake.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: yesterdayNoon + 60_000, promptTokens: 1000, completionTokens: 1000 });
    expect((await pollOpenRouter(conn.id, { sleep: noSleep })).stats.activityRows).toBeUndefined();
    // Six hours later the day is read again and the same event now holds both requests.
    const sixHours = new Date(Date.now() + 6 * 3_600_000 + 1000);
    fake.state.deleteKey(gone.hash);
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => sixHours });
    const events = await prisma.usageEvent.findMany({ where });
    expect(events.map((e) => [e.requests, e.costMicros])).toEqual([[2, 20_000n]]);
    expect((await rollupTotals(org.id)).costMicros).toBe((await eventTotals(org.id)).costMicros);
    expect((await prisma.providerKey.findFirstOrThrow({ where: { orgId: org.id, providerKeyId: gone.hash } })).status).toBe("deleted");
    expect(await prisma.creditSnapshot.count({ where: { connectionId: conn.id } })).toBe(3);
  });

  it("a key whose lifetime credit usage is 0 (free models only) still offsets its pushed requests: pushed + polled is the max, not the sum", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
    const key = fake.state.createKey({ name: "free models only" });
    const yesterdayNoon = today() - DAY / 2;
    const gen = fake.state.record({ keyHash: key.hash, model: "meta-llama/llama-3.3-70b-instruct", createdAt: yesterdayNoon, promptTokens: 1000, completionTokens: 100 });
    // OpenRouter reports `usage` 0 for a key used only for :free models (its credit usage, reference
    // §3.1), while /activity lists its requests and tokens.
    const freeUsage: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!new URL(String(input)).pathname.endsWith("/keys")) return res;
      const body = (await res.json()) as { data: Record<string, unknown>[] };
      for (const k of body.data) for (const f of ["usage", "usage_daily", "usage_weekly", "usage_monthly"]) k[f] = 0;
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: "meta-llama/llama-3.3-70b-instruct", projectTagId: null },
      [{ occurredAt: new Date(yesterdayNoon), apiKeyRef: key.hash, inputTokens: 1000, outputTokens: 100, costMicros: gen.costMicros }],
    );
    await pollOpenRouter(conn.id, { sleep: noSleep, fetch: freeUsage });
    expect(await rollupTotals(org.id, yesterday())).toEqual(chargedYesterday());
  });

  it("a key deleted at OpenRouter: its days, now in the unfiltered remainder, replace its rows and count once", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
    const key = fake.state.createKey({ name: "rotated away" });
    fake.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: today() - DAY / 2, promptTokens: 1000, completionTokens: 1000 });
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(await rollupTotals(org.id, yesterday())).toEqual(chargedYesterday());
    // Rotated: /keys no longer lists it, so its activity is only in the unfiltered /activity.
    fake.state.deleteKey(key.hash);
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(Date.now() + 6 * 3_600_000 + 1000) });
    expect(await rollupTotals(org.id, yesterday())).toEqual(chargedYesterday());
    expect((await eventTotals(org.id)).costMicros).toBe((await rollupTotals(org.id)).costMicros);
  });

  it("a deleted key's pushed events still offset its spend in the unfiltered remainder: pushed + polled is the max, not the sum", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
    const key = fake.state.createKey({ name: "rotated after pushing" });
    const noon = today() - DAY / 2;
    const gen = fake.state.record({ keyHash: key.hash, model: "openai/gpt-4.1", createdAt: noon, promptTokens: 1000, completionTokens: 1000 });
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const tracked = await prisma.providerKey.findFirstOrThrow({ where: { orgId: org.id, providerKeyId: key.hash } });
    // The request as Broadcast or the push API reported it, on the (by now tracked) key.
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: "openai/gpt-4.1", projectTagId: null },
      [{ occurredAt: new Date(noon), providerKeyId: tracked.id, apiKeyRef: key.hash, inputTokens: 1000, outputTokens: 1000, costMicros: gen.costMicros }],
    );
    expect(await rollupTotals(org.id, yesterday())).toEqual(chargedYesterday());
    fake.state.deleteKey(key.hash);
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(Date.now() + 6 * 3_600_000 + 1000) });
    expect(await rollupTotals(org.id, yesterday())).toEqual(chargedYesterday());
  });

  it("honours 429 + Retry-After in the client; a long Retry-After ends the poll as rate_limited and re-queues it", async () => {
    const { org } = await createOrg();
    const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url });
    const sleep = vi.fn(noSleep);
    fake.controls.failNext(2, 429, { retryAfterSeconds: 3, pathPrefix: "/keys" });
    expect((await pollOpenRouter(conn.id, { sleep })).status).toBe("ok");
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([3000, 3000]);

    fake.controls.failNext(1, 429, { retryAfterSeconds: 120, pathPrefix: "/credits" });
    const limited = await pollOpenRouter(conn.id, { sleep });
    expect(limited).toMatchObject({ status: "rate_limited", retryAfterMs: 120_000 });
    expect((await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } })).status).toBe("active");
    const delay = await requeueAfterRateLimit("openrouter", conn.id, limited.retryAfterMs!);
    expect(delay).toBe(120_000);
    const delayed = await getQueue("providers").getDelayed();
    expect(delayed.some((j) => j.name === "providers.poll-openrouter" && j.data.connectionId === conn.id && j.opts.delay === 120_000)).toBe(true);
    for (const j of delayed) if (j.data.connectionId === conn.id) await j.remove();
  });
});
