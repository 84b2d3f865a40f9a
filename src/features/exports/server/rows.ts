import { streamEventRecords } from "@/features/usage/server/event-records";
import type { UsageScope } from "@/features/usage/server/range";
import { toUsageFilters, type ReportQuery } from "../schemas";
import { RAW_COLUMNS, type RawRow } from "../columns";
import { encodePages, type ExportFormat } from "../format";
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
 * bench/reports-export.ts both write these). `onPage(rows so far, last row)` reports progress.
 */
export function rawExportChunks(
  scope: UsageScope,
  q: ReportQuery,
  labels: Labels,
  format: ExportFormat,
  onPage?: (n: number, last: RawRow) => void,
): AsyncGenerator<string> {
  return encodePages(format, RAW_COLUMNS, rawPages(scope, q, labels), scope.timeZone, onPage);
}
