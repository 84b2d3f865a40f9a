import { pool, prisma } from "@/server/db";
import { DAY_MS, dropDayPartition, listDayPartitions, type DayPartition } from "./partitions";

type Ws = { id: string; orgId: string; cutoff: Date };
type Opts = { batchSize?: number; maxRows?: number; now?: Date; orgIds?: string[] };

/**
 * usage.retention: removes raw usage events older than each workspace's `retentionDays`.
 * Rollups are kept, so reports and budgets are unaffected. Poll rows are kept: they are
 * provider aggregates (few rows) that pollers REPLACE by externalId, and deleting them
 * would let a later re-read count again. Pushed events older than retention are refused at
 * ingest for the same reason, and their ids stay in usage_event_ids (see forgetOldIds).
 *
 * Whole day partitions go first: a day whose rows all belong to workspaces past their
 * cutoff for that whole day is dropped (poll rows re-homed), in milliseconds whatever its
 * size. What is left (days shared with workspaces that keep them longer, the default
 * partition) is deleted per workspace in bounded batches (short transactions).
 * `maxRows` bounds the rows a run deletes; when a caller sets it, a partition is dropped
 * only if its rows fit in what is left (else its rows are deleted in batches). Without it,
 * row deletes stop at 2M and partition drops are not limited. `orgIds` limits a run to some
 * orgs (tests must not touch other tests' data): a partition holding rows of other orgs is
 * never dropped by such a run.
 *
 * Anything older than a workspace's `purgedBefore` watermark is refused at ingest; this job
 * advances the watermark before it removes anything (partition or rows), so raising retention
 * from 30 to 90 days does not reopen ids already deleted.
 */
export async function deleteExpiredUsage(opts: Opts = {}) {
  const batchSize = opts.batchSize ?? 5_000;
  const maxRows = opts.maxRows ?? 2_000_000;
  const now = (opts.now ?? new Date()).getTime();
  const all = await prisma.workspace.findMany({ select: { id: true, orgId: true, retentionDays: true }, orderBy: { id: "asc" } });
  // The one place a workspace's cutoff is decided.
  const cutoffs = new Map(all.map((w) => [w.id, { id: w.id, orgId: w.orgId, cutoff: new Date(now - w.retentionDays * DAY_MS) } satisfies Ws]));
  const scope = opts.orgIds ? new Set(opts.orgIds) : null;
  const workspaces = [...cutoffs.values()].filter((w) => !scope || scope.has(w.orgId));
  let deleted = 0;

  // The watermark is committed before anything is removed (a partition or rows), so from here
  // on ingest refuses these ids even if retention is raised later (oldestAcceptedMs in attribution.ts).
  for (const ws of workspaces) {
    await pool.query(`UPDATE workspaces SET "purgedBefore" = GREATEST(COALESCE("purgedBefore", $2), $2) WHERE id = $1`, [ws.id, ws.cutoff]);
  }

  for (const p of await listDayPartitions()) {
    if (!workspaces.some((w) => w.cutoff.getTime() >= p.to.getTime())) continue;
    const budget = opts.maxRows === undefined ? Infinity : maxRows - deleted;
    if (budget > 0 && (await droppable(p, cutoffs, scope, budget))) deleted += await dropDayPartition(p);
  }

  for (const ws of workspaces) {
    for (;;) {
      if (deleted >= maxRows) return { workspaces: workspaces.length, deleted, complete: false };
      const { rowCount } = await pool.query(
        `DELETE FROM usage_events e USING (
           SELECT "orgId", "workspaceId", "externalId", "occurredAt" FROM usage_events
            WHERE "orgId" = $1 AND "workspaceId" = $2 AND "occurredAt" < $3 AND source <> 'poll'
            LIMIT $4) d
          WHERE e."orgId" = d."orgId" AND e."workspaceId" = d."workspaceId" AND e."externalId" = d."externalId" AND e."occurredAt" = d."occurredAt"`,
        [ws.orgId, ws.id, ws.cutoff, Math.min(batchSize, maxRows - deleted)],
      );
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) break;
    }
  }
  if (!scope) await forgetOldIds(now, batchSize);
  return { workspaces: workspaces.length, deleted, complete: true };
}

/**
 * An id is remembered ID_MEMORY_DAYS after it was first seen: longer than any workspace
 * keeps raw events, so a retry of any event still kept (or refused as too old) meets its id.
 */
export const ID_MEMORY_DAYS = 100;

async function forgetOldIds(now: number, batchSize: number) {
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM usage_event_ids WHERE ctid = ANY(ARRAY(SELECT ctid FROM usage_event_ids WHERE "firstSeenAt" < $1 LIMIT $2))`,
      [new Date(now - ID_MEMORY_DAYS * DAY_MS), batchSize],
    );
    if ((rowCount ?? 0) < batchSize) return;
  }
}

/**
 * True when every non-poll row of the day belongs to a workspace in scope whose cutoff is
 * past the whole day, and they fit in `budget`. The workspaces present are found with a
 * loose index scan over the primary key (one probe per distinct workspace, not per row).
 */
async function droppable(p: DayPartition, cutoffs: Map<string, Ws>, scope: Set<string> | null, budget: number): Promise<boolean> {
  const { rows } = await pool.query<{ o: string; w: string; pushed: boolean }>(
    `WITH RECURSIVE ws AS (
       (SELECT "orgId" AS o, "workspaceId" AS w FROM "${p.name}" ORDER BY 1, 2 LIMIT 1)
       UNION ALL
       SELECT n.o, n.w FROM ws, LATERAL (
         SELECT "orgId" AS o, "workspaceId" AS w FROM "${p.name}" WHERE ("orgId", "workspaceId") > (ws.o, ws.w) ORDER BY 1, 2 LIMIT 1) n
     )
     SELECT o, w, EXISTS (SELECT 1 FROM "${p.name}" x WHERE x."orgId" = ws.o AND x."workspaceId" = ws.w AND x.source <> 'poll') AS pushed FROM ws`,
  );
  // An empty day is only dropped once no workspace may still write to it.
  if (rows.length === 0) return !scope && [...cutoffs.values()].every((w) => w.cutoff.getTime() >= p.to.getTime());
  for (const r of rows) {
    if (!r.pushed) continue;
    const ws = cutoffs.get(r.w);
    // Rows of a workspace that no longer exists expire with the partition (unscoped runs only).
    if (!ws) {
      if (scope) return false;
      continue;
    }
    if ((scope && !scope.has(ws.orgId)) || ws.cutoff.getTime() < p.to.getTime()) return false;
  }
  if (budget === Infinity) return true;
  const { rows: count } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${p.name}" WHERE source <> 'poll'`);
  return Number(count[0]!.n) <= budget;
}
