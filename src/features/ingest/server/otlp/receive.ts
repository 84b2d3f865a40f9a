import { AppError, badRequest } from "@/server/errors";
import type { NormalizedEvent } from "../../types";
import { authenticateIngestToken } from "../tokens";
import { getWorkspaceInfo, oldestAcceptedMs, prepareAttribution } from "../attribution";
import { readLimitedBody } from "../body";
import { enforceRate, type IngestHttpRequest } from "../push";
import { writeUsageEvents } from "../write-events";
import { decodeTraceRequest, encodeRpcStatus, encodeTraceResponse } from "./proto";
import { mapTraceRequest, type MappedSpan, type SpanOutcome } from "./map-spans";
import { traceRequestProblem } from "./shape";

/** Collectors batch more than the push API allows; OTLP exporters default to a few MiB. */
export const MAX_OTLP_BYTES = 4 * 1024 * 1024;
const DAY_MS = 86_400_000;
// Like push: a span more than a day ahead of our clock is a broken clock or a bad unit.
const MAX_FUTURE_MS = DAY_MS;

export type OtlpRequest = IngestHttpRequest & { contentType: string | null };
export type OtlpReply = { status: number; body: Uint8Array | string; contentType: string; headers: Record<string, string> };
export type OtlpCounts = { spans: number; accepted: number; duplicates: number; ignored: number; rejected: number };

function encodingOf(contentType: string | null): "json" | "protobuf" {
  const ct = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (ct === "application/x-protobuf" || ct === "application/protobuf") return "protobuf";
  if (ct === "application/json" || ct === "") return "json";
  throw new AppError(415, "unsupported_media_type", `Content-Type "${ct}" is not OTLP/HTTP: send application/json or application/x-protobuf`);
}

/**
 * POST /api/otlp/v1/traces (OTLP/HTTP, JSON or protobuf, gzip ok) with a workspace ingest
 * token. Spans with GenAI usage become events with externalId "<traceId>:<spanId>" (so a
 * re-sent export counts once); spans without usage are counted and ignored; spans that
 * carry usage but can't be used (unsupported provider, no model, older than retention) are
 * rejected and reported in `partialSuccess` as the OTLP spec asks.
 */
export async function ingestOtlpTraces(req: OtlpRequest): Promise<{ reply: OtlpReply; counts: OtlpCounts }> {
  const encoding = encodingOf(req.contentType);
  const principal = await authenticateIngestToken(req.authorization);
  const ws = await getWorkspaceInfo(principal.workspaceId);
  const raw = await readLimitedBody(req.body, req, MAX_OTLP_BYTES);
  let decoded: unknown;
  try {
    decoded = encoding === "protobuf" ? decodeTraceRequest(raw) : raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest(`Body is not a valid OTLP ExportTraceServiceRequest (${encoding})`);
  }
  // A body of the wrong shape is the client's mistake: 400 naming where, before any span is read.
  const problem = traceRequestProblem(decoded);
  if (problem) throw badRequest(`Body is not a valid OTLP ExportTraceServiceRequest: ${problem}`);
  let outcomes: SpanOutcome[];
  try {
    outcomes = mapTraceRequest(decoded);
  } catch (e) {
    // The shape check should make this unreachable; if a case slips through, it is still a 400.
    throw badRequest(`Body is not a valid OTLP ExportTraceServiceRequest (${(e as Error).message.slice(0, 200)})`);
  }
  const usable: MappedSpan[] = [];
  const reasons = new Map<string, number>();
  const reject = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  const now = Date.now();
  const oldest = oldestAcceptedMs(ws, now);
  let ignored = 0;
  for (const o of outcomes) {
    if (o.kind === "ignored") ignored++;
    else if (o.kind === "rejected") reject(o.reason);
    else if (!Number.isFinite(o.span.occurredAt.getTime()) || o.span.occurredAt.getTime() > now + MAX_FUTURE_MS) reject("span start is more than 24 hours in the future");
    else if (o.span.occurredAt.getTime() < oldest) reject(`span older than this workspace keeps usage (${ws.retentionDays} days)`);
    else usable.push(o.span);
  }
  let written = { inserted: 0, duplicates: 0 };
  if (usable.length > 0) {
    await enforceRate(ws, usable.length);
    const slugs = new Map<string, number[]>();
    usable.forEach((s, i) => {
      if (s.project && /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(s.project)) slugs.set(s.project, [...(slugs.get(s.project) ?? []), i]);
    });
    const attr = await prepareAttribution(ws, slugs, `ingest token ${principal.tokenId} (OTLP)`, (i) => `spans.${i}`);
    // A span may not put spend on a key of another workspace (README "Keys and workspaces"): that
    // span is rejected (OTLP partial success, with the reason), the others are kept.
    const own = usable.filter((s) => {
      if (!attr.foreignKey(s.provider, s.apiKey)) return true;
      reject("span's API key belongs to another workspace of the organization; send it with that workspace's ingest token");
      return false;
    });
    const events: NormalizedEvent[] = own.map((s) => {
      const user = attr.user(s.user);
      const key = attr.key(s.provider, s.apiKey);
      return {
        orgId: ws.orgId,
        workspaceId: ws.id,
        externalId: s.externalId,
        source: s.source,
        provider: s.provider,
        model: s.model,
        projectTagId: attr.project(s.project && slugs.has(s.project) ? s.project : null),
        // The event's own user (a member) wins, else the member the key is attributed to.
        memberId: user.memberId ?? key.memberId,
        endUser: user.endUser,
        providerKeyId: key.providerKeyId,
        apiKeyRef: key.apiKeyRef,
        service: s.service,
        language: s.language,
        occurredAt: s.occurredAt,
        inputTokens: s.inputTokens,
        outputTokens: s.outputTokens,
        cachedTokens: s.cachedTokens,
        cacheWriteTokens: s.cacheWriteTokens,
        reasoningTokens: s.reasoningTokens,
        requests: 1,
        costMicros: s.costMicros,
        latencyMs: s.latencyMs,
        status: s.status,
        errorType: s.errorType,
        errorMessage: s.errorMessage,
        generationId: s.generationId,
        metadata: s.metadata,
      };
    });
    if (events.length > 0) written = await writeUsageEvents(events);
  }
  const rejected = [...reasons.values()].reduce((a, b) => a + b, 0);
  const message = [...reasons].map(([r, n]) => `${n} × ${r}`).join("; ");
  const counts: OtlpCounts = { spans: outcomes.length, accepted: written.inserted, duplicates: written.duplicates, ignored, rejected };
  const headers = { "x-tollgate-spans": `accepted=${counts.accepted} duplicates=${counts.duplicates} ignored=${ignored} rejected=${rejected}` };
  const reply: OtlpReply =
    encoding === "protobuf"
      ? { status: 200, body: encodeTraceResponse(rejected, message), contentType: "application/x-protobuf", headers }
      : {
          status: 200,
          body: JSON.stringify(rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } } : {}),
          contentType: "application/json",
          headers,
        };
  return { reply, counts };
}

// google.rpc.Code for the HTTP statuses we answer with.
const RPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

/** An OTLP/HTTP error reply: a google.rpc.Status in the request's encoding. */
export function otlpErrorReply(e: unknown, contentType: string | null): OtlpReply {
  const app = e instanceof AppError ? e : null;
  if (!app) console.error("[otlp] unhandled error", e);
  const status = app?.status ?? 500;
  const message = app?.message ?? "Internal error";
  const code = RPC_CODE[status] ?? 2;
  let proto = false;
  try {
    proto = encodingOf(contentType) === "protobuf";
  } catch {
    proto = false;
  }
  return proto
    ? { status, body: encodeRpcStatus(code, message), contentType: "application/x-protobuf", headers: app?.headers ?? {} }
    : { status, body: JSON.stringify({ code, message }), contentType: "application/json", headers: app?.headers ?? {} };
}
