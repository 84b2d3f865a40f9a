/**
 * A local server speaking OpenRouter's API (paths, bearer auth with management vs inference keys,
 * offset pagination, `{error:{code,message}}` bodies, 429 + Retry-After, key disable, per-key
 * credit limits). Tests, the demo and the alerts benchmark use it in place of openrouter.ai.
 */
import { microsToDecimalString } from "@/lib/money";
import { DAY_MS, FakeControls, isoDate, startJsonServer, utcDayStart, type FakeRequest, type FakeResponse } from "@/providers/fake-http";
import { FakeOpenRouterState, type FakeOpenRouterKey, type LimitReset } from "./fake-state";
import { generateOpenRouterTraffic, type OpenRouterTrafficOptions } from "./fake-traffic";

export { FakeOpenRouterState, FAKE_OPENROUTER_MODELS } from "./fake-state";
export type { FakeOpenRouterKey, FakeGeneration } from "./fake-state";
export { generateOpenRouterTraffic, startOpenRouterLiveTraffic } from "./fake-traffic";

const usd = (micros: bigint) => Number(microsToDecimalString(micros));
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function openRouterErrorBody(status: number, message: string, metadata?: Record<string, unknown>) {
  return { error: { code: status, message, ...(metadata ? { metadata } : {}) }, user_id: null };
}
const fail = (status: number, message: string, headers?: Record<string, string>): FakeResponse => ({ status, body: openRouterErrorBody(status, message), headers });
const ok = (body: unknown, status = 200): FakeResponse => ({ status, body });

const LIMIT_RESETS = ["daily", "weekly", "monthly"];

export function keyJson(state: FakeOpenRouterState, k: FakeOpenRouterKey) {
  const remaining = state.limitRemainingMicros(k);
  return {
    hash: k.hash,
    name: k.name,
    label: k.label,
    disabled: k.disabled,
    limit: k.limit,
    limit_remaining: remaining === null ? null : usd(remaining),
    limit_reset: k.limitReset,
    include_byok_in_limit: k.includeByokInLimit,
    usage: usd(state.usageMicros(k.hash, "total")),
    usage_daily: usd(state.usageMicros(k.hash, "daily")),
    usage_weekly: usd(state.usageMicros(k.hash, "weekly")),
    usage_monthly: usd(state.usageMicros(k.hash, "monthly")),
    byok_usage: 0,
    byok_usage_daily: 0,
    byok_usage_weekly: 0,
    byok_usage_monthly: 0,
    created_at: iso(k.createdAt),
    updated_at: k.updatedAt === null ? null : iso(k.updatedAt),
    creator_user_id: k.creatorUserId,
    workspace_id: k.workspaceId,
    expires_at: null,
  };
}

function modelJson(m: FakeOpenRouterState["models"][number]) {
  const tokenizer = m.id.startsWith("openai/") ? "GPT" : m.id.startsWith("anthropic/") ? "Claude" : m.id.startsWith("google/") ? "Gemini" : m.id.startsWith("deepseek/") ? "DeepSeek" : "Llama3";
  return {
    id: m.id,
    canonical_slug: m.permaslug,
    name: m.name,
    created: 1_720_000_000,
    description: `${m.name} (served by the Tollgate fake)`,
    context_length: m.contextLength,
    architecture: { modality: "text->text", input_modalities: ["text"], output_modalities: ["text"], tokenizer, instruct_type: null },
    pricing: { request: "0", image: "0", ...m.pricing },
    top_provider: { context_length: m.contextLength, max_completion_tokens: 16_384, is_moderated: m.provider === "OpenAI" },
    per_request_limits: null,
    supported_parameters: m.reasoning ? ["max_tokens", "temperature", "reasoning", "include_reasoning"] : ["max_tokens", "temperature", "top_p"],
    default_parameters: null,
    supported_voices: null,
    expiration_date: null,
    knowledge_cutoff: null,
    links: { details: `/api/v1/models/${m.id}/endpoints` },
  };
}

type ChatBody = { model?: unknown; messages?: unknown; max_tokens?: unknown; user?: unknown; fake_usage?: unknown };

/** Deterministic token counts for a request; `fake_usage` (non-standard) lets tests pin them. */
function tokensFor(state: FakeOpenRouterState, body: ChatBody, reasoningModel: boolean) {
  const hint = (typeof body.fake_usage === "object" && body.fake_usage) || {};
  const h = hint as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined);
  const messages = Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : [];
  const chars = messages.reduce((s, m) => s + (typeof m.content === "string" ? m.content.length : 0), 0);
  const promptTokens = n(h.prompt_tokens) ?? Math.max(1, Math.ceil(chars / 4)) + 4 * messages.length;
  const maxTokens = n(body.max_tokens) ?? 256;
  const completionTokens = n(h.completion_tokens) ?? Math.min(maxTokens, state.rng.int(16, 220));
  const reasoningTokens = n(h.reasoning_tokens) ?? (reasoningModel ? Math.floor(completionTokens * 0.3) : 0);
  return {
    promptTokens,
    completionTokens,
    reasoningTokens: Math.min(reasoningTokens, completionTokens),
    cachedTokens: Math.min(n(h.cached_tokens) ?? 0, promptTokens),
    cacheWriteTokens: n(h.cache_write_tokens) ?? 0,
  };
}

function chat(state: FakeOpenRouterState, req: FakeRequest): FakeResponse {
  if (!req.bearer) return fail(401, "No auth credentials found");
  if (state.isManagementKey(req.bearer) !== "no") return fail(403, "Management keys cannot be used to make API calls to the completion endpoints");
  const key = state.keyBySecret(req.bearer);
  if (!key) return fail(401, "User not found.");
  if (key.disabled) return fail(401, "API key is disabled");
  const body = (req.body ?? {}) as ChatBody;
  if (typeof body.model !== "string" || !body.model) return fail(400, "model is required");
  if (!Array.isArray(body.messages) || body.messages.length === 0) return fail(400, "messages must be a non-empty array");
  const model = state.model(body.model);
  if (!model) return fail(400, `${body.model} is not a valid model ID`);
  const t = tokensFor(state, body, model.reasoning);
  const cost = state.costMicros(model, t);
  if (state.totalCreditsMicros - state.totalUsageMicros() < cost) return fail(402, "Insufficient credits. Add more using https://openrouter.ai/credits");
  // Refuse the request that would cross the key's credit limit (zero overshoot when limits are synced).
  if (key.limit !== null) {
    const remaining = state.limitRemainingMicros(key) ?? 0n;
    if (cost > remaining) {
      const which = key.limitReset ? `${key.limitReset} limit` : "total limit";
      state.failures.push({ at: state.now(), keyHash: key.hash, model: model.id, status: 403, message: "Key limit exceeded" });
      return fail(403, `Key limit exceeded (${which}). Manage it using https://openrouter.ai/settings/keys`);
    }
  }
  const gen = state.record({ keyHash: key.hash, model: model.id, user: typeof body.user === "string" ? body.user : null, latencyMs: 400 + state.rng.int(0, 1600), ...t });
  const costUsd = usd(gen.costMicros);
  return ok({
    id: gen.id,
    provider: model.provider,
    model: model.id,
    object: "chat.completion",
    created: Math.floor(gen.createdAt / 1000),
    choices: [{ index: 0, logprobs: null, finish_reason: "stop", native_finish_reason: "stop", message: { role: "assistant", content: "This is a response from the Tollgate fake OpenRouter.", refusal: null, reasoning: null } }],
    usage: {
      prompt_tokens: t.promptTokens,
      completion_tokens: t.completionTokens,
      total_tokens: t.promptTokens + t.completionTokens,
      cost: costUsd,
      is_byok: false,
      prompt_tokens_details: { cached_tokens: t.cachedTokens, cache_write_tokens: t.cacheWriteTokens, audio_tokens: 0, video_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: t.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0, upstream_inference_completions_cost: 0 },
    },
  });
}

function parsePatch(body: unknown): { ok: true; patch: Parameters<FakeOpenRouterState["updateKey"]>[1] } | { ok: false; message: string } {
  if (!body || typeof body !== "object") return { ok: false, message: "Request body must be a JSON object" };
  const b = body as Record<string, unknown>;
  const patch: Parameters<FakeOpenRouterState["updateKey"]>[1] = {};
  if ("disabled" in b) {
    if (typeof b.disabled !== "boolean") return { ok: false, message: "disabled must be a boolean" };
    patch.disabled = b.disabled;
  }
  if ("limit" in b) {
    if (b.limit !== null && (typeof b.limit !== "number" || b.limit < 0)) return { ok: false, message: "limit must be a non-negative number or null" };
    patch.limit = b.limit as number | null;
  }
  if ("limit_reset" in b) {
    if (b.limit_reset !== null && !LIMIT_RESETS.includes(b.limit_reset as string)) return { ok: false, message: "limit_reset must be daily, weekly, monthly or null" };
    patch.limitReset = b.limit_reset as LimitReset;
  }
  if ("name" in b) {
    if (typeof b.name !== "string" || !b.name) return { ok: false, message: "name must be a non-empty string" };
    patch.name = b.name;
  }
  if ("include_byok_in_limit" in b) {
    if (typeof b.include_byok_in_limit !== "boolean") return { ok: false, message: "include_byok_in_limit must be a boolean" };
    patch.includeByokInLimit = b.include_byok_in_limit;
  }
  return { ok: true, patch };
}

function requireManagement(state: FakeOpenRouterState, req: FakeRequest): FakeResponse | null {
  if (!req.bearer) return fail(401, "Missing Authentication header");
  const m = state.isManagementKey(req.bearer);
  if (m === "valid") return null;
  if (m === "invalid") return fail(401, "User not found.");
  if (state.keyBySecret(req.bearer)) return fail(403, "Only management keys can perform this operation");
  return fail(401, "User not found.");
}

export function handleOpenRouter(state: FakeOpenRouterState, req: FakeRequest): FakeResponse {
  const { method, path, query } = req;
  if (method === "GET" && path === "/models") {
    const all = state.models.map((m) => modelJson(m));
    const offset = Number(query.get("offset") ?? 0);
    const limit = query.get("limit") ? Number(query.get("limit")) : undefined;
    const slice = limit === undefined && !query.get("offset") ? all : all.slice(offset, offset + (limit ?? 500));
    const nextOffset = offset + slice.length;
    const next = limit !== undefined && nextOffset < all.length ? `/api/v1/models?offset=${nextOffset}&limit=${limit}` : null;
    return ok({ data: slice, total_count: all.length, links: { next } });
  }
  if (method === "POST" && path === "/chat/completions") return chat(state, req);

  if (method === "GET" && path === "/key") {
    if (!req.bearer) return fail(401, "Missing Authentication header");
    const m = state.isManagementKey(req.bearer);
    if (m === "valid") {
      return ok({ data: { label: `${req.bearer.slice(0, 11)}...${req.bearer.slice(-3)}`, limit: null, limit_remaining: null, limit_reset: null, include_byok_in_limit: false, usage: 0, usage_daily: 0, usage_weekly: 0, usage_monthly: 0, byok_usage: 0, byok_usage_daily: 0, byok_usage_weekly: 0, byok_usage_monthly: 0, is_free_tier: false, is_management_key: true, is_provisioning_key: true, creator_user_id: null, expires_at: null, rate_limit: { requests: -1, interval: "10s", note: "This field is deprecated and safe to ignore." } } });
    }
    const key = state.keyBySecret(req.bearer);
    if (!key || key.disabled) return fail(401, "User not found.");
    const j = keyJson(state, key);
    return ok({ data: { label: j.label, limit: j.limit, limit_remaining: j.limit_remaining, limit_reset: j.limit_reset, include_byok_in_limit: j.include_byok_in_limit, usage: j.usage, usage_daily: j.usage_daily, usage_weekly: j.usage_weekly, usage_monthly: j.usage_monthly, byok_usage: 0, byok_usage_daily: 0, byok_usage_weekly: 0, byok_usage_monthly: 0, is_free_tier: false, is_management_key: false, is_provisioning_key: false, creator_user_id: key.creatorUserId, expires_at: null, rate_limit: { requests: -1, interval: "10s", note: "This field is deprecated and safe to ignore." } } });
  }

  if (method === "GET" && path === "/generation") {
    if (!req.bearer) return fail(401, "Missing Authentication header");
    if (state.isManagementKey(req.bearer) === "invalid" || (state.isManagementKey(req.bearer) === "no" && !state.keyBySecret(req.bearer))) return fail(401, "User not found.");
    const id = query.get("id");
    if (!id) return fail(400, "id is required");
    const g = state.generations.get(id);
    if (!g) return fail(404, `Generation ${id} not found`);
    const model = state.model(g.model)!;
    const cost = usd(g.costMicros);
    return ok({
      data: {
        id: g.id, request_id: `req-${Math.floor(g.createdAt / 1000)}-${g.id.slice(4, 24)}`, session_id: null, upstream_id: `chatcmpl-${g.id.slice(4)}`,
        model: g.model, provider_name: model.provider, router: null, api_type: "completions", created_at: new Date(g.createdAt).toISOString(),
        total_cost: cost, usage: cost, upstream_inference_cost: null, cache_discount: null, is_byok: false,
        tokens_prompt: g.promptTokens, tokens_completion: g.completionTokens,
        native_tokens_prompt: g.promptTokens, native_tokens_completion: g.completionTokens, native_tokens_reasoning: g.reasoningTokens, native_tokens_cached: g.cachedTokens, native_tokens_completion_images: 0,
        num_media_prompt: 0, num_media_completion: 0, num_input_audio_prompt: 0, num_search_results: 0, num_fetches: 0,
        latency: g.latencyMs, generation_time: Math.round(g.latencyMs * 0.9), moderation_latency: null,
        finish_reason: "stop", native_finish_reason: "stop", streamed: false, cancelled: false, app_id: null, external_user: g.user,
        origin: "", http_referer: null, user_agent: "tollgate-fake", preset_id: null, service_tier: null, web_search_engine: null,
        data_region: "global", workspace_id: state.workspaceId, provider_responses: null,
      },
    });
  }

  const denied = requireManagement(state, req);
  if (denied) return denied;

  if (method === "GET" && path === "/credits") {
    return ok({ data: { total_credits: usd(state.totalCreditsMicros), total_usage: usd(state.totalUsageMicros()) } });
  }
  if (method === "GET" && path === "/activity") {
    const date = query.get("date") ?? undefined;
    if (date !== undefined) {
      const today = utcDayStart(state.now());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || date < isoDate(today - 30 * DAY_MS) || date >= isoDate(today)) return fail(400, "date must be a YYYY-MM-DD UTC date within the last 30 completed days");
    }
    const rows = state.activity({ date, keyHash: query.get("api_key_hash") ?? undefined });
    return ok({
      data: rows.map((r) => {
        const m = state.model(r.model)!;
        return { date: r.date, model: r.model, model_permaslug: m.permaslug, endpoint_id: state.endpointId(m.id), provider_name: m.provider, usage: usd(r.costMicros), byok_usage_inference: 0, requests: r.requests, prompt_tokens: r.prompt, completion_tokens: r.completion, reasoning_tokens: r.reasoning };
      }),
    });
  }
  if (method === "GET" && path === "/keys") {
    const offsetRaw = query.get("offset");
    if (offsetRaw !== null && !/^\d+$/.test(offsetRaw)) return fail(400, "offset must be a non-negative integer");
    const includeDisabled = query.get("include_disabled") === "true";
    const ws = query.get("workspace_id");
    const keys = [...state.keys.values()]
      .filter((k) => (includeDisabled || !k.disabled) && (!ws || k.workspaceId === ws))
      .sort((a, b) => b.createdAt - a.createdAt || a.hash.localeCompare(b.hash));
    const offset = Number(offsetRaw ?? 0);
    return ok({ data: keys.slice(offset, offset + 100).map((k) => keyJson(state, k)) });
  }
  if (method === "POST" && path === "/keys") {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.name !== "string" || !b.name) return fail(400, "name is required");
    const parsed = parsePatch({ ...b, name: b.name });
    if (!parsed.ok) return fail(400, parsed.message);
    const key = state.createKey({ name: b.name, limit: parsed.patch.limit ?? null, limitReset: parsed.patch.limitReset ?? null, includeByokInLimit: parsed.patch.includeByokInLimit, creatorUserId: typeof b.creator_user_id === "string" ? b.creator_user_id : null });
    return ok({ data: keyJson(state, key), key: key.secret }, 201);
  }
  const keyPath = /^\/keys\/([^/]+)$/.exec(path);
  if (keyPath) {
    const hash = decodeURIComponent(keyPath[1]!);
    const key = state.getKey(hash);
    if (!key) return fail(404, "API key not found");
    if (method === "GET") return ok({ data: keyJson(state, key) });
    if (method === "DELETE") {
      state.deleteKey(hash);
      return ok({ deleted: true });
    }
    if (method === "PATCH") {
      const parsed = parsePatch(req.body);
      if (!parsed.ok) return fail(400, parsed.message);
      return ok({ data: keyJson(state, state.updateKey(hash, parsed.patch)!) });
    }
  }
  return fail(404, `No route for ${method} ${path}`);
}

export type FakeOpenRouter = {
  /** Base URL including /api/v1, e.g. http://127.0.0.1:4010/api/v1 */
  url: string;
  port: number;
  state: FakeOpenRouterState;
  controls: FakeControls;
  /** Fills history (keys, generations) for the last `days` days; see OpenRouterTrafficOptions. */
  generateTraffic(opts: OpenRouterTrafficOptions): ReturnType<typeof generateOpenRouterTraffic>;
  close(): Promise<void>;
};

export async function startFakeOpenRouter(opts: { port?: number; host?: string; seed?: number; now?: () => number; managementKey?: string } = {}): Promise<FakeOpenRouter> {
  const state = new FakeOpenRouterState({ seed: opts.seed, now: opts.now, managementKey: opts.managementKey });
  const controls = new FakeControls();
  const server = await startJsonServer({
    port: opts.port,
    host: opts.host,
    prefix: "/api/v1",
    controls,
    now: () => state.now(),
    handle: (req) => handleOpenRouter(state, req),
    errorBody: (status, message) => openRouterErrorBody(status, message, status === 429 ? { error_type: "rate_limit_exceeded" } : undefined),
    rateLimitExempt: (path) => path === "/models",
  });
  return {
    url: server.url,
    port: server.port,
    state,
    controls,
    generateTraffic: (o) => generateOpenRouterTraffic(state, o),
    close: server.close,
  };
}
