import { streamEventRecords } from "@/features/usage/server/event-records";
import { streamEventCsv, type LabelDim } from "@/features/usage/server/event-csv";
import type { UsageScope } from "@/features/usage/server/range";
import { toUsageFilters, type ReportQuery } from "../schemas";
import { RAW_COLUMNS, type RawRow } from "../columns";
import { CHUNK_CHARS, csvHeader, csvText, encodePages, type ExportFormat } from "../format";
import { checkRange } from "./aggregate";
import type { Labels } from "./labels";

/**
 * Raw events of a report query, oldest first, page by page through the usage module's
 * record stream, each with the labels beside its ids.
 */
export async function* rawPages(scope: UsageScope, q: ReportQuery, labels: Labels): AsyncGenerator<RawRow[]> {
  const { from, to } = checkRange({ ...q, bucket: undefined }, scope.timeZone);
  const pages = streamEventRecords(scope, { range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, filters: toUsageFilters(q) });
  for await (const page of pages) {
    // the records are ours: the labels go onto them rather than into copies
    for (const e of page as RawRow[]) {
      e.workspace = labels.label("workspace", e.workspaceId);
      e.project = labels.label("projectTag", e.projectTagId);
      e.member = labels.label("member", e.memberId);
      e.key = labels.label("key", e.providerKeyId);
    }
    yield page as RawRow[];
  }
}

/**
 * THE raw export: the documented raw columns in `format`, as text chunks (the export job and
 * bench/reports-export.ts both write these). `onPage(rows so far, last row's time)` reports progress.
 *
 * CSV lines are written by PostgreSQL (usage/server/event-csv.ts: the same bytes as
 * encodePages over rawPages, about three times the rows per second); JSON and NDJSON are
 * encoded here from the records.
 */
export async function* rawExportChunks(
  scope: UsageScope,
  q: ReportQuery,
  labels: Labels,
  format: ExportFormat,
  onPage?: (n: number, lastMs: number) => void,
): AsyncGenerator<string> {
  if (format !== "csv") {
    yield* encodePages(format, RAW_COLUMNS, rawPages(scope, q, labels), scope.timeZone, onPage && ((n, last) => onPage(n, last.occurredAt)));
    return;
  }
  const { from, to } = checkRange({ ...q, bucket: undefined }, scope.timeZone);
  const escaped = {} as Record<LabelDim, Record<string, string>>;
  for (const d of ["workspace", "projectTag", "member", "key"] as const) escaped[d] = Object.fromEntries(labels.entries(d).map(([id, l]) => [id, csvText(l)]));
  const pages = streamEventCsv(
    scope,
    { range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() }, filters: toUsageFilters(q) },
    RAW_COLUMNS.map((c) => c.cell),
    escaped,
  );
  let buf = csvHeader(RAW_COLUMNS);
  let n = 0;
  // chunks of ~64 KiB, not pages: a longer string is allocated outside V8's young generation and
  // lives until a full collection (a page-long string per page took the RSS from 240 to 345 MB)
  for await (const page of pages) {
    for (const line of page.lines) {
      buf += line;
      if (buf.length >= CHUNK_CHARS) {
        yield buf;
        buf = "";
      }
    }
    n += page.lines.length;
    onPage?.(n, page.lastMs);
  }
  if (buf) yield buf;
}
