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
 * Ingest never writes them: the usage.coarsen job derives them out of band, (org, UTC day)
 * pairs in one REPEATABLE READ snapshot S, and records per day how many fine day rows it read,
 * S's xmin (every xid below it had finished when S was taken) and the xids at or above it that
 * wrote the rows it read. A read uses a day's coarse rows only while
 *   (a) the day has exactly that many fine day rows, and
 *   (b) every one of them was written (its xmin) below S's xmin or by one of those xids,
 * i.e. by a transaction that had committed when S was taken. Then the fine day rows are exactly
 * the row versions the job read: a row version visible now whose writer committed before S was
 * visible in S too (its deleter, if S saw one, committed before the job did, so before any
 * reader that sees the job's marker), and equal counts leave no room for a row that went away.
 * Any later write — late usage, a cost fill, a poll replacement, even one committed by a
 * transaction (or a subtransaction of one) that was still open during the build — creates a row
 * version whose writer is neither, or removes one, so that day is read fine until the job
 * rebuilds it. (Recording S's writers instead of asking pg_visible_in_snapshot keeps this exact
 * for subtransactions, which a pg_snapshot doesn't list.)
 * Fine hour and day rows are written by one statement (features/ingest/server/rollup-sql.ts),
 * so a change to any hour of the day writes the day's rows too.
 *
 * This costs the writers nothing (no marker, no trigger, nothing in the ingest transaction);
 * the reader checks the day rows' count and xmin, no sums and no hashing.
 */

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

// A fine row's 32-bit xmin widened to a 64-bit xid against the reader's next xid (`s.n`): exact
// for every row written in the last 2^32 transactions. Only frozen rows can be older; widening
// them wrongly can only place them at or after the build's snapshot, i.e. "changed" (read fine),
// never hide a change.
// OFFSET 0: computed once per statement (pulled up, it was re-evaluated for every row, 4 times).
const NEXT_XID = `(SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS n OFFSET 0)`;
const FULL_XMIN = `s.n - ((s.n - r.xmin::text::bigint) % 4294967296 + 4294967296) % 4294967296`;
/** True when row `x.f` (a widened xmin) was written by none of the transactions build `c` saw. */
const UNSEEN = `(x.f >= c."snapXmin" AND NOT (x.f = ANY(c."seenXids")))`;

/** UTC days (epoch ms) in [fromDay, toDay) whose coarse rows are current for the org. */
export async function validCoarseDays(orgId: string, fromDay: number, toDay: number): Promise<Set<number>> {
  const { rows } = await pool.query<{ day: Date }>(
    `SELECT c.day FROM usage_rollup_coarse_days c
       JOIN (SELECT r."bucketStart" AS day, ${FULL_XMIN} AS f FROM usage_rollups r, ${NEXT_XID} s
              WHERE r."orgId" = $1 AND r.granularity = 'day' AND r."bucketStart" >= $2 AND r."bucketStart" < $3 OFFSET 0) x ON x.day = c.day
      WHERE c."orgId" = $1 AND c.day >= $2 AND c.day < $3
      GROUP BY c."orgId", c.day
     HAVING count(*) = c."fineRows" AND NOT bool_or(${UNSEEN})`,
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
 * that are not current (new days, and days whose fine rows changed since: validCoarseDays' rule),
 * newest first, `batch` (org, day) pairs per transaction, at most `limit` pairs per run.
 * Each batch reads the fine rows and records what it saw in one REPEATABLE READ transaction:
 * level 1 from the fine hour and day rows, level 2 from level 1, each one INSERT … SELECT … GROUP BY.
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

const PAIRS = `unnest($1::text[], $2::timestamptz[]) AS d(org, day)`;
const COLS = `level, granularity, "bucketStart", "orgId", ${COARSE_DIMS}, ${SUMS.map((s) => `"${s}"`).join(", ")}, "latencyMaxMs", "latencyHist"`;
const AGGS = `${SUMS.map((s) => `sum(r."${s}")`).join(", ")}, max(r."latencyMaxMs"), ${HIST_SUM.replace(/"latencyHist"/g, 'r."latencyHist"')}`;

/** One level's rows for the batch's (org, day) pairs, summed from `table`'s rows matching `where`. */
function levelSql(level: 1 | 2, table: string, where: string): string {
  const dims = level === 1 ? COARSE_DIMS.replace(/("?\w+"?)/g, "r.$1") : `r."workspaceId", '', r.provider, '', '', '', ''`;
  const groupDims = level === 1 ? dims : `r."workspaceId", r.provider`;
  // LATERAL … OFFSET 0: one index range scan per (org, day), so the cost grows with the days
  // rebuilt, never with the table (a plain join on the unnested pairs was planned as a hash
  // join over the whole table, once per batch).
  return `INSERT INTO usage_rollups_coarse (${COLS})
    SELECT ${level}, r.granularity, r."bucketStart", r."orgId", ${dims}, ${AGGS}
      FROM ${PAIRS} CROSS JOIN LATERAL (SELECT * FROM ${table} r
             WHERE r."orgId" = d.org AND ${where} AND r.granularity IN ('hour', 'day')
               AND r."bucketStart" >= d.day AND r."bucketStart" < d.day + INTERVAL '1 day' OFFSET 0) r
     GROUP BY r."orgId", r.granularity, r."bucketStart", ${groupDims}
     ORDER BY r."orgId", r.granularity, r."bucketStart"`;
}

async function rebuildStale(today: number, limit: number, batch: number): Promise<{ days: number }> {
  const { rows: stale } = await pool.query<{ orgId: string; day: Date }>(
    `SELECT x."orgId", x.day FROM (SELECT r."orgId", r."bucketStart" AS day, ${FULL_XMIN} AS f FROM usage_rollups r, ${NEXT_XID} s
                                     WHERE r.granularity = 'day' AND r."bucketStart" < $1 OFFSET 0) x
       LEFT JOIN usage_rollup_coarse_days c ON c."orgId" = x."orgId" AND c.day = x.day
      GROUP BY x."orgId", x.day, c."orgId", c.day
     HAVING c.day IS NULL OR count(*) <> c."fineRows" OR bool_or(${UNSEEN})
      ORDER BY x.day DESC, x."orgId" LIMIT $2`,
    [new Date(today), limit],
  );
  for (let i = 0; i < stale.length; i += batch) {
    const part = stale.slice(i, i + batch).sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : +a.day - +b.day));
    const args = [part.map((r) => r.orgId), part.map((r) => r.day)];
    const client = await pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      // The transaction's snapshot is taken by this first statement: everything below reads in it.
      const { rows: snap } = await client.query<{ xmin: string }>(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
      await client.query(
        `DELETE FROM usage_rollups_coarse c USING ${PAIRS}
          WHERE c."orgId" = d.org AND c.granularity IN ('hour', 'day') AND c."bucketStart" >= d.day AND c."bucketStart" < d.day + INTERVAL '1 day'`,
        args,
      );
      await client.query(levelSql(1, "usage_rollups", "true"), args);
      // Level 2 sums level 1: the same sums, maxima and histograms from several times fewer rows.
      await client.query(levelSql(2, "usage_rollups_coarse", "r.level = 1"), args);
      await client.query(
        `INSERT INTO usage_rollup_coarse_days ("orgId", day, "fineRows", "snapXmin", "seenXids")
         SELECT d.org, d.day, f.n, $3::bigint, f.seen
           FROM ${PAIRS} CROSS JOIN LATERAL (
             SELECT count(*)::int AS n, coalesce(array_agg(DISTINCT x.f) FILTER (WHERE x.f >= $3::bigint), '{}') AS seen
               FROM (SELECT ${FULL_XMIN} AS f FROM usage_rollups r, ${NEXT_XID} s
                      WHERE r."orgId" = d.org AND r.granularity = 'day' AND r."bucketStart" = d.day OFFSET 0) x) f
         ON CONFLICT ("orgId", day) DO UPDATE SET "fineRows" = EXCLUDED."fineRows", "snapXmin" = EXCLUDED."snapXmin",
           "seenXids" = EXCLUDED."seenXids", "builtAt" = now()`,
        [...args, snap[0]!.xmin],
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
