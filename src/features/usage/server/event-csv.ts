import type { EventsQuery } from "../schemas";
import { eventIdOf } from "./events";
import { dayCursorPages, type EventRecord } from "./event-records";
import type { UsageScope } from "./range";
import { STATUS_CLASS_SQL } from "./sql";

/**
 * Raw events as finished CSV lines, written by PostgreSQL: the fast path of the raw CSV export.
 *
 * The JavaScript path (event-records.ts → exports/format.ts) spends about 10 µs of Node per row,
 * most of it making and collecting per-cell strings, and Node is its bottleneck
 * (bench/reports-export.ts). Here each row arrives as the finished cells around the event id, so
 * Node only makes the id and joins. The cells follow the rules of
 * exports/format.ts exactly (raw-export.int.test.ts compares the bytes with an independent
 * encoder over hostile text, :30/:45 zones and DST changes):
 * - `text`: NULL → empty; a value starting with `=`, `+`, `-`, `@`, tab or CR gets a `'`
 *   (CSV injection); a value containing `"`, `,`, CR or LF is quoted with `"` doubled;
 * - `int`/`micros`: digits, NULL → empty; `usd`: the micro-USD as a 6-decimal string;
 * - `time`: ISO 8601 in the org's time zone with its offset at that instant (the transaction's
 *   TimeZone is the org's), milliseconds truncated as JavaScript's epoch-ms floor does;
 * - labels (workspace name, project slug, member email, key label) come in as one jsonb map per
 *   dimension of id → label **already CSV-escaped by the caller**; an id without a label is
 *   written as the id, an unattributed one as empty (exports/server/labels.ts).
 * - the event id: eventIdOf() in Node.
 * Lines end with CRLF. Same events, order and paging as `streamEventRecords`.
 */

export type LabelDim = "workspace" | "projectTag" | "member" | "key";
export type CsvKind = "text" | "int" | "micros" | "usd" | "time";
export type CsvCell = { field: keyof EventRecord; kind: CsvKind } | { label: LabelDim };
/** A page of finished lines, with the time of its last event (progress). */
export type CsvPage = { lines: string[]; lastMs: number };

// The record's fields as SQL over `e` (see event-records.ts SELECT). The event id is the one
// cell made in Node (eventIdOf, from the time, workspace and external id): in SQL (JSON, base64,
// base64url) it was a third of PostgreSQL's time per line, and PostgreSQL is the slower side.
const MS = `floor(extract(epoch FROM e."occurredAt") * 1000)::int8`;
const FIELD_SQL: Record<Exclude<keyof EventRecord, "id">, string> = {
  occurredAt: `e."occurredAt"`,
  workspaceId: `e."workspaceId"`,
  source: `e.source::text`,
  provider: `e.provider::text`,
  model: `e.model`,
  projectTagId: `e."projectTagId"`,
  memberId: `e."memberId"`,
  endUser: `e."endUser"`,
  providerKeyId: `e."providerKeyId"`,
  apiKeyRef: `e."apiKeyRef"`,
  service: `e.service`,
  language: `e.language`,
  inputTokens: `e."inputTokens"`,
  outputTokens: `e."outputTokens"`,
  cachedTokens: `e."cachedTokens"`,
  cacheWriteTokens: `e."cacheWriteTokens"`,
  reasoningTokens: `e."reasoningTokens"`,
  requests: `e.requests`,
  costMicros: `e."costMicros"`,
  costSource: `e."costSource"::text`,
  latencyMs: `e."latencyMs"`,
  status: `e.status`,
  statusClass: STATUS_CLASS_SQL("e.status"),
  errorType: `e."errorType"`,
  errorMessage: `e."errorMessage"`,
  generationId: `e."generationId"`,
};
const LABEL_ID: Record<LabelDim, string> = { workspace: `e."workspaceId"`, projectTag: `e."projectTagId"`, member: `e."memberId"`, key: `e."providerKeyId"` };
// Fixed vocabularies (enums, the status class, base64url ids that start with "W") never need escaping.
const PLAIN = new Set<keyof EventRecord>(["id", "source", "provider", "costSource", "statusClass"]);

// '=' '+' '-' '@' tab CR as code points (ascii('') is 0)
const INJECT = `(9, 13, 43, 45, 61, 64)`;

/** csvText() of exports/format.ts in SQL; `x` is a text expression (NULL → empty). */
export function csvTextSql(x: string): string {
  return `(CASE WHEN ${x} IS NULL THEN ''
    WHEN ${x} ~ E'[",\\r\\n]' THEN '"' || (CASE WHEN ascii(${x}) IN ${INJECT} THEN '''' ELSE '' END) || replace(${x}, '"', '""') || '"'
    WHEN ascii(${x}) IN ${INJECT} THEN '''' || ${x}
    ELSE ${x} END)`;
}

function cellSql(c: CsvCell, labelParam: (d: LabelDim) => string): string {
  if ("label" in c) {
    const id = LABEL_ID[c.label];
    return `(CASE WHEN ${id} IS NULL OR ${id} IN ('', '-') THEN '' ELSE coalesce(${labelParam(c.label)} ->> ${id}, ${csvTextSql(id)}) END)`;
  }
  if (c.field === "id") throw new Error("the event id is written by streamEventCsv");
  const x = FIELD_SQL[c.field];
  switch (c.kind) {
    case "text":
      return PLAIN.has(c.field) ? x : csvTextSql(x);
    case "int":
    case "micros":
      return `coalesce((${x})::text, '')`;
    case "usd":
      return `(CASE WHEN ${x} < 0 THEN '-' ELSE '' END || (abs(${x}) / 1000000)::text || '.' || lpad((abs(${x}) % 1000000)::text, 6, '0'))`;
    case "time":
      return `to_char(${x}, 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM')`;
  }
}

/**
 * The SQL of one CSV line over `e`, as the cells before the event id and the cells after it
 * (each comma-separated; `''` when there are none). Without an id cell, all cells are "after".
 */
export function lineSql(cells: CsvCell[], labelParam: (d: LabelDim) => string): { head: string; tail: string; idAt: number } {
  const idAt = cells.findIndex((c) => "field" in c && c.field === "id");
  const seg = (cs: CsvCell[]) => (cs.length ? `concat_ws(',', ${cs.map((c) => cellSql(c, labelParam)).join(", ")})` : `''`);
  return idAt < 0 ? { head: `''`, tail: seg(cells), idAt } : { head: seg(cells.slice(0, idAt)), tail: seg(cells.slice(idAt + 1)), idAt };
}

/**
 * Every matching event as a CSV line (`cells` in order, comma-separated, CRLF), oldest first,
 * in pages: one server-side cursor per UTC day as in `streamEventRecords`, the next page
 * fetched while the caller writes this one.
 */
export async function* streamEventCsv(
  scope: UsageScope,
  input: Omit<EventsQuery, "cursor" | "limit" | "order">,
  cells: CsvCell[],
  labels: Record<LabelDim, Record<string, string>>,
  pageSize = 2_000,
): AsyncGenerator<CsvPage> {
  const idAt = cells.findIndex((c) => "field" in c && c.field === "id");
  const last = cells.length - 1;
  const line =
    idAt < 0
      ? (r: Row) => r[4] + "\r\n"
      : (r: Row) => (idAt > 0 ? r[1] + "," : "") + eventIdOf(Number(r[0]), r[2], r[3]) + (idAt < last ? "," + r[4] : "") + "\r\n";
  const pages = dayCursorPages<Row>(
    scope,
    input,
    pageSize,
    (table, where, p) => {
      const params: Partial<Record<LabelDim, string>> = {};
      const { head, tail } = lineSql(cells, (d) => (params[d] ??= `${p.add(JSON.stringify(labels[d] ?? {}))}::jsonb`));
      return `SELECT ${MS}, ${head}, e."workspaceId", e."externalId", ${tail}
        FROM (SELECT ${COLUMNS} FROM ${table} e WHERE ${where} ORDER BY e."occurredAt", e."workspaceId", e."externalId" OFFSET 0) e`;
    },
    // to_char's TZH:TZM and local time follow the session's zone: the org's, for this transaction
    { text: `SELECT set_config('TimeZone', $1, true), set_config('work_mem', '32MB', true)`, values: [scope.timeZone] },
  );
  for await (const rows of pages) yield { lines: rows.map(line), lastMs: Number(rows[rows.length - 1]![0]) };
}

// The columns the lines are made of. The day is sorted on these (OFFSET 0 keeps the subquery
// whole), and the lines are made after the sort: sorting finished lines (~330 bytes each) spilled
// a busy day to disk at the default work_mem, and the first page waited for every line of the day.
const COLUMNS = [
  "occurredAt", "workspaceId", "externalId", "source", "provider", "model", "projectTagId", "memberId", "endUser", "providerKeyId",
  "apiKeyRef", "service", "language", "inputTokens", "outputTokens", "cachedTokens", "cacheWriteTokens", "reasoningTokens", "requests",
  "costMicros", "costSource", "latencyMs", "status", "errorType", "errorMessage", "generationId",
].map((c) => `e."${c}"`).join(", ");

// epoch ms, the cells before the id, workspace id, external id, the cells after the id
type Row = [string, string, string, string, string];
