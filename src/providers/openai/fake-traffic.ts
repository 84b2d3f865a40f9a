/**
 * Deterministic traffic for the fake OpenAI: users, projects and project keys, then a 30-day
 * history of completions (with cached and reasoning tokens), embeddings, moderations, images and
 * speech, written straight into the state; plus slow live traffic over HTTP.
 */
import { DAY_MS, historyTimes, prng, type Prng } from "@/providers/fake-http";
import { streamChatCompletion } from "@/providers/stream-chat";
import { OpenAIAdminClient } from "./client";
import type { FakeOpenAIState, FakeProjectKey } from "./fake-state";

export type GeneratedOpenAIRequest = {
  provider: "openai";
  at: Date;
  projectId: string;
  apiKeyId: string;
  userId: string | null;
  model: string;
  status: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costMicros: bigint;
  errorType: string | null;
};

export type OpenAITrafficOptions = {
  days: number;
  requestsPerDay: number;
  seed?: number;
  endAt?: number;
  /** Each UTC day's requests depend on the day only, not on the window (see historyTimes). */
  byDay?: boolean;
  /** Share of requests that fail (not recorded as usage). Default 0.03. */
  errorRate?: number;
  onRequest?: (r: GeneratedOpenAIRequest) => void;
};

const USERS = [
  { name: "Ada Lovelace", email: "ada@example.com", role: "owner" as const },
  { name: "Grace Hopper", email: "grace@example.com", role: "reader" as const },
  { name: "Alan Turing", email: "alan@example.com", role: "reader" as const },
  { name: "Katherine Johnson", email: "katherine@example.com", role: "reader" as const },
];
const PROJECTS = ["Default project", "Customer support", "Search", "Internal tools"];
const KIND_WEIGHTS = [
  { value: "gpt-4o-mini-2024-07-18", weight: 45 },
  { value: "gpt-4o-2024-08-06", weight: 15 },
  { value: "gpt-4.1-2025-04-14", weight: 12 },
  { value: "o3-mini-2025-01-31", weight: 8 },
  { value: "text-embedding-3-small", weight: 10 },
  { value: "text-embedding-3-large", weight: 3 },
  { value: "omni-moderation-2024-09-26", weight: 4 },
  { value: "gpt-image-1", weight: 1.5 },
  { value: "tts-1", weight: 1.5 },
];

/** Users, projects and two keys per project (one user-owned, one service account), if missing. */
export function ensureOpenAIOrg(state: FakeOpenAIState, createdBefore: number): FakeProjectKey[] {
  if (state.users.size === 0) USERS.forEach((u, i) => state.createUser({ ...u, createdAt: createdBefore - (90 + i) * DAY_MS }));
  const users = [...state.users.values()];
  if (state.projects.size === 0) {
    PROJECTS.forEach((name, i) => {
      const p = state.createProject({ name, createdAt: createdBefore - (60 + i) * DAY_MS });
      state.createApiKey(p.id, { name: `${name} – ${users[i % users.length]!.name.split(" ")[0]}`, userId: users[i % users.length]!.id, createdAt: p.createdAt + DAY_MS });
      state.createApiKey(p.id, { name: `${name} service`, serviceAccountName: `${name.toLowerCase().replace(/\s+/g, "-")}-svc`, createdAt: p.createdAt + 2 * DAY_MS });
    });
  }
  return [...state.apiKeys.values()];
}

function usageFor(r: Prng, model: string) {
  if (model.startsWith("text-embedding") || model.startsWith("omni-moderation")) return { inputTokens: Math.floor(50 * Math.exp(r.next() * 4)) };
  if (model === "gpt-image-1") return { images: r.int(1, 4) };
  if (model === "tts-1") return { characters: r.int(80, 3000) };
  const inputTokens = Math.floor(500 * Math.exp(r.next() * 3.5));
  const outputTokens = Math.floor(100 * Math.exp(r.next() * 3));
  const cachedTokens = r.next() < 0.35 ? Math.floor(inputTokens * (0.3 + r.next() * 0.6)) : 0;
  const reasoningTokens = model.startsWith("o3") ? Math.floor(outputTokens * (0.3 + r.next() * 0.5)) : 0;
  return { inputTokens, outputTokens, cachedTokens, reasoningTokens };
}

export function generateOpenAITraffic(state: FakeOpenAIState, opts: OpenAITrafficOptions) {
  const r = prng(opts.seed ?? 11);
  const endAt = opts.endAt ?? state.now();
  const keys = ensureOpenAIOrg(state, endAt - opts.days * DAY_MS);
  const keyWeights = keys.map((k, i) => ({ value: k, weight: Math.max(1, 8 - i) }));
  const errorRate = opts.errorRate ?? 0.03;
  let generated = 0;
  let failed = 0;
  for (const at of historyTimes(r, { days: opts.days, endAt, requestsPerDay: opts.requestsPerDay, weekendShare: 0.4, byDay: opts.byDay })) {
    const key = r.weighted(keyWeights);
    const model = r.weighted(KIND_WEIGHTS);
    const u = usageFor(r, model);
    const userId = key.owner.type === "user" ? key.owner.userId : null;
    const base = { provider: "openai" as const, at: new Date(at), projectId: key.projectId, apiKeyId: key.id, userId, model, inputTokens: u.inputTokens ?? 0, outputTokens: u.outputTokens ?? 0, cachedTokens: u.cachedTokens ?? 0, reasoningTokens: u.reasoningTokens ?? 0 };
    if (r.next() < errorRate) {
      const status = r.pick([429, 500, 400]);
      opts.onRequest?.({ ...base, status, costMicros: 0n, errorType: status === 429 ? "rate_limit_exceeded" : status === 400 ? "invalid_request_error" : "server_error" });
      failed++;
      continue;
    }
    const rec = state.record({ at, projectId: key.projectId, apiKeyId: key.id, userId, model, batch: r.next() < 0.05, ...u });
    opts.onRequest?.({ ...base, status: 200, costMicros: rec.costMicros, errorType: null });
    generated++;
  }
  return { generated, failed, projects: [...state.projects.values()].map((p) => ({ id: p.id, name: p.name })), keys: keys.map((k) => ({ id: k.id, projectId: k.projectId, name: k.name, secret: k.secret })) };
}

/**
 * A chat completion every `intervalMs` with a random project key, over HTTP; about a third are
 * streamed with `stream_options.include_usage`, as real apps do. Returns a stopper.
 */
export function startOpenAILiveTraffic(
  fake: { url: string; state: FakeOpenAIState },
  opts: { intervalMs?: number; seed?: number; streamShare?: number; onResult?: (r: { apiKeyId: string; projectId: string; model: string; status: number; streamed: boolean; usage?: unknown }) => void } = {},
) {
  const r = prng(opts.seed ?? 101);
  const models = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "o3-mini"];
  const timer = setInterval(() => {
    const keys = [...fake.state.apiKeys.values()];
    if (keys.length === 0) return;
    const key = r.pick(keys);
    const model = r.pick(models);
    const body = { model, messages: [{ role: "user", content: "y".repeat(r.int(40, 4000)) }], max_tokens: r.int(50, 800) };
    const streamed = r.next() < (opts.streamShare ?? 1 / 3);
    const done = streamed ? streamChatCompletion(fake.url, key.secret, body) : new OpenAIAdminClient({ apiKey: key.secret, baseUrl: fake.url, maxRetries: 0 }).chatCompletion(body);
    done
      .then((res) => opts.onResult?.({ apiKeyId: key.id, projectId: key.projectId, model, status: 200, streamed, usage: res.usage }))
      .catch((e: { status?: number }) => opts.onResult?.({ apiKeyId: key.id, projectId: key.projectId, model, status: e.status ?? 0, streamed }));
  }, opts.intervalMs ?? 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
