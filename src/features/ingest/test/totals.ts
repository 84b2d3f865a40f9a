import { pool } from "@/server/db";

/**
 * A workspace's event count and input tokens as the raw events and each rollup level hold them:
 * the ingest tests compare all five, so an event written twice, or a rollup level missed, shows.
 */
export async function workspaceTotals(workspaceId: string) {
  const { rows } = await pool.query<{ events: number; tokens: number; minute: number; hour: number; day: number }>(
    `SELECT (SELECT count(*) FROM usage_events WHERE "workspaceId" = $1)::int AS events,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_events WHERE "workspaceId" = $1)::int AS tokens,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'minute')::int AS minute,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'hour')::int AS hour,
            (SELECT coalesce(sum("inputTokens"), 0) FROM usage_rollups WHERE "workspaceId" = $1 AND granularity = 'day')::int AS day`,
    [workspaceId],
  );
  return rows[0]!;
}
