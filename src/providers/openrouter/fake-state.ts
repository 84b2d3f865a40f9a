/**
 * In-memory state of the fake OpenRouter: accounts keys, generations and credits the way the
 * real API reports them (reference openrouter-api.md). Money is kept in micro-USD internally and
 * rendered as USD floats at the edge, like OpenRouter does.
 */
import { createHash } from "node:crypto";
import { usdToMicros } from "@/lib/money";
import { DAY_MS, isoDate, picoPerToken, picoToMicros, prng, utcDayStart, type Prng } from "@/providers/fake-http";

export type FakeModel = {
  id: string;
  permaslug: string;
  name: string;
  provider: string;
  contextLength: number;
  reasoning: boolean;
  /** USD per token as decimal strings, exactly as /models publishes them. */
  pricing: { prompt: string; completion: string; input_cache_read?: string; input_cache_write?: string; request?: string };
};

export const FAKE_OPENROUTER_MODELS: FakeModel[] = [
  { id: "openai/gpt-4o-mini", permaslug: "openai/gpt-4o-mini-2024-07-18", name: "OpenAI: GPT-4o-mini", provider: "OpenAI", contextLength: 128_000, reasoning: false, pricing: { prompt: "0.00000015", completion: "0.0000006", input_cache_read: "0.000000075" } },
  { id: "openai/gpt-4.1", permaslug: "openai/gpt-4.1-2025-04-14", name: "OpenAI: GPT-4.1", provider: "OpenAI", contextLength: 1_047_576, reasoning: false, pricing: { prompt: "0.000002", completion: "0.000008", input_cache_read: "0.0000005" } },
  { id: "anthropic/claude-sonnet-4", permaslug: "anthropic/claude-4-sonnet-20250522", name: "Anthropic: Claude Sonnet 4", provider: "Anthropic", contextLength: 200_000, reasoning: true, pricing: { prompt: "0.000003", completion: "0.000015", input_cache_read: "0.0000003", input_cache_write: "0.00000375" } },
  { id: "google/gemini-2.5-flash", permaslug: "google/gemini-2.5-flash", name: "Google: Gemini 2.5 Flash", provider: "Google", contextLength: 1_048_576, reasoning: true, pricing: { prompt: "0.0000003", completion: "0.0000025", input_cache_read: "0.000000075" } },
  { id: "deepseek/deepseek-r1", permaslug: "deepseek/deepseek-r1", name: "DeepSeek: R1", provider: "DeepInfra", contextLength: 163_840, reasoning: true, pricing: { prompt: "0.0000004", completion: "0.000002" } },
  { id: "meta-llama/llama-3.3-70b-instruct", permaslug: "meta-llama/llama-3.3-70b-instruct", name: "Meta: Llama 3.3 70B Instruct", provider: "Together", contextLength: 131_072, reasoning: false, pricing: { prompt: "0.00000013", completion: "0.0000004" } },
];

export type LimitReset = "daily" | "weekly" | "monthly" | null;

export type FakeOpenRouterKey = {
  hash: string;
  secret: string;
  name: string;
  label: string;
  disabled: boolean;
  /** USD, null = unlimited. */
  limit: number | null;
  limitReset: LimitReset;
  includeByokInLimit: boolean;
  createdAt: number;
  updatedAt: number | null;
  workspaceId: string;
  creatorUserId: string | null;
  /** Partner's end-user identifier (`external.user` at creation). */
  externalUser: string | null;
};

/** An OpenRouter workspace (reference §8.3, SDK `models/workspace.js`). */
export type FakeWorkspace = { id: string; name: string; slug: string; description: string | null; createdAt: number; createdBy: string | null };

/** An organization member (`GET /organization/members`). `id` is what keys carry as `creator_user_id`. */
export type FakeMember = { id: string; email: string; firstName: string | null; lastName: string | null; role: "org:admin" | "org:member" };

export type FakeGeneration = {
  id: string;
  keyHash: string;
  model: string;
  createdAt: number;
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  costMicros: bigint;
  latencyMs: number;
  user: string | null;
  /** The workspace the key spent in when the generation happened. */
  workspaceId: string;
  /** Answered as SSE (`/generation` reports `streamed`). */
  streamed: boolean;
};

export type TokenCounts = { promptTokens: number; completionTokens: number; reasoningTokens?: number; cachedTokens?: number; cacheWriteTokens?: number };

type Agg = { requests: number; prompt: number; completion: number; reasoning: number; costMicros: bigint };

const uuidFrom = (r: Prng) => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`;

export class FakeOpenRouterState {
  now: () => number;
  readonly rng: Prng;
  readonly models = FAKE_OPENROUTER_MODELS;
  /** The Default workspace (slug "default"); `GET /keys` without `workspace_id` lists only it. */
  readonly workspaceId: string;
  readonly workspaces = new Map<string, FakeWorkspace>();
  readonly members = new Map<string, FakeMember>();
  /** null = an individual account (no organization); see `makeOrganization`. */
  organizationId: string | null = null;
  readonly managementKeys = new Map<string, { valid: boolean }>();
  readonly keys = new Map<string, FakeOpenRouterKey>();
  readonly generations = new Map<string, FakeGeneration>();
  /** Requests the generator or the inference endpoint refused or failed (never charged). */
  readonly failures: { at: number; keyHash: string; model: string; status: number; message: string }[] = [];
  totalCreditsMicros = 1_000_000_000n;
  private readonly bySecret = new Map<string, string>();
  private readonly lifetime = new Map<string, bigint>();
  // keyHash → dayStart → micro-USD, for the daily/weekly/monthly windows.
  private readonly daily = new Map<string, Map<number, bigint>>();
  // `${date}|${keyHash}|${model}|${workspaceId}` → activity aggregate.
  private readonly activityAgg = new Map<string, Agg>();
  private primaryManagementKey: string;
  private genCounter = 0;

  constructor(opts: { seed?: number; now?: () => number; managementKey?: string } = {}) {
    this.rng = prng(opts.seed ?? 42);
    this.now = opts.now ?? Date.now;
    this.workspaceId = uuidFrom(this.rng);
    this.workspaces.set(this.workspaceId, { id: this.workspaceId, name: "Default Workspace", slug: "default", description: null, createdAt: this.now(), createdBy: null });
    this.primaryManagementKey = this.addManagementKey(opts.managementKey);
  }

  /** Turns the account into an organization (what `/key` reports as `organization_id`). */
  makeOrganization(id = `org_${this.rng.id(24)}`): string {
    this.organizationId = id;
    return id;
  }

  createWorkspace(input: { name: string; slug?: string; description?: string | null; createdBy?: string | null }): FakeWorkspace {
    const slug = input.slug ?? input.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    if ([...this.workspaces.values()].some((w) => w.slug === slug)) throw new Error(`Workspace slug ${slug} is taken`);
    const ws: FakeWorkspace = { id: uuidFrom(this.rng), name: input.name, slug, description: input.description ?? null, createdAt: this.now(), createdBy: input.createdBy ?? null };
    this.workspaces.set(ws.id, ws);
    return ws;
  }

  /** By id or slug, like `/workspaces/{id-or-slug}`. */
  workspace(idOrSlug: string): FakeWorkspace | undefined {
    return this.workspaces.get(idOrSlug) ?? [...this.workspaces.values()].find((w) => w.slug === idOrSlug);
  }

  addMember(input: { email: string; firstName?: string | null; lastName?: string | null; role?: FakeMember["role"] }): FakeMember {
    const m: FakeMember = { id: `user_${this.rng.id(27)}`, email: input.email, firstName: input.firstName ?? null, lastName: input.lastName ?? null, role: input.role ?? "org:member" };
    this.members.set(m.id, m);
    return m;
  }

  /** Moves a key to another workspace (its later spend lands there; past spend stays). */
  moveKey(hash: string, workspaceId: string) {
    const k = this.keys.get(hash);
    if (!k || !this.workspaces.has(workspaceId)) throw new Error("Unknown key or workspace");
    k.workspaceId = workspaceId;
    k.updatedAt = this.now();
  }

  get managementKey(): string {
    return this.primaryManagementKey;
  }

  addManagementKey(secret = `sk-or-v1-${this.rng.hex(64)}`): string {
    this.managementKeys.set(secret, { valid: true });
    return secret;
  }

  /** Makes a management key answer 401 from now on (a revoked key). */
  invalidateManagementKey(secret = this.primaryManagementKey, valid = false) {
    const k = this.managementKeys.get(secret);
    if (k) k.valid = valid;
  }

  isManagementKey(secret: string | null): "valid" | "invalid" | "no" {
    if (!secret) return "no";
    const k = this.managementKeys.get(secret);
    return !k ? "no" : k.valid ? "valid" : "invalid";
  }

  createKey(input: { name: string; limit?: number | null; limitReset?: LimitReset; disabled?: boolean; includeByokInLimit?: boolean; createdAt?: number; creatorUserId?: string | null; workspaceId?: string; externalUser?: string | null }): FakeOpenRouterKey {
    const secret = `sk-or-v1-${this.rng.hex(64)}`;
    const hash = createHash("sha256").update(secret).digest("hex");
    const key: FakeOpenRouterKey = {
      hash,
      secret,
      name: input.name,
      label: `${secret.slice(0, 11)}...${secret.slice(-3)}`,
      disabled: input.disabled ?? false,
      limit: input.limit ?? null,
      limitReset: input.limitReset ?? null,
      includeByokInLimit: input.includeByokInLimit ?? false,
      createdAt: input.createdAt ?? this.now(),
      updatedAt: null,
      workspaceId: input.workspaceId ?? this.workspaceId,
      creatorUserId: input.creatorUserId ?? null,
      externalUser: input.externalUser ?? null,
    };
    this.keys.set(hash, key);
    this.bySecret.set(secret, hash);
    return key;
  }

  getKey(hash: string): FakeOpenRouterKey | undefined {
    return this.keys.get(hash);
  }

  keyBySecret(secret: string | null): FakeOpenRouterKey | undefined {
    const hash = secret ? this.bySecret.get(secret) : undefined;
    return hash ? this.keys.get(hash) : undefined;
  }

  deleteKey(hash: string): boolean {
    const k = this.keys.get(hash);
    if (!k) return false;
    this.keys.delete(hash);
    this.bySecret.delete(k.secret);
    return true;
  }

  isDisabled(hash: string): boolean {
    return this.keys.get(hash)?.disabled ?? false;
  }

  updateKey(hash: string, patch: { disabled?: boolean; limit?: number | null; limitReset?: LimitReset; name?: string; includeByokInLimit?: boolean }) {
    const k = this.keys.get(hash);
    if (!k) return undefined;
    if (patch.disabled !== undefined) k.disabled = patch.disabled;
    if (patch.limit !== undefined) k.limit = patch.limit;
    if (patch.limitReset !== undefined) k.limitReset = patch.limitReset;
    if (patch.name !== undefined) k.name = patch.name;
    if (patch.includeByokInLimit !== undefined) k.includeByokInLimit = patch.includeByokInLimit;
    k.updatedAt = this.now();
    return k;
  }

  setCredits(totalUsd: number) {
    this.totalCreditsMicros = usdToMicros(totalUsd);
  }

  /** Start of the key's limit window (UTC; weeks start Monday), or 0 for lifetime. */
  windowStart(reset: LimitReset | "total", at = this.now()): number {
    const day = utcDayStart(at);
    if (reset === "daily") return day;
    if (reset === "weekly") return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
    if (reset === "monthly") {
      const d = new Date(at);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    return 0;
  }

  /**
   * Test control: the key's running counters start again from zero (what a key re-created under
   * the same hash, or a provider-side correction, looks like to a reader of `GET /keys`).
   * Generations and /activity are untouched.
   */
  resetUsage(hash: string) {
    this.lifetime.delete(hash);
    this.daily.delete(hash);
  }

  /** Spend of one key in micro-USD: lifetime, or since the start of a UTC window. */
  usageMicros(hash: string, window: LimitReset | "total" = "total", at = this.now()): bigint {
    if (window === "total" || window === null) return this.lifetime.get(hash) ?? 0n;
    const start = this.windowStart(window, at);
    let sum = 0n;
    for (const [day, micros] of this.daily.get(hash) ?? []) if (day >= start && day <= at) sum += micros;
    return sum;
  }

  /** Remaining limit in micro-USD for the key's own window, null when unlimited. */
  limitRemainingMicros(key: FakeOpenRouterKey, at = this.now()): bigint | null {
    if (key.limit === null) return null;
    const left = usdToMicros(key.limit) - this.usageMicros(key.hash, key.limitReset ?? "total", at);
    return left > 0n ? left : 0n;
  }

  totalUsageMicros(): bigint {
    let sum = 0n;
    for (const v of this.lifetime.values()) sum += v;
    return sum;
  }

  model(id: string): FakeModel | undefined {
    return this.models.find((m) => m.id === id || m.permaslug === id);
  }

  /** OpenRouter's charge: uncached prompt + cache reads + cache writes + completion (reasoning is billed inside completion). */
  costMicros(model: FakeModel, t: TokenCounts): bigint {
    const p = model.pricing;
    const cached = t.cachedTokens ?? 0;
    const written = t.cacheWriteTokens ?? 0;
    const uncached = Math.max(0, t.promptTokens - cached - written);
    const pico =
      BigInt(uncached) * picoPerToken(p.prompt) +
      BigInt(cached) * picoPerToken(p.input_cache_read ?? p.prompt) +
      BigInt(written) * picoPerToken(p.input_cache_write ?? p.prompt) +
      BigInt(t.completionTokens) * picoPerToken(p.completion) +
      picoPerToken(p.request ?? "0");
    return picoToMicros(pico);
  }

  /** Appends a charged generation (no checks: the caller decided it is allowed). */
  record(input: { keyHash: string; model: string; createdAt?: number; user?: string | null; latencyMs?: number; streamed?: boolean } & TokenCounts): FakeGeneration {
    const model = this.model(input.model);
    if (!model) throw new Error(`Unknown fake model ${input.model}`);
    const gen: FakeGeneration = {
      id: `gen-${this.now().toString(36)}${(++this.genCounter).toString(36)}${this.rng.id(12)}`,
      keyHash: input.keyHash,
      model: model.id,
      createdAt: input.createdAt ?? this.now(),
      promptTokens: input.promptTokens,
      completionTokens: input.completionTokens,
      reasoningTokens: input.reasoningTokens ?? 0,
      cachedTokens: input.cachedTokens ?? 0,
      cacheWriteTokens: input.cacheWriteTokens ?? 0,
      costMicros: this.costMicros(model, input),
      latencyMs: input.latencyMs ?? 800,
      user: input.user ?? null,
      workspaceId: this.keys.get(input.keyHash)?.workspaceId ?? this.workspaceId,
      streamed: input.streamed ?? false,
    };
    this.generations.set(gen.id, gen);
    this.lifetime.set(gen.keyHash, (this.lifetime.get(gen.keyHash) ?? 0n) + gen.costMicros);
    const days = this.daily.get(gen.keyHash) ?? new Map<number, bigint>();
    const day = utcDayStart(gen.createdAt);
    days.set(day, (days.get(day) ?? 0n) + gen.costMicros);
    this.daily.set(gen.keyHash, days);
    const aggKey = `${isoDate(gen.createdAt)}|${gen.keyHash}|${gen.model}|${gen.workspaceId}`;
    const agg = this.activityAgg.get(aggKey) ?? { requests: 0, prompt: 0, completion: 0, reasoning: 0, costMicros: 0n };
    agg.requests++;
    agg.prompt += gen.promptTokens;
    agg.completion += gen.completionTokens;
    agg.reasoning += gen.reasoningTokens;
    agg.costMicros += gen.costMicros;
    this.activityAgg.set(aggKey, agg);
    return gen;
  }

  /**
   * /activity rows: the last 30 completed UTC days (today excluded), per date and model, and per
   * workspace with `groupByWorkspace` (`workspaceId` is "" otherwise).
   */
  activity(opts: { date?: string; keyHash?: string; workspaceId?: string; groupByWorkspace?: boolean } = {}) {
    const today = utcDayStart(this.now());
    const first = isoDate(today - 30 * DAY_MS);
    const last = isoDate(today - DAY_MS);
    const rows = new Map<string, Agg & { date: string; model: string; workspaceId: string }>();
    for (const [k, agg] of this.activityAgg) {
      const [date = "", keyHash, model = "", ws = ""] = k.split("|");
      if (date < first || date > last) continue;
      if (opts.date && date !== opts.date) continue;
      if (opts.keyHash && keyHash !== opts.keyHash) continue;
      if (opts.workspaceId && ws !== opts.workspaceId) continue;
      const workspaceId = opts.groupByWorkspace ? ws : "";
      const rowKey = `${date}|${model}|${workspaceId}`;
      const row = rows.get(rowKey) ?? { date, model, workspaceId, requests: 0, prompt: 0, completion: 0, reasoning: 0, costMicros: 0n };
      row.requests += agg.requests;
      row.prompt += agg.prompt;
      row.completion += agg.completion;
      row.reasoning += agg.reasoning;
      row.costMicros += agg.costMicros;
      rows.set(rowKey, row);
    }
    return [...rows.values()].sort((a, b) => a.date.localeCompare(b.date) || a.model.localeCompare(b.model) || a.workspaceId.localeCompare(b.workspaceId));
  }

  endpointId(modelId: string): string {
    const h = createHash("sha256").update(`endpoint:${modelId}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
