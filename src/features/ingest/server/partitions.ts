import type { PoolClient } from "pg";
import { pool } from "@/server/db";

/**
 * usage_events is partitioned by RANGE ("occurredAt"), one partition per UTC day named
 * usage_events_pYYYYMMDD, plus usage_events_default for rows no day partition covers (rows
 * older than the partitions, e.g. kept poll rows, or days not created yet). The migration
 * created 100 days back to 14 ahead; the usage.partitions job keeps days ahead created.
 */
export const DAY_MS = 86_400_000;
const PREFIX = "usage_events_p";
const DEFAULT_PARTITION = "usage_events_default";

export type DayPartition = { name: string; from: Date; to: Date };

export function partitionName(day: Date): string {
  return PREFIX + day.toISOString().slice(0, 10).replaceAll("-", "");
}

const utcDay = (t: number) => new Date(Math.floor(t / DAY_MS) * DAY_MS);

/** The day partitions that exist, oldest first (bounds read from the names). */
export async function listDayPartitions(db: Pick<PoolClient, "query"> = pool): Promise<DayPartition[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'usage_events'::regclass AND c.relname LIKE 'usage\\_events\\_p%' ORDER BY 1`,
  );
  return rows.flatMap(({ name }) => {
    const m = /^usage_events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (!m) return [];
    const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return [{ name, from, to: new Date(from.getTime() + DAY_MS) }];
  });
}

/**
 * usage.partitions: creates the missing day partitions from `from` (default: today) to
 * `daysAhead` days after today. Rows of those days already in the default partition (an
 * event for a day not created yet) move into the new partition in the same transaction:
 * Postgres refuses to attach a range the default partition still holds rows of.
 */
export async function ensureUsagePartitions(opts: { now?: Date; from?: Date; daysAhead?: number } = {}): Promise<string[]> {
  const now = (opts.now ?? new Date()).getTime();
  const first = utcDay((opts.from ?? new Date(now)).getTime());
  const last = utcDay(now + (opts.daysAhead ?? 14) * DAY_MS);
  const existing = new Set((await listDayPartitions()).map((p) => p.name));
  const created: string[] = [];
  for (let d = first.getTime(); d <= last.getTime(); d += DAY_MS) {
    const day = new Date(d);
    const name = partitionName(day);
    if (existing.has(name)) continue;
    if (await createDayPartition(name, day, new Date(d + DAY_MS))) created.push(name);
  }
  return created;
}

async function createDayPartition(name: string, from: Date, to: Date): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // One creator at a time (two workers running the job, or the job and a test).
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('tollgate:usage-partitions', 0))`);
    const { rowCount } = await client.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [name]);
    if (rowCount) {
      await client.query("ROLLBACK");
      return false;
    }
    await client.query(`CREATE TABLE "${name}" (LIKE usage_events INCLUDING DEFAULTS)`);
    await client.query(
      `WITH moved AS (DELETE FROM "${DEFAULT_PARTITION}" WHERE "occurredAt" >= $1 AND "occurredAt" < $2 RETURNING *)
       INSERT INTO "${name}" SELECT * FROM moved`,
      [from, to],
    );
    await client.query(`ALTER TABLE usage_events ATTACH PARTITION "${name}" FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
    await client.query("COMMIT");
    return true;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/**
 * Drops a day partition whose raw events have all expired. Poll rows are kept (see
 * retention.ts): the partition is detached first, so re-inserting them routes them to the
 * default partition; then it is dropped. Returns the pushed/OTLP rows dropped.
 */
export async function dropDayPartition(p: DayPartition): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('tollgate:usage-partitions', 0))`);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${p.name}" WHERE source <> 'poll'`);
    await client.query(`ALTER TABLE usage_events DETACH PARTITION "${p.name}"`);
    await client.query(`INSERT INTO usage_events SELECT * FROM "${p.name}" WHERE source = 'poll'`);
    await client.query(`DROP TABLE "${p.name}"`);
    await client.query("COMMIT");
    return Number(rows[0]!.n);
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
