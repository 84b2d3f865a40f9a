/**
 * Deterministic traffic for the fake OpenRouter: a 30-day history (several keys and models,
 * diurnal/weekly shape, cached and reasoning tokens, some failed requests) written straight into
 * the state, and slow "live" traffic sent over HTTP so limits and disabled keys apply.
 */
import { DAY_MS, historyTimes, prng, type Prng } from "@/providers/fake-http";
import { OpenRouterClient } from "./client";
import { streamChatCompletion } from "@/providers/stream-chat";
import type { FakeOpenRouterState, FakeOpenRouterKey } from "./fake-state";

export type GeneratedRequest = {
  provider: "openrouter";
  at: Date;
  keyHash: string;
  keyName: string;
  model: string;
  generationId: string | null;
  status: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costMicros: bigint;
  user: string | null;
  errorType: string | null;
};

export type OpenRouterTrafficOptions = {
  days: number;
  requestsPerDay: number;
  seed?: number;
  /** History ends here (default: now). */
  endAt?: number;
  /** Each UTC day's requests depend on the day only, not on the window (see historyTimes). */
  byDay?: boolean;
  /** Share of requests that fail upstream (not charged). Default 0.03. */
  errorRate?: number;
  /** Make sure at least this many keys exist (default 5). */
  keys?: number;
  /** Called for every generated request, failures included (e.g. to push them to Tollgate too). */
  onRequest?: (r: GeneratedRequest) => void;
};

const KEY_NAMES = ["Production backend", "Staging", "Data pipeline", "Support bot", "Research notebooks", "Eval harness", "Marketing copy", "Mobile app"];
const MODEL_WEIGHTS: Record<string, number> = {
  "openai/gpt-4o-mini": 40,
  "openai/gpt-4.1": 12,
  "anthropic/claude-sonnet-4": 14,
  "google/gemini-2.5-flash": 18,
  "deepseek/deepseek-r1": 6,
  "meta-llama/llama-3.3-70b-instruct": 10,
};
const END_USERS = Array.from({ length: 24 }, (_, i) => `user-${(i * 7919 + 1009).toString(36)}`);

/** Missing keys are spread over the account's workspaces, created by its members in turn (if any). */
export function ensureOpenRouterKeys(state: FakeOpenRouterState, count: number, createdBefore: number): FakeOpenRouterKey[] {
  const keys = [...state.keys.values()];
  const workspaces = [...state.workspaces.keys()];
  const members = [...state.members.keys()];
  for (let i = keys.length; i < count; i++) {
    keys.push(
      state.createKey({
        name: KEY_NAMES[i % KEY_NAMES.length]! + (i >= KEY_NAMES.length ? ` ${i}` : ""),
        createdAt: createdBefore - (40 + i) * DAY_MS,
        workspaceId: workspaces[i % workspaces.length],
        creatorUserId: members.length ? members[i % members.length] : null,
      }),
    );
  }
  return keys;
}

/**
 * The demo's OpenRouter account: an organization with Default, Research and Support workspaces and
 * members whose emails match the demo org's, so mapping and member matching have something to show.
 */
export function makeDemoOrganization(state: FakeOpenRouterState, memberEmails: string[]) {
  state.makeOrganization("org_tollgate_demo");
  memberEmails.forEach((email, i) => state.addMember({ email, firstName: email.split("@")[0] ?? null, role: i === 0 ? "org:admin" : "org:member" }));
  for (const name of ["Research", "Support"]) if (!state.workspace(name.toLowerCase())) state.createWorkspace({ name });
}

function tokens(r: Prng, model: string) {
  const promptTokens = Math.floor(400 * Math.exp(r.next() * 3.5));
  const completionTokens = Math.floor(100 * Math.exp(r.next() * 3));
  const cachedTokens = r.next() < 0.3 ? Math.floor(promptTokens * (0.4 + r.next() * 0.5)) : 0;
  const reasoning = /r1|sonnet|gemini/.test(model);
  const reasoningTokens = reasoning && r.next() < 0.6 ? Math.floor(completionTokens * (0.2 + r.next() * 0.4)) : 0;
  return { promptTokens, completionTokens, cachedTokens, reasoningTokens };
}

export function generateOpenRouterTraffic(state: FakeOpenRouterState, opts: OpenRouterTrafficOptions) {
  const r = prng(opts.seed ?? 7);
  const endAt = opts.endAt ?? state.now();
  const keys = ensureOpenRouterKeys(state, opts.keys ?? 5, endAt - opts.days * DAY_MS);
  const keyWeights = keys.map((k, i) => ({ value: k, weight: Math.max(1, 10 - i * 2) }));
  const models = Object.entries(MODEL_WEIGHTS).map(([value, weight]) => ({ value, weight }));
  const errorRate = opts.errorRate ?? 0.03;
  let generated = 0;
  let failed = 0;
  for (const at of historyTimes(r, { days: opts.days, endAt, requestsPerDay: opts.requestsPerDay, weekendShare: 0.45, byDay: opts.byDay })) {
    const key = r.weighted(keyWeights);
    const model = r.weighted(models);
    const t = tokens(r, model);
    const user = r.next() < 0.7 ? r.pick(END_USERS) : null;
    const base = { provider: "openrouter" as const, at: new Date(at), keyHash: key.hash, keyName: key.name, model, user, ...t };
    if (r.next() < errorRate) {
      const status = r.pick([429, 502, 400, 503]);
      const errorType = status === 429 ? "rate_limit_exceeded" : status === 400 ? "invalid_request" : "provider_unavailable";
      state.failures.push({ at, keyHash: key.hash, model, status, message: errorType });
      opts.onRequest?.({ ...base, generationId: null, status, costMicros: 0n, errorType });
      failed++;
      continue;
    }
    // About 40% streamed (chat apps stream, batch jobs don't), decided without a draw from `r`
    // so a seed keeps giving the same history.
    const gen = state.record({ keyHash: key.hash, model, createdAt: at, user, latencyMs: 300 + r.int(0, 4000), streamed: at % 10 < 4, ...t });
    opts.onRequest?.({ ...base, generationId: gen.id, status: 200, costMicros: gen.costMicros, errorType: null });
    generated++;
  }
  // Keep the account solvent: purchases cover usage plus a float, rounded to $100.
  const floor = state.totalUsageMicros() + 250_000_000n;
  if (state.totalCreditsMicros < floor) state.totalCreditsMicros = ((floor + 99_999_999n) / 100_000_000n) * 100_000_000n;
  return { generated, failed, keys: keys.map((k) => ({ hash: k.hash, name: k.name, secret: k.secret })) };
}

/**
 * Sends a chat completion every `intervalMs` through the fake's HTTP API with a random key, so
 * disabled keys get 401 and exhausted limits get 403 like real traffic would. About a third are
 * streamed (SSE, cost from the final usage chunk), as real apps do. Returns a stopper.
 */
export function startOpenRouterLiveTraffic(
  fake: { url: string; state: FakeOpenRouterState },
  opts: { intervalMs?: number; seed?: number; streamShare?: number; onResult?: (r: { keyHash: string; model: string; status: number; streamed: boolean; generationId?: string; costUsd?: number | null }) => void } = {},
) {
  const r = prng(opts.seed ?? 99);
  const models = Object.entries(MODEL_WEIGHTS).map(([value, weight]) => ({ value, weight }));
  const timer = setInterval(() => {
    const keys = [...fake.state.keys.values()];
    if (keys.length === 0) return;
    const key = r.pick(keys);
    const model = r.weighted(models);
    const body = { model, messages: [{ role: "user", content: "x".repeat(r.int(40, 4000)) }], max_tokens: r.int(50, 800), user: r.pick(END_USERS) };
    const streamed = r.next() < (opts.streamShare ?? 1 / 3);
    const done = streamed
      ? streamChatCompletion(fake.url, key.secret, body).then((res) => ({ id: res.generationId ?? res.id ?? undefined, cost: typeof res.usage?.cost === "number" ? res.usage.cost : null }))
      : new OpenRouterClient({ apiKey: key.secret, baseUrl: fake.url, maxRetries: 0 }).chatCompletion(body).then((res) => ({ id: res.id, cost: res.usage?.cost ?? null }));
    done
      .then((res) => opts.onResult?.({ keyHash: key.hash, model, status: 200, streamed, generationId: res.id, costUsd: res.cost }))
      .catch((e: { status?: number }) => opts.onResult?.({ keyHash: key.hash, model, status: e.status ?? 0, streamed }));
  }, opts.intervalMs ?? 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
