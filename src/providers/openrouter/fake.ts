/**
 * A local server speaking OpenRouter's API (paths, bearer auth with management vs inference keys,
 * offset pagination, `{error:{code,message}}` bodies, 429 + Retry-After, key disable, per-key
 * credit limits). Tests, the demo and the alerts benchmark use it in place of openrouter.ai.
 */
import { microsToDecimalString } from "@/lib/money";
import { DAY_MS, FakeControls, isoDate, startJsonServer, utcDayStart, type FakeRequest, type FakeResponse } from "@/providers/fake-http";
import { FakeOpenRouterState, type FakeOpenRouterKey, type LimitReset } from "./fake-state";
import { generateOpenRouterTraffic, type OpenRouterTrafficOptions } from "./fake-traffic";
import { handleChat, openRouterErrorBody } from "./fake-chat";
import { handleOrg } from "./fake-org";

export { FakeOpenRouterState, FAKE_OPENROUTER_MODELS } from "./fake-state";
export type { FakeOpenRouterKey, FakeGeneration, FakeMember, FakeWorkspace } from "./fake-state";
export { openRouterErrorBody } from "./fake-chat";
export { generateOpenRouterTraffic, makeDemoOrganization, startOpenRouterLiveTraffic } from "./fake-traffic";

const usd = (micros: bigint) => Number(microsToDecimalString(micros));
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

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
    external_user: k.externalUser,
    workspace_id: k.workspaceId,
    expires_at: null,
  };
}

const RATE_LIMIT = { requests: -1, interval: "10s", note: "This field is deprecated and safe to ignore." };

/** `GET /key`: the calling key (management or inference), with the fields SDK 1.3.19 requires. */
function currentKeyJson(state: FakeOpenRouterState, secret: string, key: FakeOpenRouterKey | undefined) {
  const account = { allowed_data_regions: ["global"], organization_id: state.organizationId, rate_limit: RATE_LIMIT, expires_at: null };
  if (!key) {
    const zero = { usage: 0, usage_daily: 0, usage_weekly: 0, usage_monthly: 0, byok_usage: 0, byok_usage_daily: 0, byok_usage_weekly: 0, byok_usage_monthly: 0 };
    // Management keys are account-level; the fake reports the Default workspace for them.
    return { label: `${secret.slice(0, 11)}...${secret.slice(-3)}`, limit: null, limit_remaining: null, limit_reset: null, include_byok_in_limit: false, ...zero, is_free_tier: false, is_management_key: true, is_provisioning_key: true, creator_user_id: null, workspace_id: state.workspaceId, free_model_daily_requests: { limit: 1000, remaining: 1000, used: 0 }, ...account };
  }
  const j = keyJson(state, key);
  const used = [...state.generations.values()].filter((g) => g.keyHash === key.hash && g.createdAt >= utcDayStart(state.now()) && g.model.endsWith(":free")).length;
  return {
    label: j.label, limit: j.limit, limit_remaining: j.limit_remaining, limit_reset: j.limit_reset, include_byok_in_limit: j.include_byok_in_limit,
    usage: j.usage, usage_daily: j.usage_daily, usage_weekly: j.usage_weekly, usage_monthly: j.usage_monthly,
    byok_usage: 0, byok_usage_daily: 0, byok_usage_weekly: 0, byok_usage_monthly: 0,
    is_free_tier: false, is_management_key: false, is_provisioning_key: false, creator_user_id: key.creatorUserId,
    workspace_id: state.workspaces.has(key.workspaceId) ? key.workspaceId : null,
    free_model_daily_requests: { limit: 1000, remaining: 1000 - used, used },
    ...account,
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
  if (method === "POST" && path === "/chat/completions") return handleChat(state, req);

  if (method === "GET" && path === "/key") {
    if (!req.bearer) return fail(401, "Missing Authentication header");
    const m = state.isManagementKey(req.bearer);
    if (m === "valid") return ok({ data: currentKeyJson(state, req.bearer, undefined) });
    const key = state.keyBySecret(req.bearer);
    if (!key || key.disabled) return fail(401, "User not found.");
    return ok({ data: currentKeyJson(state, req.bearer, key) });
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
        finish_reason: "stop", native_finish_reason: "stop", streamed: g.streamed, cancelled: false, app_id: null, external_user: g.user,
        origin: "", http_referer: null, user_agent: "tollgate-fake", preset_id: null, service_tier: null, web_search_engine: null,
        data_region: "global", workspace_id: g.workspaceId, provider_responses: null,
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
    const groupBy = query.get("group_by");
    if (groupBy !== null && groupBy !== "workspace") return fail(400, "group_by must be workspace");
    const rows = state.activity({ date, keyHash: query.get("api_key_hash") ?? undefined, workspaceId: query.get("workspace_id") ?? undefined, groupByWorkspace: groupBy === "workspace" });
    return ok({
      data: rows.map((r) => {
        const m = state.model(r.model)!;
        return { date: r.date, model: r.model, model_permaslug: m.permaslug, endpoint_id: state.endpointId(m.id), provider_name: m.provider, usage: usd(r.costMicros), byok_usage_inference: 0, requests: r.requests, prompt_tokens: r.prompt, completion_tokens: r.completion, reasoning_tokens: r.reasoning, ...(groupBy ? { workspace_id: r.workspaceId } : {}) };
      }),
    });
  }
  if (method === "GET" && path === "/keys") {
    const offsetRaw = query.get("offset");
    if (offsetRaw !== null && !/^\d+$/.test(offsetRaw)) return fail(400, "offset must be a non-negative integer");
    const includeDisabled = query.get("include_disabled") === "true";
    // Without workspace_id, only the Default workspace's keys (reference provider-updates §2).
    const ws = query.get("workspace_id") ?? state.workspaceId;
    if (!state.workspace(ws)) return fail(404, "Workspace not found");
    const wsId = state.workspace(ws)!.id;
    const keys = [...state.keys.values()]
      .filter((k) => (includeDisabled || !k.disabled) && k.workspaceId === wsId)
      .sort((a, b) => b.createdAt - a.createdAt || a.hash.localeCompare(b.hash));
    const offset = Number(offsetRaw ?? 0);
    return ok({ data: keys.slice(offset, offset + 100).map((k) => keyJson(state, k)) });
  }
  if (method === "POST" && path === "/keys") {
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b.name !== "string" || !b.name) return fail(400, "name is required");
    const parsed = parsePatch({ ...b, name: b.name });
    if (!parsed.ok) return fail(400, parsed.message);
    const ws = b.workspace_id === undefined ? state.workspaceId : typeof b.workspace_id === "string" ? state.workspace(b.workspace_id)?.id : undefined;
    if (!ws) return fail(400, "workspace_id must be the id of a workspace of this account");
    const ext = b.external as { user?: unknown } | undefined;
    if (ext !== undefined && (typeof ext !== "object" || ext === null || typeof ext.user !== "string" || !ext.user)) return fail(400, "external.user is required");
    const key = state.createKey({ name: b.name, limit: parsed.patch.limit ?? null, limitReset: parsed.patch.limitReset ?? null, includeByokInLimit: parsed.patch.includeByokInLimit, creatorUserId: typeof b.creator_user_id === "string" ? b.creator_user_id : null, workspaceId: ws, externalUser: ext?.user as string | undefined });
    return ok({ data: keyJson(state, key), key: key.secret }, 201);
  }
  const org = handleOrg(state, req);
  if (org) return org;
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
