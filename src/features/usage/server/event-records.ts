import { pool } from "@/server/db";
import { EventsQuery } from "../schemas";
import { DAY_MS } from "@/features/ingest/server/partitions";
import { dayPartitionMap, eventIdOf, eventWindow, type UsageEventRow } from "./events";
import { resolveRange, type UsageScope } from "./range";
import { eventFilterSql, Params, STATUS_CLASS_SQL } from "./sql";

/**
 * Raw events for streams of millions of rows (raw exports): the same events, order and filters
 * as `readEvents`/`streamEvents`, made cheap per row.
 *
 * `EventRecord` is `UsageEventRow` with the time as epoch ms and the cost as its exact decimal
 * digits, so no Date and no BigInt is made per row; rows arrive from pg as arrays of text (no
 * type parsing) and become one object each. Measured with bench/reports-export.ts: the old path
 * (object rows, a Date and a BigInt per row, two object spreads) spent a third of its time in
 * the garbage collector.
 *
 * Pages are read in time windows (see `readEvents`) and, inside a window, by a keyset on the
 * event's key with the time **as PostgreSQL wrote it** (microseconds), so a page boundary between
 * two events of the same millisecond neither repeats nor skips one.
 */
export type EventRecord = Omit<UsageEventRow, "occurredAt" | "costMicros"> & { occurredAt: number; costMicros: string };

// The column order below is the order of `toRecord`'s indices.
const SELECT = `floor(extract(epoch FROM e."occurredAt") * 1000)::int8, e."occurredAt", e."workspaceId", e."externalId",
  e.source::text, e.provider::text, e.model, e."projectTagId", e."memberId", e."endUser", e."providerKeyId", e."apiKeyRef",
  e.service, e.language, e."inputTokens", e."outputTokens", e."cachedTokens", e."cacheWriteTokens", e."reasoningTokens",
  e.requests, e."costMicros"::text, e."costSource"::text, e."latencyMs", e.status, ${STATUS_CLASS_SQL("e.status")},
  e."errorType", e."errorMessage", e."generationId"`;

type Cells = (string | null)[];

// Every column as PostgreSQL's text: numbers are parsed below only where the row needs one.
const TEXT = { getTypeParser: () => (v: string) => v };

function toRecord(c: Cells): EventRecord {
  const ms = Number(c[0]);
  return {
    id: eventIdOf(ms, c[2]!, c[3]!),
    occurredAt: ms,
    workspaceId: c[2]!,
    source: c[4]!,
    provider: c[5]!,
    model: c[6]!,
    projectTagId: c[7]!,
    memberId: c[8]!,
    endUser: c[9]!,
    providerKeyId: c[10]!,
    apiKeyRef: c[11]!,
    service: c[12]!,
    language: c[13]!,
    inputTokens: Number(c[14]),
    outputTokens: Number(c[15]),
    cachedTokens: Number(c[16]),
    cacheWriteTokens: Number(c[17]),
    reasoningTokens: Number(c[18]),
    requests: Number(c[19]),
    costMicros: c[20]!,
    costSource: c[21]!,
    latencyMs: c[22] === null ? null : Number(c[22]),
    status: Number(c[23]),
    statusClass: c[24]!,
    errorType: c[25]!,
    errorMessage: c[26]!,
    generationId: c[27]!,
  };
}

/**
 * Every matching event, oldest first, in pages of at most `pageSize` records.
 *
 * One server-side cursor per UTC day (the day's partition, read by name): PostgreSQL scans and
 * sorts each day once and hands it over `pageSize` rows at a time. Paging by LIMIT and keyset
 * instead re-reads the window for every page (the BRIN on time is lossy: a window read is at
 * least 128 heap pages), which cost PostgreSQL several rows read per row exported. Each day is
 * its own short read-only transaction, so no snapshot is held across the export.
 *
 * The next FETCH is queued before this page is handed over, so PostgreSQL reads it while the
 * caller encodes this one. Pages are small (1,000 rows) so a page dies young: at 10,000 rows
 * (about 25 MB of strings and objects) pages outlived V8's young generation, were promoted, and
 * the old generation grew to hundreds of MB between full collections.
 */
export async function* streamEventRecords(scope: UsageScope, input: Omit<EventsQuery, "cursor" | "limit" | "order">, pageSize = 1_000): AsyncGenerator<EventRecord[]> {
  const pages = dayCursorPages<Cells>(scope, input, pageSize, (table, where) => `SELECT ${SELECT} FROM ${table} e WHERE ${where} ORDER BY e."occurredAt", e."workspaceId", e."externalId"`);
  for await (const rows of pages) yield rows.map(toRecord);
}

/**
 * The per-day cursors of `streamEventRecords` and `streamEventCsv` (event-csv.ts): for each UTC
 * day of the range, in a read-only transaction of its own, `setup` (if any) and then a cursor
 * over `select(table, where, params)` — `table` the day's partition as `e`, `where` the org,
 * the day's part of the range and the filters — fetched `pageSize` rows at a time as arrays of
 * PostgreSQL's text, the next FETCH queued before a page is handed over.
 */
export async function* dayCursorPages<R extends (string | null)[]>(
  scope: UsageScope,
  input: Omit<EventsQuery, "cursor" | "limit" | "order">,
  pageSize: number,
  select: (table: string, where: string, p: Params) => string,
  setup?: { text: string; values: unknown[] },
): AsyncGenerator<R[]> {
  const q = EventsQuery.parse({ ...input, order: "asc" });
  const range = resolveRange(q.range, scope.timeZone);
  const partitions = await dayPartitionMap();
  const client = await pool.connect();
  let failed: unknown = null;
  let open = false;
  try {
    for (let lo = range.from; lo < range.to; ) {
      const { a, b, table } = eventWindow(lo, range.to, DAY_MS, false, partitions);
      const p = new Params();
      const where = [`e."orgId" = ${p.add(scope.orgId)}`, `e."occurredAt" >= ${p.add(new Date(a))}`, `e."occurredAt" < ${p.add(new Date(b))}`, ...eventFilterSql(q.filters, p)];
      if (q.errorsOnly) where.push(`e.status >= 400`);
      const text = select(table, where.join(" AND "), p);
      await client.query("BEGIN READ ONLY");
      open = true;
      if (setup) await client.query(setup.text, setup.values);
      await client.query(`DECLARE events NO SCROLL CURSOR FOR ${text}`, p.values);
      const fetch = () => {
        const f = client.query<R>({ text: `FETCH ${pageSize} FROM events`, rowMode: "array", types: TEXT });
        f.catch(() => undefined); // awaited below, or abandoned with the stream (the finally rolls back)
        return f;
      };
      let pending = fetch();
      for (;;) {
        const { rows } = await pending;
        const more = rows.length === pageSize;
        if (more) pending = fetch();
        else {
          await client.query("COMMIT");
          open = false;
        }
        if (rows.length) yield rows;
        if (!more) break;
      }
      lo = b;
    }
  } catch (e) {
    failed = e;
    throw e;
  } finally {
    if (open && !failed) await client.query("ROLLBACK").catch((e: unknown) => (failed = e));
    client.release(failed ? (failed as Error) : undefined);
  }
}
