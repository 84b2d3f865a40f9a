import type { PoolClient } from "pg";
import { nowMs } from "@/lib/clock";
import { pool } from "@/server/db";
import { onUsageLanded } from "@/features/budgets/server/triggers";
import { reevaluateEndedPeriods } from "@/features/budgets/server/ended-periods";
import { getPriceLookup } from "@/features/pricing/server/catalog";
import { resolveCost } from "@/features/pricing/price";
import { guardAfterWrite, guardBeforeWrite, planGuard } from "@/features/providers/server/fill-guard";
import type { NormalizedEvent, WriteResult } from "../types";
import {
  EVENT_ARRAY_COLUMNS,
  EVENT_INPUT_SQL,
  EVENT_INSERT_COLUMNS,
  INSERT_EVENTS_WITH_ROLLUPS_SQL,
  INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL,
  UNCOMPACTED_COLUMNS,
  claimIdsSql,
  rollupContributionSql,
  rollupUpsertSql,
} from "./rollup-sql";

/**
 * The one writer every usage source goes through (push, OTLP, pollers).
 *
 * Durability: events and their rollups are written by ONE statement that has committed
 * when this resolves, so a caller that acknowledges after `await` never loses an
 * acknowledged event (kill -9, Redis flush: Postgres is the only store involved).
 * Idempotency: `(workspaceId, externalId)` counts once, whatever the timestamp; ids repeated
 * inside the batch are collapsed first (first occurrence wins), ids already claimed in
 * usage_event_ids are skipped, and only the events whose id was new are inserted and added to
 * the rollups. The batch is first tried with a plain claim (INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL,
 * cheaper); a known id makes it fail whole with 23505 and the batch is written again with the
 * skipping claim (INSERT_EVENTS_WITH_ROLLUPS_SQL, ON CONFLICT DO NOTHING).
 * Cost: a provider-reported `costMicros` wins; `null` is estimated from the price catalog
 * (costSource 'estimate'), or 0 with costSource 'unknown' when the model has no price.
 */
export async function writeUsageEvents(events: NormalizedEvent[]): Promise<WriteResult> {
  if (events.length === 0) return { inserted: 0, duplicates: 0 };
  const unique = dedupe(events).sort(byKey);
  const params = await toArrayParams(unique);
  // Named: each pooled connection parses and plans the statement once, then only executes it.
  // First the statement for a batch of new ids; if one id is already claimed, it fails whole
  // (23505, nothing written) and the batch goes again through the skipping statement.
  const fresh = { name: "tollgate-usage-insert-new-v1", text: INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL, values: params };
  const skipping = { name: "tollgate-usage-insert-v1", text: INSERT_EVENTS_WITH_ROLLUPS_SQL, values: params };
  // Spend of a provider the org polls may meet a poll fill: written under the fill guard
  // (providers/server/fill-guard.ts). Everything else keeps the single-statement path.
  const guard = await planGuard(unique);
  const write = (insert: typeof fresh) =>
    withRetry(() =>
      guard.length === 0
        ? pool.query<{ inserted: number }>(insert)
        : inTransaction(async (client) => {
            const affected = await guardBeforeWrite(client, guard);
            const res = await client.query<{ inserted: number }>(insert);
            await guardAfterWrite(client, affected);
            return res;
          }),
    );
  const { rows } = await write(fresh).catch((e: unknown) => {
    if ((e as { code?: string }).code === UNIQUE_VIOLATION) return write(skipping);
    throw e;
  });
  const inserted = rows[0]?.inserted ?? 0;
  if (inserted > 0) notifyLanded(unique);
  return { inserted, duplicates: events.length - inserted };
}

export type PollWriteResult = WriteResult & { updated: number };

/**
 * REPLACE semantics for `source: 'poll'` events (provider aggregates that keep changing
 * while a bucket is recent): a new externalId is inserted; a known one is overwritten and
 * the rollups get the delta (new − old), in the same transaction. A stored event of another
 * source with the same externalId is left alone (counted as a duplicate). Unchanged rows
 * count as duplicates. `latencyMaxMs` can only grow (a max cannot be un-applied).
 */
export async function upsertPollEvents(events: NormalizedEvent[]): Promise<PollWriteResult> {
  if (events.length === 0) return { inserted: 0, updated: 0, duplicates: 0 };
  for (const e of events) if (e.source !== "poll") throw new Error(`upsertPollEvents only takes source 'poll' events (got '${e.source}')`);
  // Last occurrence wins: a later bucket read in the same batch is the fresher one.
  const unique = dedupe([...events].reverse()).sort(byKey);
  const params = await toArrayParams(unique);
  const result = await withRetry(() => inTransaction((client) => upsertPollTx(client, params)));
  if (result.inserted + result.updated > 0) notifyLanded(unique);
  return { ...result, duplicates: events.length - result.inserted - result.updated };
}

/** upsertPollEvents inside the caller's transaction (reconciliation); the caller notifies after commit. */
export async function upsertPollEventsTx(client: PoolClient, events: NormalizedEvent[]): Promise<PollWriteResult> {
  if (events.length === 0) return { inserted: 0, updated: 0, duplicates: 0 };
  for (const e of events) if (e.source !== "poll") throw new Error(`upsertPollEventsTx only takes source 'poll' events (got '${e.source}')`);
  const unique = dedupe([...events].reverse()).sort(byKey);
  // A transaction may upsert twice (fills, then billed-cost events): the temp tables go first.
  await client.query(`DROP TABLE IF EXISTS poll_in, poll_old`);
  const result = await upsertPollTx(client, await toArrayParams(unique));
  return { ...result, duplicates: events.length - result.inserted - result.updated };
}

async function upsertPollTx(client: PoolClient, params: string[]) {
  // Serialise poll upserts per workspace so two pollers can't both read the same "old" row.
  const wsIndex = EVENT_ARRAY_COLUMNS.findIndex(([n]) => n === "workspaceId");
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('tollgate:poll:' || w, 0))
       FROM (SELECT DISTINCT w FROM unnest($1::text[]) AS w ORDER BY 1) s`,
    [params[wsIndex]],
  );
  await client.query(`CREATE TEMP TABLE poll_in ON COMMIT DROP AS ${EVENT_INPUT_SQL}`, params);
  // Old versions of the poll rows whose values are about to change. No row locks needed:
  // poll rows are only ever modified here, under the advisory lock above.
  const cols = EVENT_INSERT_COLUMNS.split(",").map((c) => c.trim());
  await client.query(
    `CREATE TEMP TABLE poll_old ON COMMIT DROP AS
       SELECT e.* FROM usage_events e JOIN poll_in i USING ("workspaceId", "externalId")
        WHERE e.source = 'poll'
          AND (${cols.map((c) => `e.${c}`).join(", ")}) IS DISTINCT FROM (${cols.map((c) => `i.${c}`).join(", ")})`,
  );
  const set = cols
    .filter((c) => c !== `"workspaceId"` && c !== `"externalId"`)
    .map((c) => `${c} = i.${c}`)
    .join(", ");
  const updated = await client.query(
    `UPDATE usage_events e SET ${set}, "receivedAt" = now()
       FROM poll_in i, poll_old o
      WHERE o."orgId" = e."orgId" AND o."workspaceId" = e."workspaceId" AND o."externalId" = e."externalId" AND o."occurredAt" = e."occurredAt"
        AND i."workspaceId" = e."workspaceId" AND i."externalId" = e."externalId"
     RETURNING e."orgId", e."workspaceId", e."externalId", e."occurredAt"`,
  );
  // New ids only: a known poll id was updated above, any other known id is a duplicate.
  const inserted = await client.query(
    `WITH claimed AS (${claimIdsSql(`(SELECT * FROM poll_in ORDER BY "workspaceId", "externalId") p`)})
     INSERT INTO usage_events (${EVENT_INSERT_COLUMNS})
       SELECT ${cols.map((c) => `i.${c}`).join(", ")} FROM poll_in i JOIN claimed USING ("workspaceId", "externalId")
     RETURNING "orgId", "workspaceId", "externalId", "occurredAt"`,
  );
  type Key = { orgId: string; workspaceId: string; externalId: string; occurredAt: Date };
  const changed = [...updated.rows, ...inserted.rows] as Key[];
  if (changed.length > 0) {
    await client.query(
      `WITH contrib AS (
         ${rollupContributionSql("poll_old", "-1")}
         UNION ALL
         ${rollupContributionSql(`(SELECT e.* FROM usage_events e
             JOIN unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS k(o, w, x, t)
               ON e."orgId" = k.o AND e."workspaceId" = k.w AND e."externalId" = k.x AND e."occurredAt" = k.t) n`)}
       ) ${rollupUpsertSql("contrib")}`,
      [changed.map((k) => k.orgId), changed.map((k) => k.workspaceId), changed.map((k) => k.externalId), changed.map((k) => k.occurredAt)],
    );
  }
  return { inserted: inserted.rowCount ?? 0, updated: updated.rowCount ?? 0 };
}

/** The global lock order for raw events (see rollup-sql.ts): workspace, then external id. */
function byKey(a: NormalizedEvent, b: NormalizedEvent): number {
  if (a.workspaceId !== b.workspaceId) return a.workspaceId < b.workspaceId ? -1 : 1;
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}

function dedupe(events: NormalizedEvent[]): NormalizedEvent[] {
  const seen = new Set<string>();
  const out: NormalizedEvent[] = [];
  for (const e of events) {
    const k = `${e.workspaceId}\u0000${e.externalId}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

/**
 * Prices the batch and serialises it as one Postgres array literal per column (see
 * EVENT_ARRAY_COLUMNS). Built by hand: it is the only per-event work on the hot path
 * besides validation, and plain string joins are several times cheaper than generic
 * value serialisation.
 */
async function toArrayParams(events: NormalizedEvent[]): Promise<string[]> {
  const lookup = await getPriceLookup(events.map((e) => e.orgId));
  const n = events.length;
  const cost = new Array<string>(n);
  const costSource = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const e = events[i]!;
    const priced = resolveCost(e, e.costMicros === null ? lookup(e.orgId, e.provider, e.model) : null);
    cost[i] = priced.costMicros.toString();
    costSource[i] = priced.costSource;
  }
  const text = (get: (e: NormalizedEvent) => string | null) => events.map(get);
  const num = (get: (e: NormalizedEvent) => number | null) => events.map(get);
  const columns: Record<string, (string | number | null)[]> = {
    orgId: text((e) => e.orgId),
    workspaceId: text((e) => e.workspaceId),
    externalId: text((e) => e.externalId),
    source: text((e) => e.source),
    provider: text((e) => e.provider),
    model: text((e) => e.model),
    projectTagId: text((e) => e.projectTagId),
    memberId: text((e) => e.memberId),
    endUser: text((e) => e.endUser),
    providerKeyId: text((e) => e.providerKeyId),
    apiKeyRef: text((e) => e.apiKeyRef),
    service: text((e) => e.service),
    language: text((e) => e.language),
    occurredAtMs: num((e) => e.occurredAt.getTime()),
    inputTokens: num((e) => e.inputTokens),
    outputTokens: num((e) => e.outputTokens),
    cachedTokens: num((e) => e.cachedTokens),
    cacheWriteTokens: num((e) => e.cacheWriteTokens),
    reasoningTokens: num((e) => e.reasoningTokens),
    requests: num((e) => e.requests),
    costMicros: cost,
    costSource,
    latencyMs: num((e) => e.latencyMs),
    status: num((e) => e.status),
    errorType: text((e) => e.errorType),
    errorMessage: text((e) => e.errorMessage),
    generationId: text((e) => e.generationId),
    metadata: text((e) => (e.metadata ? metadataJson(e.metadata) : null)),
  };
  return EVENT_ARRAY_COLUMNS.map(([name, type]) => {
    const values = compact(name, columns[name]!);
    return type.startsWith("text") || type.startsWith('"') || type.startsWith("jsonb") ? textArray(values) : numArray(values);
  });
}

/** [] when every value is NULL, [v] when all are equal, else the values (see rollup-sql.ts). */
function compact<T>(name: string, values: T[]): T[] {
  if (UNCOMPACTED_COLUMNS.has(name) || values.length < 2) return values;
  const first = values[0] as T;
  for (let i = 1; i < values.length; i++) if (values[i] !== first) return values;
  return first === null ? [] : [first];
}

/** jsonb rejects \u0000 as well: replace NUL in keys and values before serialising. */
function metadataJson(m: Record<string, string>): string {
  const json = JSON.stringify(m);
  if (!json.includes("\\u0000")) return json;
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) clean[k.replaceAll("\u0000", "\ufffd")] = v.replaceAll("\u0000", "\ufffd");
  return JSON.stringify(clean);
}

// Quotes and backslashes are escaped; NUL (which Postgres text cannot hold) becomes U+FFFD.
const NEEDS_ESCAPE = /["\\\u0000]/;
const ESCAPE = /["\\\u0000]/g;
const escapeChar = (c: string) => (c === "\u0000" ? "\ufffd" : "\\" + c);

/** `{"a","b\"c",NULL}`: every element quoted, so commas, braces and spaces are safe. */
function textArray(values: (string | number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    if (v === null || v === undefined) out += "NULL";
    else {
      const str = String(v);
      out += '"' + (NEEDS_ESCAPE.test(str) ? str.replace(ESCAPE, escapeChar) : str) + '"';
    }
  }
  return out + "}";
}

function numArray(values: (string | number | null)[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ",";
    out += v === null || v === undefined ? "NULL" : typeof v === "string" ? v : Number.isFinite(v) ? String(Math.trunc(v)) : "NULL";
  }
  return out + "}";
}

async function inTransaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

// Deadlocks are prevented by lock ordering; retry anyway on the transient codes, since
// every write here is one atomic unit and safe to repeat.
const RETRYABLE = new Set(["40P01", "40001"]);
const UNIQUE_VIOLATION = "23505";
async function withRetry<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (i >= attempts || !code || !RETRYABLE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, 10 * i + Math.random() * 20));
    }
  }
}

/**
 * Usage older than LATE_MS may belong to a period that has ended: that period's budgets are
 * re-evaluated (budgets/server/ended-periods.ts). Times are cut to 15 minutes (no period
 * boundary falls between), so a batch asks for a handful of periods at most.
 */
const LATE_MS = 5 * 60_000;
function notifyLate(events: NormalizedEvent[]) {
  const cutoff = nowMs() - LATE_MS;
  let late: Map<string, Set<number>> | null = null;
  for (const e of events) {
    const t = e.occurredAt.getTime();
    if (t >= cutoff) continue;
    late ??= new Map();
    const set = late.get(e.orgId) ?? late.set(e.orgId, new Set()).get(e.orgId)!;
    set.add(Math.floor(t / 900_000) * 900_000);
  }
  if (!late) return;
  for (const [orgId, ts] of late) {
    void reevaluateEndedPeriods(orgId, [...ts].map((t) => new Date(t))).catch((err: unknown) => console.warn("[ingest] late-usage evaluation failed", err));
  }
}

/** Fire-and-forget budgets trigger; never throws into ingest (a periodic sweep covers misses). */
export function notifyLanded(events: NormalizedEvent[]) {
  notifyLate(events);
  const byOrg = new Map<string, { ws: Set<string>; tags: Set<string>; keys: Set<string>; members: Set<string> }>();
  for (const e of events) {
    let g = byOrg.get(e.orgId);
    if (!g) byOrg.set(e.orgId, (g = { ws: new Set(), tags: new Set(), keys: new Set(), members: new Set() }));
    g.ws.add(e.workspaceId);
    if (e.projectTagId) g.tags.add(e.projectTagId);
    if (e.providerKeyId) g.keys.add(e.providerKeyId);
    if (e.memberId) g.members.add(e.memberId);
  }
  for (const [orgId, g] of byOrg) {
    try {
      void onUsageLanded({
        orgId,
        workspaceIds: [...g.ws],
        projectTagIds: [...g.tags],
        providerKeyIds: [...g.keys],
        memberIds: [...g.members],
      }).catch((err: unknown) => console.warn("[ingest] onUsageLanded failed", err));
    } catch (err) {
      console.warn("[ingest] onUsageLanded threw", err);
    }
  }
}
