import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues, getQueue } from "@/server/jobs/queue";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { evaluateBudget } from "@/features/budgets/server/evaluate";
import { makeBudget } from "@/features/budgets/test/fixtures";
import { pollOpenRouter, readOpenRouterKeyUsage } from "./poll-openrouter";
import { sweepKeyUsage } from "./sweep";
import { recordKeyReadings } from "./key-readings";
import { keyAttribution } from "./keys";
import { makeKey } from "@/features/budgets/test/fixtures";
import { makeConnection, noSleep, pushEvents, rollupTotals } from "./pollers.test-helpers";

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MODEL = "openai/gpt-4o-mini";

// One fake account per test: every connection to it tracks (and reads) all of its keys.
let fake: FakeOpenRouter;
afterEach(async () => {
  await fake.close();
});
afterAll(async () => {
  await closeQueues();
});

async function setup(timeZone = "UTC", now?: () => number) {
  const { org, workspace } = await createOrg();
  await prisma.org.update({ where: { id: org.id }, data: { timeZone } });
  fake = await startFakeOpenRouter({ seed: 47, now });
  const conn = await makeConnection(org, { provider: "openrouter", secret: fake.state.managementKey, baseUrl: fake.url, workspaceId: workspace.id });
  await prisma.providerConnection.update({ where: { id: conn.id }, data: { createdAt: new Date((now ?? Date.now)() - 5 * DAY) } });
  const key = fake.state.createKey({ name: `k-${org.id}` });
  return { org, workspace, conn, key };
}

const spend = (hash: string, createdAt: number, promptTokens = 1_000_000) => fake.state.record({ keyHash: hash, model: MODEL, createdAt, promptTokens, completionTokens: 0 });

async function readingFills(orgId: string) {
  return prisma.usageEvent.findMany({ where: { orgId, source: "poll", externalId: { contains: ":openrouter.keys:" } }, orderBy: { occurredAt: "asc" } });
}
const sum = (xs: { costMicros: bigint | null }[]) => xs.reduce((s, e) => s + (e.costMicros ?? 0n), 0n);

describe("OpenRouter key usage counters read every minute", () => {
  it("an OpenRouter org in America/New_York sees polled spend in the local hour it happened within minutes", async () => {
    const { org, conn, key } = await setup("America/New_York");
    expect((await pollOpenRouter(conn.id, { sleep: noSleep })).status).toBe("ok"); // the counters' baseline
    const at = Date.now();
    const gen = spend(key.hash, at);
    expect((await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(at + 30_000) })).status).toBe("ok");

    const fills = await readingFills(org.id);
    expect(sum(fills)).toBe(gen.costMicros);
    // Stamped at the reading's minute (not 00:00 UTC): the local hour it was spent in.
    expect(fills.map((f) => f.occurredAt.getTime())).toEqual([Math.floor((at + 30_000) / MIN) * MIN]);
    const hour = Math.floor((at + 30_000) / HOUR) * HOUR;
    expect((await rollupTotals(org.id, { granularity: "hour", from: new Date(hour), to: new Date(hour + HOUR) })).costMicros).toBe(gen.costMicros);
  });

  it("a daily budget crosses on polled OpenRouter spend before the UTC day completes", async () => {
    const { org, conn, key } = await setup("America/New_York");
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const budget = await makeBudget(org.id, { amountMicros: 100_000n, period: "daily", thresholds: [100], mode: "soft" });
    spend(key.hash, Date.now()); // $0.15 of gpt-4o-mini, nothing pushed
    await pollOpenRouter(conn.id, { sleep: noSleep });

    await evaluateBudget(org.id, budget.id, new Date());
    const alert = await prisma.alert.findFirst({ where: { orgId: org.id, budgetId: budget.id, kind: "budget_threshold" } });
    expect(alert).not.toBeNull();
    expect(alert!.payload).not.toMatchObject({ periodEnded: true });
  });

  it("a completed day's activity replaces the minute readings without counting twice", async () => {
    const { org, workspace, conn, key } = await setup();
    const yesterday = Math.floor(Date.now() / DAY) * DAY - DAY;
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(yesterday + 11 * HOUR) });
    const tracked = await prisma.providerKey.findFirstOrThrow({ where: { orgId: org.id, providerKeyId: key.hash } });
    const unpushed = spend(key.hash, yesterday + 12 * HOUR);
    const pushed = spend(key.hash, yesterday + 12 * HOUR, 400_000);
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: MODEL, projectTagId: null },
      [{ providerKeyId: tracked.id, occurredAt: new Date(yesterday + 12 * HOUR), costMicros: pushed.costMicros }],
    );
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(yesterday + 12 * HOUR + 5 * MIN) });
    // Readings saw both generations; the pushed one is already counted: the fill is the rest.
    expect(sum(await readingFills(org.id))).toBe(unpushed.costMicros);
    const day = { granularity: "day" as const, from: new Date(yesterday), to: new Date(yesterday + DAY) };
    expect((await rollupTotals(org.id, day)).costMicros).toBe(unpushed.costMicros + pushed.costMicros);

    // The day has completed: /activity is read and is now the day's polled source, per model.
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(sum(await readingFills(org.id))).toBe(0n);
    const activity = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll", externalId: { contains: ":openrouter.activity:" } } });
    expect(sum(activity)).toBe(unpushed.costMicros);
    expect(activity.every((e) => e.model === MODEL)).toBe(true);
    expect((await rollupTotals(org.id, day)).costMicros).toBe(unpushed.costMicros + pushed.costMicros);
  });

  /**
   * One UTC day D of a New York org on a controlled clock: a baseline reading at D 09:00 UTC,
   * $x spent at 10:00, read at 10:05 (05:05 local, day D), then D completes and /activity has it.
   */
  async function completedDayInNewYork(day: number) {
    let clock = day + 9 * HOUR;
    const { org, conn, key } = await setup("America/New_York", () => clock);
    const poll = () => pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(clock) });
    expect((await poll()).status).toBe("ok");
    const gen = spend(key.hash, day + 10 * HOUR);
    clock = day + 10 * HOUR + 5 * MIN;
    await poll();
    clock = day + DAY + HOUR; // the day has completed: /activity is read
    await poll();
    const activity = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll", externalId: { contains: ":openrouter.activity:" } } });
    expect(sum(activity)).toBe(gen.costMicros);
    expect(sum(await readingFills(org.id))).toBe(0n);
    return { org, gen, activity };
  }

  it("an OpenRouter org in America/New_York keeps a completed day's polled spend in the local day it happened", async () => {
    const day = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    const { org, gen, activity } = await completedDayInNewYork(day);
    // Where the readings put it: 10:05 UTC, not 00:00 UTC (19:00 the local day before).
    expect(activity.filter((e) => (e.costMicros ?? 0n) !== 0n).map((e) => e.occurredAt.getTime())).toEqual([day + 10 * HOUR + 5 * MIN]);
    const localDay = { granularity: "hour" as const, from: new Date(day + 5 * HOUR), to: new Date(day + DAY + 5 * HOUR) };
    expect((await rollupTotals(org.id, localDay)).costMicros).toBe(gen.costMicros);
    expect((await rollupTotals(org.id, { granularity: "hour", from: new Date(day - DAY), to: new Date(day + 5 * HOUR) })).costMicros).toBe(0n);
  });

  it("an OpenRouter org in America/New_York keeps polled spend of the 1st in its month when the day completes", async () => {
    const first = Date.UTC(2026, 10, 1); // Sunday 1 November 2026; 00:00 UTC is 20:00 on 31 October in New York
    const { org, gen } = await completedDayInNewYork(first);
    const november = { granularity: "hour" as const, from: new Date(first + 4 * HOUR), to: new Date(Date.UTC(2026, 11, 1, 5)) };
    expect((await rollupTotals(org.id, november)).costMicros).toBe(gen.costMicros);
    expect((await rollupTotals(org.id, { granularity: "hour", from: new Date(Date.UTC(2026, 9, 1, 4)), to: new Date(first + 4 * HOUR) })).costMicros).toBe(0n);
  });

  it("a completed day's polled spend with no minute readings lands at 12:00 UTC, inside the local day of every zone from UTC-12 to UTC+11", async () => {
    let clock = Math.floor(Date.now() / DAY) * DAY - 2 * DAY + 10 * HOUR;
    const day = Math.floor(clock / DAY) * DAY;
    const { org, conn, key } = await setup("America/New_York", () => clock);
    const gen = spend(key.hash, clock - HOUR); // before the key's first reading: no reading explains it
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(clock) });
    clock = day + DAY + HOUR;
    await pollOpenRouter(conn.id, { sleep: noSleep, now: () => new Date(clock) });
    const activity = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll", externalId: { contains: ":openrouter.activity:" } } });
    expect(sum(activity)).toBe(gen.costMicros);
    expect(activity.filter((e) => (e.costMicros ?? 0n) !== 0n).map((e) => e.occurredAt.getTime())).toEqual([day + 12 * HOUR]);
  });

  it("a push into a completed day whose activity fill sits on reading minutes lowers that fill", async () => {
    const day = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    const { org, gen } = await completedDayInNewYork(day);
    const ws = await prisma.workspace.findFirstOrThrow({ where: { orgId: org.id } });
    const tracked = await prisma.providerKey.findFirstOrThrow({ where: { orgId: org.id, provider: "openrouter" } });
    await pushEvents({ orgId: org.id, workspaceId: ws.id, provider: "openrouter", model: MODEL, projectTagId: null }, [{ providerKeyId: tracked.id, occurredAt: new Date(day + 10 * HOUR), costMicros: gen.costMicros }]);
    const activity = await prisma.usageEvent.findMany({ where: { orgId: org.id, source: "poll", externalId: { contains: ":openrouter.activity:" } } });
    expect(sum(activity)).toBe(0n);
    expect((await rollupTotals(org.id, { from: new Date(day), to: new Date(day + DAY) })).costMicros).toBe(gen.costMicros);
  });

  it("a push that arrives after the minute reading lowers its fill instead of adding to it", async () => {
    const { org, workspace, conn, key } = await setup();
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const tracked = await prisma.providerKey.findFirstOrThrow({ where: { orgId: org.id, providerKeyId: key.hash } });
    const at = Date.now();
    const gen = spend(key.hash, at);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    expect(sum(await readingFills(org.id))).toBe(gen.costMicros);

    await pushEvents({ orgId: org.id, workspaceId: workspace.id, provider: "openrouter", model: MODEL, projectTagId: null }, [{ providerKeyId: tracked.id, occurredAt: new Date(at), costMicros: gen.costMicros }]);
    expect(sum(await readingFills(org.id))).toBe(0n);
    const today = Math.floor(at / DAY) * DAY;
    expect((await rollupTotals(org.id, { from: new Date(today), to: new Date(today + DAY) })).costMicros).toBe(gen.costMicros);
  });

  it("a key counter that starts again from zero never produces negative or double spend", async () => {
    const { org, conn, key } = await setup();
    spend(key.hash, Date.now()); // before the first reading: /activity's, once the day completes
    await pollOpenRouter(conn.id, { sleep: noSleep });
    fake.state.resetUsage(key.hash); // re-created under the same hash: the counter is back at 0
    spend(key.hash, Date.now(), 100_000);
    await pollOpenRouter(conn.id, { sleep: noSleep }); // lower than the last reading: new baseline only
    expect(sum(await readingFills(org.id))).toBe(0n);
    const later = spend(key.hash, Date.now(), 200_000);
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const fills = await readingFills(org.id);
    expect(fills.every((f) => (f.costMicros ?? 0n) >= 0n)).toBe(true);
    expect(sum(fills)).toBe(later.costMicros);
  });

  it("the minute job reads every active OpenRouter connection's counters without touching its poll cursors", async () => {
    const { org, conn, key } = await setup();
    await pollOpenRouter(conn.id, { sleep: noSleep });
    const before = await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } });
    const now = new Date();
    await sweepKeyUsage(now);
    const job = await getQueue("providers").getJob(`keys-${conn.id}-${Math.floor(now.getTime() / MIN)}`);
    expect(job?.name).toBe("providers.read-key-usage");
    // Other test files' connections were queued too: leave no job for a worker another file starts.
    for (const j of await getQueue("providers").getJobs(["waiting", "delayed", "prioritized"])) if (j?.name === "providers.read-key-usage") await j.remove();

    const gen = spend(key.hash, Date.now());
    const res = await readOpenRouterKeyUsage(conn.id, { sleep: noSleep });
    expect(res).toMatchObject({ status: "ok", spendMicros: gen.costMicros });
    expect(sum(await readingFills(org.id))).toBe(gen.costMicros);
    const after = await prisma.providerConnection.findUniqueOrThrow({ where: { id: conn.id } });
    expect(after.cursors).toEqual(before.cursors);
    expect(after.lastPolledAt).toEqual(before.lastPolledAt);
  });

  it("two readings that commit out of order never count the difference twice", async () => {
    const { org, workspace } = await createOrg();
    const c = await makeConnection(org, { provider: "openrouter", secret: "sk-or-order", baseUrl: "http://127.0.0.1:9", workspaceId: workspace.id });
    await makeKey(org.id, { connectionId: c.id, provider: "openrouter", providerKeyId: "k-order", workspaceId: workspace.id });
    const conn = { id: c.id, orgId: org.id, provider: "openrouter" as const, workspaceId: workspace.id };
    const keys = await keyAttribution(conn, "openrouter");
    const t0 = Date.now() - 10 * MIN;
    await recordKeyReadings(conn, [{ hash: "k-order", usage: 10 }], new Date(t0), keys); // baseline
    await recordKeyReadings(conn, [{ hash: "k-order", usage: 15 }], new Date(t0 + 2 * MIN), keys);
    // Taken before the previous one, committed after it: stale, not a reset.
    await recordKeyReadings(conn, [{ hash: "k-order", usage: 12 }], new Date(t0 + MIN), keys);
    await recordKeyReadings(conn, [{ hash: "k-order", usage: 15 }], new Date(t0 + 3 * MIN), keys);
    expect(sum(await readingFills(org.id))).toBe(5_000_000n);
  });
});
