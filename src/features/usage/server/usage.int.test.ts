import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { pool } from "@/server/db";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import { createOrg } from "../../../../test/helpers/factory";
import { usageEvent as event, type Org } from "../test/fixtures";
import { NONE, type Bucket } from "../schemas";
import { queryUsage, sumUsage } from "./rollups";
import { InvalidCursorError, readEvents, streamEvents } from "./events";
import { bucketBounds, histIndexSql, HIST_MAX_RELATIVE_ERROR } from "./histogram";



/** Events every ~47 minutes over ~12 days around `center`. */
async function seed(o: Org, center: number, n = 360) {
  const start = center - 6 * 86_400_000;
  const events = Array.from({ length: n }, (_, i) => event(o, new Date(start + i * 47 * 60_000 + (i % 60) * 1000), i));
  await writeUsageEvents(events);
}

const UNIT: Record<Bucket, string> = { minute: "minute", hour: "hour", day: "day", week: "week", month: "month" };

/** The same panel computed independently from raw events. */
async function rawByBucket(orgId: string, tz: string, bucket: Bucket, from: Date, to: Date) {
  const expr =
    bucket === "minute" || bucket === "hour"
      ? `date_bin('1 ${bucket}', "occurredAt", TIMESTAMPTZ '2000-01-01 00:00:00+00')`
      : `date_trunc('${UNIT[bucket]}', "occurredAt", $4)`;
  const { rows } = await pool.query<{ b: Date; cost: string; req: string; inp: string }>(
    `SELECT ${expr} AS b, sum("costMicros")::text AS cost, sum(requests)::text AS req, sum("inputTokens")::text AS inp
       FROM usage_events WHERE "orgId" = $1 AND "occurredAt" >= $2 AND "occurredAt" < $3 GROUP BY 1 ORDER BY 1`,
    bucket === "minute" || bucket === "hour" ? [orgId, from, to] : [orgId, from, to, tz],
  );
  return rows.map((r) => ({ b: new Date(r.b).toISOString(), cost: r.cost, req: r.req, inp: r.inp }));
}

describe("queryUsage", () => {
  // 2026-03-29 01:00 UTC: Europe/Berlin springs forward; 2026-03-08: America/New_York.
  const DST = Date.UTC(2026, 2, 29, 1, 0);

  it("gives every bucket the sums of its raw events, in any time zone and across DST", async () => {
    const o = await createOrg();
    await seed(o, DST);
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham"];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...zones),
        fc.constantFrom<Bucket>("hour", "day", "week", "month"),
        fc.integer({ min: -7 * 24 * 60, max: 5 * 24 * 60 }),
        fc.integer({ min: 1, max: 8 * 24 * 60 }),
        async (tz, bucket, startMin, lenMin) => {
          const from = new Date(DST + startMin * 60_000);
          const to = new Date(from.getTime() + lenMin * 60_000);
          const rows = await queryUsage({ orgId: o.org.id, timeZone: tz }, {
            range: { from: from.toISOString(), to: to.toISOString() },
            bucket,
            metrics: ["costMicros", "requests", "inputTokens"],
            limit: 10_000,
          });
          const got = rows.map((r) => ({ b: r.bucket!.toISOString(), cost: String(r.sums.costMicros), req: String(r.sums.requests), inp: String(r.sums.inputTokens) }));
          expect(got).toEqual(await rawByBucket(o.org.id, tz, bucket, from, to));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("filters and groups like the raw events, with NONE for unattributed", async () => {
    const o = await createOrg();
    await seed(o, DST, 200);
    const scope = { orgId: o.org.id, timeZone: "Europe/Berlin" };
    const range = { from: "2026-03-01", to: "2026-04-15" };
    const rows = await queryUsage(scope, { range, groupBy: ["service", "language"], filters: { statusClass: ["2xx"], model: ["gpt-4o", "gpt-4o-mini"] }, metrics: ["costMicros", "errors"] });
    const { rows: raw } = await pool.query<{ s: string; l: string; cost: string }>(
      `SELECT coalesce(service, '${NONE}') s, coalesce(language, '${NONE}') l, sum("costMicros")::text cost FROM usage_events
        WHERE "orgId" = $1 AND status BETWEEN 200 AND 299 AND model IN ('gpt-4o', 'gpt-4o-mini') GROUP BY 1, 2`,
      [o.org.id],
    );
    const key = (s: string, l: string) => `${s}|${l}`;
    expect(new Map(rows.map((r) => [key(r.dims.service!, r.dims.language!), String(r.sums.costMicros)]))).toEqual(new Map(raw.map((r) => [key(r.s, r.l), r.cost])));
    expect(rows.every((r) => r.sums.errors === 0n)).toBe(true);
    const none = await sumUsage(scope, { range, filters: { memberId: [NONE] } });
    const { rows: n } = await pool.query(`SELECT sum("costMicros")::text c FROM usage_events WHERE "orgId" = $1 AND "memberId" IS NULL`, [o.org.id]);
    expect(String(none)).toBe(n[0].c);
    // Another org's query sees none of it.
    const other = await createOrg();
    expect(await sumUsage({ orgId: other.org.id, timeZone: "UTC" }, { range })).toBe(0n);
  });

  it("puts every latency in the bucket whose bounds hold it", async () => {
    const samples = [0, 1, 2, 3, 5, 9, 10, 99, 100, 101, 999, 1000, 12345, 59_999, 599_999, 600_000, 2_000_000];
    const { rows } = await pool.query<{ i: number }>(`SELECT ${histIndexSql("v")} AS i FROM unnest($1::int[]) WITH ORDINALITY u(v, o) ORDER BY o`, [samples]);
    rows.forEach((r, k) => {
      const v = samples[k]!;
      const [lo, hi] = bucketBounds(r.i - 1);
      if (v >= 600_000) expect(r.i).toBe(64);
      else expect(v >= lo && v < hi).toBe(true);
    });
  });

  it("keeps p50/p95/p99 within the stated error bound of exact percentiles from raw events", async () => {
    const o = await createOrg();
    const rnd = fc.sample(fc.double({ min: 0, max: Math.log(600_000), noNaN: true }), 1500);
    const at = Date.UTC(2026, 5, 1, 12);
    await writeUsageEvents(rnd.map((x, i) => event(o, new Date(at + (i % 300) * 60_000), i, { latencyMs: Math.floor(Math.exp(x)) })));
    const rows = await queryUsage({ orgId: o.org.id, timeZone: "UTC" }, { range: { from: "2026-05-31", to: "2026-06-03" }, groupBy: ["model"], metrics: ["p50", "p95", "p99", "requests"] });
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      const { rows: ex } = await pool.query<{ p50: number; p95: number; p99: number }>(
        `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY "latencyMs") p50, percentile_disc(0.95) WITHIN GROUP (ORDER BY "latencyMs") p95,
                percentile_disc(0.99) WITHIN GROUP (ORDER BY "latencyMs") p99 FROM usage_events WHERE "orgId" = $1 AND model = $2`,
        [o.org.id, r.dims.model],
      );
      for (const k of ["p50", "p95", "p99"] as const) {
        const exact = ex[0]![k];
        expect(Math.abs(r[k]! - exact)).toBeLessThanOrEqual(exact * HIST_MAX_RELATIVE_ERROR + 1e-9);
      }
    }
  });
});

describe("readEvents", () => {
  it("pages every event exactly once by keyset cursor, newest first, and refuses a bad cursor", async () => {
    const o = await createOrg();
    const at = Date.UTC(2026, 6, 1);
    // Several events share a timestamp: the cursor must break ties by id.
    await writeUsageEvents(Array.from({ length: 57 }, (_, i) => event(o, new Date(at + Math.floor(i / 4) * 1000), i)));
    const scope = { orgId: o.org.id, timeZone: "UTC" };
    const range = { from: "2026-06-30", to: "2026-07-02" };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await readEvents(scope, { range, limit: 10, cursor });
      seen.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(57);
    expect(new Set(seen).size).toBe(57);
    const streamed: string[] = [];
    for await (const page of streamEvents(scope, { range }, 7)) streamed.push(...page.map((r) => r.id));
    expect(streamed).toEqual([...seen].reverse());
    const errors = await readEvents(scope, { range, errorsOnly: true, limit: 100 });
    expect(errors.rows.every((r) => r.status >= 400)).toBe(true);
    expect(errors.rows.length).toBeGreaterThan(0);
    await expect(readEvents(scope, { range, cursor: "bm9wZQ" })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
