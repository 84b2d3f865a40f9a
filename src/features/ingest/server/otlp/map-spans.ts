import type { NormalizedEvent } from "../../types";
import { usdToMicros } from "@/lib/money";
import { COST_BOUND_MESSAGE, MAX_EVENT_COST_MICROS } from "../../limits";
import type { Provider } from "@/generated/prisma/enums";

/**
 * OTLP spans (OTLP/JSON shape; protobuf is decoded into the same shape) → usage records.
 *
 * Which attributes we read, first present wins:
 * - GenAI semantic conventions: gen_ai.provider.name / gen_ai.system, gen_ai.response.model /
 *   gen_ai.request.model, gen_ai.usage.input_tokens / output_tokens (and the older
 *   prompt_tokens / completion_tokens that OpenRouter Broadcast documents, reference
 *   openrouter-api §8.1), cache reads (gen_ai.usage.cache_read.input_tokens and its aliases
 *   input_tokens.cached / cache_read_input_tokens), cache writes
 *   (gen_ai.usage.cache_creation.input_tokens …), reasoning (gen_ai.usage.output_tokens.reasoning
 *   / reasoning.output_tokens …), gen_ai.response.id, error.type, user.id / enduser.id.
 *   Per the conventions input tokens include cached ones and output tokens include reasoning
 *   ones, the same convention pricing uses.
 * - OpenRouter Broadcast: recognised by `openrouter.*` attributes, gen_ai.system "openrouter"
 *   or a service name mentioning OpenRouter. Its cost attribute is not documented (reference
 *   §10.11), so the usual names are tried: gen_ai.usage.cost, gen_ai.usage.total_cost,
 *   gen_ai.usage.cost_usd, gen_ai.cost…, openrouter.cost…; absent → estimated from prices.
 *   `trace.metadata.project` (OpenRouter's request `trace` object) or `tollgate.project`
 *   name the project tag.
 * A span with no token counts and no cost carries no usage: it is counted and ignored.
 */

type Scalar = string | number | boolean | null;
type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
};
type KeyValue = { key?: string; value?: AnyValue };
type OtlpSpan = {
  traceId?: string;
  spanId?: string;
  name?: string;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: KeyValue[];
  status?: { code?: number | string; message?: string };
};

/** A usage span before attribution: the event's own fields, with raw project/user/key refs. */
export type MappedSpan = Omit<
  NormalizedEvent,
  "orgId" | "workspaceId" | "source" | "projectTagId" | "memberId" | "endUser" | "providerKeyId" | "apiKeyRef" | "requests"
> & {
  source: "otlp" | "broadcast";
  project: string | null;
  user: string | null;
  apiKey: string | null;
};

export type SpanOutcome = { kind: "usage"; span: MappedSpan } | { kind: "ignored" } | { kind: "rejected"; reason: string };

const INPUT = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.usage.prompt_tokens"];
const OUTPUT = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.usage.completion_tokens"];
const CACHED = [
  "gen_ai.usage.cache_read.input_tokens",
  "gen_ai.usage.input_tokens.cached",
  "gen_ai.usage.cache_read_input_tokens",
  "gen_ai.usage.cached_tokens",
  "gen_ai.usage.prompt_tokens_details.cached_tokens",
];
const CACHE_WRITE = [
  "gen_ai.usage.cache_creation.input_tokens",
  "gen_ai.usage.input_tokens.cache_write",
  "gen_ai.usage.cache_creation_input_tokens",
  "gen_ai.usage.cache_write_tokens",
];
const REASONING = [
  "gen_ai.usage.reasoning.output_tokens",
  "gen_ai.usage.output_tokens.reasoning",
  "gen_ai.usage.reasoning_tokens",
  "gen_ai.usage.completion_tokens_details.reasoning_tokens",
];
const COST = [
  "gen_ai.usage.cost",
  "gen_ai.usage.total_cost",
  "gen_ai.usage.cost_usd",
  "gen_ai.cost.total_cost",
  "gen_ai.cost",
  "openrouter.cost",
  "openrouter.usage.cost",
  "openrouter.total_cost",
  "llm.usage.cost",
  "total_cost",
];
const USER = ["user.id", "enduser.id", "gen_ai.user.id", "gen_ai.request.user"];
const PROJECT = ["tollgate.project", "trace.metadata.project", "project"];
const API_KEY = ["tollgate.api_key", "openrouter.api_key.hash", "openrouter.api_key_hash", "openrouter.api_key"];
const METADATA_KEYS: [string, string][] = [
  ["session.id", "session_id"],
  ["gen_ai.operation.name", "operation"],
  ["openrouter.trace.id", "openrouter_trace_id"],
];
const INT32_MAX = 2_147_483_647;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Metadata is jsonb, which refuses a lone UTF-16 surrogate (half an emoji cut by the length
 * limit, or one sent as is) and would fail the whole export: it becomes U+FFFD, as it does in
 * text columns.
 */
const jsonText = (v: string, max: number) => v.slice(0, max).replace(LONE_SURROGATE, "\ufffd");

/** Walks resourceSpans → scopeSpans → spans, merging resource attributes under span ones. */
export function mapTraceRequest(body: unknown): SpanOutcome[] {
  const out: SpanOutcome[] = [];
  const req = (body ?? {}) as Record<string, unknown>;
  const resourceSpans = arr(req.resourceSpans ?? req.resource_spans);
  for (const rs of resourceSpans) {
    const r = rs as Record<string, unknown>;
    const resource = flatten(arr((r.resource as { attributes?: unknown } | undefined)?.attributes) as KeyValue[]);
    for (const ss of arr(r.scopeSpans ?? r.scope_spans)) {
      for (const span of arr((ss as Record<string, unknown>).spans)) out.push(mapSpan(span as OtlpSpan, resource));
    }
  }
  return out;
}

export function mapSpan(span: OtlpSpan, resource: Map<string, Scalar>): SpanOutcome {
  const attrs = new Map(resource);
  for (const [k, v] of flatten(span.attributes ?? [])) attrs.set(k, v);
  const input = firstInt(attrs, INPUT);
  const output = firstInt(attrs, OUTPUT);
  let cost: bigint | null;
  try {
    cost = firstCost(attrs, COST);
  } catch {
    return { kind: "rejected", reason: "cost attribute is not a non-negative number" };
  }
  // The same per-event bound as push (limits.ts: why rollups then can't overflow).
  if (cost !== null && cost > MAX_EVENT_COST_MICROS) return { kind: "rejected", reason: COST_BOUND_MESSAGE };
  if (input === null && output === null && cost === null) return { kind: "ignored" };

  const traceId = typeof span.traceId === "string" ? span.traceId.toLowerCase() : "";
  const spanId = typeof span.spanId === "string" ? span.spanId.toLowerCase() : "";
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId)) return { kind: "rejected", reason: "span without a valid traceId/spanId" };

  const systemName = str(attrs, ["gen_ai.provider.name", "gen_ai.system"])?.toLowerCase() ?? null;
  const serviceName = str(attrs, ["service.name"]);
  const serverAddress = str(attrs, ["server.address"]) ?? "";
  const broadcast = systemName === "openrouter" || [...attrs.keys()].some((k) => k.startsWith("openrouter.")) || /openrouter/i.test(serviceName ?? "");
  let provider: Provider | null = null;
  if (broadcast || /openrouter\.ai$/i.test(serverAddress)) provider = "openrouter";
  else if (systemName === "openai" || systemName === "azure.ai.openai") provider = "openai";
  if (!provider) return { kind: "rejected", reason: `provider "${systemName ?? "missing"}" is not supported (openrouter, openai)` };

  const model = str(attrs, ["gen_ai.response.model", "gen_ai.request.model"]);
  if (!model) return { kind: "rejected", reason: "span has usage but no gen_ai.request.model/gen_ai.response.model" };

  const startMs = nanosToMs(span.startTimeUnixNano);
  const endMs = nanosToMs(span.endTimeUnixNano);
  if (startMs === null) return { kind: "rejected", reason: "span without startTimeUnixNano" };

  const httpStatus = firstInt(attrs, ["http.response.status_code", "http.status_code"]);
  const statusCode = Number(span.status?.code ?? 0);
  const isError = statusCode === 2 || span.status?.code === "STATUS_CODE_ERROR";
  const status = httpStatus !== null && httpStatus >= 100 && httpStatus <= 599 ? httpStatus : isError ? 500 : 200;
  const errorType = str(attrs, ["error.type"]) ?? (isError ? "error" : null);

  const metadata: Record<string, string> = {};
  for (const [from, to] of METADATA_KEYS) {
    const v = attrs.get(from);
    if (v !== undefined && v !== null) metadata[to] = jsonText(String(v), 512);
  }
  for (const [k, v] of attrs) {
    if (Object.keys(metadata).length >= 16) break;
    if (k.startsWith("trace.metadata.") && k !== "trace.metadata.project" && v !== null) metadata[jsonText(k.slice(15), 64)] = jsonText(String(v), 512);
  }

  return {
    kind: "usage",
    span: {
      externalId: `${traceId}:${spanId}`,
      source: broadcast ? "broadcast" : "otlp",
      provider,
      model: model.slice(0, 200),
      project: str(attrs, PROJECT)?.toLowerCase().slice(0, 48) ?? null,
      user: str(attrs, USER)?.slice(0, 256) ?? null,
      apiKey: str(attrs, API_KEY)?.slice(0, 256) ?? null,
      service: serviceName?.slice(0, 128) ?? null,
      language: str(attrs, ["telemetry.sdk.language"])?.slice(0, 64) ?? null,
      occurredAt: new Date(startMs),
      inputTokens: input ?? 0,
      outputTokens: output ?? 0,
      cachedTokens: firstInt(attrs, CACHED) ?? 0,
      cacheWriteTokens: firstInt(attrs, CACHE_WRITE) ?? 0,
      reasoningTokens: firstInt(attrs, REASONING) ?? 0,
      costMicros: cost,
      latencyMs: endMs !== null && endMs >= startMs ? Math.min(INT32_MAX, Math.round(endMs - startMs)) : null,
      status,
      errorType: errorType?.slice(0, 128) ?? null,
      errorMessage: isError && span.status?.message ? span.status.message.slice(0, 2000) : null,
      generationId: str(attrs, ["gen_ai.response.id"])?.slice(0, 128) ?? null,
      metadata: Object.keys(metadata).length > 0 ? metadata : null,
    },
  };
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Attributes → flat map; kvlists become dotted keys, arrays their JSON text. */
export function flatten(list: KeyValue[], prefix = "", into = new Map<string, Scalar>()): Map<string, Scalar> {
  for (const kv of list) {
    if (!kv || typeof kv.key !== "string") continue;
    const key = prefix + kv.key;
    const v = kv.value ?? {};
    if (v.kvlistValue) flatten(v.kvlistValue.values ?? [], `${key}.`, into);
    else into.set(key, scalar(v));
  }
  return into;
}

function scalar(v: AnyValue): Scalar {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return JSON.stringify((v.arrayValue.values ?? []).map(scalar));
  return null;
}

function str(attrs: Map<string, Scalar>, keys: string[]): string | null {
  for (const k of keys) {
    const v = attrs.get(k);
    if (typeof v === "string" && v.trim() !== "") return v.trim();
    if (typeof v === "number") return String(v);
  }
  return null;
}

function firstInt(attrs: Map<string, Scalar>, keys: string[]): number | null {
  for (const k of keys) {
    const v = attrs.get(k);
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
    if (Number.isFinite(n) && n >= 0) return Math.min(INT32_MAX, Math.round(n));
  }
  return null;
}

function firstCost(attrs: Map<string, Scalar>, keys: string[]): bigint | null {
  for (const k of keys) {
    const v = attrs.get(k);
    if (v === undefined || v === null || v === "") continue;
    if (typeof v === "boolean") throw new Error("bad cost");
    const micros = usdToMicros(typeof v === "number" ? v : v.trim());
    if (micros < 0n) throw new Error("negative cost");
    return micros;
  }
  return null;
}

function nanosToMs(v: string | number | undefined): number | null {
  if (v === undefined || v === null || v === "" || v === "0" || v === 0) return null;
  const s = String(v);
  if (!/^\d+$/.test(s)) return null;
  const ms = Number(BigInt(s) / 1_000_000n);
  // Beyond what a Date can hold (e.g. "999999999999999999999999999"): refused by the future bound.
  return ms <= 8.64e15 ? ms : Infinity;
}
