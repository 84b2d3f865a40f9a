import type { z } from "zod";
import { usdToMicros } from "@/lib/money";
import { HttpJsonClient, providerErrorMessage, ProviderAuthError, ProviderError, ProviderRateLimitError, parseRetryAfter, type ProviderClientOptions, type QueryValue } from "@/providers/errors";
import {
  CostPage,
  MAX_BUCKETS,
  OpenAIChatCompletion,
  OpenAIErrorEnvelope,
  OpenAIProject,
  OpenAISpendLimit,
  ProjectApiKeyList,
  ProjectList,
  SpendLimitDeleted,
  UsagePage,
  type OpenAICostBucket,
  type OpenAIProjectApiKey,
  type OpenAIUsageBucket,
  type OpenAIUsageKind,
} from "./schemas";

export type { OpenAICostBucket, OpenAIProject, OpenAIProjectApiKey, OpenAISpendLimit, OpenAIUsageBucket, OpenAIUsageKind } from "./schemas";
export { USAGE_KINDS } from "./schemas";

export const OPENAI_BASE_URL = "https://api.openai.com/v1";

export type OpenAIAdminClientOptions = ProviderClientOptions;

export type BucketWidth = "1m" | "1h" | "1d";
export type UsageParams = {
  start_time: number;
  end_time?: number;
  bucket_width?: BucketWidth;
  group_by?: string[];
  project_ids?: string[];
  user_ids?: string[];
  api_key_ids?: string[];
  models?: string[];
  batch?: boolean;
  /** Buckets per page; defaults to the maximum for the width so fewer pages are needed. */
  limit?: number;
};
export type CostParams = { start_time: number; end_time?: number; group_by?: string[]; project_ids?: string[]; api_key_ids?: string[]; limit?: number };

/**
 * 429s are two different things at OpenAI (reference §7.2): a rate limit (`rate_limit_exceeded`,
 * retry later) or a billing refusal (`insufficient_quota`, `*_spend_limit_exceeded`, …) where
 * "retrying these errors won't restore access". Classify by `error.code`, not by status.
 */
const BILLING_CODES = new Set([
  "insufficient_quota",
  "credit_balance_exhausted",
  "organization_usage_limit_exceeded",
  "organization_spend_limit_exceeded",
  "project_spend_limit_exceeded",
  "billing_hard_limit_reached",
]);

export function openAIError(status: number, body: unknown, headers: Headers): ProviderError {
  const parsed = OpenAIErrorEnvelope.safeParse(body);
  const err = parsed.success ? parsed.data.error : null;
  const message = err?.message || (typeof body === "string" && body ? body.slice(0, 300) : `HTTP ${status}`);
  const code = err?.code != null ? String(err.code) : (err?.type ?? null);
  const base = { provider: "openai" as const, status, code, message: providerErrorMessage("OpenAI", status, code), providerMessage: message, body, retryAfterMs: parseRetryAfter(headers.get("retry-after")) };
  if (status === 401 || status === 403) return new ProviderAuthError(base);
  if (BILLING_CODES.has(String(err?.code ?? "")) || (status === 429 && err?.type === "insufficient_quota")) return new ProviderError({ ...base, kind: "limit_exceeded" });
  if (status === 429) return new ProviderRateLimitError(base);
  return new ProviderError(base);
}

/** The OpenAI Administration API (admin key, `sk-admin-…`) plus chat completions for project keys. */
export class OpenAIAdminClient {
  private readonly http: HttpJsonClient;

  constructor(opts: OpenAIAdminClientOptions) {
    this.http = HttpJsonClient.forProvider("openai", OPENAI_BASE_URL, openAIError, opts);
  }

  /** Follows `next_page` (passing every other parameter unchanged) until it is null. */
  private async buckets<B>(schema: z.ZodType<{ data: B[]; next_page?: string | null }>, path: string, query: Record<string, QueryValue>): Promise<B[]> {
    const out: B[] = [];
    let pageToken: string | undefined;
    for (let i = 0; i < 10_000; i++) {
      const page = await this.http.requestParsed(schema, path, { path, query: { ...query, page: pageToken } });
      out.push(...page.data);
      if (!page.next_page) return out;
      pageToken = page.next_page;
    }
    throw new ProviderError({ provider: "openai", status: 200, kind: "invalid_response", message: `OpenAI ${path} pagination did not end` });
  }

  /** GET /organization/usage/{kind}: every bucket in the range, all pages. */
  async usage(kind: OpenAIUsageKind, params: UsageParams): Promise<OpenAIUsageBucket[]> {
    const width = params.bucket_width ?? "1d";
    return this.buckets(UsagePage, `/organization/usage/${kind}`, {
      start_time: params.start_time,
      end_time: params.end_time,
      bucket_width: width,
      group_by: params.group_by,
      project_ids: params.project_ids,
      user_ids: params.user_ids,
      api_key_ids: params.api_key_ids,
      models: params.models,
      batch: params.batch,
      limit: params.limit ?? MAX_BUCKETS[width],
    });
  }

  /** GET /organization/costs: 1d buckets only; amounts are USD floats. */
  async costs(params: CostParams): Promise<OpenAICostBucket[]> {
    return this.buckets(CostPage, "/organization/costs", {
      start_time: params.start_time,
      end_time: params.end_time,
      bucket_width: "1d",
      group_by: params.group_by,
      project_ids: params.project_ids,
      api_key_ids: params.api_key_ids,
      limit: params.limit ?? 180,
    });
  }

  /** Cursor lists: `{data, last_id, has_more}` paged with `after=<last_id>`. */
  private async list<T>(schema: z.ZodType<{ data: T[]; last_id?: string | null; has_more: boolean }>, path: string, query: Record<string, QueryValue>): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10_000; i++) {
      const page = await this.http.requestParsed(schema, path, { path, query: { ...query, limit: 100, after } });
      out.push(...page.data);
      const last = page.last_id ?? (page.data.at(-1) as { id?: string } | undefined)?.id;
      if (!page.has_more || !last) return out;
      after = last;
    }
    return out;
  }

  async listProjects(opts: { includeArchived?: boolean } = {}): Promise<OpenAIProject[]> {
    return this.list(ProjectList, "/organization/projects", { include_archived: opts.includeArchived });
  }

  async getProject(projectId: string): Promise<OpenAIProject> {
    return this.http.requestParsed(OpenAIProject, "project", { path: `/organization/projects/${encodeURIComponent(projectId)}` });
  }

  /** `owner_project_access=any` asks for every enabled key, not only those the caller's membership shows. */
  async listProjectApiKeys(projectId: string): Promise<OpenAIProjectApiKey[]> {
    return this.list(ProjectApiKeyList, `/organization/projects/${encodeURIComponent(projectId)}/api_keys`, { owner_project_access: "any" });
  }

  /** The project's hard spend limit, or null when none is configured. */
  async getProjectSpendLimit(projectId: string): Promise<OpenAISpendLimit | null> {
    try {
      const res = await this.http.requestParsed(OpenAISpendLimit, "spend limit", { path: `/organization/projects/${encodeURIComponent(projectId)}/spend_limit` });
      return res.threshold_amount > 0 ? res : null;
    } catch (e) {
      if (e instanceof ProviderError && e.kind === "not_found") return null;
      throw e;
    }
  }

  /**
   * Create or replace the project's hard spend limit. `thresholdCents` is integer cents (≥ 1);
   * once month-to-date spend reaches it, OpenAI answers 429 `project_spend_limit_exceeded`.
   */
  async setProjectSpendLimit(projectId: string, thresholdCents: number): Promise<OpenAISpendLimit> {
    const threshold_amount = Math.max(1, Math.ceil(thresholdCents));
    return this.http.requestParsed(OpenAISpendLimit, "spend limit", {
      method: "POST",
      path: `/organization/projects/${encodeURIComponent(projectId)}/spend_limit`,
      body: { threshold_amount, currency: "USD", interval: "month" },
    });
  }

  async deleteProjectSpendLimit(projectId: string): Promise<boolean> {
    const res = await this.http.requestParsed(SpendLimitDeleted, "spend limit delete", { method: "DELETE", path: `/organization/projects/${encodeURIComponent(projectId)}/spend_limit` });
    return res.deleted;
  }

  /**
   * Month-to-date spend of one project in integer micro-USD, from the Costs API (UTC month; costs
   * lag). Each line's USD amount is converted exactly (usdToMicros) and summed as integers: floats
   * never touch the sum.
   */
  async projectMonthToDateMicros(projectId: string, now = new Date()): Promise<bigint> {
    const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
    const buckets = await this.costs({ start_time: monthStart, project_ids: [projectId], group_by: ["project_id"] });
    let total = 0n;
    for (const b of buckets) for (const r of b.results) total += usdToMicros(r.amount?.value ?? 0);
    return total;
  }

  /** POST /chat/completions with a project key (the benchmark and tests drive traffic with this). */
  async chatCompletion(body: { model: string; messages: { role: string; content: string }[]; max_tokens?: number; user?: string; [k: string]: unknown }) {
    return this.http.requestParsed(OpenAIChatCompletion, "chat completion", { method: "POST", path: "/chat/completions", body });
  }
}
