import { pool } from "@/server/db";
import { SumMetric } from "../schemas";
import { HIST_BUCKETS } from "./histogram";
import { DAY, type Segment } from "./segments";

/**
 * Report rollups (usage_rollups_coarse): the hour and day rows of usage_rollups for closed UTC
 * days at two coarser levels — level 1 summed over member and key, level 2 also over project,
 * model, status class, service and language (workspace and provider kept). A team has many
 * member × key routes per project and model, so these hold several times (level 2: tens of
 * times) fewer rows, and the report panels read the coarsest level that has every dimension
 * the query groups or filters by.
 *
 * Ingest never writes them: the usage.coarsen job derives them out of band, one (org, UTC day)
 * at a time, and stores beside them the fingerprint of the fine day rows it read (in the same
 * snapshot). A read uses a day's coarse rows only while that fingerprint still equals the fine
 * rows' fingerprint now (validCoarseDays, one indexed read of the fine day rows in the range);
 * any other day, the open tail (today) and minute pieces come from the fine rollups. So late
 * usage, cost fills and poll replacements never make a report differ from the fine rollups:
 * they change the day's fingerprint, the day is read fine until the next job run rebuilds it.
 *
 * The fingerprint is the day's fine row count, every summed column, the latency maximum, and a
 * sum weighting each row's values by a hash of its coarse dimensions (so usage moving between
 * projects, models, … with equal totals changes it too). Fine hour rows and day rows are written
 * by one statement (features/ingest/server/rollup-sql.ts), so a change to any hour of the day
 * changes the day rows' fingerprint.
 */

const FINGERPRINT_SQL = `concat_ws(',', count(*), sum(requests), sum(errors), sum("inputTokens"), sum("outputTokens"),
  sum("cachedTokens"), sum("cacheWriteTokens"), sum("reasoningTokens"), sum("costMicros"), sum("latencySumMs"),
  sum("latencyCount"), max("latencyMaxMs"),
  sum(hashtext(concat_ws('|', "workspaceId", "projectTagId", provider::text, model, "statusClass", service, language))::numeric
      * (requests + 3 * errors + 5 * "inputTokens" + 7 * "outputTokens" + 11 * "cachedTokens" + 13 * "cacheWriteTokens"
         + 17 * "reasoningTokens" + 19 * "costMicros" + 23 * "latencySumMs" + 29 * "latencyCount")))`;

const COARSE_DIMS = `"workspaceId", "projectTagId", provider, model, "statusClass", service, language`;
const SUMS = SumMetric.options;
const HIST_SUM = `CASE WHEN count("latencyHist") = 0 THEN NULL ELSE ARRAY[${Array.from(
  { length: HIST_BUCKETS },
  (_, i) => `coalesce(sum("latencyHist"[${i + 1}]), 0)::int4`,
).join(", ")}] END`;

/** The coarsest level holding every dimension the query groups or filters by (0 = fine rows only). */
export function coarseLevel(dims: Set<string>): 0 | 1 | 2 {
  if (dims.has("member") || dims.has("key")) return 0;
  return [...dims].every((d) => d === "workspace" || d === "provider") ? 2 : 1;
}

/** UTC days (epoch ms) in [fromDay, toDay) whose coarse rows are current for the org. */
export async function validCoarseDays(orgId: string, fromDay: number, toDay: number): Promise<Set<number>> {
  const { rows } = await pool.query<{ day: Date }>(
    `SELECT f.day FROM (SELECT "bucketStart" AS day, ${FINGERPRINT_SQL} AS fp FROM usage_rollups
        WHERE "orgId" = $1 AND granularity = 'day' AND "bucketStart" >= $2 AND "bucketStart" < $3 GROUP BY 1) f
       JOIN usage_rollup_coarse_days c ON c."orgId" = $1 AND c.day = f.day AND c.fingerprint = f.fp`,
    [orgId, new Date(fromDay), new Date(toDay)],
  );
  return new Set(rows.map((r) => new Date(r.day).getTime()));
}

/**
 * Splits hour/day pieces at UTC midnights into those read from coarse rows (the day is in
 * `valid`) and those read from fine rows; minute pieces always stay fine.
 */
export function splitByCoarseDays(segments: Segment[], valid: Set<number>): { coarse: Segment[]; fine: Segment[] } {
  const coarse: Segment[] = [];
  const fine: Segment[] = [];
  for (const s of segments) {
    if (s.granularity === "minute") {
      fine.push(s);
      continue;
    }
    for (let a = s.from; a < s.to; ) {
      const day = Math.floor(a / DAY) * DAY;
      const b = Math.min(s.to, day + DAY);
      (valid.has(day) ? coarse : fine).push({ granularity: s.granularity, from: a, to: b });
      a = b;
    }
  }
  return { coarse, fine };
}

/** UTC days touched by the hour and day pieces: [first, last + 1 day), or null. */
export function coarseCandidateDays(segments: Segment[]): { from: number; to: number } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const s of segments) {
    if (s.granularity === "minute") continue;
    from = Math.min(from, Math.floor(s.from / DAY) * DAY);
    to = Math.max(to, Math.ceil(s.to / DAY) * DAY);
  }
  return from < to ? { from, to } : null;
}

/**
 * usage.coarsen: (re)builds the coarse rows of closed UTC days (before today's UTC midnight)
 * whose fine fingerprint differs from the stored one (new days, and days that changed since),
 * newest first, `batch` (org, day) pairs per transaction, at most `limit` pairs per run.
 * Each batch reads the fine rows and stores their fingerprint in one REPEATABLE READ snapshot.
 */
export async function coarsenRollups(opts: { now?: Date; limit?: number; batch?: number } = {}): Promise<{ days: number }> {
  const today = Math.floor((opts.now ?? new Date()).getTime() / DAY) * DAY;
  const limit = opts.limit ?? 5_000;
  const batch = opts.batch ?? 50;
  // One builder at a time (several worker processes may run the job): a session lock held on
  // its own connection for the run; a second runner finds it taken and leaves.
  const lock = await pool.connect();
  try {
    const { rows: got } = await lock.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('usage.coarsen')) AS ok`);
    if (!got[0]?.ok) return { days: 0 };
    try {
      return await rebuildStale(today, limit, batch);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext('usage.coarsen'))`);
    }
  } finally {
    lock.release();
  }
}

async function rebuildStale(today: number, limit: number, batch: number): Promise<{ days: number }> {
  const { rows: stale } = await pool.query<{ orgId: string; day: Date }>(
    `SELECT f."orgId", f.day FROM (SELECT "orgId", "bucketStart" AS day, ${FINGERPRINT_SQL} AS fp FROM usage_rollups
        WHERE granularity = 'day' AND "bucketStart" < $1 GROUP BY 1, 2) f
       LEFT JOIN usage_rollup_coarse_days c ON c."orgId" = f."orgId" AND c.day = f.day
      WHERE c.fingerprint IS DISTINCT FROM f.fp ORDER BY f.day DESC, f."orgId" LIMIT $2`,
    [new Date(today), limit],
  );
  for (let i = 0; i < stale.length; i += batch) {
    const part = stale.slice(i, i + batch);
    const orgs = part.map((r) => r.orgId);
    const days = part.map((r) => r.day);
    const client = await pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      const pairs = `unnest($1::text[], $2::timestamptz[]) AS d(org, day)`;
      await client.query(
        `DELETE FROM usage_rollups_coarse c USING ${pairs}
          WHERE c."orgId" = d.org AND c.granularity IN ('hour', 'day') AND c."bucketStart" >= d.day AND c."bucketStart" < d.day + INTERVAL '1 day'`,
        [orgs, days],
      );
      for (const level of [1, 2] as const) {
        const dims = level === 1 ? COARSE_DIMS.replace(/("?\w+"?)/g, "r.$1") : `r."workspaceId", '', r.provider, '', '', '', ''`;
        const groupDims = level === 1 ? dims : `r."workspaceId", r.provider`;
        await client.query(
          `INSERT INTO usage_rollups_coarse (level, granularity, "bucketStart", "orgId", ${COARSE_DIMS}, ${SUMS.map((s) => `"${s}"`).join(", ")},
              "latencyMaxMs", "latencyHist")
           SELECT ${level}, r.granularity, r."bucketStart", r."orgId", ${dims},
                  ${SUMS.map((s) => `sum(r."${s}")`).join(", ")}, max(r."latencyMaxMs"), ${HIST_SUM.replace(/"latencyHist"/g, 'r."latencyHist"')}
             FROM usage_rollups r JOIN ${pairs} ON r."orgId" = d.org
            WHERE r.granularity IN ('hour', 'day') AND r."bucketStart" >= d.day AND r."bucketStart" < d.day + INTERVAL '1 day'
            GROUP BY r."orgId", r.granularity, r."bucketStart", ${groupDims}
            ORDER BY r."orgId", r.granularity, r."bucketStart"`,
          [orgs, days],
        );
      }
      await client.query(
        `INSERT INTO usage_rollup_coarse_days ("orgId", day, fingerprint)
         SELECT d.org, d.day, (SELECT ${FINGERPRINT_SQL} FROM usage_rollups r WHERE r."orgId" = d.org AND r.granularity = 'day' AND r."bucketStart" = d.day)
           FROM ${pairs}
         ON CONFLICT ("orgId", day) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, "builtAt" = now()`,
        [orgs, days],
      );
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
  return { days: stale.length };
}
