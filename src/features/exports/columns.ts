import type { Column } from "./format";
import type { Dimension } from "@/features/usage/schemas";
import type { EventRecord } from "@/features/usage/server/event-records";
import type { CsvCell } from "@/features/usage/server/event-csv";

/**
 * THE documented column sets (README.md "Export columns"). Every CSV/JSON/NDJSON the product
 * writes — exports, the report API, scheduled-report attachments — uses one of these two.
 */

/** Aggregated row: a bucket × the chosen dimensions, with sums and p95. */
export type AggRow = {
  bucketStart: Date | null;
  bucketEnd: Date | null;
  dims: Partial<Record<Dimension, string>>;
  labels: Partial<Record<Dimension, string>>;
  requests: bigint;
  errors: bigint;
  inputTokens: bigint;
  outputTokens: bigint;
  cachedTokens: bigint;
  cacheWriteTokens: bigint;
  reasoningTokens: bigint;
  costMicros: bigint;
  p95Ms: number | null;
};

/** Output names of the dimensions (snake_case, like every other column). */
export const DIM_NAMES: Record<Dimension, string> = {
  workspace: "workspace",
  projectTag: "project",
  provider: "provider",
  model: "model",
  member: "member",
  key: "key",
  service: "service",
  language: "language",
  statusClass: "status_class",
};
const ID_DIMS = new Set<Dimension>(["workspace", "projectTag", "member", "key"]);

export function aggregatedColumns(groupBy: Dimension[], bucketed: boolean): Column<AggRow>[] {
  const cols: Column<AggRow>[] = [];
  if (bucketed) {
    cols.push({ name: "bucket_start", kind: "time", get: (r) => r.bucketStart });
    cols.push({ name: "bucket_end", kind: "time", get: (r) => r.bucketEnd });
  }
  for (const d of groupBy) {
    if (ID_DIMS.has(d)) {
      cols.push({ name: `${DIM_NAMES[d]}_id`, kind: "text", get: (r) => r.dims[d] });
      cols.push({ name: DIM_NAMES[d], kind: "text", get: (r) => r.labels[d] });
    } else cols.push({ name: DIM_NAMES[d], kind: "text", get: (r) => r.dims[d] });
  }
  cols.push(
    { name: "requests", kind: "int", get: (r) => r.requests },
    { name: "errors", kind: "int", get: (r) => r.errors },
    { name: "input_tokens", kind: "int", get: (r) => r.inputTokens },
    { name: "output_tokens", kind: "int", get: (r) => r.outputTokens },
    { name: "cached_tokens", kind: "int", get: (r) => r.cachedTokens },
    { name: "cache_write_tokens", kind: "int", get: (r) => r.cacheWriteTokens },
    { name: "reasoning_tokens", kind: "int", get: (r) => r.reasoningTokens },
    { name: "cost_usd", kind: "usd", get: (r) => r.costMicros },
    { name: "cost_micros", kind: "micros", get: (r) => r.costMicros },
    { name: "latency_p95_ms", kind: "int", get: (r) => (r.p95Ms === null ? null : Math.round(r.p95Ms)) },
  );
  return cols;
}

/**
 * Raw event row (within the workspace's retention): the usage module's event record (its fields
 * are stated once, in features/usage/server/events.ts; the record has the time as epoch ms and
 * the cost as digits, see event-records.ts) plus the labels beside the ids.
 */
export type RawRow = EventRecord & { workspace: string; project: string; member: string; key: string };

/**
 * Each raw column also names its cell for PostgreSQL (usage/server/event-csv.ts), which writes
 * whole CSV lines for the raw CSV export: the record field and kind, or the label dimension.
 */
export type RawColumn = Column<RawRow> & { cell: CsvCell };

export const RAW_COLUMNS: RawColumn[] = [
  { name: "occurred_at", kind: "time", get: (r) => r.occurredAt, cell: { field: "occurredAt", kind: "time" } },
  { name: "event_id", kind: "text", get: (r) => r.id, cell: { field: "id", kind: "text" } },
  { name: "source", kind: "text", get: (r) => r.source, cell: { field: "source", kind: "text" } },
  { name: "workspace_id", kind: "text", get: (r) => r.workspaceId, cell: { field: "workspaceId", kind: "text" } },
  { name: "workspace", kind: "text", get: (r) => r.workspace, cell: { label: "workspace" } },
  { name: "project_id", kind: "text", get: (r) => r.projectTagId, cell: { field: "projectTagId", kind: "text" } },
  { name: "project", kind: "text", get: (r) => r.project, cell: { label: "projectTag" } },
  { name: "provider", kind: "text", get: (r) => r.provider, cell: { field: "provider", kind: "text" } },
  { name: "model", kind: "text", get: (r) => r.model, cell: { field: "model", kind: "text" } },
  { name: "member_id", kind: "text", get: (r) => r.memberId, cell: { field: "memberId", kind: "text" } },
  { name: "member", kind: "text", get: (r) => r.member, cell: { label: "member" } },
  { name: "key_id", kind: "text", get: (r) => r.providerKeyId, cell: { field: "providerKeyId", kind: "text" } },
  { name: "key", kind: "text", get: (r) => r.key, cell: { label: "key" } },
  { name: "api_key_ref", kind: "text", get: (r) => r.apiKeyRef, cell: { field: "apiKeyRef", kind: "text" } },
  { name: "end_user", kind: "text", get: (r) => r.endUser, cell: { field: "endUser", kind: "text" } },
  { name: "service", kind: "text", get: (r) => r.service, cell: { field: "service", kind: "text" } },
  { name: "language", kind: "text", get: (r) => r.language, cell: { field: "language", kind: "text" } },
  { name: "status", kind: "int", get: (r) => r.status, cell: { field: "status", kind: "int" } },
  { name: "status_class", kind: "text", get: (r) => r.statusClass, cell: { field: "statusClass", kind: "text" } },
  { name: "error_type", kind: "text", get: (r) => r.errorType, cell: { field: "errorType", kind: "text" } },
  { name: "error_message", kind: "text", get: (r) => r.errorMessage, cell: { field: "errorMessage", kind: "text" } },
  { name: "requests", kind: "int", get: (r) => r.requests, cell: { field: "requests", kind: "int" } },
  { name: "input_tokens", kind: "int", get: (r) => r.inputTokens, cell: { field: "inputTokens", kind: "int" } },
  { name: "output_tokens", kind: "int", get: (r) => r.outputTokens, cell: { field: "outputTokens", kind: "int" } },
  { name: "cached_tokens", kind: "int", get: (r) => r.cachedTokens, cell: { field: "cachedTokens", kind: "int" } },
  { name: "cache_write_tokens", kind: "int", get: (r) => r.cacheWriteTokens, cell: { field: "cacheWriteTokens", kind: "int" } },
  { name: "reasoning_tokens", kind: "int", get: (r) => r.reasoningTokens, cell: { field: "reasoningTokens", kind: "int" } },
  { name: "cost_usd", kind: "usd", get: (r) => r.costMicros, cell: { field: "costMicros", kind: "usd" } },
  { name: "cost_micros", kind: "micros", get: (r) => r.costMicros, cell: { field: "costMicros", kind: "micros" } },
  { name: "cost_source", kind: "text", get: (r) => r.costSource, cell: { field: "costSource", kind: "text" } },
  { name: "latency_ms", kind: "int", get: (r) => r.latencyMs, cell: { field: "latencyMs", kind: "int" } },
  { name: "generation_id", kind: "text", get: (r) => r.generationId, cell: { field: "generationId", kind: "text" } },
];
