import type { z } from "zod";
import { HttpJsonClient, providerErrorMessage, ProviderAuthError, ProviderError, ProviderRateLimitError, parseRetryAfter, type ProviderClientOptions } from "@/providers/errors";
import {
  ActivityResponse,
  ChatCompletion,
  CreditsResponse,
  CurrentKeyResponse,
  ErrorEnvelope,
  GenerationResponse,
  KeyCreateResponse,
  KeyListResponse,
  KeyResponse,
  ModelsResponse,
  OrgMemberListResponse,
  WorkspaceListResponse,
  type OpenRouterOrgMember,
  type OpenRouterWorkspace,
  type OpenRouterActivityItem,
  type OpenRouterChatCompletion,
  type OpenRouterCurrentKey,
  type OpenRouterGeneration,
  type OpenRouterKey,
  type OpenRouterModel,
} from "./schemas";

export type { OpenRouterActivityItem, OpenRouterCurrentKey, OpenRouterGeneration, OpenRouterKey, OpenRouterModel, OpenRouterOrgMember, OpenRouterWorkspace } from "./schemas";

export const OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1";
/** GET /keys returns "the most recent 100 API keys" per page; there is no page-size parameter. */
export const OPENROUTER_KEYS_PAGE_SIZE = 100;

/** `/workspaces` and `/organization/members` take `limit` ≤ 100. */
const PAGE_LIMIT = 100;

export type OpenRouterClientOptions = ProviderClientOptions;

export type KeyPatch = { disabled?: boolean; limit?: number | null; name?: string; limit_reset?: string | null; include_byok_in_limit?: boolean };

/**
 * Spend-limit refusals are not credential failures: OpenRouter documents 402 for an exhausted key
 * limit, while observed traffic shows 403 "Key limit exceeded (… limit)" (reference §7.2, §10.1).
 */
const LIMIT_MESSAGE = /key limit exceeded|insufficient credits|budget .*exceeded|budget of/i;

export function openRouterError(status: number, body: unknown, headers: Headers): ProviderError {
  const parsed = ErrorEnvelope.safeParse(body);
  const message = parsed.success ? parsed.data.error.message || `HTTP ${status}` : typeof body === "string" && body ? body.slice(0, 300) : `HTTP ${status}`;
  const code = parsed.success && parsed.data.error.code !== undefined ? String(parsed.data.error.code) : String(status);
  const base = { provider: "openrouter" as const, status, code, message: providerErrorMessage("OpenRouter", status, code), providerMessage: message, body, retryAfterMs: parseRetryAfter(headers.get("retry-after")) };
  if (status === 402 || ((status === 403 || status === 429) && LIMIT_MESSAGE.test(message))) return new ProviderError({ ...base, kind: "limit_exceeded" });
  if (status === 401 || status === 403) {
    const moderation = parsed.success && parsed.data.error.metadata && "reasons" in parsed.data.error.metadata;
    return moderation ? new ProviderError({ ...base, kind: "bad_request" }) : new ProviderAuthError(base);
  }
  if (status === 429) return new ProviderRateLimitError(base);
  return new ProviderError(base);
}

/** The OpenRouter HTTP API (management key for /keys, /credits, /activity; any key for the rest). */
export class OpenRouterClient {
  private readonly http: HttpJsonClient;

  constructor(opts: OpenRouterClientOptions) {
    this.http = HttpJsonClient.forProvider("openrouter", OPENROUTER_BASE_URL, openRouterError, opts);
  }

  /** Every key, following offset pagination until a short page. */
  async listKeys(opts: { includeDisabled?: boolean; workspaceId?: string } = {}): Promise<OpenRouterKey[]> {
    const all: OpenRouterKey[] = [];
    for (let offset = 0; ; offset += OPENROUTER_KEYS_PAGE_SIZE) {
      const page = await this.http.requestParsed(KeyListResponse, "key list", {
        path: "/keys",
        query: {
          include_disabled: opts.includeDisabled === undefined ? undefined : String(opts.includeDisabled),
          offset: offset || undefined,
          workspace_id: opts.workspaceId,
        },
      });
      all.push(...page.data);
      if (page.data.length < OPENROUTER_KEYS_PAGE_SIZE) return all;
      if (offset > 1_000_000) throw new ProviderError({ provider: "openrouter", status: 200, kind: "invalid_response", message: "OpenRouter key list did not end" });
    }
  }

  async getKey(hash: string): Promise<OpenRouterKey> {
    return (await this.http.requestParsed(KeyResponse, "key", { path: `/keys/${encodeURIComponent(hash)}` })).data;
  }

  /** PATCH /keys/{hash}: `{disabled: true}` pauses a key, `{disabled: false}` resumes it; `limit` is USD. */
  async updateKey(hash: string, patch: KeyPatch): Promise<OpenRouterKey> {
    return (await this.http.requestParsed(KeyResponse, "key update", { method: "PATCH", path: `/keys/${encodeURIComponent(hash)}`, body: patch })).data;
  }

  async createKey(input: { name: string; limit?: number | null; limit_reset?: string | null; include_byok_in_limit?: boolean }): Promise<{ key: OpenRouterKey; secret: string | null }> {
    const res = await this.http.requestParsed(KeyCreateResponse, "key create", { method: "POST", path: "/keys", body: input });
    return { key: res.data, secret: res.key ?? res.data.key ?? null };
  }

  async deleteKey(hash: string): Promise<void> {
    await this.http.request({ method: "DELETE", path: `/keys/${encodeURIComponent(hash)}` });
  }

  /** GET /key: the calling key's own info (works with any key). */
  async getCurrentKey(): Promise<OpenRouterCurrentKey> {
    return (await this.http.requestParsed(CurrentKeyResponse, "current key", { path: "/key" })).data;
  }

  async getCredits(): Promise<{ total_credits: number; total_usage: number }> {
    const { data } = await this.http.requestParsed(CreditsResponse, "credits", { path: "/credits" });
    return { total_credits: data.total_credits, total_usage: data.total_usage };
  }

  /**
   * Daily rows per model/endpoint for the last 30 completed UTC days (or one `date`);
   * `groupBy: "workspace"` splits them per workspace and adds `workspace_id`.
   */
  async getActivity(opts: { date?: string; apiKeyHash?: string; groupBy?: "workspace"; workspaceId?: string } = {}): Promise<OpenRouterActivityItem[]> {
    const res = await this.http.requestParsed(ActivityResponse, "activity", { path: "/activity", query: { date: opts.date, api_key_hash: opts.apiKeyHash, group_by: opts.groupBy, workspace_id: opts.workspaceId } });
    return res.data;
  }

  /** Every workspace of the account (offset/limit pages until `total_count` or a short page). */
  async listWorkspaces(): Promise<OpenRouterWorkspace[]> {
    return this.pages(WorkspaceListResponse, "workspace list", "/workspaces");
  }

  /** Every member of the organization the management key belongs to. */
  async listOrganizationMembers(): Promise<OpenRouterOrgMember[]> {
    return this.pages(OrgMemberListResponse, "organization members", "/organization/members");
  }

  private async pages<T>(schema: z.ZodType<{ data: T[]; total_count?: number }>, what: string, path: string): Promise<T[]> {
    const all: T[] = [];
    for (let offset = 0; offset <= 100_000; offset += PAGE_LIMIT) {
      const page = await this.http.requestParsed(schema, what, { path, query: { offset: String(offset), limit: String(PAGE_LIMIT) } });
      all.push(...page.data);
      if (page.data.length < PAGE_LIMIT || (page.total_count !== undefined && all.length >= page.total_count)) return all;
    }
    throw new ProviderError({ provider: "openrouter", status: 200, kind: "invalid_response", message: `OpenRouter ${what} did not end` });
  }

  async getGeneration(id: string): Promise<OpenRouterGeneration> {
    return (await this.http.requestParsed(GenerationResponse, "generation", { path: "/generation", query: { id } })).data;
  }

  /** The full model list (no offset/limit → the whole list); follows `links.next` defensively. */
  async listModels(): Promise<OpenRouterModel[]> {
    const all: OpenRouterModel[] = [];
    let path = "/models";
    for (let i = 0; i < 50; i++) {
      const page = await this.http.requestParsed(ModelsResponse, "models", { path });
      all.push(...page.data);
      const next = page.links?.next;
      if (!next) return all;
      // `links.next` is an absolute path ("/api/v1/models?offset=…"); keep only what follows /v1.
      path = next.replace(/^.*\/v1(?=\/)/, "");
    }
    return all;
  }

  /** POST /chat/completions with an inference key; returns the completion including `usage.cost`. */
  async chatCompletion(body: { model: string; messages: { role: string; content: string }[]; max_tokens?: number; user?: string; [k: string]: unknown }): Promise<OpenRouterChatCompletion> {
    return this.http.requestParsed(ChatCompletion, "chat completion", { method: "POST", path: "/chat/completions", body });
  }
}
