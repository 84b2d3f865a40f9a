/**
 * NO DOUBLE COUNTING between pushed events and polled aggregates.
 *
 * The rule: pushed events are the detail; polled aggregates only fill what was not pushed.
 *
 * For each polled bucket (connection, kind, bucket, key, model) we compare the provider's
 * aggregate with what pushed/OTLP/Broadcast events (`usage_events.source <> 'poll'`, successful
 * ones) of the same connection already account for in the same bucket, kind, key and model
 * (reconcile-tx.ts says which pushed events belong to which connection). The kind is the
 * provider's endpoint (OpenAI completions / embeddings / moderations, OpenRouter activity):
 * pushed chat calls never offset polled embeddings. If polled > pushed, the difference is
 * written as ONE usage event with `source: 'poll'` and the deterministic externalId
 * `poll:<connectionId>:<endpoint>:<bucketStartISO>:<keyRef>:<model>[:<projectRef>]`. On every
 * re-read of a bucket that same event is REPLACED with the new difference, and the rollups move
 * by the delta (ingest's `upsertPollEvents`); when the difference drops to zero the event is
 * zeroed, never left behind. The comparison is capped per key and per bucket as well
 * (reconcile-math.ts), so pushed events whose model is spelled differently or that carry no key
 * still offset the polled total instead of being added to it.
 * Consequence: for any bucket and kind, pushed + poll = max(pushed, polled), never the sum — at
 * every committed state, whatever the order of pushes, polls and cost fills (fill-guard.ts has
 * the locking argument: the poll stores its rows and writes the fills in one transaction under
 * an exclusive lock; a push or cost fill that meets a fill lowers it in its own transaction).
 *
 * The raw `PolledUsage` rows keep exactly what the provider said (upserted by their unique key,
 * never appended), for reports and for re-running the reconciliation.
 */
import type { PoolClient } from "pg";
import { pool } from "@/server/db";
import { notifyLanded } from "@/features/ingest/server/write-events";
import { METRICS, type PolledMetrics } from "./reconcile-math";
import { lockFillsExclusive } from "./fill-guard";
import { reconcileStored, type KeyAttribution, type ReconcileConnection } from "./reconcile-tx";
import { reconcileCostDays } from "./cost-lines";
import { reconcileReadingsTx } from "./key-readings";

const DAY_MS = 86_400_000;

export { pollExternalId, type KeyAttribution, type ReconcileConnection } from "./reconcile-tx";

/** One row of a provider aggregate, as read from the provider. */
export type PolledRow = {
  bucketStart: Date;
  bucketSeconds: number;
  keyRef: string;
  projectRef: string;
  userRef: string;
  model: string;
  metrics: PolledMetrics;
};

/** Upserts the provider's raw aggregates (one row per unique bucket/key/project/user/model). */
export async function storePolledUsage(conn: ReconcileConnection, endpoint: string, rows: PolledRow[], client: Pick<PoolClient, "query"> = pool): Promise<number> {
  if (rows.length === 0) return 0;
  // Sum rows sharing the unique key (e.g. results that differ only in dimensions we drop).
  const merged = new Map<string, PolledRow>();
  for (const r of rows) {
    const k = [r.bucketStart.toISOString(), r.bucketSeconds, r.keyRef, r.projectRef, r.userRef, r.model].join("\u0000");
    const prev = merged.get(k);
    merged.set(k, prev ? { ...prev, metrics: addPolled(prev.metrics, r.metrics) } : r);
  }
  const payload = JSON.stringify(
    [...merged.values()].map((r) => ({
      bucketStart: r.bucketStart.toISOString(),
      bucketSeconds: r.bucketSeconds,
      keyRef: r.keyRef,
      projectRef: r.projectRef,
      userRef: r.userRef,
      model: r.model,
      requests: r.metrics.requests.toString(),
      inputTokens: r.metrics.inputTokens.toString(),
      outputTokens: r.metrics.outputTokens.toString(),
      cachedTokens: r.metrics.cachedTokens.toString(),
      reasoningTokens: r.metrics.reasoningTokens.toString(),
      cacheWriteTokens: r.metrics.cacheWriteTokens.toString(),
      costMicros: r.metrics.costMicros?.toString(),
    })),
  );
  // A read returns every row of each bucket it covers, so a stored row of such a bucket that this
  // read lacks is no longer what the provider says (e.g. a key deleted at OpenRouter: its spend now
  // comes in the unfiltered remainder) and goes, in the same statement; kept, it would count twice.
  const res = await client.query(
    `WITH x AS (
       SELECT * FROM json_to_recordset($5::json) AS x("bucketStart" timestamptz, "bucketSeconds" int, "keyRef" text, "projectRef" text, "userRef" text, model text,
        requests bigint, "inputTokens" bigint, "outputTokens" bigint, "cachedTokens" bigint, "reasoningTokens" bigint, "cacheWriteTokens" bigint, "costMicros" bigint)),
     stale AS (
       DELETE FROM polled_usage p
        WHERE p."connectionId" = $2 AND p.endpoint = $4
          AND EXISTS (SELECT 1 FROM x WHERE x."bucketStart" = p."bucketStart" AND x."bucketSeconds" = p."bucketSeconds")
          AND NOT EXISTS (SELECT 1 FROM x WHERE x."bucketStart" = p."bucketStart" AND x."bucketSeconds" = p."bucketSeconds" AND x."keyRef" = p."keyRef"
                            AND x."projectRef" = p."projectRef" AND x."userRef" = p."userRef" AND x.model = p.model))
     INSERT INTO polled_usage (id, "orgId", "connectionId", provider, endpoint, "bucketStart", "bucketSeconds", "keyRef", "projectRef", "userRef", model,
        requests, "inputTokens", "outputTokens", "cachedTokens", "reasoningTokens", "cacheWriteTokens", "costMicros", "fetchedAt")
     SELECT gen_random_uuid()::text, $1, $2, $3::"Provider", $4, x."bucketStart", x."bucketSeconds", x."keyRef", x."projectRef", x."userRef", x.model,
        x.requests, x."inputTokens", x."outputTokens", x."cachedTokens", x."reasoningTokens", x."cacheWriteTokens", x."costMicros", now()
       FROM x
      ORDER BY 5, 6, 7, 8, 9, 10
     ON CONFLICT ("connectionId", endpoint, "bucketStart", "bucketSeconds", "keyRef", "projectRef", "userRef", model) DO UPDATE SET
        requests = EXCLUDED.requests, "inputTokens" = EXCLUDED."inputTokens", "outputTokens" = EXCLUDED."outputTokens",
        "cachedTokens" = EXCLUDED."cachedTokens", "reasoningTokens" = EXCLUDED."reasoningTokens", "cacheWriteTokens" = EXCLUDED."cacheWriteTokens", "costMicros" = EXCLUDED."costMicros", "fetchedAt" = now()`,
    [conn.orgId, conn.id, conn.provider, endpoint, payload],
  );
  return res.rowCount ?? 0;
}

function addPolled(a: PolledMetrics, b: PolledMetrics): PolledMetrics {
  const out = { ...a };
  for (const m of METRICS) {
    if (m === "costMicros") out.costMicros = a.costMicros === null || b.costMicros === null ? (a.costMicros ?? b.costMicros) : a.costMicros + b.costMicros;
    else out[m] = a[m] + b[m];
  }
  return out;
}


/**
 * One poll's reconciliation: in ONE transaction under the exclusive fill lock of (org, provider),
 * stores what the provider said for each endpoint, then replaces the fills of every bucket read
 * at or after `reconcileFrom` (older buckets' pushed events may be gone with retention).
 */
export async function reconcilePolled(conn: ReconcileConnection, rowsByEndpoint: Map<string, PolledRow[]>, reconcileFrom: number, keys: KeyAttribution, now = new Date()) {
  const client = await pool.connect();
  let result;
  try {
    await client.query("BEGIN");
    await lockFillsExclusive(client, conn.orgId, conn.provider);
    const starts = new Set<number>();
    for (const [endpoint, rows] of rowsByEndpoint) {
      await storePolledUsage(conn, endpoint, rows, client);
      for (const r of rows) if (r.bucketStart.getTime() >= reconcileFrom) starts.add(r.bucketStart.getTime());
    }
    result = await reconcileStored(client, conn, [...starts].map((t) => new Date(t)), keys);
    // A day /activity now has replaces its minute-reading fills, in this same transaction.
    const readings = await reconcileReadingsTx(client, conn, [...starts].map((t) => new Date(t)), keys);
    result.events.push(...readings);
    result.written += readings.length;
    // Fills moved: so did the billed-cost adjustment of their (closed) days.
    const days = [...new Set([...starts].map((t) => Math.floor(t / DAY_MS) * DAY_MS))].map((t) => new Date(t));
    result.events.push(...(await reconcileCostDays(client, conn, days, now)));
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  if (result.written > 0) notifyLanded(result.events);
  return { buckets: result.buckets, written: result.written, zeroed: result.zeroed };
}
