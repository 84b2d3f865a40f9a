import { pool } from "@/server/db";
import { redis } from "@/server/redis";
import { missingSchedules } from "@/server/jobs/schedules";

/** A connection not polled for this long means polling stopped (the sweep runs every 5 min). */
export const STALE_POLL_MS = 30 * 60_000;

/**
 * Liveness plus the background work that fails silently otherwise (see README "Health"):
 * - `ok`: PostgreSQL and Redis answer. This alone decides the HTTP status by default, so
 *   start-up waits and container health checks (which run before any worker) keep working.
 * - `schedulers.missing`: job schedulers absent from Redis (a flush; workers re-create
 *   them within HEAL_EVERY_MS while one runs), `polls.stale`: active connections whose
 *   last poll (or creation) is older than STALE_POLL_MS. Counts only: this route is public.
 * - `degraded`: either of those. `/api/health?strict=1` answers 503 when degraded, for
 *   monitors that alert on status codes.
 */
export async function healthCheck(now = new Date()) {
  const [db, cache] = await Promise.all([
    pool.query("SELECT 1").then(() => "ok", (e: Error) => e.message),
    redis().ping().then(() => "ok", (e: Error) => e.message),
  ]);
  const [missing, polls] = await Promise.all([
    cache === "ok" ? missingSchedules().catch(() => null) : Promise.resolve(null),
    db === "ok"
      ? pool
          .query<{ active: string; stale: string; oldest: Date | null }>(
            `SELECT count(*)::text AS active,
                    count(*) FILTER (WHERE COALESCE("lastPolledAt", "createdAt") < $1)::text AS stale,
                    min(COALESCE("lastPolledAt", "createdAt")) AS oldest
               FROM provider_connections WHERE status = 'active'`,
            [new Date(now.getTime() - STALE_POLL_MS)],
          )
          .then((r) => r.rows[0] ?? null, () => null)
      : Promise.resolve(null),
  ]);
  const schedulers = { ok: missing !== null && missing.length === 0, missing: missing ?? [] };
  const pollState = {
    ok: polls !== null && polls.stale === "0",
    active: Number(polls?.active ?? 0),
    stale: Number(polls?.stale ?? 0),
    oldestPollAgeSeconds: polls?.oldest ? Math.round((now.getTime() - new Date(polls.oldest).getTime()) / 1000) : null,
  };
  return { ok: db === "ok" && cache === "ok", degraded: !schedulers.ok || !pollState.ok, db, redis: cache, schedulers, polls: pollState };
}
