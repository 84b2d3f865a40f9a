import type { PoolClient } from "pg";
import { nowMs } from "@/lib/clock";
import { pool } from "@/server/db";
import { onUsageLanded } from "@/features/budgets/server/triggers";
import { reevaluateEndedPeriods } from "@/features/budgets/server/ended-periods";
import { guardAfterWrite, guardBeforeWrite, planGuard, type GuardPlan } from "@/features/providers/server/fill-guard";
import type { NormalizedEvent, WriteResult } from "../types";
import { toArrayParams } from "./event-arrays";
import { UNIQUE_VIOLATION, asBadInput, byKey, withRetry, writeInGroup } from "./group-commit";
import {
  EVENT_ARRAY_COLUMNS,
  EVENT_INPUT_SQL,
  EVENT_INSERT_COLUMNS,
  INSERT_EVENTS_WITH_ROLLUPS_SQL,
  INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL,
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
  const unique = dedupe(events);
  // Spend of a provider the org polls may meet a poll fill: written under the fill guard
  // (providers/server/fill-guard.ts), in a transaction of its own. Everything else is one
  // statement, grouped with other batches waiting at the same time (group-commit.ts).
  const guard = await planGuard(unique);
  const inserted = guard.length === 0 ? await writeInGroup(unique) : await writeGuarded(unique.sort(byKey), guard);
  if (inserted > 0) notifyLanded(unique);
  return { inserted, duplicates: events.length - inserted };
}

/** One batch under the fill guard: plain claim first, the skipping claim when an id is known. */
async function writeGuarded(unique: NormalizedEvent[], guard: GuardPlan): Promise<number> {
  const params = await toArrayParams(unique);
  const fresh = { name: "tollgate-usage-insert-new-v1", text: INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL, values: params };
  const skipping = { name: "tollgate-usage-insert-v1", text: INSERT_EVENTS_WITH_ROLLUPS_SQL, values: params };
  const write = (insert: typeof fresh) =>
    withRetry(() =>
      inTransaction(async (client) => {
        const affected = await guardBeforeWrite(client, guard);
        const res = await client.query<{ inserted: number }>(insert);
        await guardAfterWrite(client, affected);
        return res;
      }),
    );
  try {
    const { rows } = await write(fresh).catch((e: unknown) => {
      if ((e as { code?: string }).code === UNIQUE_VIOLATION) return write(skipping);
      throw e;
    });
    return rows[0]?.inserted ?? 0;
  } catch (e) {
    throw asBadInput(e);
  }
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
