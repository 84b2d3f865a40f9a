import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { pool } from "@/server/db";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { usageEvent as event, type Org } from "../test/fixtures";
import type { Bucket, Dimension, UsageFilters } from "../schemas";
import { queryUsage, type UsageRow } from "./rollups";
import { coarsenRollups, validCoarseDays } from "./coarse";
import { readEvents } from "./events";

const DAY = 86_400_000;
// 2026-03-29 01:00 UTC: Europe/Berlin springs forward; 2026-03-08: America/New_York.
const DST = Date.UTC(2026, 2, 29, 1, 0);
const FAR = new Date(Date.UTC(2027, 0, 1)); // "now" for the job: every seeded day is closed


/** Events every ~23 minutes over ~12 days around DST, each route used by two members (one unattributed). */
async function seed(o: Org, n = 700) {
  const start = DST - 6 * DAY;
  const at = (i: number) => new Date(start + Math.floor(i / 2) * 46 * 60_000 + (i % 60) * 1000);
  await writeUsageEvents(Array.from({ length: n }, (_, i) => event(o, at(i), i - (i % 2), { memberId: i % 2 ? null : o.owner.id, costMicros: BigInt(1000 + i * 37) })));
}

const show = (rows: UsageRow[]) =>
  rows.map((r) => ({ b: r.bucket?.toISOString() ?? null, dims: r.dims, sums: Object.fromEntries(Object.entries(r.sums).map(([k, v]) => [k, String(v)])), p50: r.p50, p95: r.p95, p99: r.p99 }));

describe("report rollups (usage_rollups_coarse)", () => {
  it("give every query the fine rollups' numbers, in any time zone and across DST, and are really read", async () => {
    const o = await createOrg();
    await seed(o);
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"];
    const cases = fc.tuple(
      fc.constantFrom(...zones),
      fc.constantFrom<Bucket | undefined>(undefined, "hour", "day", "week", "month"),
      fc.integer({ min: -7 * 24 * 60, max: 5 * 24 * 60 }),
      fc.integer({ min: 1, max: 9 * 24 * 60 }),
      fc.constantFrom<Dimension[]>([], ["model"], ["provider", "model"], ["service", "language"], ["projectTag", "statusClass"]),
      fc.constantFrom<UsageFilters>({}, { provider: ["openai"] }, { model: ["gpt-4o"], statusClass: ["2xx", "5xx"] }, { projectTagId: ["-"] }),
    );
    const samples = fc.sample(cases, { numRuns: 40, seed: 8 });
    const run = (s: (typeof samples)[number]) => {
      const [tz, bucket, startMin, lenMin, groupBy, filters] = s;
      const from = new Date(DST + startMin * 60_000);
      const to = new Date(from.getTime() + lenMin * 60_000);
      return queryUsage({ orgId: o.org.id, timeZone: tz }, {
        range: { from: from.toISOString(), to: to.toISOString() },
        bucket,
        groupBy,
        filters,
        metrics: ["costMicros", "requests", "errors", "inputTokens", "latencyCount", "latencyMaxMs", "p50", "p95", "p99"],
        limit: 10_000,
      });
    };
    // Fine rollups only (no coarse day is current yet) …
    const fine = [];
    for (const s of samples) fine.push(show(await run(s)));
    // … then with every closed day coarsened: the same rows, sums and percentiles.
    expect((await coarsenRollups({ now: FAR })).days).toBeGreaterThan(0);
    expect((await validCoarseDays(o.org.id, DST - 8 * DAY, DST + 8 * DAY)).size).toBeGreaterThanOrEqual(12);
    const { rows: counts } = await pool.query<{ fine: number; coarse: number }>(
      `SELECT (SELECT count(*)::int FROM usage_rollups WHERE "orgId" = $1 AND granularity = 'hour') fine,
              (SELECT count(*)::int FROM usage_rollups_coarse WHERE "orgId" = $1 AND level = 1 AND granularity = 'hour') coarse`,
      [o.org.id],
    );
    expect(counts[0]!.coarse).toBeLessThan(counts[0]!.fine);
    for (let i = 0; i < samples.length; i++) expect(show(await run(samples[i]!))).toEqual(fine[i]);
  });

  it("stop being read for a day that changed after they were built (late usage), until the job rebuilds it", async () => {
    const o = await createOrg();
    await seed(o, 300);
    const scope = { orgId: o.org.id, timeZone: "Europe/Berlin" };
    const q = { range: { from: "2026-03-20", to: "2026-04-05" }, bucket: "hour" as const, groupBy: ["model" as const], metrics: ["costMicros" as const, "requests" as const, "p95" as const], limit: 10_000 };
    await coarsenRollups({ now: FAR });
    const lateDay = Date.UTC(2026, 2, 27);
    expect((await validCoarseDays(o.org.id, lateDay, lateDay + DAY)).has(lateDay)).toBe(true);
    // Late usage lands in a coarsened day (and a cost fill would do the same).
    await writeUsageEvents([event(o, new Date(lateDay + 5 * 3_600_000), 3, { costMicros: 987_654n, latencyMs: 400_000 })]);
    expect((await validCoarseDays(o.org.id, lateDay, lateDay + DAY)).has(lateDay)).toBe(false);
    const afterLate = show(await queryUsage(scope, q));
    const { rows: raw } = await pool.query<{ c: string }>(
      `SELECT sum("costMicros")::text c FROM usage_events WHERE "orgId" = $1 AND "occurredAt" >= '2026-03-27' AND "occurredAt" < '2026-03-28'`,
      [o.org.id],
    );
    const dayCost = afterLate.filter((r) => r.b! >= "2026-03-27" && r.b! < "2026-03-28").reduce((a, r) => a + BigInt(r.sums.costMicros!), 0n);
    expect(String(dayCost)).toBe(raw[0]!.c);
    // The job rebuilds exactly that day; the numbers stay the same.
    expect((await coarsenRollups({ now: FAR })).days).toBeGreaterThanOrEqual(1);
    expect((await validCoarseDays(o.org.id, lateDay, lateDay + DAY)).has(lateDay)).toBe(true);
    expect(show(await queryUsage(scope, q))).toEqual(afterLate);
  });

  it("are never read for member or key queries, and leave today's open day to the fine rows", async () => {
    const o = await createOrg();
    const today = Math.floor(Date.now() / DAY) * DAY;
    await writeUsageEvents(Array.from({ length: 40 }, (_, i) => event(o, new Date(today - DAY + i * 60 * 60_000), i)));
    await coarsenRollups();
    const valid = await validCoarseDays(o.org.id, today - DAY, today + DAY);
    expect(valid.has(today - DAY)).toBe(true);
    expect(valid.has(today)).toBe(false);
    const scope = { orgId: o.org.id, timeZone: "UTC" };
    const range = { from: new Date(today - DAY).toISOString(), to: new Date(today + DAY).toISOString() };
    const members = await queryUsage(scope, { range, groupBy: ["member"], metrics: ["costMicros"] });
    const { rows } = await pool.query<{ m: string | null; c: string }>(`SELECT "memberId" m, sum("costMicros")::text c FROM usage_events WHERE "orgId" = $1 GROUP BY 1`, [o.org.id]);
    expect(new Map(members.map((r) => [r.dims.member, String(r.sums.costMicros)]))).toEqual(new Map(rows.map((r) => [r.m ?? "-", r.c])));
    const [total] = await queryUsage(scope, { range, metrics: ["costMicros"] });
    expect(String(total!.sums.costMicros)).toBe(String(rows.reduce((a, r) => a + BigInt(r.c), 0n)));
  });
});

describe("readEvents time windows", () => {
  it("pages sparse and dense stretches in exact (time, key) order both ways", async () => {
    const o = await createOrg();
    const base = Date.UTC(2026, 4, 1);
    // Dense: 300 events in one hour (ties every 3); sparse: one event every ~5 days for 60 days.
    const dense = Array.from({ length: 300 }, (_, i) => event(o, new Date(base + 30 * DAY + Math.floor(i / 3) * 10_000), i));
    const sparse = Array.from({ length: 12 }, (_, i) => event(o, new Date(base + i * 5 * DAY + 7_000), i));
    await writeUsageEvents([...dense, ...sparse]);
    const scope = { orgId: o.org.id, timeZone: "UTC" };
    const range = { from: "2026-04-30", to: "2026-07-01" };
    const { rows: truth } = await pool.query<{ k: string }>(
      `SELECT "occurredAt"::text || '|' || "workspaceId" || '|' || "externalId" k FROM usage_events WHERE "orgId" = $1
        ORDER BY "occurredAt", "workspaceId", "externalId"`,
      [o.org.id],
    );
    for (const order of ["asc", "desc"] as const) {
      const ids: string[] = [];
      const times: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await readEvents(scope, { range, order, limit: 37, cursor });
        ids.push(...page.rows.map((r) => r.id));
        times.push(...page.rows.map((r) => r.occurredAt.getTime()));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(new Set(ids).size).toBe(truth.length);
      expect(ids).toHaveLength(truth.length);
      expect(times).toEqual([...times].sort((a, b) => (order === "asc" ? a - b : b - a)));
    }
  });
});

/**
 * The rule that keeps report rollups from ever showing stale numbers (coarse.ts): a day's coarse
 * rows are read only while its fine day rows are exactly the row versions the build read (same
 * count, every writer seen by the build's snapshot). Each case writes after (or during) a build
 * and checks that reports show the new numbers; without the check they would show the old ones.
 * (In this file, not a file of its own: coarsenRollups is one job over all orgs behind an
 * advisory lock, so two files running it in parallel would see each other's runs.)
 */
const D = Date.UTC(2026, 5, 10); // the closed UTC day under test

function routeEvent(o: Org, at: number, cost: bigint): NormalizedEvent {
  return {
    orgId: o.org.id,
    workspaceId: o.workspace.id,
    externalId: uniq("ev"),
    source: "push",
    provider: "openai",
    model: "gpt-4o",
    projectTagId: o.defaultTag.id,
    memberId: o.owner.id,
    endUser: null,
    providerKeyId: null,
    apiKeyRef: null,
    service: "search",
    language: "python",
    occurredAt: new Date(at),
    inputTokens: 100,
    outputTokens: 10,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    requests: 1,
    costMicros: cost,
    latencyMs: 120,
    status: 200,
    errorType: null,
    errorMessage: null,
    generationId: null,
    metadata: null,
  };
}

/** One route, one event every two hours over D and the days around it. */
async function seedRoute(o: Org) {
  await writeUsageEvents(Array.from({ length: 36 }, (_, i) => routeEvent(o, D - DAY + i * 2 * 3_600_000 + 60_000, BigInt(1_000 + i))));
}

const scopeOf = (o: Org) => ({ orgId: o.org.id, timeZone: "UTC" });
const q = { range: { from: new Date(D - DAY).toISOString(), to: new Date(D + 2 * DAY).toISOString() }, metrics: ["costMicros" as const, "requests" as const] };
const byDay = { ...q, bucket: "day" as const, groupBy: ["provider" as const] };

/** The day's cost straight from the fine day rollups (what a report must show). */
async function fineCost(o: Org, day = D): Promise<bigint> {
  const { rows } = await pool.query<{ c: string }>(
    `SELECT coalesce(sum("costMicros"), 0)::text c FROM usage_rollups WHERE "orgId" = $1 AND granularity = 'day' AND "bucketStart" = $2`,
    [o.org.id, new Date(day)],
  );
  return BigInt(rows[0]!.c);
}

async function reportedDayCost(o: Org, day = D): Promise<bigint> {
  const rows = await queryUsage(scopeOf(o), byDay);
  return rows.filter((r) => r.bucket!.getTime() === day).reduce((a, r) => a + r.sums.costMicros!, 0n);
}

async function built(o: Org) {
  await coarsenRollups({ now: FAR });
  expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(true);
}

describe("report rollups: a change after the build is never hidden", () => {
  it("a late event on an existing route (same rows, same count, new sums) makes the day read fine", async () => {
    const o = await createOrg();
    await seedRoute(o);
    await built(o);
    // Same route, same hour as an existing event: every fine row of the day keeps its count.
    const { rows: before } = await pool.query<{ n: number }>(`SELECT count(*)::int n FROM usage_rollups WHERE "orgId" = $1`, [o.org.id]);
    await writeUsageEvents([routeEvent(o, D + 2 * 3_600_000 + 120_000, 777_777n)]);
    const { rows: after } = await pool.query<{ n: number }>(`SELECT count(*)::int n FROM usage_rollups WHERE "orgId" = $1`, [o.org.id]);
    expect(after[0]!.n - before[0]!.n).toBe(1); // only the new minute row: hour and day rows were updated in place
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(false);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
    const [total] = await queryUsage(scopeOf(o), q);
    expect(total!.sums.requests).toBe(37n);
  });

  it("a cost fill committed by a transaction that was open during the build makes the day read fine", async () => {
    const o = await createOrg();
    await seedRoute(o);
    await built(o);
    await writeUsageEvents([routeEvent(o, D + 3_600_000, 5n)]);
    // A fill (as reconciliation writes it) is in flight while the job rebuilds the day …
    const fill = await pool.connect();
    try {
      await fill.query("BEGIN");
      await fill.query(
        `UPDATE usage_rollups SET "costMicros" = "costMicros" + 424242
          WHERE "orgId" = $1 AND granularity IN ('hour', 'day') AND "bucketStart" >= $2 AND "bucketStart" < $3
            AND ("bucketStart" = $2 OR "bucketStart" = $2::timestamptz + INTERVAL '4 hours')`,
        [o.org.id, new Date(D), new Date(D + DAY)],
      );
      await coarsenRollups({ now: FAR }); // its snapshot doesn't see the fill
      expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(true);
      await fill.query("COMMIT");
    } finally {
      fill.release();
    }
    // … and commits after it: its rows carry a writer the build's snapshot did not see.
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(false);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
    // The next run rebuilds that day with the fill in it; the numbers stay the same.
    expect((await coarsenRollups({ now: FAR })).days).toBeGreaterThanOrEqual(1);
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(true);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
  });

  it("a write made in a subtransaction of a transaction open during the build makes the day read fine", async () => {
    const o = await createOrg();
    await seedRoute(o);
    await built(o);
    await writeUsageEvents([routeEvent(o, D + 3_600_000, 5n)]);
    const fill = await pool.connect();
    try {
      await fill.query("BEGIN");
      await fill.query("SAVEPOINT fill"); // the rows get the subtransaction's xid, which no pg_snapshot lists
      await fill.query(
        `UPDATE usage_rollups SET "costMicros" = "costMicros" + 31337
          WHERE "orgId" = $1 AND granularity IN ('hour', 'day') AND "bucketStart" >= $2 AND "bucketStart" < $3
            AND ("bucketStart" = $2 OR "bucketStart" = $2::timestamptz + INTERVAL '4 hours')`,
        [o.org.id, new Date(D), new Date(D + DAY)],
      );
      await fill.query("RELEASE SAVEPOINT fill");
      await coarsenRollups({ now: FAR });
      await fill.query("COMMIT");
    } finally {
      fill.release();
    }
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(false);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
  });

  it("a fine row that goes away makes the day read fine", async () => {
    const o = await createOrg();
    await seedRoute(o);
    await writeUsageEvents([{ ...routeEvent(o, D + 6 * 3_600_000, 900n), model: "gpt-4o-mini" }]);
    await built(o);
    await pool.query(`DELETE FROM usage_rollups WHERE "orgId" = $1 AND model = 'gpt-4o-mini'`, [o.org.id]);
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(false);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
  });

  it("other days stay on the report rollups", async () => {
    const o = await createOrg();
    await seedRoute(o);
    await built(o);
    await writeUsageEvents([routeEvent(o, D + 3_600_000, 5n)]);
    const valid = await validCoarseDays(o.org.id, D - DAY, D + 2 * DAY);
    expect(valid.has(D - DAY) && valid.has(D + DAY)).toBe(true);
    expect(valid.has(D)).toBe(false);
  });
});
