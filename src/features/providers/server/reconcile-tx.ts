/**
 * Recomputes the poll fills of some buckets of one connection from what is stored — the
 * provider's rows in `polled_usage` and the pushed events — inside the caller's transaction.
 * The poll calls it under the exclusive fill lock right after storing the rows it read; a push or
 * a cost fill calls it under the shared lock + F after its write (fill-guard.ts). One code path,
 * so both sides compute the same fill.
 *
 * Which pushed events a connection's fill is compared with (README "Several connections"):
 * - an event whose key is tracked belongs to the key's connection (other connections ignore it);
 * - an event with an api_key Tollgate doesn't track yet is compared by its key ref (it matches
 *   only if this connection reports that key);
 * - an event without any key belongs to the connection attributed to the event's workspace; if
 *   none is, to the org's only connection of that provider without a workspace; if there are
 *   several such, it offsets no fill (it can't be told which account it was spent on — send
 *   `api_key`).
 */
import type { PoolClient } from "pg";
import { prisma } from "@/server/db";
import { getWorkspaceInfo } from "@/features/ingest/server/attribution";
import { upsertPollEventsTx } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import type { Provider } from "@/generated/prisma/enums";
import { pushedKind } from "./fill-guard";
import { isZero, METRICS, reconcileBucket, zeroMetrics, type PolledCell, type PolledMetrics, type PushedCell } from "./reconcile-math";
import { keyAttribution } from "./keys";
import { NO_READINGS_OFFSET_MS, splitLargestRemainder, spreadDayFill, type DayReading } from "./spread-fill";

export type ReconcileConnection = { id: string; orgId: string; provider: Provider; workspaceId: string | null };
/** Tracked keys by provider key ref, for attribution of poll events. */
/** Per provider key ref: the tracked key, where its spend lands, and the member it is attributed to (events carry no user of their own). */
export type KeyAttribution = Map<string, { id: string; workspaceId: string | null; projectTagId: string | null; memberId: string | null }>;
type Q = Pick<PoolClient, "query">;

/** The endpoints whose rows become fills; the endpoint is also the cell's kind. */
export const FILL_ENDPOINTS: Record<Provider, string[]> = {
  openai: ["openai.completions", "openai.embeddings", "openai.moderations"],
  openrouter: ["openrouter.activity"],
};

export const pollExternalId = (connectionId: string, endpoint: string, bucketStart: Date, keyRef: string, model: string, projectRef = "") =>
  `poll:${connectionId}:${endpoint}:${bucketStart.toISOString()}:${keyRef}:${model}${projectRef ? `:${projectRef}` : ""}`;

const INT4_MAX = 2_147_483_647n;
/** usage_events' count columns are int4: a value pollEvent gets must fit (see intSafeParts). */
const toInt = (v: bigint) => {
  if (v > INT4_MAX || v < -INT4_MAX - 1n) throw new Error(`poll fill count ${v} does not fit usage_events' int4 columns (intSafeParts splits it)`);
  return Number(v);
};

/**
 * usage_events stores token and request counts as int4 (the rollups are bigint). A fill whose
 * count exceeds 2^31 − 1 (an OpenAI hour or an OpenRouter day of a very large key) is split into
 * n equal parts (largest remainder, exact in every metric), written as the fill's externalId and
 * `<externalId>#1` … `#n-1`. Same bucket, same prefix: re-reads replace them and zero the parts
 * no longer needed, like any fill. Never clamped.
 */
export function intSafeParts(m: PolledMetrics): PolledMetrics[] {
  let most = 0n;
  for (const k of METRICS) if (k !== "costMicros" && m[k] > most) most = m[k];
  const n = most > INT4_MAX ? (most + INT4_MAX - 1n) / INT4_MAX : 1n;
  if (n === 1n) return [m];
  const weights = Array.from({ length: Number(n) }, () => 1n);
  const parts = weights.map(() => ({ ...m }));
  for (const k of METRICS) {
    const v = m[k];
    if (v === null) continue;
    splitLargestRemainder(v, weights).forEach((x, i) => (parts[i]![k] = x));
  }
  return parts;
}

/** Keyless pushed events this connection owns: by workspace, or all but other connections' workspaces. */
async function keylessScope(client: Q, conn: ReconcileConnection): Promise<{ mode: "ws" | "rest" | "none"; ws: string[] }> {
  if (conn.workspaceId) return { mode: "ws", ws: [conn.workspaceId] };
  const { rows } = await client.query<{ id: string; workspaceId: string | null }>(
    `SELECT id, "workspaceId" FROM provider_connections WHERE "orgId" = $1 AND provider = $2::"Provider"`,
    [conn.orgId, conn.provider],
  );
  const orgWide = rows.filter((r) => r.workspaceId === null);
  if (orgWide.length !== 1) return { mode: "none", ws: [] };
  return { mode: "rest", ws: rows.filter((r) => r.workspaceId !== null).map((r) => r.workspaceId!) };
}

/** The events a connection owns (see the header); `$n` = connection id, `$n+1` = scope mode, `$n+2` = scope workspaces. */
const ownedSql = (n: number) => `(pk."connectionId" = $${n}
     OR (e."providerKeyId" IS NULL AND e."apiKeyRef" IS NOT NULL)
     OR (e."providerKeyId" IS NULL AND e."apiKeyRef" IS NULL
         AND (($${n + 1} = 'ws' AND e."workspaceId" = ANY($${n + 2}::text[])) OR ($${n + 1} = 'rest' AND NOT (e."workspaceId" = ANY($${n + 2}::text[]))))))`;

/** Cost of the successful pushed events this connection owns in [from, to). */
export async function ownedPushedCost(client: Q, conn: ReconcileConnection, from: Date, to: Date): Promise<bigint> {
  const scope = await keylessScope(client, conn);
  const { rows } = await client.query<{ c: string | null }>(
    `SELECT sum(e."costMicros")::text AS c FROM usage_events e LEFT JOIN provider_keys pk ON pk.id = e."providerKeyId"
      WHERE e."orgId" = $1 AND e.provider = $2::"Provider" AND e.source <> 'poll' AND e.status < 400
        AND e."occurredAt" >= $3 AND e."occurredAt" < $4 AND ${ownedSql(5)}`,
    [conn.orgId, conn.provider, from, to, conn.id, scope.mode, scope.ws],
  );
  return BigInt(rows[0]?.c ?? "0");
}

type PushedRow = { bucket: Date; key_ref: string; model: string } & Record<string, string>;

/** Pushed (non-poll, successful) totals of this connection per bucket, kind, key ref and model. */
export async function pushedTotals(client: Q, conn: ReconcileConnection, buckets: { start: Date; end: Date }[]): Promise<Map<number, PushedCell[]>> {
  const out = new Map<number, PushedCell[]>();
  if (buckets.length === 0) return out;
  const scope = await keylessScope(client, conn);
  const min = new Date(Math.min(...buckets.map((b) => b.start.getTime())));
  const max = new Date(Math.max(...buckets.map((b) => b.end.getTime())));
  // `own`: the key ref names a key this connection tracks, so the events are this account's even
  // when the provider no longer reports the key (deleted: its spend is in the keyless remainder).
  const { rows } = await client.query<PushedRow & { own: boolean }>(
    `SELECT t.*, EXISTS (SELECT 1 FROM provider_keys k WHERE k."orgId" = $1 AND k.provider = $2::"Provider" AND k."providerKeyId" = t.key_ref AND k."connectionId" = $7) AS own
       FROM (
     SELECT b.s AS bucket, coalesce(pk."providerKeyId", e."apiKeyRef", '') AS key_ref, e.model,
            sum(e.requests)::text AS "requests", sum(e."inputTokens")::text AS "inputTokens", sum(e."outputTokens")::text AS "outputTokens",
            sum(e."cachedTokens")::text AS "cachedTokens", sum(e."cacheWriteTokens")::text AS "cacheWriteTokens",
            sum(e."reasoningTokens")::text AS "reasoningTokens", sum(e."costMicros")::text AS "costMicros"
       FROM unnest($4::timestamptz[], $5::timestamptz[]) AS b(s, e_)
       JOIN usage_events e ON e."occurredAt" >= b.s AND e."occurredAt" < b.e_
       LEFT JOIN provider_keys pk ON pk.id = e."providerKeyId"
      WHERE e."orgId" = $1 AND e.provider = $2::"Provider" AND e.source <> 'poll' AND e.status < 400
        AND e."occurredAt" >= $3 AND e."occurredAt" < $6
        AND ${ownedSql(7)}
      GROUP BY 1, 2, 3) t`,
    [conn.orgId, conn.provider, min, buckets.map((b) => b.start), buckets.map((b) => b.end), max, conn.id, scope.mode, scope.ws],
  );
  for (const r of rows) {
    const metrics = zeroMetrics();
    for (const m of METRICS) metrics[m] = BigInt(r[m] ?? "0");
    const t = new Date(r.bucket).getTime();
    const list = out.get(t) ?? [];
    list.push({ kind: pushedKind(conn.provider, r.model), keyRef: r.key_ref, model: r.model, metrics, own: r.own });
    out.set(t, list);
  }
  return out;
}

type StoredRow = { endpoint: string; bucketStart: Date; bucketSeconds: number; keyRef: string; projectRef: string; model: string; costUnknown: boolean; costMicros: string | null } & Record<string, unknown>;

/** The stored provider rows of the given buckets, merged over users, as cells per bucket. */
async function storedCells(client: Q, conn: ReconcileConnection, bucketStarts: Date[]) {
  const { rows } = await client.query<StoredRow>(
    `SELECT endpoint, "bucketStart", "bucketSeconds", "keyRef", "projectRef", model,
            sum(requests)::text AS requests, sum("inputTokens")::text AS "inputTokens", sum("outputTokens")::text AS "outputTokens",
            sum("cachedTokens")::text AS "cachedTokens", sum("cacheWriteTokens")::text AS "cacheWriteTokens",
            sum("reasoningTokens")::text AS "reasoningTokens", sum("costMicros")::text AS "costMicros", bool_or("costMicros" IS NULL) AS "costUnknown"
       FROM polled_usage
      WHERE "connectionId" = $1 AND endpoint = ANY($2::text[]) AND "bucketStart" = ANY($3::timestamptz[])
      GROUP BY 1, 2, 3, 4, 5, 6`,
    [conn.id, FILL_ENDPOINTS[conn.provider], bucketStarts],
  );
  const byBucket = new Map<number, { start: Date; seconds: number; cells: PolledCell[] }>();
  for (const r of rows) {
    const start = new Date(r.bucketStart);
    const b = byBucket.get(start.getTime()) ?? { start, seconds: r.bucketSeconds, cells: [] };
    const metrics = { ...zeroMetrics() } as PolledMetrics;
    for (const m of METRICS) if (m !== "costMicros") metrics[m] = BigInt((r[m] as string | null | undefined) ?? "0");
    metrics.costMicros = r.costUnknown || r.costMicros === null ? null : BigInt(r.costMicros);
    b.cells.push({ kind: r.endpoint, keyRef: r.keyRef, projectRef: r.keyRef ? "" : r.projectRef, model: r.model, metrics });
    byBucket.set(start.getTime(), b);
  }
  return byBucket;
}

export async function fallbackWorkspace(conn: ReconcileConnection): Promise<string> {
  if (conn.workspaceId) return conn.workspaceId;
  const ws = await prisma.workspace.findFirst({ where: { orgId: conn.orgId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: { id: true } });
  if (!ws) throw new Error(`Org ${conn.orgId} has no workspace to attribute polled usage to`);
  return ws.id;
}

const minOf = (ds: Date[]) => new Date(Math.min(...ds.map((d) => d.getTime())));
const maxOf = (ds: Date[]) => new Date(Math.max(...ds.map((d) => d.getTime())));

/** OpenRouter: the key counters' minute readings of each day bucket, per key in time order (key-readings.ts). */
async function dayReadings(client: Q, conn: ReconcileConnection, buckets: { start: Date; end: Date }[]) {
  const out = new Map<number, Map<string, DayReading[]>>();
  if (buckets.length === 0) return out;
  const { rows } = await client.query<{ at: Date; keyRef: string; c: string }>(
    `SELECT "bucketStart" AS at, "keyRef", "costMicros"::text AS c FROM polled_usage
      WHERE "connectionId" = $1 AND endpoint = 'openrouter.keys' AND "bucketStart" >= $2 AND "bucketStart" < $3
      ORDER BY "bucketStart", "keyRef"`,
    [conn.id, minOf(buckets.map((b) => b.start)), maxOf(buckets.map((b) => b.end))],
  );
  for (const r of rows) {
    const at = new Date(r.at);
    const b = buckets.find((x) => at >= x.start && at < x.end);
    if (!b) continue;
    const day = out.get(b.start.getTime()) ?? out.set(b.start.getTime(), new Map()).get(b.start.getTime())!;
    day.set(r.keyRef, [...(day.get(r.keyRef) ?? []), { at, cost: BigInt(r.c) }]);
  }
  return out;
}

type ExistingFill = { workspaceId: string; externalId: string; projectTagId: string | null; providerKeyId: string | null; apiKeyRef: string | null; model: string; occurredAt: Date; nonzero: boolean; endpoint: string };

/**
 * Replaces the fills of `bucketStarts` (where this connection has polled rows) by
 * max(0, polled − pushed) per cell and cap (reconcile-math.ts); fills no longer needed are zeroed.
 */
export async function reconcileStored(client: PoolClient, conn: ReconcileConnection, bucketStarts: Date[], keys: KeyAttribution) {
  const byBucket = await storedCells(client, conn, bucketStarts);
  if (byBucket.size === 0) return { buckets: 0, written: 0, zeroed: 0, events: [] as NormalizedEvent[] };
  const buckets = [...byBucket.values()].map((b) => ({ start: b.start, end: new Date(b.start.getTime() + b.seconds * 1000) }));
  const pushed = await pushedTotals(client, conn, buckets);
  const prefixes = FILL_ENDPOINTS[conn.provider].map((e) => `poll:${conn.id}:${e}:`);
  // OpenRouter day fills are spread over the day (spread-fill.ts): look for them in the whole day.
  const spread = conn.provider === "openrouter";
  const cols = `"workspaceId", "externalId", "projectTagId", "providerKeyId", "apiKeyRef", model, "occurredAt",
            coalesce(metadata->>'poll.endpoint', '') AS endpoint,
            (requests <> 0 OR "costMicros" <> 0 OR "inputTokens" <> 0 OR "outputTokens" <> 0 OR "cachedTokens" <> 0 OR "cacheWriteTokens" <> 0 OR "reasoningTokens" <> 0) AS nonzero`;
  const { rows: existing } = spread
    ? await client.query<ExistingFill>(
        `SELECT ${cols} FROM usage_events e
          WHERE "orgId" = $1 AND "occurredAt" >= $4 AND "occurredAt" < $5 AND source = 'poll'
            AND EXISTS (SELECT 1 FROM unnest($2::timestamptz[], $6::timestamptz[]) AS b(s, e_) WHERE e."occurredAt" >= b.s AND e."occurredAt" < b.e_)
            AND EXISTS (SELECT 1 FROM unnest($3::text[]) p WHERE starts_with(e."externalId", p))`,
        [conn.orgId, buckets.map((b) => b.start), prefixes, minOf(buckets.map((b) => b.start)), maxOf(buckets.map((b) => b.end)), buckets.map((b) => b.end)],
      )
    : await client.query<ExistingFill>(
        `SELECT ${cols} FROM usage_events e
          WHERE "orgId" = $1 AND "occurredAt" = ANY($2::timestamptz[]) AND source = 'poll'
            AND EXISTS (SELECT 1 FROM unnest($3::text[]) p WHERE starts_with(e."externalId", p))`,
        [conn.orgId, buckets.map((b) => b.start), prefixes],
      );
  const readings = spread ? await dayReadings(client, conn, buckets) : new Map<number, Map<string, DayReading[]>>();
  const fallbackWs = await fallbackWorkspace(conn);
  const defaultTags = new Map<string, string | null>();
  const tagFor = async (ws: string) => {
    if (!defaultTags.has(ws)) defaultTags.set(ws, (await getWorkspaceInfo(ws)).defaultTagId);
    return defaultTags.get(ws) ?? null;
  };
  const events: NormalizedEvent[] = [];
  const target = new Set<string>();
  for (const b of byBucket.values()) {
    const deltas = reconcileBucket(b.cells, pushed.get(b.start.getTime()) ?? []).filter((d) => !isZero(d.metrics));
    const parts = spread ? spreadDayFill(b.start, deltas, readings.get(b.start.getTime()) ?? new Map()) : deltas.map((d) => ({ ...d, at: b.start }));
    for (const d of parts) {
      const key = d.keyRef ? keys.get(d.keyRef) : undefined;
      const workspaceId = key?.workspaceId ?? fallbackWs;
      const projectTagId = key?.workspaceId ? (key.projectTagId ?? (await tagFor(workspaceId))) : await tagFor(workspaceId);
      const externalId = pollExternalId(conn.id, d.kind, d.at, d.keyRef, d.model, d.projectRef);
      const seconds = d.at.getTime() === b.start.getTime() || d.at.getTime() === b.start.getTime() + NO_READINGS_OFFSET_MS ? b.seconds : 60;
      intSafeParts(d.metrics).forEach((metrics, i) => {
        const id = i === 0 ? externalId : `${externalId}#${i}`;
        target.add(`${workspaceId}\u0000${id}`);
        events.push(pollEvent(conn, { workspaceId, externalId: id, projectTagId, providerKeyId: key?.id ?? null, memberId: key?.memberId ?? null, apiKeyRef: d.keyRef || null, model: d.model, at: d.at, metrics, endpoint: d.kind, seconds }));
      });
    }
  }
  let zeroed = 0;
  for (const e of existing) {
    if (target.has(`${e.workspaceId}\u0000${e.externalId}`) || !e.nonzero) continue;
    const endpoint = e.endpoint || e.externalId.split(":")[2] || "";
    events.push(pollEvent(conn, { ...e, at: new Date(e.occurredAt), metrics: zeroMetrics(), endpoint, seconds: 0 }));
    zeroed++;
  }
  const res = await upsertPollEventsTx(client, events);
  return { buckets: byBucket.size, written: res.inserted + res.updated, zeroed, events };
}

/** The push/cost-fill side: recompute one connection's fills for some buckets (fill-guard.ts). */
export async function reconcileStoredForConnection(client: PoolClient, connectionId: string, bucketStarts: Date[], costDays: Date[] = []) {
  const { rows } = await client.query<ReconcileConnection>(`SELECT id, "orgId", provider, "workspaceId" FROM provider_connections WHERE id = $1`, [connectionId]);
  const conn = rows[0];
  // A deleted connection's fills stay as they are (README: deleting a connection).
  if (!conn) return;
  if (bucketStarts.length > 0) {
    const keys = await keyAttribution(conn, conn.provider);
    await reconcileStored(client, conn, bucketStarts, keys);
    // OpenRouter: the minute readings of the same days (key-readings.ts); bucket starts are UTC days.
    const { reconcileReadingsTx } = await import("./key-readings");
    await reconcileReadingsTx(client, conn, bucketStarts, keys);
  }
  if (costDays.length > 0) {
    const { reconcileCostDays } = await import("./cost-lines");
    await reconcileCostDays(client, conn, costDays, new Date());
  }
}

export function pollEvent(
  conn: ReconcileConnection,
  e: { workspaceId: string; externalId: string; projectTagId: string | null; providerKeyId: string | null; memberId?: string | null; apiKeyRef: string | null; model: string; at: Date; metrics: PolledMetrics; endpoint: string; seconds: number },
): NormalizedEvent {
  const m = e.metrics;
  return {
    orgId: conn.orgId,
    workspaceId: e.workspaceId,
    externalId: e.externalId,
    source: "poll",
    provider: conn.provider,
    model: e.model,
    projectTagId: e.projectTagId,
    // Polled usage names no user: the member the key is attributed to, if any.
    memberId: e.memberId ?? null,
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
