/**
 * `POST /chat/completions` of the fake OpenRouter, non-streaming and streaming, in the shapes the
 * official SDK parses (reference provider-updates-2026-12.md §3): `system_fingerprint` present
 * (nullable) on the result; SSE with `: OPENROUTER PROCESSING` comments, chunks without null
 * `usage`/`system_fingerprint`, a final `choices: []` chunk carrying `usage` (with `cost`), then
 * `[DONE]`; `X-Generation-Id` on the response.
 */
import { microsToDecimalString } from "@/lib/money";
import type { FakeRequest, FakeResponse } from "@/providers/fake-http";
import type { FakeGeneration, FakeModel, FakeOpenRouterState, TokenCounts } from "./fake-state";

type ChatBody = { model?: unknown; messages?: unknown; max_tokens?: unknown; user?: unknown; stream?: unknown; fake_usage?: unknown };

const usd = (micros: bigint) => Number(microsToDecimalString(micros));
const REPLY = "This is a response from the Tollgate fake OpenRouter.";

export function openRouterErrorBody(status: number, message: string, metadata?: Record<string, unknown>) {
  return { error: { code: status, message, ...(metadata ? { metadata } : {}) }, user_id: null };
}
const fail = (status: number, message: string): FakeResponse => ({ status, body: openRouterErrorBody(status, message) });

/** Deterministic token counts for a request; `fake_usage` (non-standard) lets tests pin them. */
function tokensFor(state: FakeOpenRouterState, body: ChatBody, reasoningModel: boolean): Required<TokenCounts> {
  const h = ((typeof body.fake_usage === "object" && body.fake_usage) || {}) as Record<string, unknown>;
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

function usageJson(gen: FakeGeneration) {
  return {
    prompt_tokens: gen.promptTokens,
    completion_tokens: gen.completionTokens,
    total_tokens: gen.promptTokens + gen.completionTokens,
    cost: usd(gen.costMicros),
    is_byok: false,
    // Ints, never null: the SDK's schema rejects null here (unlike OpenAI's).
    prompt_tokens_details: { cached_tokens: gen.cachedTokens, cache_write_tokens: gen.cacheWriteTokens, audio_tokens: 0, video_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: gen.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0, upstream_inference_completions_cost: 0 },
  };
}

function streamFrames(gen: FakeGeneration, model: FakeModel): string[] {
  const head = { id: gen.id, provider: model.provider, model: model.id, object: "chat.completion.chunk", created: Math.floor(gen.createdAt / 1000) };
  const words = REPLY.split(/(?<= )/);
  const chunk = (delta: Record<string, unknown>, finish: string | null) => JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }] });
  return [
    ": OPENROUTER PROCESSING",
    chunk({ role: "assistant", content: "" }, null),
    ...words.map((w) => chunk({ role: "assistant", content: w }, null)),
    chunk({ role: "assistant", content: "" }, "stop"),
    JSON.stringify({ ...head, choices: [], usage: usageJson(gen) }),
  ];
}

export function handleChat(state: FakeOpenRouterState, req: FakeRequest): FakeResponse {
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
  const user = typeof body.user === "string" ? body.user : key.externalUser;
  const gen = state.record({ keyHash: key.hash, model: model.id, user, latencyMs: 400 + state.rng.int(0, 1600), streamed: body.stream === true, ...t });
  const headers = { "x-generation-id": gen.id };
  if (body.stream === true) return { status: 200, headers, sse: streamFrames(gen, model) };
  return {
    status: 200,
    headers,
    body: {
      id: gen.id,
      provider: model.provider,
      model: model.id,
      object: "chat.completion",
      created: Math.floor(gen.createdAt / 1000),
      system_fingerprint: null,
      choices: [{ index: 0, logprobs: null, finish_reason: "stop", native_finish_reason: "stop", message: { role: "assistant", content: REPLY, refusal: null, reasoning: null } }],
      usage: usageJson(gen),
    },
  };
}
