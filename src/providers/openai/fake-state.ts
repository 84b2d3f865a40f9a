/**
 * In-memory state of the fake OpenAI organisation: projects, project API keys, users, hard spend
 * limits and a log of usage records from which the Usage and Costs APIs are aggregated.
 * Money is micro-USD internally, USD floats at the edge (as OpenAI reports it).
 */
import { picoToMicros, prng, type Prng } from "@/providers/fake-http";
import type { OpenAIUsageKind } from "./schemas";

/** USD per 1M tokens (images: per image; tts: per 1M characters), from OpenAI's public price list. */
export type FakeOpenAIModel = { id: string; aliases: string[]; kind: OpenAIUsageKind; input: number; cachedInput?: number; output?: number; perUnit?: number; reasoning?: boolean };

export const FAKE_OPENAI_MODELS: FakeOpenAIModel[] = [
  { id: "gpt-4o-mini-2024-07-18", aliases: ["gpt-4o-mini"], kind: "completions", input: 0.15, cachedInput: 0.075, output: 0.6 },
  { id: "gpt-4o-2024-08-06", aliases: ["gpt-4o"], kind: "completions", input: 2.5, cachedInput: 1.25, output: 10 },
  { id: "gpt-4.1-2025-04-14", aliases: ["gpt-4.1"], kind: "completions", input: 2, cachedInput: 0.5, output: 8 },
  { id: "o3-mini-2025-01-31", aliases: ["o3-mini"], kind: "completions", input: 1.1, cachedInput: 0.55, output: 4.4, reasoning: true },
  { id: "text-embedding-3-small", aliases: [], kind: "embeddings", input: 0.02 },
  { id: "text-embedding-3-large", aliases: [], kind: "embeddings", input: 0.13 },
  { id: "omni-moderation-2024-09-26", aliases: ["omni-moderation-latest"], kind: "moderations", input: 0 },
  { id: "gpt-image-1", aliases: [], kind: "images", input: 0, perUnit: 0.04 },
  { id: "tts-1", aliases: [], kind: "audio_speeches", input: 0, perUnit: 15 },
];

export type FakeProject = { id: string; name: string; createdAt: number; archivedAt: number | null; spendLimitCents: number | null };
export type FakeUser = { id: string; email: string; name: string; role: "owner" | "reader"; createdAt: number };
export type FakeProjectKey = {
  id: string;
  projectId: string;
  secret: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  owner: { type: "user"; userId: string } | { type: "service_account"; id: string; name: string };
};

export type LineItem = { item: string; micros: bigint; quantity: number; unit: string };
export type UsageRecord = {
  kind: OpenAIUsageKind;
  at: number;
  projectId: string;
  apiKeyId: string | null;
  userId: string | null;
  model: string;
  batch: boolean;
  serviceTier: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  images: number;
  characters: number;
  requests: number;
  costMicros: bigint;
  lineItems: LineItem[];
};

export type RecordInput = {
  kind?: OpenAIUsageKind;
  at?: number;
  projectId: string;
  apiKeyId?: string | null;
  userId?: string | null;
  model: string;
  batch?: boolean;
  inputTokens?: number;
  outputTokens?: number;
  cachedTokens?: number;
  reasoningTokens?: number;
  images?: number;
  characters?: number;
};

const perMillionToPico = (usdPerMillion: number) => BigInt(Math.round(usdPerMillion * 1_000_000)); // pico-USD per token

export class FakeOpenAIState {
  now: () => number;
  readonly rng: Prng;
  readonly models = FAKE_OPENAI_MODELS;
  readonly adminKeys = new Map<string, { valid: boolean }>();
  readonly projects = new Map<string, FakeProject>();
  readonly users = new Map<string, FakeUser>();
  readonly apiKeys = new Map<string, FakeProjectKey>();
  private readonly bySecret = new Map<string, string>();
  private records: UsageRecord[] = [];
  private sorted = true;
  private primaryAdminKey: string;

  constructor(opts: { seed?: number; now?: () => number; adminKey?: string } = {}) {
    this.rng = prng(opts.seed ?? 43);
    this.now = opts.now ?? Date.now;
    this.primaryAdminKey = this.addAdminKey(opts.adminKey);
  }

  get adminKey(): string {
    return this.primaryAdminKey;
  }

  addAdminKey(secret = `sk-admin-${this.rng.id(48)}`): string {
    this.adminKeys.set(secret, { valid: true });
    return secret;
  }

  /** Makes an admin key answer 401 from now on (a revoked key). */
  invalidateAdminKey(secret = this.primaryAdminKey, valid = false) {
    const k = this.adminKeys.get(secret);
    if (k) k.valid = valid;
  }

  isAdminKey(secret: string | null): "valid" | "invalid" | "no" {
    const k = secret ? this.adminKeys.get(secret) : undefined;
    return !k ? "no" : k.valid ? "valid" : "invalid";
  }

  createUser(input: { name: string; email: string; role?: "owner" | "reader"; createdAt?: number }): FakeUser {
    const u: FakeUser = { id: `user-${this.rng.id(24)}`, email: input.email, name: input.name, role: input.role ?? "reader", createdAt: input.createdAt ?? this.now() };
    this.users.set(u.id, u);
    return u;
  }

  createProject(input: { name: string; createdAt?: number; spendLimitCents?: number | null }): FakeProject {
    const p: FakeProject = { id: `proj_${this.rng.id(24)}`, name: input.name, createdAt: input.createdAt ?? this.now(), archivedAt: null, spendLimitCents: input.spendLimitCents ?? null };
    this.projects.set(p.id, p);
    return p;
  }

  createApiKey(projectId: string, input: { name: string; userId?: string; serviceAccountName?: string; createdAt?: number }): FakeProjectKey {
    if (!this.projects.has(projectId)) throw new Error(`Unknown fake project ${projectId}`);
    const secret = `sk-proj-${this.rng.id(64)}`;
    const owner: FakeProjectKey["owner"] = input.userId
      ? { type: "user", userId: input.userId }
      : { type: "service_account", id: `svc_acct_${this.rng.id(20)}`, name: input.serviceAccountName ?? input.name };
    const k: FakeProjectKey = { id: `key_${this.rng.id(16)}`, projectId, secret, name: input.name, createdAt: input.createdAt ?? this.now(), lastUsedAt: null, owner };
    this.apiKeys.set(k.id, k);
    this.bySecret.set(secret, k.id);
    return k;
  }

  keyBySecret(secret: string | null): FakeProjectKey | undefined {
    const id = secret ? this.bySecret.get(secret) : undefined;
    return id ? this.apiKeys.get(id) : undefined;
  }

  deleteApiKey(id: string): boolean {
    const k = this.apiKeys.get(id);
    if (!k) return false;
    this.apiKeys.delete(id);
    this.bySecret.delete(k.secret);
    return true;
  }

  /** Sets (cents ≥ 1) or clears (null) a project's hard spend limit. */
  setSpendLimit(projectId: string, cents: number | null) {
    const p = this.projects.get(projectId);
    if (!p) throw new Error(`Unknown fake project ${projectId}`);
    p.spendLimitCents = cents;
  }

  model(id: string): FakeOpenAIModel | undefined {
    return this.models.find((m) => m.id === id || m.aliases.includes(id));
  }

  /** Line items the Costs API reports for one record (input, cached input, output, or units). */
  lineItems(model: FakeOpenAIModel, r: { inputTokens: number; outputTokens: number; cachedTokens: number; images: number; characters: number }): LineItem[] {
    const items: LineItem[] = [];
    if (model.perUnit !== undefined) {
      const units = model.kind === "images" ? r.images : r.characters;
      const pico = model.kind === "images" ? BigInt(Math.round(model.perUnit * 1e12)) * BigInt(units) : perMillionToPico(model.perUnit) * BigInt(units);
      items.push({ item: `${model.id}, ${model.kind === "images" ? "images" : "characters"}`, micros: picoToMicros(pico), quantity: units, unit: model.kind === "images" ? "images" : "characters" });
      return items;
    }
    const uncached = Math.max(0, r.inputTokens - r.cachedTokens);
    items.push({ item: `${model.id}, input`, micros: picoToMicros(perMillionToPico(model.input) * BigInt(uncached)), quantity: uncached, unit: "tokens" });
    if (r.cachedTokens > 0) items.push({ item: `${model.id}, cached input`, micros: picoToMicros(perMillionToPico(model.cachedInput ?? model.input) * BigInt(r.cachedTokens)), quantity: r.cachedTokens, unit: "tokens" });
    if (r.outputTokens > 0) items.push({ item: `${model.id}, output`, micros: picoToMicros(perMillionToPico(model.output ?? 0) * BigInt(r.outputTokens)), quantity: r.outputTokens, unit: "tokens" });
    return items;
  }

  /** Appends a usage record (no spend-limit check: the caller decided it is allowed). */
  record(input: RecordInput): UsageRecord {
    const model = this.model(input.model);
    if (!model) throw new Error(`Unknown fake model ${input.model}`);
    const base = { inputTokens: input.inputTokens ?? 0, outputTokens: input.outputTokens ?? 0, cachedTokens: input.cachedTokens ?? 0, images: input.images ?? 0, characters: input.characters ?? 0 };
    const lineItems = this.lineItems(model, base);
    const rec: UsageRecord = {
      kind: input.kind ?? model.kind,
      at: input.at ?? this.now(),
      projectId: input.projectId,
      apiKeyId: input.apiKeyId ?? null,
      userId: input.userId ?? null,
      model: model.id,
      batch: input.batch ?? false,
      serviceTier: "default",
      reasoningTokens: input.reasoningTokens ?? 0,
      requests: 1,
      ...base,
      costMicros: lineItems.reduce((s, l) => s + l.micros, 0n),
      lineItems,
    };
    const last = this.records.at(-1);
    if (last && last.at > rec.at) this.sorted = false;
    this.records.push(rec);
    if (rec.apiKeyId) {
      const k = this.apiKeys.get(rec.apiKeyId);
      if (k && (k.lastUsedAt ?? 0) < rec.at) k.lastUsedAt = rec.at;
    }
    return rec;
  }

  /** Records with `from <= at < to`, in time order. */
  recordsBetween(from: number, to: number): UsageRecord[] {
    if (!this.sorted) {
      this.records.sort((a, b) => a.at - b.at);
      this.sorted = true;
    }
    const lower = (t: number) => {
      let lo = 0;
      let hi = this.records.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.records[mid]!.at < t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return this.records.slice(lower(from), lower(to));
  }

  get recordCount(): number {
    return this.records.length;
  }

  /** Month-to-date spend of a project (UTC calendar month), what hard spend limits compare against. */
  projectSpendMicros(projectId: string, at = this.now()): bigint {
    const d = new Date(at);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    let sum = 0n;
    for (const r of this.recordsBetween(monthStart, at + 1)) if (r.projectId === projectId) sum += r.costMicros;
    return sum;
  }

  isOverSpendLimit(projectId: string): boolean {
    const p = this.projects.get(projectId);
    if (!p || p.spendLimitCents === null) return false;
    return this.projectSpendMicros(projectId) >= BigInt(p.spendLimitCents) * 10_000n;
  }
}
