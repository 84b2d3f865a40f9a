import { pool } from "@/server/db";
import { DAY_MS, listDayPartitions } from "@/features/ingest/server/partitions";
import { EventsQuery } from "../schemas";
import { resolveRange, type UsageScope } from "./range";
import { eventFilterSql, Params, STATUS_CLASS_SQL } from "./sql";

/**
 * THE read of raw usage_events (error records, event detail, raw exports). Pages by a
 * keyset cursor on (occurredAt, workspaceId, externalId) — the event's primary key within
 * the org (usage_events is partitioned by day, see features/ingest/README.md) — and a
 * stream of pages keeps memory flat. An event's `id` is that key, encoded (opaque to callers).
 */
export type UsageEventRow = {
  id: string;
  occurredAt: Date;
  workspaceId: string;
  source: string;
  provider: string;
  model: string;
  projectTagId: string | null;
  memberId: string | null;
  endUser: string | null;
  providerKeyId: string | null;
  apiKeyRef: string | null;
  service: string | null;
  language: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  requests: number;
  costMicros: bigint;
  costSource: string;
  latencyMs: number | null;
  status: number;
  statusClass: string;
  errorType: string | null;
  errorMessage: string | null;
  generationId: string | null;
};

export type EventsPage = { rows: UsageEventRow[]; nextCursor: string | null };

const COLUMNS = `e."externalId", e."occurredAt", e."workspaceId", e.source::text AS source, e.provider::text AS provider, e.model,
  e."projectTagId", e."memberId", e."endUser", e."providerKeyId", e."apiKeyRef", e.service, e.language,
  e."inputTokens", e."outputTokens", e."cachedTokens", e."cacheWriteTokens", e."reasoningTokens", e.requests,
  e."costMicros"::text AS "costMicros", e."costSource"::text AS "costSource", e."latencyMs", e.status,
  ${STATUS_CLASS_SQL("e.status")} AS "statusClass", e."errorType", e."errorMessage", e."generationId"`;

type EventKey = { at: Date; workspaceId: string; externalId: string };

/** The opaque id of an event: its key within the org (time, workspace, external id). */
export function encodeEventId(k: { occurredAt: Date; workspaceId: string; externalId: string }): string {
  return eventIdOf(k.occurredAt.getTime(), k.workspaceId, k.externalId);
}

/** encodeEventId from the time in epoch ms (streams that never make a Date). */
export function eventIdOf(occurredAtMs: number, workspaceId: string, externalId: string): string {
  return Buffer.from(JSON.stringify([occurredAtMs, workspaceId, externalId])).toString("base64url");
}

function decodeEventId(id: string): EventKey | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(id, "base64url").toString());
    if (!Array.isArray(v) || v.length !== 3 || !Number.isSafeInteger(v[0]) || typeof v[1] !== "string" || typeof v[2] !== "string") return null;
    return { at: new Date(v[0] as number), workspaceId: v[1], externalId: v[2] };
  } catch {
    return null;
  }
}

export function encodeCursor(row: { occurredAt: Date; workspaceId: string; externalId: string }): string {
  return encodeEventId(row);
}

export function decodeCursor(cursor: string): EventKey {
  const k = decodeEventId(cursor);
  if (!k) throw new InvalidCursorError();
  return k;
}

export class InvalidCursorError extends Error {
  readonly field = "cursor";
  constructor() {
    super("Invalid cursor");
  }
}

function toEvent(r: Record<string, unknown>): UsageEventRow {
  const { externalId, ...rest } = r;
  const occurredAt = new Date(r.occurredAt as string);
  const id = encodeEventId({ occurredAt, workspaceId: r.workspaceId as string, externalId: externalId as string });
  return { ...(rest as unknown as UsageEventRow), id, occurredAt, costMicros: BigInt(r.costMicros as string) };
}

/**
 * One page of the org's raw events in the range, newest first by default.
 *
 * usage_events has no (org, time) index (ingest keeps only the primary key and a BRIN on
 * time), so an ORDER BY time over the whole range would read and sort every matching event
 * for each page. Instead a page reads the range in time windows, from the cursor on: each
 * window is one BRIN-bounded scan of the day partition(s) it falls in, sorted on its own, and
 * windows follow each other in time, so their concatenation is in order. A window starts at one
 * hour and grows 4× while windows come back less than half full (sparse orgs and error records
 * reach the far end of a 90-day range in a handful of queries); a page stops as soon as it is full.
 */
const FIRST_WINDOW_MS = 3_600_000;

/** The day partitions by their first instant (UTC midnight), for eventWindow. */
export async function dayPartitionMap(): Promise<Map<number, string>> {
  return new Map((await listDayPartitions()).map((d) => [d.from.getTime(), d.name]));
}

/**
 * The next window [a, b) of at most `windowMs` inside [lo, hi), from lo (ascending) or from hi
 * (descending), and the table to read it from. A window inside one UTC day reads that day's
 * partition by name: planning a query on the partitioned parent considers every partition (tens
 * of ms each time), the partition is planned in well under one. A window that crosses midnight
 * by a little is cut there.
 */
export function eventWindow(lo: number, hi: number, windowMs: number, desc: boolean, partitions: Map<number, string>): { a: number; b: number; table: string } {
  let a = desc ? Math.max(lo, hi - windowMs) : lo;
  let b = desc ? hi : Math.min(hi, lo + windowMs);
  const dayA = Math.floor(a / DAY_MS) * DAY_MS;
  const dayB = Math.floor((b - 1) / DAY_MS) * DAY_MS;
  if (dayA !== dayB && b - a <= DAY_MS) {
    if (desc) a = dayB;
    else b = dayA + DAY_MS;
  }
  const day = Math.floor(a / DAY_MS) * DAY_MS;
  const part = day === Math.floor((b - 1) / DAY_MS) * DAY_MS ? partitions.get(day) : undefined;
  return { a, b, table: part ? `"${part}"` : "usage_events" };
}

export async function readEvents(scope: UsageScope, input: EventsQuery): Promise<EventsPage> {
  const q = EventsQuery.parse(input);
  const range = resolveRange(q.range, scope.timeZone);
  const desc = q.order === "desc";
  const dir = desc ? "DESC" : "ASC";
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  let lo = range.from;
  let hi = range.to;
  if (c) {
    if (desc) hi = Math.min(hi, c.at.getTime() + 1);
    else lo = Math.max(lo, c.at.getTime());
  }
  const rows: Record<string, unknown>[] = [];
  let windowMs = FIRST_WINDOW_MS;
  const partitions = await dayPartitionMap();
  while (rows.length <= q.limit && lo < hi) {
    const { a, b, table } = eventWindow(lo, hi, windowMs, desc, partitions);
    const need = q.limit + 1 - rows.length;
    const p = new Params();
    const where = [`e."orgId" = ${p.add(scope.orgId)}`, `e."occurredAt" >= ${p.add(new Date(a))}`, `e."occurredAt" < ${p.add(new Date(b))}`, ...eventFilterSql(q.filters, p)];
    if (q.errorsOnly) where.push(`e.status >= 400`);
    if (c) where.push(`(e."occurredAt", e."workspaceId", e."externalId") ${desc ? "<" : ">"} (${p.add(c.at)}, ${p.add(c.workspaceId)}, ${p.add(c.externalId)})`);
    const { rows: got } = await pool.query(
      `SELECT ${COLUMNS} FROM ${table} e WHERE ${where.join(" AND ")} ORDER BY e."occurredAt" ${dir}, e."workspaceId" ${dir}, e."externalId" ${dir} LIMIT ${need}`,
      p.values,
    );
    rows.push(...got);
    if (desc) hi = a;
    else lo = b;
    if (got.length < need / 2) windowMs *= 4;
  }
  const page = rows.slice(0, q.limit).map(toEvent);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > q.limit && last ? last.id : null };
}

/** Every matching event, page by page (oldest first unless told): for exports. */
export async function* streamEvents(scope: UsageScope, input: Omit<EventsQuery, "cursor">, pageSize = 10_000): AsyncGenerator<UsageEventRow[]> {
  let cursor: string | undefined;
  for (;;) {
    const page = await readEvents(scope, { order: "asc", ...input, limit: pageSize, cursor });
    if (page.rows.length) yield page.rows;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** One event of the org with its metadata (event detail); null when not the org's. */
export async function eventDetail(scope: UsageScope, id: string): Promise<(UsageEventRow & { metadata: unknown }) | null> {
  const k = decodeEventId(id);
  if (!k) return null;
  const { rows } = await pool.query(
    `SELECT ${COLUMNS}, e.metadata FROM usage_events e WHERE e."orgId" = $1 AND e."workspaceId" = $2 AND e."externalId" = $3 AND e."occurredAt" = $4`,
    [scope.orgId, k.workspaceId, k.externalId, k.at],
  );
  const r = rows[0];
  return r ? { ...toEvent(r), metadata: r.metadata } : null;
}
