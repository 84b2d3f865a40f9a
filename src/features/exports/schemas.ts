import { z } from "zod";
import type { Dimension, UsageFilters } from "@/features/usage/schemas";
import { PG_TEXT, PG_TEXT_MESSAGE } from "@/lib/form-schemas";

/**
 * The public report query (report API, exports). snake_case like the rest of the public API;
 * turned into the usage module's typed query by `toUsageQuery`. Browser-safe.
 */
export const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_PAGE_SIZE = 1_000;
export const MAX_RANGE_DAYS = 400;

export const GROUP_BY = ["workspace", "project", "provider", "model", "member", "key", "service", "language", "status_class"] as const;
export const GROUP_TO_DIM: Record<(typeof GROUP_BY)[number], Dimension> = {
  workspace: "workspace",
  project: "projectTag",
  provider: "provider",
  model: "model",
  member: "member",
  key: "key",
  service: "service",
  language: "language",
  status_class: "statusClass",
};

/** Query strings repeat a parameter or comma-separate it; JSON bodies send arrays. */
function splitList(v: unknown): unknown {
  if (v === undefined || v === null || v === "") return undefined;
  const items = Array.isArray(v) ? v : [v];
  return items.flatMap((s) => (typeof s === "string" ? s.split(",").map((x) => x.trim()) : [s])).filter((s) => s !== "");
}
function list<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess(splitList, z.array(item).max(max).optional());
}
const Id = z.string().min(1).max(200).regex(PG_TEXT, PG_TEXT_MESSAGE);
// From 1970 (the epoch, where lifetime periods start): the calendar code reads years 0–99 as
// 1900–1999 (Date.UTC), so 0050-01-01 would silently mean 1950-01-01.
const Instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: "Use a date (2026-11-01, local midnight in the org's time zone) or an ISO instant with offset" })
  .refine((v) => Number(v.slice(0, 4)) >= 1970, "Use a date from 1970 on");

export const ReportFilters = z.object({
  workspace_id: list(Id, 100).describe("Workspace ids; '-' means none"),
  project_id: list(Id, 100).describe("Project tag ids; '-' means untagged"),
  provider: list(z.enum(["openrouter", "openai"]), 2),
  model: list(Id, 100),
  member_id: list(Id, 100),
  key_id: list(Id, 100),
  service: list(Id, 100),
  language: list(Id, 100),
  status_class: list(z.enum(["2xx", "4xx", "5xx", "other"]), 4),
});

export const ReportQuery = ReportFilters.extend({
  from: Instant.describe("Range start, inclusive"),
  to: Instant.describe("Range end, exclusive"),
  bucket: z.enum(["minute", "hour", "day", "week", "month"]).optional().describe("Time bucket in the org's time zone; omit for one row per group"),
  group_by: list(z.enum(GROUP_BY), 4).describe("Dimensions to group by (at most 4)"),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

export const ReportApiQuery = ReportQuery.extend({
  format: z.enum(["json", "csv", "ndjson"]).default("json"),
  cursor: z.string().max(200).optional().describe("next_cursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`Rows per page, at most ${MAX_PAGE_SIZE}`),
});
export type ReportApiQuery = z.infer<typeof ReportApiQuery>;

export const ExportInput = ReportQuery.extend({
  shape: z.enum(["aggregated", "raw"], { error: "Shape is aggregated or raw" }).default("aggregated"),
  format: z.enum(["csv", "json", "ndjson"], { error: "Format is csv, json or ndjson" }).default("csv"),
});
export type ExportInput = z.infer<typeof ExportInput>;
export type ExportFormInput = z.input<typeof ExportInput>;

// No NUL: PostgreSQL refuses it in text, so it would fail the query (a 500) instead of the input.
export const ExportIdInput = z.object({ exportId: z.string().trim().min(1).max(64).regex(/^[^\u0000]+$/, "Not an export id") });

export function toUsageFilters(q: z.infer<typeof ReportFilters>): UsageFilters {
  const f: UsageFilters = {};
  if (q.workspace_id) f.workspaceId = q.workspace_id;
  if (q.project_id) f.projectTagId = q.project_id;
  if (q.provider) f.provider = q.provider;
  if (q.model) f.model = q.model;
  if (q.member_id) f.memberId = q.member_id;
  if (q.key_id) f.providerKeyId = q.key_id;
  if (q.service) f.service = q.service;
  if (q.language) f.language = q.language;
  if (q.status_class) f.statusClass = q.status_class;
  return f;
}

export function groupDims(q: Pick<ReportQuery, "group_by">): Dimension[] {
  return [...new Set((q.group_by ?? []).map((g) => GROUP_TO_DIM[g]))];
}

/** Outputs (for the OpenAPI document; the services build exactly these shapes). */
export const ExportView = z.object({
  id: z.string(),
  shape: z.enum(["aggregated", "raw"]),
  format: z.enum(["csv", "json", "ndjson"]),
  query: z.record(z.string(), z.unknown()).describe("The report query the export was started with"),
  status: z.enum(["queued", "running", "done", "failed"]),
  progress: z.number().int().min(0).max(100).describe("Percent of the range written"),
  rows: z.number().int(),
  bytes: z.number().int(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().describe("Files are kept 7 days"),
});

const Cell = z.union([z.string(), z.number(), z.null()]);
export const ReportUsageResponse = z.object({
  data: z.array(z.record(z.string(), Cell)).describe("Rows with the documented aggregated columns"),
  columns: z.array(z.string()),
  time_zone: z.string().describe("The org's time zone; bucket_start/bucket_end carry its offset"),
  next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
  page_size: z.number().int(),
});
