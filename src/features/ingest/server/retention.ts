import { pool, prisma } from "@/server/db";

const DAY_MS = 86_400_000;

/**
 * usage.retention: deletes raw usage events older than each workspace's `retentionDays`,
 * in bounded batches (short transactions, no long locks). Rollups are kept, so reports and
 * budgets are unaffected. Poll rows are kept: they are provider aggregates (few rows) that
 * pollers REPLACE by externalId, and deleting them would let a later re-read count again.
 * Pushed events older than retention are refused at ingest for the same reason, and so is
 * anything older than the workspace's `purgedBefore` watermark, which this job advances before
 * it deletes: raising retention from 30 to 90 days does not reopen ids already deleted.
 * At most `maxRows` per run; the next run continues where this one stopped. `orgIds`
 * limits a run to some orgs (tests must not touch other tests' data).
 */
export async function deleteExpiredUsage(opts: { batchSize?: number; maxRows?: number; now?: Date; orgIds?: string[] } = {}) {
  const batchSize = opts.batchSize ?? 5_000;
  const maxRows = opts.maxRows ?? 2_000_000;
  const now = (opts.now ?? new Date()).getTime();
  const workspaces = await prisma.workspace.findMany({
    where: opts.orgIds ? { orgId: { in: opts.orgIds } } : {},
    select: { id: true, orgId: true, retentionDays: true },
    orderBy: { id: "asc" },
  });
  let deleted = 0;
  for (const ws of workspaces) {
    const cutoff = new Date(now - ws.retentionDays * DAY_MS);
    // The watermark is committed before anything is deleted, so from here on ingest refuses
    // these ids even if retention is raised later (oldestAcceptedMs in attribution.ts).
    await pool.query(`UPDATE workspaces SET "purgedBefore" = GREATEST(COALESCE("purgedBefore", $2), $2) WHERE id = $1`, [ws.id, cutoff]);
    for (;;) {
      if (deleted >= maxRows) return { workspaces: workspaces.length, deleted, complete: false };
      const { rowCount } = await pool.query(
        `DELETE FROM usage_events WHERE id IN (
           SELECT id FROM usage_events
            WHERE "orgId" = $1 AND "occurredAt" < $2 AND "workspaceId" = $3 AND source <> 'poll'
            LIMIT $4)`,
        [ws.orgId, cutoff, ws.id, Math.min(batchSize, maxRows - deleted)],
      );
      deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) break;
    }
  }
  return { workspaces: workspaces.length, deleted, complete: true };
}
