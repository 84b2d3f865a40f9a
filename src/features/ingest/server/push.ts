import { AppError, badRequest, zodIssues, type Issue } from "@/server/errors";
import { nowMs } from "@/lib/clock";
import { costToMicros } from "../cost";
import { MAX_EVENTS_PER_BATCH, PushBatch, type PushEvent, type PushResult } from "../schemas";
import { fastParsePushBatch } from "../fast-validate";
import type { NormalizedEvent } from "../types";
import { authenticateIngestToken, type IngestPrincipal } from "./tokens";
import { getWorkspaceInfo, oldestAcceptedMs, prepareAttribution, type WorkspaceInfo } from "./attribution";
import { readLimitedBody } from "./body";
import { checkIngestRate } from "./rate-limit";
import { writeUsageEvents } from "./write-events";

export type IngestHttpRequest = {
  authorization: string | null;
  contentEncoding: string | null;
  contentLength: string | null;
  body: ReadableStream<Uint8Array> | null;
};

const DAY_MS = 86_400_000;
/** Timestamps this far ahead are refused: they are almost always a unit or clock bug. */
const MAX_FUTURE_MS = DAY_MS;
const MAX_ISSUES = 100;

/**
 * POST /api/v1/usage: token → body (≤ 1 MiB, gzip ok) → ≤ 1,000 events → rate limit →
 * validate EVERY event (any invalid one rejects the whole batch, nothing written) →
 * attribute → write events + rollups in one committed statement → counts.
 */
export async function ingestPushRequest(req: IngestHttpRequest): Promise<PushResult> {
  const principal = await authenticateIngestToken(req.authorization);
  const ws = await getWorkspaceInfo(principal.workspaceId);
  const raw = await readLimitedBody(req.body, req);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest('Body must be JSON: {"events": [ … ]}');
  }
  const n = eventCount(json);
  if (n > MAX_EVENTS_PER_BATCH) {
    throw new AppError(413, "too_many_events", `A request holds at most ${MAX_EVENTS_PER_BATCH.toLocaleString("en-US")} events; this one has ${n}. Split it into smaller batches.`);
  }
  await enforceRate(ws, Math.max(1, n));
  // Well-formed batches take the zod-equivalent fast path; anything else gets zod's verdict.
  let batch = fastParsePushBatch(json);
  if (!batch) {
    const parsed = PushBatch.safeParse(json);
    if (!parsed.success) throw rejected(zodIssues(parsed.error));
    batch = parsed.data;
  }
  const events = await normalizePushEvents(ws, principal, batch.events);
  const result = await writeUsageEvents(events);
  return { accepted: result.inserted, duplicates: result.duplicates };
}

export async function enforceRate(ws: WorkspaceInfo, events: number) {
  const rate = await checkIngestRate(ws.id, events, ws.ingestRateLimit);
  if (!rate.allowed) {
    throw new AppError(
      429,
      "rate_limited",
      `This workspace may ingest ${ws.ingestRateLimit.toLocaleString("en-US")} events per second; retry after ${rate.retryAfterSeconds} s`,
      undefined,
      { "Retry-After": String(rate.retryAfterSeconds) },
    );
  }
}

function eventCount(json: unknown): number {
  if (json && typeof json === "object" && Array.isArray((json as { events?: unknown }).events)) {
    return (json as { events: unknown[] }).events.length;
  }
  return 0;
}

function rejected(issues: Issue[]): AppError {
  const first = issues[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ""}${first.message}` : "invalid batch";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return badRequest(`Batch rejected, nothing was written. ${summary}${more}`, issues.slice(0, MAX_ISSUES));
}

/** Validated wire events → NormalizedEvents with attribution (or a 400 listing every problem). */
export async function normalizePushEvents(ws: WorkspaceInfo, principal: IngestPrincipal, input: PushEvent[]): Promise<NormalizedEvent[]> {
  const now = nowMs();
  const oldest = oldestAcceptedMs(ws, now);
  const issues: Issue[] = [];
  const times = new Array<number>(input.length);
  const slugs = new Map<string, number[]>();
  for (let i = 0; i < input.length; i++) {
    const e = input[i]!;
    const t = Date.parse(e.timestamp);
    times[i] = t;
    // Events older than the workspace keeps raw events are refused: once retention deleted
    // an id, accepting it again would count it twice.
    if (t < oldest) issues.push({ path: `events.${i}.timestamp`, message: `timestamp is older than this workspace keeps usage (${ws.retentionDays} days, and nothing before what retention already deleted)` });
    else if (t > now + MAX_FUTURE_MS) issues.push({ path: `events.${i}.timestamp`, message: "timestamp is more than 24 hours in the future" });
    if (e.project) {
      const list = slugs.get(e.project);
      if (list) list.push(i);
      else slugs.set(e.project, [i]);
    }
  }
  if (issues.length > 0) throw rejected(issues);
  const keyRefs: { provider: PushEvent["provider"]; value: string; path: string }[] = [];
  for (let i = 0; i < input.length; i++) {
    const k = input[i]!.api_key;
    if (k) keyRefs.push({ provider: input[i]!.provider, value: k, path: `events.${i}.api_key` });
  }
  const attr = await prepareAttribution(ws, slugs, `ingest token ${principal.tokenId}`, (i) => `events.${i}.project`, keyRefs);
  const out = new Array<NormalizedEvent>(input.length);
  for (let i = 0; i < input.length; i++) {
    const e = input[i]!;
    const user = attr.user(e.user);
    const key = attr.key(e.provider, e.api_key);
    out[i] = {
      orgId: ws.orgId,
      workspaceId: ws.id,
      externalId: e.id,
      source: "push",
      provider: e.provider,
      model: e.model,
      projectTagId: attr.project(e.project),
      // The event's own user (a member) wins, else the member the key is attributed to.
      memberId: user.memberId ?? key.memberId,
      endUser: user.endUser,
      providerKeyId: key.providerKeyId,
      apiKeyRef: key.apiKeyRef,
      service: e.service ?? null,
      language: e.language ?? null,
      occurredAt: new Date(times[i]!),
      inputTokens: e.input_tokens ?? 0,
      outputTokens: e.output_tokens ?? 0,
      cachedTokens: e.cached_tokens ?? 0,
      cacheWriteTokens: e.cache_write_tokens ?? 0,
      reasoningTokens: e.reasoning_tokens ?? 0,
      requests: 1,
      costMicros: e.cost_usd === null || e.cost_usd === undefined ? null : costToMicros(e.cost_usd),
      latencyMs: e.latency_ms ?? null,
      status: e.status ?? 200,
      errorType: e.error?.type ?? null,
      errorMessage: e.error?.message ?? null,
      generationId: e.generation_id ?? null,
      metadata: e.metadata ?? null,
    };
  }
  return out;
}
