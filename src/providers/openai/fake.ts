/**
 * A local server speaking OpenAI's Administration API (admin-key auth, usage/costs buckets with
 * `next_page`, cursor lists with `after`, `{error:{message,type,param,code}}` bodies, 429 +
 * Retry-After, project hard spend limits) plus `POST /v1/chat/completions` and `/v1/embeddings`
 * for project keys, which charge the project and refuse once its spend reaches the hard limit.
 */
import { randomBytes } from "node:crypto";
import { FakeControls, startJsonServer, type FakeRequest, type FakeResponse } from "@/providers/fake-http";
import { FakeOpenAIState, type FakeProject, type FakeProjectKey } from "./fake-state";
import { generateOpenAITraffic, type OpenAITrafficOptions } from "./fake-traffic";
import { costsResponse, openAIErrorBody, usageResponse } from "./fake-usage";
import { USAGE_KINDS, type OpenAIUsageKind } from "./schemas";

export { FakeOpenAIState, FAKE_OPENAI_MODELS } from "./fake-state";
export type { FakeProject, FakeProjectKey, UsageRecord } from "./fake-state";
export { generateOpenAITraffic, startOpenAILiveTraffic } from "./fake-traffic";
export { openAIErrorBody } from "./fake-usage";

const ok = (body: unknown): FakeResponse => ({ status: 200, body });
const err = (status: number, message: string, type = "invalid_request_error", code: string | null = null, param: string | null = null): FakeResponse => ({
  status,
  body: openAIErrorBody(message, type, code, param),
});
const sec = (ms: number) => Math.floor(ms / 1000);
const redact = (secret: string) => `${secret.slice(0, 8)}...${secret.slice(-4)}`;

function projectJson(p: FakeProject) {
  return { id: p.id, object: "organization.project", name: p.name, created_at: sec(p.createdAt), archived_at: p.archivedAt === null ? null : sec(p.archivedAt), status: p.archivedAt === null ? "active" : "archived", external_key_id: null };
}

function keyJson(state: FakeOpenAIState, k: FakeProjectKey) {
  const owner =
    k.owner.type === "user"
      ? (() => {
          const u = state.users.get((k.owner as { userId: string }).userId);
          return { type: "user", user: { id: u?.id ?? "user-unknown", email: u?.email ?? "", name: u?.name ?? "", created_at: sec(u?.createdAt ?? k.createdAt), role: u?.role === "owner" ? "owner" : "member" } };
        })()
      : { type: "service_account", service_account: { id: k.owner.id, name: k.owner.name, created_at: sec(k.createdAt), role: "member" } };
  return { object: "organization.project.api_key", redacted_value: redact(k.secret), name: k.name, created_at: sec(k.createdAt), last_used_at: k.lastUsedAt === null ? null : sec(k.lastUsedAt), id: k.id, owner_project_access: "active", owner };
}

function spendLimitJson(p: FakeProject) {
  return { object: "project.spend_limit", threshold_amount: p.spendLimitCents ?? 0, currency: "USD", interval: "month", enforcement: { status: p.spendLimitCents === null ? "inactive" : "enforcing" } };
}

/** `{object:"list", data, first_id, last_id, has_more}` paged with `limit` (1–100, default 20) and `after`. */
function listPage<T extends { id: string }>(items: T[], q: URLSearchParams, render: (t: T) => unknown): FakeResponse {
  const limitRaw = q.get("limit");
  const limit = limitRaw === null ? 20 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return err(400, "Invalid 'limit': must be between 1 and 100.", "invalid_request_error", null, "limit");
  const after = q.get("after");
  let from = 0;
  if (after) {
    const i = items.findIndex((t) => t.id === after);
    if (i < 0) return err(400, `Invalid 'after': no object with id '${after}'.`, "invalid_request_error", null, "after");
    from = i + 1;
  }
  const slice = items.slice(from, from + limit);
  return ok({ object: "list", data: slice.map(render), first_id: slice[0]?.id ?? null, last_id: slice.at(-1)?.id ?? null, has_more: from + limit < items.length });
}

type InferenceBody = { model?: unknown; messages?: unknown; input?: unknown; max_tokens?: unknown; max_completion_tokens?: unknown; stream?: unknown; stream_options?: unknown; encoding_format?: unknown; fake_usage?: unknown };

/** A deterministic 8-dimension vector; `base64` is little-endian float32 bytes, as the SDK decodes it. */
function embedding(text: string, format: "float" | "base64"): number[] | string {
  const v = Array.from({ length: 8 }, (_, i) => Math.fround(Math.sin(text.length + i) / 4));
  if (format === "float") return v;
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString("base64");
}

/**
 * SSE chunks of a chat completion. Every chunk has `usage: null`; with
 * `stream_options.include_usage` one more chunk with `choices: []` and the usage comes last
 * (reference provider-updates-2026-12.md §4).
 */
function chatStream(head: Record<string, unknown>, text: string, usage: unknown, includeUsage: boolean): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) => JSON.stringify({ ...head, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });
  const frames = [chunk({ role: "assistant", content: "", refusal: null }, null), ...text.split(/(?<= )/).map((w) => chunk({ content: w }, null)), chunk({}, "stop")];
  if (includeUsage) frames.push(JSON.stringify({ ...head, object: "chat.completion.chunk", choices: [], usage }));
  return frames;
}

function inference(state: FakeOpenAIState, req: FakeRequest, endpoint: "chat" | "embeddings"): FakeResponse {
  const invalidKey = () => err(401, `Incorrect API key provided: ${req.bearer ? redact(req.bearer) : "(none)"}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key");
  if (!req.bearer) return err(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", null);
  if (state.isAdminKey(req.bearer) !== "no") return err(401, "Admin API keys cannot be used for non-administration endpoints.", "invalid_request_error", "invalid_api_key");
  const key = state.keyBySecret(req.bearer);
  const project = key ? state.projects.get(key.projectId) : undefined;
  if (!key || !project || project.archivedAt !== null) return invalidKey();
  const body = (req.body ?? {}) as InferenceBody;
  if (typeof body.model !== "string") return err(400, "you must provide a model parameter", "invalid_request_error", null, "model");
  const model = state.model(body.model);
  const wantKind = endpoint === "chat" ? "completions" : "embeddings";
  if (!model || model.kind !== wantKind) return err(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, "invalid_request_error", "model_not_found");
  // Hard spend limit: once month-to-date spend has reached the threshold, refuse (the request that
  // crosses it is still served, as "enforcement is not instantaneous").
  if (state.isOverSpendLimit(project.id)) {
    // Retrying can't help until someone raises the limit: `x-should-retry: false` stops the SDK's
    // two automatic retries (the fake's choice; real-API use is unconfirmed, reference §4).
    const refused = err(429, "You have exceeded the hard spend limit configured for this project. Raise or remove the limit in your project's settings to continue.", "insufficient_quota", "project_spend_limit_exceeded");
    return { ...refused, headers: { "x-should-retry": "false" } };
  }
  const h = ((typeof body.fake_usage === "object" && body.fake_usage) || {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);
  const owner = key.owner.type === "user" ? key.owner.userId : null;
  if (endpoint === "embeddings") {
    const text = Array.isArray(body.input) ? body.input.join(" ") : String(body.input ?? "");
    const inputTokens = n(h.prompt_tokens) ?? Math.max(1, Math.ceil(text.length / 4));
    const format = body.encoding_format ?? "float";
    if (format !== "float" && format !== "base64") return err(400, "Invalid value for 'encoding_format': expected 'float' or 'base64'.", "invalid_request_error", null, "encoding_format");
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? "")];
    state.record({ projectId: project.id, apiKeyId: key.id, userId: owner, model: model.id, inputTokens });
    return ok({ object: "list", data: inputs.map((t, index) => ({ object: "embedding", index, embedding: embedding(t, format) })), model: model.id, usage: { prompt_tokens: inputTokens, total_tokens: inputTokens } });
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) return err(400, "'messages' must contain at least one message.", "invalid_request_error", null, "messages");
  const chars = (body.messages as { content?: unknown }[]).reduce((s, m) => s + (typeof m.content === "string" ? m.content.length : 0), 0);
  const promptTokens = n(h.prompt_tokens) ?? Math.max(1, Math.ceil(chars / 4)) + 3 * body.messages.length;
  const maxTokens = n(body.max_completion_tokens) ?? n(body.max_tokens) ?? 256;
  const completionTokens = n(h.completion_tokens) ?? Math.min(maxTokens, state.rng.int(16, 220));
  const cachedTokens = Math.min(n(h.cached_tokens) ?? 0, promptTokens);
  const reasoningTokens = Math.min(n(h.reasoning_tokens) ?? (model.reasoning ? Math.floor(completionTokens * 0.4) : 0), completionTokens);
  const rec = state.record({ projectId: project.id, apiKeyId: key.id, userId: owner, model: model.id, inputTokens: promptTokens, outputTokens: completionTokens, cachedTokens, reasoningTokens });
  const head = { id: `chatcmpl-${state.rng.id(29)}`, created: sec(rec.at), model: model.id, service_tier: "default", system_fingerprint: "fp_tollgate_fake" };
  const text = "This is a response from the Tollgate fake OpenAI.";
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
  if (body.stream === true) {
    const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    return { status: 200, sse: chatStream(head, text, usage, includeUsage) };
  }
  return ok({ ...head, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }], usage });
}

function spendLimitBody(body: unknown): { ok: true; cents: number } | { ok: false; res: FakeResponse } {
  const b = (body ?? {}) as Record<string, unknown>;
  const t = b.threshold_amount;
  if (typeof t !== "number" || !Number.isInteger(t) || t < 1) return { ok: false, res: err(400, "Invalid 'threshold_amount': expected an integer number of cents >= 1.", "invalid_request_error", null, "threshold_amount") };
  if (b.currency !== "USD") return { ok: false, res: err(400, "Invalid 'currency': only 'USD' is supported.", "invalid_request_error", null, "currency") };
  if (b.interval !== "month") return { ok: false, res: err(400, "Invalid 'interval': only 'month' is supported.", "invalid_request_error", null, "interval") };
  return { ok: true, cents: t };
}

export function handleOpenAI(state: FakeOpenAIState, req: FakeRequest): FakeResponse {
  const { method, path, query } = req;
  if (method === "POST" && path === "/chat/completions") return inference(state, req, "chat");
  if (method === "POST" && path === "/embeddings") return inference(state, req, "embeddings");
  if (!path.startsWith("/organization/")) return err(404, `Invalid URL (${method} /v1${path})`, "invalid_request_error");

  const admin = state.isAdminKey(req.bearer);
  if (admin !== "valid") {
    if (!req.bearer) return err(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
    if (admin === "invalid" || !state.keyBySecret(req.bearer)) return err(401, `Incorrect API key provided: ${redact(req.bearer)}. You can find your API key at https://platform.openai.com/account/api-keys.`, "invalid_request_error", "invalid_api_key");
    return err(403, "You have insufficient permissions for this operation. Missing scopes: api.management.read. Admin API keys are required for administration endpoints.", "invalid_request_error", "insufficient_permissions");
  }

  const usage = /^\/organization\/usage\/([a-z_]+)$/.exec(path);
  if (method === "GET" && usage) {
    const kind = usage[1] as OpenAIUsageKind;
    if (!USAGE_KINDS.includes(kind)) return err(404, `Invalid URL (GET /v1${path})`);
    return usageResponse(state, kind, query);
  }
  if (method === "GET" && path === "/organization/costs") return costsResponse(state, query);

  if (path === "/organization/projects") {
    if (method === "GET") {
      const all = [...state.projects.values()].filter((p) => query.get("include_archived") === "true" || p.archivedAt === null).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
      return listPage(all, query, projectJson);
    }
    if (method === "POST") {
      const name = (req.body as { name?: unknown } | undefined)?.name;
      if (typeof name !== "string" || !name) return err(400, "Missing required parameter: 'name'.", "invalid_request_error", null, "name");
      return ok(projectJson(state.createProject({ name })));
    }
  }
  const proj = /^\/organization\/projects\/([^/]+)(\/.*)?$/.exec(path);
  if (proj) {
    const project = state.projects.get(decodeURIComponent(proj[1]!));
    if (!project) return err(404, `No such project: '${proj[1]}'`, "invalid_request_error", "not_found");
    const rest = proj[2] ?? "";
    if (rest === "" && method === "GET") return ok(projectJson(project));
    if (rest === "/archive" && method === "POST") {
      project.archivedAt ??= state.now();
      return ok(projectJson(project));
    }
    if (rest === "/api_keys" && method === "GET") {
      const keys = [...state.apiKeys.values()].filter((k) => k.projectId === project.id).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
      return listPage(keys, query, (k) => keyJson(state, k));
    }
    const keyPath = /^\/api_keys\/([^/]+)$/.exec(rest);
    if (keyPath) {
      const key = state.apiKeys.get(decodeURIComponent(keyPath[1]!));
      if (!key || key.projectId !== project.id) return err(404, `No such API key: '${keyPath[1]}'`, "invalid_request_error", "not_found");
      if (method === "GET") return ok(keyJson(state, key));
      if (method === "DELETE") {
        if (key.owner.type === "service_account") return err(400, "Service account keys cannot be deleted directly; delete the service account instead.");
        state.deleteApiKey(key.id);
        return ok({ object: "organization.project.api_key.deleted", id: key.id, deleted: true });
      }
    }
    if (rest === "/spend_limit") {
      if (method === "GET") return ok(spendLimitJson(project));
      if (method === "POST") {
        const parsed = spendLimitBody(req.body);
        if (!parsed.ok) return parsed.res;
        project.spendLimitCents = parsed.cents;
        return ok(spendLimitJson(project));
      }
      if (method === "DELETE") {
        project.spendLimitCents = null;
        return ok({ object: "project.spend_limit.deleted", deleted: true });
      }
    }
  }
  return err(404, `Invalid URL (${method} /v1${path})`);
}

export type FakeOpenAI = {
  /** Base URL including /v1, e.g. http://127.0.0.1:4020/v1 */
  url: string;
  port: number;
  state: FakeOpenAIState;
  controls: FakeControls;
  generateTraffic(opts: OpenAITrafficOptions): ReturnType<typeof generateOpenAITraffic>;
  close(): Promise<void>;
};

export async function startFakeOpenAI(opts: { port?: number; host?: string; seed?: number; now?: () => number; adminKey?: string } = {}): Promise<FakeOpenAI> {
  const state = new FakeOpenAIState({ seed: opts.seed, now: opts.now, adminKey: opts.adminKey });
  const controls = new FakeControls();
  const server = await startJsonServer({
    port: opts.port,
    host: opts.host,
    prefix: "/v1",
    controls,
    now: () => state.now(),
    handle: (req) => handleOpenAI(state, req),
    // The SDK exposes it as `response._request_id` and `APIError.requestID`.
    responseHeaders: () => ({ "x-request-id": `req_${randomBytes(16).toString("hex")}` }),
    errorBody: (status, message, kind) =>
      kind === "rate_limit" ? openAIErrorBody(`Rate limit reached for requests. ${message}. Please try again later.`, "requests", "rate_limit_exceeded") : openAIErrorBody(message, status >= 500 ? "server_error" : "invalid_request_error"),
  });
  return { url: server.url, port: server.port, state, controls, generateTraffic: (o) => generateOpenAITraffic(state, o), close: server.close };
}
