/**
 * Purge measurement for `npm run bench:ingest`: a workspace keeping raw events 30 days holds
 * `rows` events spread evenly over the last 60 days (written straight into usage_events, the
 * way a long-running install would have them); the retention job's function then removes
 * the older 30 days, timed. "now" is a UTC midnight, so the cutoff falls on a day boundary.
 */
import type pg from "pg";
import { randomBytes } from "node:crypto";
import { log } from "./ingest-app";

const DAY_MS = 86_400_000;
const CHUNK = 1_000_000;

export async function measurePurge(db: pg.Client, rows: number): Promise<{ ms: number; rows: number; deleted: number }> {
  const tag = randomBytes(4).toString("hex");
  const orgId = `purge-org-${tag}`;
  const wsId = `purge-ws-${tag}`;
  await db.query(`INSERT INTO orgs (id, slug, name, "updatedAt") VALUES ($1, $1, 'Purge bench', now())`, [orgId]);
  await db.query(`INSERT INTO workspaces (id, "orgId", slug, name, "retentionDays", "updatedAt") VALUES ($1, $2, 'purge', 'purge', 30, now())`, [wsId, orgId]);
  const now = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
  const spanMs = 60 * DAY_MS;
  for (let from = 0; from < rows; from += CHUNK) {
    const to = Math.min(rows, from + CHUNK);
    await db.query(
      `INSERT INTO usage_events ("orgId", "workspaceId", "externalId", source, provider, model, "occurredAt", "inputTokens", "outputTokens", "costMicros", "costSource", "latencyMs")
       SELECT $1, $2, 'purge-' || g, 'push', 'openai', 'gpt-4o-mini', $3::timestamptz - (g * ($4::float8 / $5)) * interval '1 millisecond',
              800 + g % 1500, 50 + g % 400, 100 + g % 900, 'provider', 200 + g % 1800
         FROM generate_series($6::bigint, $7::bigint) g`,
      [orgId, wsId, now, spanMs, rows, from + 1, to],
    );
    log(`purge: loaded ${to.toLocaleString("en-US")} rows`);
  }
  await db.query("ANALYZE usage_events");
  const { deleteExpiredUsage } = await import("@/features/ingest/server/retention");
  const t0 = performance.now();
  const res = await deleteExpiredUsage({ orgIds: [orgId], now });
  const ms = performance.now() - t0;
  const { rows: left } = await db.query<{ n: string; oldest: Date }>(`SELECT count(*) AS n, min("occurredAt") AS oldest FROM usage_events WHERE "workspaceId" = $1`, [wsId]);
  const kept = Number(left[0]!.n);
  if (kept + res.deleted !== rows || left[0]!.oldest.getTime() < now.getTime() - 30 * DAY_MS) {
    throw new Error(`purge left ${kept} rows (oldest ${left[0]!.oldest.toISOString()}) after deleting ${res.deleted} of ${rows}`);
  }
  const { pool } = await import("@/server/db");
  await pool.end().catch(() => {});
  return { ms, rows, deleted: res.deleted };
}
