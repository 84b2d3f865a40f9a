import { describe, expect, it } from "vitest";
import { pool } from "@/server/db";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { queryUsage } from "./rollups";
import { coarsenRollups, validCoarseDays } from "./coarse";

/**
 * The rule that keeps report rollups from ever showing stale numbers (coarse.ts): a day's coarse
 * rows are read only while its fine day rows are exactly the row versions the build read (same
 * count, every writer seen by the build's snapshot). Each case writes after (or during) a build
 * and checks that reports show the new numbers; without the check they would show the old ones.
 */
type Org = Awaited<ReturnType<typeof createOrg>>;
const DAY = 86_400_000;
const D = Date.UTC(2026, 5, 10); // the closed UTC day under test
const FAR = new Date(Date.UTC(2027, 0, 1));

function event(o: Org, at: number, cost: bigint): NormalizedEvent {
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
async function seed(o: Org) {
  await writeUsageEvents(Array.from({ length: 36 }, (_, i) => event(o, D - DAY + i * 2 * 3_600_000 + 60_000, BigInt(1_000 + i))));
}

const scope = (o: Org) => ({ orgId: o.org.id, timeZone: "UTC" });
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
  const rows = await queryUsage(scope(o), byDay);
  return rows.filter((r) => r.bucket!.getTime() === day).reduce((a, r) => a + r.sums.costMicros!, 0n);
}

async function built(o: Org) {
  await coarsenRollups({ now: FAR });
  expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(true);
}

describe("report rollups: a change after the build is never hidden", () => {
  it("a late event on an existing route (same rows, same count, new sums) makes the day read fine", async () => {
    const o = await createOrg();
    await seed(o);
    await built(o);
    // Same route, same hour as an existing event: every fine row of the day keeps its count.
    const { rows: before } = await pool.query<{ n: number }>(`SELECT count(*)::int n FROM usage_rollups WHERE "orgId" = $1`, [o.org.id]);
    await writeUsageEvents([event(o, D + 2 * 3_600_000 + 120_000, 777_777n)]);
    const { rows: after } = await pool.query<{ n: number }>(`SELECT count(*)::int n FROM usage_rollups WHERE "orgId" = $1`, [o.org.id]);
    expect(after[0]!.n - before[0]!.n).toBe(1); // only the new minute row: hour and day rows were updated in place
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(false);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
    const [total] = await queryUsage(scope(o), q);
    expect(total!.sums.requests).toBe(37n);
  });

  it("a cost fill committed by a transaction that was open during the build makes the day read fine", async () => {
    const o = await createOrg();
    await seed(o);
    await built(o);
    await writeUsageEvents([event(o, D + 3_600_000, 5n)]);
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

  it("a fine row that goes away makes the day read fine", async () => {
    const o = await createOrg();
    await seed(o);
    await writeUsageEvents([{ ...event(o, D + 6 * 3_600_000, 900n), model: "gpt-4o-mini" }]);
    await built(o);
    await pool.query(`DELETE FROM usage_rollups WHERE "orgId" = $1 AND model = 'gpt-4o-mini'`, [o.org.id]);
    expect((await validCoarseDays(o.org.id, D, D + DAY)).has(D)).toBe(false);
    expect(await reportedDayCost(o)).toBe(await fineCost(o));
  });

  it("other days stay on the report rollups", async () => {
    const o = await createOrg();
    await seed(o);
    await built(o);
    await writeUsageEvents([event(o, D + 3_600_000, 5n)]);
    const valid = await validCoarseDays(o.org.id, D - DAY, D + 2 * DAY);
    expect(valid.has(D - DAY) && valid.has(D + DAY)).toBe(true);
    expect(valid.has(D)).toBe(false);
  });
});
