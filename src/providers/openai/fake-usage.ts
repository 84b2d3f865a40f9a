/**
 * The fake OpenAI's Usage and Costs endpoints: time buckets aggregated from the state's usage
 * records, with `group_by`, filters, `limit` (buckets per page) and opaque `next_page` cursors,
 * shaped like spec `UsageResponse` (reference openai-admin-api.md §2–4). As observed on the real
 * API, the first bucket is partial when `start_time` is not aligned and empty buckets come back
 * with `results: []`.
 */
import { microsToDecimalString } from "@/lib/money";
import { queryArray, type FakeResponse } from "@/providers/fake-http";
import type { FakeOpenAIState, UsageRecord } from "./fake-state";
import { USAGE_GROUP_BY, type OpenAIUsageKind } from "./schemas";

const WIDTH = { "1m": 60, "1h": 3600, "1d": 86_400 } as const;
const DEFAULT_LIMIT = { "1m": 60, "1h": 24, "1d": 7 } as const;
const MAX_LIMIT = { "1m": 1440, "1h": 168, "1d": 31 } as const;

const usd = (micros: bigint) => Number(microsToDecimalString(micros));

export function openAIErrorBody(message: string, type = "invalid_request_error", code: string | null = null, param: string | null = null) {
  return { error: { message, type, param, code } };
}
const bad = (message: string, param: string | null = null): FakeResponse => ({ status: 400, body: openAIErrorBody(message, "invalid_request_error", null, param) });

const encodePage = (startSec: number) => `page_${Buffer.from(`b:${startSec}`).toString("base64url")}`;
function decodePage(token: string): number | null {
  const m = /^page_(.+)$/.exec(token);
  if (!m) return null;
  const raw = Buffer.from(m[1]!, "base64url").toString("utf8");
  const n = /^b:(\d+)$/.exec(raw);
  return n ? Number(n[1]) : null;
}

type Window = { start: number; end: number; width: number; limit: number; pageStart: number };

function parseWindow(q: URLSearchParams, nowSec: number, widths: readonly ("1m" | "1h" | "1d")[], defaultLimit?: number, maxLimit?: number): Window | FakeResponse {
  const startRaw = q.get("start_time");
  if (startRaw === null) return bad("Missing required parameter: 'start_time'.", "start_time");
  if (!/^\d+$/.test(startRaw)) return bad("Invalid 'start_time': expected a Unix timestamp in seconds.", "start_time");
  const endRaw = q.get("end_time");
  if (endRaw !== null && !/^\d+$/.test(endRaw)) return bad("Invalid 'end_time': expected a Unix timestamp in seconds.", "end_time");
  const bw = (q.get("bucket_width") ?? "1d") as "1m" | "1h" | "1d";
  if (!widths.includes(bw)) return bad(`Invalid 'bucket_width': expected one of ${widths.join(", ")}.`, "bucket_width");
  const limitRaw = q.get("limit");
  const limit = limitRaw === null ? (defaultLimit ?? DEFAULT_LIMIT[bw]) : Number(limitRaw);
  const max = maxLimit ?? MAX_LIMIT[bw];
  if (!Number.isInteger(limit) || limit < 1 || limit > max) return bad(`Invalid 'limit': must be between 1 and ${max} for bucket_width ${bw}.`, "limit");
  const start = Number(startRaw);
  // Without end_time the current (still filling) bucket is the last one returned.
  const end = endRaw === null ? Math.floor(nowSec / WIDTH[bw]) * WIDTH[bw] + WIDTH[bw] : Number(endRaw);
  const pageRaw = q.get("page");
  let pageStart = start;
  if (pageRaw) {
    const decoded = decodePage(pageRaw);
    if (decoded === null || decoded < start) return bad("Invalid 'page' cursor.", "page");
    pageStart = decoded;
  }
  return { start, end, width: WIDTH[bw], limit, pageStart };
}

/** Walks `limit` buckets from the page start and returns them with the next page's cursor. */
function walkBuckets<R>(w: Window, build: (startSec: number, endSec: number) => R[]) {
  const data: { object: "bucket"; start_time: number; end_time: number; results: R[] }[] = [];
  let b = w.pageStart;
  while (b < w.end && data.length < w.limit) {
    const e = Math.min(Math.floor(b / w.width) * w.width + w.width, Math.max(w.end, b + 1));
    data.push({ object: "bucket", start_time: b, end_time: e, results: build(b, e) });
    b = e;
  }
  const hasMore = b < w.end;
  return { object: "page" as const, data, has_more: hasMore, next_page: hasMore ? encodePage(b) : null };
}

type Sum = { input: number; output: number; cached: number; images: number; characters: number; requests: number; dims: Record<string, string | boolean | null> };

function usageResult(kind: OpenAIUsageKind, s: Sum, groupBy: string[]) {
  const dim = (name: string) => (groupBy.includes(name) ? (s.dims[name] ?? null) : null);
  const dims = { project_id: dim("project_id"), user_id: dim("user_id"), api_key_id: dim("api_key_id"), model: dim("model") };
  switch (kind) {
    case "completions":
      return {
        object: "organization.usage.completions.result",
        input_tokens: s.input,
        output_tokens: s.output,
        input_cached_tokens: s.cached,
        input_cache_write_tokens: 0,
        input_uncached_tokens: s.input - s.cached,
        input_text_tokens: s.input - s.cached,
        output_text_tokens: s.output,
        input_cached_text_tokens: s.cached,
        input_audio_tokens: 0,
        input_cached_audio_tokens: 0,
        output_audio_tokens: 0,
        input_image_tokens: 0,
        input_cached_image_tokens: 0,
        output_image_tokens: 0,
        num_model_requests: s.requests,
        ...dims,
        batch: dim("batch"),
        service_tier: dim("service_tier"),
      };
    case "embeddings":
    case "moderations":
      return { object: `organization.usage.${kind}.result`, input_tokens: s.input, num_model_requests: s.requests, ...dims };
    case "images":
      return { object: "organization.usage.images.result", images: s.images, num_model_requests: s.requests, source: dim("source"), size: dim("size"), ...dims };
    case "audio_speeches":
      return { object: "organization.usage.audio_speeches.result", characters: s.characters, num_model_requests: s.requests, ...dims };
    case "audio_transcriptions":
      return { object: "organization.usage.audio_transcriptions.result", seconds: 0, num_model_requests: s.requests, ...dims };
    case "vector_stores":
      return { object: "organization.usage.vector_stores.result", usage_bytes: 0, project_id: dims.project_id };
    case "code_interpreter_sessions":
      return { object: "organization.usage.code_interpreter_sessions.result", num_sessions: 0, project_id: dims.project_id };
    case "web_search_calls":
      return { object: "organization.usage.web_searches.result", num_model_requests: s.requests, num_requests: s.requests, context_level: dim("context_level"), ...dims };
    case "file_search_calls":
      return { object: "organization.usage.file_searches.result", num_requests: s.requests, vector_store_id: dim("vector_store_id"), project_id: dims.project_id, user_id: dims.user_id, api_key_id: dims.api_key_id };
  }
}

function recordDims(r: UsageRecord): Record<string, string | boolean | null> {
  return { project_id: r.projectId, user_id: r.userId, api_key_id: r.apiKeyId, model: r.model, batch: r.batch, service_tier: r.serviceTier, source: r.kind === "images" ? "image.generation" : null, size: r.kind === "images" ? "1024x1024" : null };
}

export function usageResponse(state: FakeOpenAIState, kind: OpenAIUsageKind, q: URLSearchParams): FakeResponse {
  const w = parseWindow(q, Math.floor(state.now() / 1000), ["1m", "1h", "1d"]);
  if ("status" in w) return w;
  const allowed = USAGE_GROUP_BY[kind];
  const groupBy = queryArray(q, "group_by");
  const wrong = groupBy.find((g) => !allowed.includes(g));
  if (wrong) return bad(`Invalid 'group_by' value '${wrong}' for this endpoint; allowed: ${allowed.join(", ")}.`, "group_by");
  const f = { project_ids: queryArray(q, "project_ids"), user_ids: queryArray(q, "user_ids"), api_key_ids: queryArray(q, "api_key_ids"), models: queryArray(q, "models") };
  const batch = q.get("batch");
  const keep = (r: UsageRecord) =>
    r.kind === kind &&
    (!f.project_ids.length || f.project_ids.includes(r.projectId)) &&
    (!f.user_ids.length || (r.userId !== null && f.user_ids.includes(r.userId))) &&
    (!f.api_key_ids.length || (r.apiKeyId !== null && f.api_key_ids.includes(r.apiKeyId))) &&
    (!f.models.length || f.models.includes(r.model)) &&
    (batch === null || String(r.batch) === batch);
  return {
    status: 200,
    body: walkBuckets(w, (s, e) => {
      const groups = new Map<string, Sum>();
      for (const r of state.recordsBetween(s * 1000, e * 1000)) {
        if (!keep(r)) continue;
        const dims = recordDims(r);
        const gk = groupBy.map((g) => String(dims[g])).join("|");
        const sum = groups.get(gk) ?? { input: 0, output: 0, cached: 0, images: 0, characters: 0, requests: 0, dims };
        sum.input += r.inputTokens;
        sum.output += r.outputTokens;
        sum.cached += r.cachedTokens;
        sum.images += r.images;
        sum.characters += r.characters;
        sum.requests += r.requests;
        groups.set(gk, sum);
      }
      return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, sum]) => usageResult(kind, sum, groupBy));
    }),
  };
}

export function costsResponse(state: FakeOpenAIState, q: URLSearchParams): FakeResponse {
  const w = parseWindow(q, Math.floor(state.now() / 1000), ["1d"], 7, 180);
  if ("status" in w) return w;
  const groupBy = queryArray(q, "group_by");
  const wrong = groupBy.find((g) => !["project_id", "line_item", "api_key_id"].includes(g));
  if (wrong) return bad(`Invalid 'group_by' value '${wrong}'; allowed: project_id, line_item, api_key_id.`, "group_by");
  const projectIds = queryArray(q, "project_ids");
  const apiKeyIds = queryArray(q, "api_key_ids");
  const byItem = groupBy.includes("line_item");
  return {
    status: 200,
    body: walkBuckets(w, (s, e) => {
      const groups = new Map<string, { micros: bigint; quantity: number; unit: string | null; project: string | null; key: string | null; item: string | null }>();
      for (const r of state.recordsBetween(s * 1000, e * 1000)) {
        if (projectIds.length && !projectIds.includes(r.projectId)) continue;
        if (apiKeyIds.length && (r.apiKeyId === null || !apiKeyIds.includes(r.apiKeyId))) continue;
        const parts = byItem ? r.lineItems : [{ item: null, micros: r.costMicros, quantity: 0, unit: null }];
        for (const li of parts) {
          const project = groupBy.includes("project_id") ? r.projectId : null;
          const key = groupBy.includes("api_key_id") ? r.apiKeyId : null;
          const gk = `${project}|${key}|${li.item}`;
          const g = groups.get(gk) ?? { micros: 0n, quantity: 0, unit: li.unit, project, key, item: li.item };
          g.micros += li.micros;
          g.quantity += li.quantity;
          groups.set(gk, g);
        }
      }
      return [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, g]) => ({
          object: "organization.costs.result",
          amount: { value: usd(g.micros), currency: "usd" },
          line_item: g.item,
          project_id: g.project,
          api_key_id: g.key,
          quantity: byItem ? g.quantity : null,
          quantity_unit: byItem ? g.unit : null,
        }));
    }),
  };
}
