/**
 * NO DOUBLE COUNTING between pushed events and polled aggregates.
 *
 * The rule: pushed events are the detail; polled aggregates only fill what was not pushed.
 *
 * For each polled bucket (connection, endpoint, bucket, key, model) we compare the provider's
 * aggregate with what pushed/OTLP/Broadcast events (`usage_events.source <> 'poll'`, successful
 * ones) already account for in the same bucket, key and model. If polled > pushed, the
 * difference is written as ONE usage event with `source: 'poll'` and the deterministic
 * externalId `poll:<connectionId>:<endpoint>:<bucketStartISO>:<keyRef>:<model>`. On every re-read
 * of a bucket (providers keep revising recent buckets) that same event is REPLACED with the new
 * difference, and the rollups move by the delta (ingest's `upsertPollEvents`); when the
 * difference drops to zero the event is zeroed, never left behind. The comparison is capped
 * per key and per bucket as well (reconcile-math.ts), so pushed events whose model is spelled
 * differently or that carry no key still offset the polled total instead of being added to it.
 * Consequence: for any bucket, pushed + poll = max(pushed, polled), never pushed + polled.
 *
 * The raw `PolledUsage` rows keep exactly what the provider said (upserted by their unique key,
 * never appended), for reports and for re-running the reconciliation.
 */
import { pool, prisma } from "@/server/db";
import { getWorkspaceInfo } from "@/features/ingest/server/attribution";
import { upsertPollEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import type { Provider } from "@/generated/prisma/enums";
import { isZero, METRICS, reconcileBucket, zeroMetrics, type Metrics, type PolledCell as BucketCell, type PolledMetrics, type PushedCell } from "./reconcile-math";

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

export type ReconcileConnection = { id: string; orgId: string; provider: Provider; workspaceId: string | null };
/** Tracked keys by provider key ref, for attribution of poll events. */
export type KeyAttribution = Map<string, { id: string; workspaceId: string | null; projectTagId: string | null }>;

/** Upserts the provider's raw aggregates (one row per unique bucket/key/project/user/model). */
export async function storePolledUsage(conn: ReconcileConnection, endpoint: string, rows: PolledRow[]): Promise<number> {
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
      costMicros: r.metrics.costMicros?.toString(),
    })),
  );
  const res = await pool.query(
    `INSERT INTO polled_usage (id, "orgId", "connectionId", provider, endpoint, "bucketStart", "bucketSeconds", "keyRef", "projectRef", "userRef", model,
        requests, "inputTokens", "outputTokens", "cachedTokens", "reasoningTokens", "costMicros", "fetchedAt")
     SELECT gen_random_uuid()::text, $1, $2, $3::"Provider", $4, x."bucketStart", x."bucketSeconds", x."keyRef", x."projectRef", x."userRef", x.model,
        x.requests, x."inputTokens", x."outputTokens", x."cachedTokens", x."reasoningTokens", x."costMicros", now()
       FROM json_to_recordset($5::json) AS x("bucketStart" timestamptz, "bucketSeconds" int, "keyRef" text, "projectRef" text, "userRef" text, model text,
        requests bigint, "inputTokens" bigint, "outputTokens" bigint, "cachedTokens" bigint, "reasoningTokens" bigint, "costMicros" bigint)
      ORDER BY 5, 6, 7, 8, 9, 10
     ON CONFLICT ("connectionId", endpoint, "bucketStart", "bucketSeconds", "keyRef", "projectRef", "userRef", model) DO UPDATE SET
        requests = EXCLUDED.requests, "inputTokens" = EXCLUDED."inputTokens", "outputTokens" = EXCLUDED."outputTokens",
        "cachedTokens" = EXCLUDED."cachedTokens", "reasoningTokens" = EXCLUDED."reasoningTokens", "costMicros" = EXCLUDED."costMicros", "fetchedAt" = now()`,
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

/** Where poll events land when a key has no attribution: the connection's workspace, else the org's oldest. */
async function fallbackWorkspace(conn: ReconcileConnection): Promise<string> {
  if (conn.workspaceId) return conn.workspaceId;
  const ws = await prisma.workspace.findFirst({ where: { orgId: conn.orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true } });
  if (!ws) throw new Error(`Org ${conn.orgId} has no workspace to attribute polled usage to`);
  return ws.id;
}

type PushedRow = { bucket: Date; key_ref: string; model: string } & Record<string, string>;

/** Pushed (non-poll, successful) totals per bucket, key ref and model, for the given buckets. */
async function pushedTotals(conn: ReconcileConnection, buckets: { start: Date; end: Date }[]): Promise<Map<number, PushedCell[]>> {
  const out = new Map<number, PushedCell[]>();
  if (buckets.length === 0) return out;
  const min = new Date(Math.min(...buckets.map((b) => b.start.getTime())));
  const max = new Date(Math.max(...buckets.map((b) => b.end.getTime())));
  const { rows } = await pool.query<PushedRow>(
    `SELECT b.s AS bucket, coalesce(pk."providerKeyId", e."apiKeyRef", '') AS key_ref, e.model,
            sum(e.requests)::text AS "requests", sum(e."inputTokens")::text AS "inputTokens", sum(e."outputTokens")::text AS "outputTokens",
            sum(e."cachedTokens")::text AS "cachedTokens", sum(e."cacheWriteTokens")::text AS "cacheWriteTokens",
            sum(e."reasoningTokens")::text AS "reasoningTokens", sum(e."costMicros")::text AS "costMicros"
       FROM unnest($4::timestamptz[], $5::timestamptz[]) AS b(s, e_)
       JOIN usage_events e ON e."occurredAt" >= b.s AND e."occurredAt" < b.e_
       LEFT JOIN provider_keys pk ON pk.id = e."providerKeyId"
      WHERE e."orgId" = $1 AND e.provider = $2::"Provider" AND e.source <> 'poll' AND e.status < 400
        AND e."occurredAt" >= $3 AND e."occurredAt" < $6
      GROUP BY 1, 2, 3`,
    [conn.orgId, conn.provider, min, buckets.map((b) => b.start), buckets.map((b) => b.end), max],
  );
  for (const r of rows) {
    const metrics = zeroMetrics();
    for (const m of METRICS) metrics[m] = BigInt(r[m] ?? "0");
    const t = new Date(r.bucket).getTime();
    const list = out.get(t) ?? [];
    list.push({ keyRef: r.key_ref, model: r.model, metrics });
    out.set(t, list);
  }
  return out;
}

export const pollExternalId = (connectionId: string, endpoint: string, bucketStart: Date, keyRef: string, model: string) =>
  `poll:${connectionId}:${endpoint}:${bucketStart.toISOString()}:${keyRef}:${model}`;

const toInt = (v: bigint) => {
  const n = Number(v);
  return n > 2_147_483_647 ? 2_147_483_647 : n;
};

/**
 * Reconciles every bucket present in `rows` (the caller passes complete buckets: everything the
 * provider reported for them) and writes/replaces the poll events. Returns counts for logging.
 */
export async function reconcilePolled(conn: ReconcileConnection, endpoint: string, rows: PolledRow[], keys: KeyAttribution) {
  const byBucket = new Map<number, { start: Date; seconds: number; cells: Map<string, BucketCell> }>();
  for (const r of rows) {
    const t = r.bucketStart.getTime();
    const b = byBucket.get(t) ?? { start: r.bucketStart, seconds: r.bucketSeconds, cells: new Map() };
    const id = `${r.keyRef}\u0000${r.model}`;
    const prev = b.cells.get(id);
    b.cells.set(id, { keyRef: r.keyRef, model: r.model, metrics: prev ? addPolled(prev.metrics, r.metrics) : r.metrics });
    byBucket.set(t, b);
  }
  const buckets = [...byBucket.values()].map((b) => ({ start: b.start, end: new Date(b.start.getTime() + b.seconds * 1000) }));
  if (buckets.length === 0) return { buckets: 0, written: 0, zeroed: 0 };
  const pushed = await pushedTotals(conn, buckets);

  // Poll events this connection wrote earlier for these buckets, in whatever workspace.
  const prefix = `poll:${conn.id}:${endpoint}:`;
  const existing = await prisma.usageEvent.findMany({
    where: {
      orgId: conn.orgId,
      source: "poll",
      externalId: { startsWith: prefix },
      occurredAt: { gte: new Date(Math.min(...buckets.map((b) => b.start.getTime()))), lt: new Date(Math.max(...buckets.map((b) => b.end.getTime()))) },
    },
    select: { workspaceId: true, externalId: true, requests: true, costMicros: true, inputTokens: true, outputTokens: true, projectTagId: true, providerKeyId: true, apiKeyRef: true, model: true, occurredAt: true },
  });
  const fallbackWs = await fallbackWorkspace(conn);
  const events: NormalizedEvent[] = [];
  const target = new Set<string>();
  const defaultTags = new Map<string, string | null>();
  const tagFor = async (ws: string) => {
    if (!defaultTags.has(ws)) defaultTags.set(ws, (await getWorkspaceInfo(ws)).defaultTagId);
    return defaultTags.get(ws) ?? null;
  };

  for (const b of byBucket.values()) {
    const deltas = reconcileBucket([...b.cells.values()], pushed.get(b.start.getTime()) ?? []);
    for (const d of deltas) {
      if (isZero(d.metrics)) continue;
      const key = d.keyRef ? keys.get(d.keyRef) : undefined;
      const workspaceId = key?.workspaceId ?? fallbackWs;
      const projectTagId = key?.workspaceId ? (key.projectTagId ?? (await tagFor(workspaceId))) : await tagFor(workspaceId);
      const externalId = pollExternalId(conn.id, endpoint, b.start, d.keyRef, d.model);
      target.add(`${workspaceId}\u0000${externalId}`);
      events.push(pollEvent(conn, { workspaceId, externalId, projectTagId, providerKeyId: key?.id ?? null, apiKeyRef: d.keyRef || null, model: d.model, at: b.start, metrics: d.metrics, endpoint, seconds: b.seconds }));
    }
  }
  // A previous poll event that is no longer needed (or now lives in another workspace) is zeroed.
  let zeroed = 0;
  for (const e of existing) {
    if (target.has(`${e.workspaceId}\u0000${e.externalId}`)) continue;
    if (e.requests === 0 && e.costMicros === 0n && e.inputTokens === 0 && e.outputTokens === 0) continue;
    events.push(
      pollEvent(conn, {
        workspaceId: e.workspaceId,
        externalId: e.externalId,
        projectTagId: e.projectTagId,
        providerKeyId: e.providerKeyId,
        apiKeyRef: e.apiKeyRef,
        model: e.model,
        at: e.occurredAt,
        metrics: zeroMetrics(),
        endpoint,
        seconds: 0,
      }),
    );
    zeroed++;
  }
  const res = await upsertPollEvents(events);
  return { buckets: byBucket.size, written: res.inserted + res.updated, zeroed };
}

function pollEvent(
  conn: ReconcileConnection,
  e: { workspaceId: string; externalId: string; projectTagId: string | null; providerKeyId: string | null; apiKeyRef: string | null; model: string; at: Date; metrics: PolledMetrics; endpoint: string; seconds: number },
): NormalizedEvent {
  const m: PolledMetrics | Metrics = e.metrics;
  return {
    orgId: conn.orgId,
    workspaceId: e.workspaceId,
    externalId: e.externalId,
    source: "poll",
    provider: conn.provider,
    model: e.model,
    projectTagId: e.projectTagId,
    memberId: null,
    endUser: null,
    providerKeyId: e.providerKeyId,
    apiKeyRef: e.apiKeyRef,
    service: null,
    language: null,
    occurredAt: e.at,
    inputTokens: toInt(m.inputTokens),
    outputTokens: toInt(m.outputTokens),
    cachedTokens: toInt(m.cachedTokens),
    cacheWriteTokens: toInt(m.cacheWriteTokens),
    reasoningTokens: toInt(m.reasoningTokens),
    requests: toInt(m.requests),
    costMicros: m.costMicros,
    latencyMs: null,
    status: 200,
    errorType: null,
    errorMessage: null,
    generationId: null,
    metadata: { "poll.endpoint": e.endpoint, ...(e.seconds ? { "poll.bucket_seconds": String(e.seconds) } : {}) },
  };
}
