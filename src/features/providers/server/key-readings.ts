/**
 * OpenRouter spend at minute resolution, from the key list's running `usage` counters
 * (README "Minute readings of the key counters").
 *
 * `/activity` only has completed UTC days, so without this a daily budget never saw polled
 * OpenRouter spend in time, and a whole UTC day landed at 00:00 UTC (the previous local day for
 * zones behind UTC). Each reading of `GET /keys` stores, per tracked key:
 * - the key's lifetime `usage` counter (polled_usage, endpoint `openrouter.keys.counter`, one row
 *   per key, replaced): the baseline of the next reading;
 * - the positive difference from the previous reading (endpoint `openrouter.keys`, a 60 s bucket
 *   at the reading's minute): spend that happened since then, stamped at the reading time.
 * The lifetime counter, not `usage_daily`, is differenced, so a new UTC day/week/month never looks
 * like a reset. A counter that goes DOWN (a key re-created under the same hash, a provider
 * correction) records nothing and becomes the new baseline: never negative, never counted twice.
 * A key's first reading is only a baseline; what it spent before is covered by `/activity` once its
 * UTC day completes.
 *
 * Fills (reconcileReadingsTx), per connection and UTC day D, in the caller's transaction under the
 * fill lock (fill-guard.ts):
 * - while `/activity` has no row of the connection for D: per key, R = Σ readings of D, compared
 *   with the pushed events of the key in D exactly like an activity cell (reconcile-math.ts, per
 *   key and per bucket caps), so pushed + reading fills = max(pushed, R). The fill is placed on the
 *   key's LATEST readings (pushed events explain the earliest spend), one poll event per minute;
 * - once `/activity` has rows for D (a completed day), the activity fills are D's polled truth and
 *   every reading fill of D is zeroed in the same transaction that writes them: one polled source
 *   per day, never the sum. The activity fills themselves are spread over D's reading minutes
 *   (spread-fill.ts), so the completed day's spend stays in the local hours it was read in.
 */
import type { PoolClient } from "pg";
import { pool } from "@/server/db";
import { usdToMicros } from "@/lib/money";
import { notifyLanded, upsertPollEventsTx } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { lockFillsExclusive } from "./fill-guard";
import { isZero, reconcileBucket, zeroMetrics } from "./reconcile-math";
import { fallbackWorkspace, pollEvent, pollExternalId, pushedTotals, type KeyAttribution, type ReconcileConnection } from "./reconcile-tx";
import { getWorkspaceInfo } from "@/features/ingest/server/attribution";
import { placeOnLatest } from "./spread-fill";

export const READINGS_ENDPOINT = "openrouter.keys";
const COUNTER_ENDPOINT = "openrouter.keys.counter";
const ACTIVITY_ENDPOINT = "openrouter.activity";
/** One row per connection and UTC day: Σ of the day's reading fills (the push guard's marker). */
const FILLED_ENDPOINT = "openrouter.keys.filled";
/** Reading fills carry no model: the key list has none (the completed day's /activity has). */
export const KEY_USAGE_MODEL = "openrouter/key-usage";
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

type Q = Pick<PoolClient, "query">;

/** Stores one reading of the keys' counters and recomputes the day's reading fills, atomically. */
export async function recordKeyReadings(conn: ReconcileConnection, keys: { hash: string; usage: number }[], at: Date, attribution: KeyAttribution) {
  const tracked = keys.filter((k) => attribution.has(k.hash));
  if (tracked.length === 0) return { spendMicros: 0n, written: 0 };
  const client = await pool.connect();
  let events: NormalizedEvent[] = [];
  let spend = 0n;
  try {
    await client.query("BEGIN");
    await lockFillsExclusive(client, conn.orgId, conn.provider);
    const { rows } = await client.query<{ keyRef: string; c: string; at: Date }>(
      `SELECT "keyRef", "costMicros"::text AS c, "fetchedAt" AS at FROM polled_usage WHERE "connectionId" = $1 AND endpoint = $2`,
      [conn.id, COUNTER_ENDPOINT],
    );
    const prev = new Map(rows.map((r) => [r.keyRef, { micros: BigInt(r.c), at: new Date(r.at).getTime() }]));
    const counters: Row[] = [];
    const deltas: Row[] = [];
    const minute = new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
    for (const k of tracked) {
      const now = usdToMicros(k.usage);
      const before = prev.get(k.hash);
      // Two readings committing out of order (the minute job and the full poll): the older one is
      // stale, not a reset; taking it as the baseline would count the difference again later.
      if (before && before.at >= at.getTime()) continue;
      counters.push({ keyRef: k.hash, at: new Date(0), seconds: 0, cost: now, readAt: at });
      if (before !== undefined && now > before.micros) {
        deltas.push({ keyRef: k.hash, at: minute, seconds: 60, cost: now - before.micros });
        spend += now - before.micros;
      }
    }
    await upsertRows(client, conn, COUNTER_ENDPOINT, counters, "replace");
    await upsertRows(client, conn, READINGS_ENDPOINT, deltas, "add");
    if (deltas.length > 0) events = await reconcileReadingsTx(client, conn, [new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS)], attribution);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  if (events.length > 0) notifyLanded(events);
  return { spendMicros: spend, written: events.length };
}

/** A polled_usage row of this module; `readAt` (counters) is kept in fetchedAt to order readings. */
type Row = { keyRef: string; at: Date; seconds: number; cost: bigint; readAt?: Date };

async function upsertRows(client: Q, conn: ReconcileConnection, endpoint: string, rows: Row[], mode: "replace" | "add") {
  if (rows.length === 0) return;
  const payload = JSON.stringify(rows.map((r) => ({ keyRef: r.keyRef, at: r.at.toISOString(), seconds: r.seconds, cost: r.cost.toString(), readAt: (r.readAt ?? new Date()).toISOString() })));
  await client.query(
    `INSERT INTO polled_usage (id, "orgId", "connectionId", provider, endpoint, "bucketStart", "bucketSeconds", "keyRef", "costMicros", "fetchedAt")
     SELECT gen_random_uuid()::text, $1, $2, $3::"Provider", $4, x.at, x.seconds, x."keyRef", x.cost, x."readAt"
       FROM json_to_recordset($5::json) AS x("keyRef" text, at timestamptz, seconds int, cost bigint, "readAt" timestamptz)
      ORDER BY x."keyRef"
     ON CONFLICT ("connectionId", endpoint, "bucketStart", "bucketSeconds", "keyRef", "projectRef", "userRef", model) DO UPDATE SET
        "costMicros" = ${mode === "add" ? `polled_usage."costMicros" + EXCLUDED."costMicros"` : `EXCLUDED."costMicros"`}, "fetchedAt" = EXCLUDED."fetchedAt"`,
    [conn.orgId, conn.id, conn.provider, endpoint, payload],
  );
}

type Reading = { at: Date; keyRef: string; cost: bigint };

type ExistingFill = { workspaceId: string; externalId: string; projectTagId: string | null; providerKeyId: string | null; apiKeyRef: string | null; model: string; occurredAt: Date; nonzero: boolean };

/**
 * Replaces the reading fills of the given UTC days (see the header): none once /activity has the
 * day, else max(0, readings − pushed) per key, on its latest minutes. Caller holds the fill lock.
 */
export async function reconcileReadingsTx(client: PoolClient, conn: ReconcileConnection, days: Date[], keys: KeyAttribution): Promise<NormalizedEvent[]> {
  if (conn.provider !== "openrouter" || days.length === 0) return [];
  const events: NormalizedEvent[] = [];
  const prefix = `poll:${conn.id}:${READINGS_ENDPOINT}:`;
  for (const day of days) {
    const end = new Date(day.getTime() + DAY_MS);
    const { rows: readings } = await client.query<{ at: Date; keyRef: string; c: string }>(
      `SELECT "bucketStart" AS at, "keyRef", "costMicros"::text AS c FROM polled_usage
        WHERE "connectionId" = $1 AND endpoint = $2 AND "bucketStart" >= $3 AND "bucketStart" < $4
        ORDER BY "bucketStart", "keyRef"`,
      [conn.id, READINGS_ENDPOINT, day, end],
    );
    // Fills only ever sit at a reading's (minute, key): look them up by primary key, never by
    // scanning the day's events (workspaces: all of the org's, a key may have moved).
    const ids = readings.map((r) => pollExternalId(conn.id, READINGS_ENDPOINT, new Date(r.at), r.keyRef, KEY_USAGE_MODEL));
    const { rows: existing } = await client.query<ExistingFill>(
      `SELECT "workspaceId", "externalId", "projectTagId", "providerKeyId", "apiKeyRef", model, "occurredAt", "costMicros" <> 0 AS nonzero
         FROM usage_events WHERE "orgId" = $1 AND "workspaceId" IN (SELECT id FROM workspaces WHERE "orgId" = $1)
          AND "externalId" = ANY($4::text[]) AND "occurredAt" >= $2 AND "occurredAt" < $3 AND source = 'poll'`,
      [conn.orgId, day, end, ids],
    );
    const { rows: act } = await client.query<{ has: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM polled_usage WHERE "connectionId" = $1 AND endpoint = $2 AND "bucketStart" = $3) AS has`,
      [conn.id, ACTIVITY_ENDPOINT, day],
    );
    if (readings.length === 0 && !act[0]?.has) continue;
    const target = new Set<string>();
    if (!act[0]?.has) {
      const byKey = new Map<string, Reading[]>();
      for (const r of readings) byKey.set(r.keyRef, [...(byKey.get(r.keyRef) ?? []), { at: new Date(r.at), keyRef: r.keyRef, cost: BigInt(r.c) }]);
      const cells = [...byKey].map(([keyRef, rs]) => ({ kind: ACTIVITY_ENDPOINT, keyRef, model: KEY_USAGE_MODEL, metrics: { ...zeroMetrics(), costMicros: rs.reduce((s, r) => s + r.cost, 0n) } }));
      const pushed = (await pushedTotals(client, conn, [{ start: day, end }])).get(day.getTime()) ?? [];
      const fallbackWs = await fallbackWorkspace(conn);
      for (const d of reconcileBucket(cells, pushed)) {
        if (isZero(d.metrics) || !d.metrics.costMicros) continue;
        const key = keys.get(d.keyRef);
        const workspaceId = key?.workspaceId ?? fallbackWs;
        const projectTagId = key?.workspaceId ? (key.projectTagId ?? (await getWorkspaceInfo(workspaceId)).defaultTagId) : (await getWorkspaceInfo(workspaceId)).defaultTagId;
        for (const p of placeOnLatest(byKey.get(d.keyRef) ?? [], d.metrics.costMicros)) {
          const externalId = pollExternalId(conn.id, READINGS_ENDPOINT, p.at, d.keyRef, KEY_USAGE_MODEL);
          target.add(`${workspaceId}\u0000${externalId}`);
          const metrics = { ...zeroMetrics(), costMicros: p.cost };
          events.push(pollEvent(conn, { workspaceId, externalId, projectTagId, providerKeyId: key?.id ?? null, memberId: key?.memberId ?? null, apiKeyRef: d.keyRef, model: KEY_USAGE_MODEL, at: p.at, metrics, endpoint: READINGS_ENDPOINT, seconds: 60 }));
        }
      }
    }
    for (const e of existing) {
      if (target.has(`${e.workspaceId}\u0000${e.externalId}`) || !e.nonzero) continue;
      events.push(pollEvent(conn, { ...e, at: new Date(e.occurredAt), metrics: zeroMetrics(), endpoint: READINGS_ENDPOINT, seconds: 0 }));
    }
    // The day's marker, what the push guard looks up (readingDays): the day's total reading fill,
    // plus the mark of its activity fills, which are spread over the day too (spread-fill.ts).
    const readingFilled = events.filter((e) => e.occurredAt >= day && e.occurredAt < end && e.externalId.startsWith(prefix)).reduce((x, e) => x + (e.costMicros ?? 0n), 0n);
    const filled = readingFilled + (act[0]?.has ? await activityMark(client, conn, day, end) : 0n);
    await upsertRows(client, conn, FILLED_ENDPOINT, [{ keyRef: "", at: day, seconds: 86_400, cost: filled }], "replace");
  }
  await upsertPollEventsTx(client, events);
  return events;
}

/**
 * Non-zero iff the day has a non-zero activity fill of the connection (Σ costs, +1 per cost-free
 * token fill). Activity fills are spread over the day's minutes (spread-fill.ts), not at its
 * start where the guard's event look-up would see them, so the day marker carries them. They are
 * written before this runs, in the same transaction (reconcile.ts, reconcile-tx.ts).
 */
async function activityMark(client: Q, conn: ReconcileConnection, day: Date, end: Date): Promise<bigint> {
  const { rows } = await client.query<{ m: string | null }>(
    `SELECT sum(CASE WHEN "costMicros" > 0 THEN "costMicros"
                     WHEN requests <> 0 OR "inputTokens" <> 0 OR "outputTokens" <> 0 OR "cachedTokens" <> 0 OR "cacheWriteTokens" <> 0 OR "reasoningTokens" <> 0 THEN 1
                     ELSE 0 END)::text AS m
       FROM usage_events
      WHERE "orgId" = $1 AND "occurredAt" >= $2 AND "occurredAt" < $3 AND source = 'poll' AND starts_with("externalId", $4)`,
    [conn.orgId, day, end, `poll:${conn.id}:${ACTIVITY_ENDPOINT}:`],
  );
  return BigInt(rows[0]?.m ?? "0");
}

/**
 * The (connection, UTC day) pairs among `days` whose reading fills a write must recompute: for a
 * push, days with a non-zero reading fill (a push only lowers one); for a cost fill, every day with
 * readings. One indexed look-up of the day markers (polled_usage: orgId, bucketStart).
 */
export async function readingDays(client: Q, orgId: string, days: Date[], mode: "push" | "cost"): Promise<{ conn: string; day: Date }[]> {
  if (days.length === 0) return [];
  const { rows } = await client.query<{ conn: string; day: Date }>(
    `SELECT DISTINCT "connectionId" AS conn, "bucketStart" AS day FROM polled_usage
      WHERE "orgId" = $1 AND "bucketStart" = ANY($2::timestamptz[]) AND endpoint = $3 ${mode === "push" ? `AND "costMicros" > 0` : ""}`,
    [orgId, days, FILLED_ENDPOINT],
  );
  return rows.map((r) => ({ conn: r.conn, day: new Date(r.day) }));
}
