import { env } from "@/env";
import { AppError } from "@/server/errors";
import { pool } from "@/server/db";
import type { NormalizedEvent } from "../types";
import { toArrayParams } from "./event-arrays";
import { INSERT_EVENTS_WITH_ROLLUPS_SQL, INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL } from "./rollup-sql";

/**
 * Group commit for the ingest statement. Each statement costs PostgreSQL a fixed ≈ 3 ms (the
 * 28-array plan, the rollup groups, the round trip) on top of its per-event work, and on two
 * cores more statements in flight only queue for the same CPU. So at most
 * INGEST_WRITE_CONCURRENCY statements run per process; batches that arrive meanwhile wait, and
 * the next free slot writes everything waiting (up to MAX_GROUP_EVENTS) as ONE statement.
 *
 * The guarantees stay those of one batch per statement:
 * - Durable before the ack: a batch's promise resolves only after the statement holding its
 *   rows has committed (an autocommitted single statement).
 * - Same id counts once: ids are collapsed across the group in arrival order (the batch that
 *   came first keeps the id, as if it had committed first), so the plain claim never meets the
 *   same id twice in one statement; an id already in usage_event_ids aborts the group (23505).
 * - All or nothing per batch: if the group statement fails for any reason (a known id, a value
 *   PostgreSQL refuses in one batch, a lost connection), nothing of it was written and every
 *   batch of the group is written again ALONE, in arrival order, with the single-batch path
 *   (plain claim, then the skipping claim on 23505). A bad batch then fails by itself and the
 *   others are acknowledged; a duplicate is counted once, by the batch that comes first.
 * A group of one batch takes the single-batch path directly: no cost when nothing queues.
 */

/** Events per group statement: big enough to amortise the fixed cost, small enough to keep the statement's latency low. */
const MAX_GROUP_EVENTS = 5_000;

type Pending = { events: NormalizedEvent[]; resolve: (inserted: number) => void; reject: (e: unknown) => void };

const queue: Pending[] = [];
let running = 0;
const stats = { groupsWritten: 0, groupsFallenBack: 0 };

/** What the committer is doing (tests use it to see that batches really were grouped). */
export function groupCommitStats() {
  return { running, queued: queue.length, ...stats };
}

/** Writes one batch (deduplicated, no guard needed) and resolves with the number of events inserted. */
export function writeInGroup(events: NormalizedEvent[]): Promise<number> {
  return new Promise((resolve, reject) => {
    queue.push({ events, resolve, reject });
    pump();
  });
}

function pump() {
  while (running < env.INGEST_WRITE_CONCURRENCY && queue.length > 0) {
    const group: Pending[] = [queue.shift()!];
    let size = group[0]!.events.length;
    while (queue.length > 0 && size + queue[0]!.events.length <= MAX_GROUP_EVENTS) {
      const next = queue.shift()!;
      size += next.events.length;
      group.push(next);
    }
    running++;
    void runGroup(group).finally(() => {
      running--;
      pump();
    });
  }
}

async function runGroup(group: Pending[]) {
  if (group.length > 1) {
    const counts = collapse(group);
    try {
      await withRetry(async () => pool.query(await statement(INSERT_NEW, counts.merged)));
      stats.groupsWritten++;
      group.forEach((p, i) => p.resolve(counts.kept[i]!));
      return;
    } catch {
      // Nothing of the group was written: each batch goes again on its own, below.
      stats.groupsFallenBack++;
    }
  }
  for (const p of group) {
    try {
      p.resolve(await writeAlone(p.events));
    } catch (e) {
      p.reject(e);
    }
  }
}

/** The group's events without ids repeated across its batches (first batch wins), and what each batch kept. */
function collapse(group: Pending[]): { merged: NormalizedEvent[]; kept: number[] } {
  const seen = new Set<string>();
  const merged: NormalizedEvent[] = [];
  const kept = group.map((p) => {
    let n = 0;
    for (const e of p.events) {
      const k = `${e.workspaceId}\u0000${e.externalId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      merged.push(e);
      n++;
    }
    return n;
  });
  return { merged, kept };
}

const INSERT_NEW = { name: "tollgate-usage-insert-new-v1", text: INSERT_NEW_EVENTS_WITH_ROLLUPS_SQL };
const INSERT_SKIPPING = { name: "tollgate-usage-insert-v1", text: INSERT_EVENTS_WITH_ROLLUPS_SQL };

// Named: each pooled connection parses and plans the statement once, then only executes it.
async function statement(which: typeof INSERT_NEW, events: NormalizedEvent[]) {
  return { ...which, values: await toArrayParams(events.sort(byKey)) };
}

/**
 * One batch in one statement: first the plain claim (the common case: every id is new); a known
 * id makes it fail whole (23505, nothing written) and the batch goes again through the skipping
 * claim. A value PostgreSQL refuses (class 22: out of range, invalid JSON text…) is the
 * caller's bad input: 400, nothing written.
 */
export async function writeAlone(events: NormalizedEvent[]): Promise<number> {
  const fresh = await statement(INSERT_NEW, events);
  const run = (q: typeof fresh) => withRetry(() => pool.query<{ inserted: number }>(q));
  try {
    const { rows } = await run(fresh).catch((e: unknown) => {
      if (pgCode(e) === UNIQUE_VIOLATION) return run({ ...INSERT_SKIPPING, values: fresh.values });
      throw e;
    });
    return rows[0]?.inserted ?? 0;
  } catch (e) {
    throw asBadInput(e);
  }
}

/** A data exception (SQLSTATE class 22) raised by the batch's own values → 400, nothing was written. */
export function asBadInput(e: unknown): unknown {
  const code = pgCode(e);
  if (!code?.startsWith("22")) return e;
  return new AppError(400, "bad_request", `Batch rejected, nothing was written: the database refused a value (${(e as Error).message})`);
}

const pgCode = (e: unknown) => (e as { code?: string } | null)?.code;

/** The global lock order for raw events (see rollup-sql.ts): workspace, then external id. */
export function byKey(a: NormalizedEvent, b: NormalizedEvent): number {
  if (a.workspaceId !== b.workspaceId) return a.workspaceId < b.workspaceId ? -1 : 1;
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}

// Deadlocks are prevented by lock ordering; retry anyway on the transient codes, since
// every write here is one atomic unit and safe to repeat.
const RETRYABLE = new Set(["40P01", "40001"]);
export const UNIQUE_VIOLATION = "23505";
export async function withRetry<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const code = pgCode(e);
      if (i >= attempts || !code || !RETRYABLE.has(code)) throw e;
      await new Promise((r) => setTimeout(r, 10 * i + Math.random() * 20));
    }
  }
}
