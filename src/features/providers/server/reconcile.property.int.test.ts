import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createOrg } from "../../../../test/helpers/factory";
import { pool, prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { applyProviderCosts } from "./fill-costs";
import { reconcilePolled, type PolledRow, type ReconcileConnection } from "./reconcile";
import { makeConnection } from "./pollers.test-helpers";

/**
 * "Never the sum", as a property over random interleavings against the real database:
 * generations happen; the provider learns of them (reveal); the app pushes them (with or without
 * a cost); polls reconcile what the provider knows; cost fills correct pushed costs. Operations
 * run in random groups of concurrent transactions. At EVERY committed state — sampled by a reader
 * running concurrently with each group, each sample one snapshot — and after each group, every
 * polled bucket satisfies  pushed + fill = max(pushed, polled)  (requests and cost).
 * TOLLGATE_PROPERTY_RUNS raises the number of runs (default keeps `npm test` well under a minute).
 */
const RUNS = Number(process.env.TOLLGATE_PROPERTY_RUNS ?? 30);
const DAY = 86_400_000;
const ENDPOINT = "openrouter.activity";

type Gen = { bucket: 0 | 1; key: "ka" | "kb" | ""; model: "m1" | "m2"; cost: number; requests: number };
type Op = { t: "push"; g: number; withCost: boolean } | { t: "reveal"; g: number } | { t: "poll" } | { t: "cost"; g: number };

const genArb = fc.record({
  bucket: fc.constantFrom<0 | 1>(0, 1),
  key: fc.constantFrom<"ka" | "kb" | "">("ka", "kb", ""),
  model: fc.constantFrom<"m1" | "m2">("m1", "m2"),
  cost: fc.integer({ min: 1, max: 5_000 }),
  requests: fc.integer({ min: 1, max: 3 }),
});
const scenarioArb = fc.array(genArb, { minLength: 2, maxLength: 6 }).chain((gens) => {
  const g = fc.nat(gens.length - 1);
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ t: fc.constant("push" as const), g, withCost: fc.boolean() }),
    fc.record({ t: fc.constant("reveal" as const), g }),
    fc.record({ t: fc.constant("poll" as const) }),
    fc.record({ t: fc.constant("cost" as const), g }),
  );
  return fc.record({ gens: fc.constant(gens), groups: fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 6 }) });
});

let org: { id: string };
let workspaceId: string;
let conn: ReconcileConnection;
let run = 0;
beforeAll(async () => {
  const o = await createOrg();
  org = o.org;
  workspaceId = o.workspace.id;
  const c = await makeConnection(org, { provider: "openrouter", secret: "sk-or-property", baseUrl: "http://127.0.0.1:9", workspaceId });
  conn = { id: c.id, orgId: org.id, provider: "openrouter", workspaceId };
});
afterAll(async () => {
  await closeQueues();
});

function pushedEvent(runId: number, i: number, g: Gen, day0: number, withCost: boolean): NormalizedEvent {
  return {
    orgId: org.id, workspaceId, externalId: `prop-${runId}-${i}`, source: "push", provider: "openrouter", model: g.model,
    projectTagId: null, memberId: null, endUser: null, providerKeyId: null, apiKeyRef: g.key || null, service: null, language: null,
    occurredAt: new Date(day0 + g.bucket * DAY + 3_600_000 + i * 1000), inputTokens: 0, outputTokens: 0, cachedTokens: 0,
    cacheWriteTokens: 0, reasoningTokens: 0, requests: g.requests, costMicros: withCost ? BigInt(g.cost) : null, latencyMs: null,
    status: 200, errorType: null, errorMessage: null, generationId: `gen-${runId}-${i}`, metadata: null,
  };
}

function polledRows(gens: Gen[], revealed: Set<number>, day0: number): PolledRow[] {
  const cells = new Map<string, PolledRow>();
  for (const i of revealed) {
    const g = gens[i]!;
    const id = `${g.bucket}|${g.key}|${g.model}`;
    const r = cells.get(id) ?? {
      bucketStart: new Date(day0 + g.bucket * DAY), bucketSeconds: 86_400, keyRef: g.key, projectRef: "", userRef: "", model: g.model,
      metrics: { requests: 0n, inputTokens: 0n, outputTokens: 0n, cachedTokens: 0n, cacheWriteTokens: 0n, reasoningTokens: 0n, costMicros: 0n },
    };
    r.metrics.requests += BigInt(g.requests);
    r.metrics.costMicros = (r.metrics.costMicros ?? 0n) + BigInt(g.cost);
    cells.set(id, r);
  }
  return [...cells.values()];
}

type Sums = { requests: bigint; cost: bigint };
/** One snapshot: the invariant per polled bucket of this run (returns the violations). */
async function violations(day0: number): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const range = [new Date(day0), new Date(day0 + 2 * DAY)];
    const polled = await client.query<{ b: Date; k: string; r: string; c: string }>(
      `SELECT "bucketStart" AS b, "keyRef" AS k, sum(requests)::text AS r, sum("costMicros")::text AS c FROM polled_usage
        WHERE "connectionId" = $1 AND endpoint = $4 AND "bucketStart" >= $2 AND "bucketStart" < $3 GROUP BY 1, 2`,
      [conn.id, ...range, ENDPOINT],
    );
    const pushed = await client.query<{ b: Date; k: string; r: string; c: string }>(
      `SELECT date_trunc('day', "occurredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, coalesce("apiKeyRef", '') AS k, sum(requests)::text AS r, sum("costMicros")::text AS c
         FROM usage_events WHERE "orgId" = $1 AND source <> 'poll' AND "occurredAt" >= $2 AND "occurredAt" < $3 GROUP BY 1, 2`,
      [org.id, ...range],
    );
    const fills = await client.query<{ b: Date; r: string; c: string }>(
      // A day's fill may be spread over the day (spread-fill.ts): sum it per UTC day, like pushed.
      `SELECT date_trunc('day', "occurredAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS b, sum(requests)::text AS r, sum("costMicros")::text AS c FROM usage_events
        WHERE "orgId" = $1 AND source = 'poll' AND "occurredAt" >= $2 AND "occurredAt" < $3 GROUP BY 1`,
      [org.id, ...range],
    );
    await client.query("COMMIT");
    const out: string[] = [];
    for (const b of [0, 1]) {
      const t = day0 + b * DAY;
      const P = polled.rows.filter((r) => new Date(r.b).getTime() === t);
      const keys = new Set(P.map((r) => r.k).filter((k) => k !== ""));
      const sum = (rows: { r: string; c: string }[]): Sums => rows.reduce((s, r) => ({ requests: s.requests + BigInt(r.r), cost: s.cost + BigInt(r.c ?? "0") }), { requests: 0n, cost: 0n });
      const polledS = sum(P);
      // Pushed events of keys the provider doesn't report in this bucket are another account's.
      const pushedS = sum(pushed.rows.filter((r) => new Date(r.b).getTime() === t && (r.k === "" || keys.has(r.k))));
      const fillS = sum(fills.rows.filter((r) => new Date(r.b).getTime() === t));
      for (const m of ["requests", "cost"] as const) {
        const want = pushedS[m] > polledS[m] ? pushedS[m] : polledS[m];
        if (P.length > 0 && pushedS[m] + fillS[m] !== want) out.push(`bucket ${b} ${m}: pushed ${pushedS[m]} + fill ${fillS[m]} ≠ max(pushed, polled ${polledS[m]})`);
        if (P.length === 0 && fillS[m] !== 0n) out.push(`bucket ${b} ${m}: fill ${fillS[m]} without polled rows`);
      }
    }
    return out;
  } finally {
    client.release();
  }
}

describe("reconciliation under random interleavings (real PostgreSQL)", () => {
  it("pushed + fill = max(pushed, polled) for every bucket at every committed state, whatever the order of pushes, polls and cost fills", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ gens, groups }) => {
        const runId = ++run;
        const day0 = Math.floor(Date.now() / DAY) * DAY - (40 + runId * 3) * DAY;
        const revealed = new Set<number>();
        const pushedNoCost = new Set<number>();
        const pushed = new Map<number, Promise<unknown>>();
        const seen: string[] = [];
        for (const group of groups) {
          const tasks = group.map(async (op) => {
            if (op.t === "reveal") revealed.add(op.g);
            else if (op.t === "push" && !pushed.has(op.g)) {
              if (!op.withCost) pushedNoCost.add(op.g);
              const write = writeUsageEvents([pushedEvent(runId, op.g, gens[op.g]!, day0, op.withCost)]);
              pushed.set(op.g, write);
              await write;
            } else if (op.t === "poll") {
              await reconcilePolled(conn, new Map([[ENDPOINT, polledRows(gens, new Set(revealed), day0)]]), 0, new Map());
            } else if (op.t === "cost" && pushedNoCost.has(op.g)) {
              pushedNoCost.delete(op.g);
              await pushed.get(op.g); // the look-up answers once the push has committed
              const ev = await prisma.usageEvent.findFirstOrThrow({ where: { workspaceId, externalId: `prop-${runId}-${op.g}` }, select: { orgId: true, workspaceId: true, externalId: true, occurredAt: true } });
              await applyProviderCosts([{ ...ev, costMicros: BigInt(gens[op.g]!.cost) }]);
            }
          });
          let done = false;
          const sampler = (async () => {
            while (!done) seen.push(...(await violations(day0)));
          })();
          await Promise.all(tasks).finally(() => (done = true));
          await sampler;
          seen.push(...(await violations(day0)));
        }
        expect(seen).toEqual([]);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
  });
});
