import type { Column } from "./format";
import type { Dimension } from "@/features/usage/schemas";
import type { EventRecord } from "@/features/usage/server/event-records";

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

export const RAW_COLUMNS: Column<RawRow>[] = [
  { name: "occurred_at", kind: "time", get: (r) => r.occurredAt },
  { name: "event_id", kind: "text", get: (r) => r.id },
  { name: "source", kind: "text", get: (r) => r.source },
  { name: "workspace_id", kind: "text", get: (r) => r.workspaceId },
  { name: "workspace", kind: "text", get: (r) => r.workspace },
  { name: "project_id", kind: "text", get: (r) => r.projectTagId },
  { name: "project", kind: "text", get: (r) => r.project },
  { name: "provider", kind: "text", get: (r) => r.provider },
  { name: "model", kind: "text", get: (r) => r.model },
  { name: "member_id", kind: "text", get: (r) => r.memberId },
  { name: "member", kind: "text", get: (r) => r.member },
  { name: "key_id", kind: "text", get: (r) => r.providerKeyId },
  { name: "key", kind: "text", get: (r) => r.key },
  { name: "api_key_ref", kind: "text", get: (r) => r.apiKeyRef },
  { name: "end_user", kind: "text", get: (r) => r.endUser },
  { name: "service", kind: "text", get: (r) => r.service },
  { name: "language", kind: "text", get: (r) => r.language },
  { name: "status", kind: "int", get: (r) => r.status },
  { name: "status_class", kind: "text", get: (r) => r.statusClass },
  { name: "error_type", kind: "text", get: (r) => r.errorType },
  { name: "error_message", kind: "text", get: (r) => r.errorMessage },
  { name: "requests", kind: "int", get: (r) => r.requests },
  { name: "input_tokens", kind: "int", get: (r) => r.inputTokens },
  { name: "output_tokens", kind: "int", get: (r) => r.outputTokens },
  { name: "cached_tokens", kind: "int", get: (r) => r.cachedTokens },
  { name: "cache_write_tokens", kind: "int", get: (r) => r.cacheWriteTokens },
  { name: "reasoning_tokens", kind: "int", get: (r) => r.reasoningTokens },
  { name: "cost_usd", kind: "usd", get: (r) => r.costMicros },
  { name: "cost_micros", kind: "micros", get: (r) => r.costMicros },
  { name: "cost_source", kind: "text", get: (r) => r.costSource },
  { name: "latency_ms", kind: "int", get: (r) => r.latencyMs },
  { name: "generation_id", kind: "text", get: (r) => r.generationId },
];
