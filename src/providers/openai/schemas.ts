import { z } from "zod";

/**
 * What the OpenAI Administration API really sends (reference: shared/reference/openai-admin-api.md,
 * spec HEAD 2026-08-21). Lenient: only `object`-level identifiers are required, everything else
 * optional (many fields are 2026-only), unknown fields kept.
 */

const int = z.number();
const optInt = z.number().nullish();
const str = z.string().nullish();

export const USAGE_KINDS = [
  "completions",
  "embeddings",
  "moderations",
  "images",
  "audio_speeches",
  "audio_transcriptions",
  "vector_stores",
  "code_interpreter_sessions",
  "web_search_calls",
  "file_search_calls",
] as const;
export type OpenAIUsageKind = (typeof USAGE_KINDS)[number];

export const USAGE_GROUP_BY: Record<OpenAIUsageKind, readonly string[]> = {
  completions: ["project_id", "user_id", "api_key_id", "model", "batch", "service_tier"],
  embeddings: ["project_id", "user_id", "api_key_id", "model"],
  moderations: ["project_id", "user_id", "api_key_id", "model"],
  images: ["project_id", "user_id", "api_key_id", "model", "size", "source"],
  audio_speeches: ["project_id", "user_id", "api_key_id", "model"],
  audio_transcriptions: ["project_id", "user_id", "api_key_id", "model"],
  vector_stores: ["project_id"],
  code_interpreter_sessions: ["project_id"],
  web_search_calls: ["project_id", "user_id", "api_key_id", "model", "context_level"],
  file_search_calls: ["project_id", "user_id", "api_key_id", "vector_store_id"],
};

/** Max buckets per page by width (spec: 1d ≤ 31, 1h ≤ 168, 1m ≤ 1440). */
export const MAX_BUCKETS = { "1m": 1440, "1h": 168, "1d": 31 } as const;

/** One result row of any usage endpoint; fields depend on the endpoint and on group_by. */
export const UsageResult = z.looseObject({
  object: z.string(),
  input_tokens: optInt,
  output_tokens: optInt,
  input_cached_tokens: optInt,
  input_cache_write_tokens: optInt,
  input_uncached_tokens: optInt,
  input_audio_tokens: optInt,
  output_audio_tokens: optInt,
  num_model_requests: optInt,
  num_requests: optInt,
  images: optInt,
  characters: optInt,
  seconds: optInt,
  usage_bytes: optInt,
  num_sessions: optInt,
  // 2024-12 spec name for code-interpreter sessions.
  sessions: optInt,
  project_id: str,
  user_id: str,
  api_key_id: str,
  model: str,
  batch: z.boolean().nullish(),
  service_tier: str,
});
export type OpenAIUsageResult = z.infer<typeof UsageResult>;

export const CostResult = z.looseObject({
  object: z.string(),
  amount: z.looseObject({ value: z.number().default(0), currency: z.string().default("usd") }).nullish(),
  line_item: str,
  project_id: str,
  api_key_id: str,
  quantity: z.number().nullish(),
  quantity_unit: str,
});
export type OpenAICostResult = z.infer<typeof CostResult>;

const bucket = <R extends z.ZodType>(result: R) =>
  z.looseObject({ object: z.string().optional(), start_time: int, end_time: int, results: z.array(result).default([]) });

export const UsageBucket = bucket(UsageResult);
export type OpenAIUsageBucket = z.infer<typeof UsageBucket>;
export const CostBucket = bucket(CostResult);
export type OpenAICostBucket = z.infer<typeof CostBucket>;

const page = <B extends z.ZodType>(b: B) =>
  z.looseObject({ object: z.string().optional(), data: z.array(b), has_more: z.boolean().default(false), next_page: z.string().nullish() });
export const UsagePage = page(UsageBucket);
export const CostPage = page(CostBucket);

const list = <T extends z.ZodType>(item: T) =>
  z.looseObject({ object: z.string().optional(), data: z.array(item), first_id: str, last_id: str, has_more: z.boolean().default(false) });

export const OpenAIProject = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  name: str,
  created_at: optInt,
  archived_at: optInt,
  status: str,
  external_key_id: str,
});
export type OpenAIProject = z.infer<typeof OpenAIProject>;
export const ProjectList = list(OpenAIProject);

export const OpenAIProjectApiKey = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  name: z.string().nullish(),
  redacted_value: z.string().nullish(),
  created_at: optInt,
  last_used_at: optInt,
  owner_project_access: str,
  owner: z
    .looseObject({
      type: str,
      user: z.looseObject({ id: z.string().optional(), email: str, name: str, role: str }).nullish(),
      service_account: z.looseObject({ id: z.string().optional(), name: str, role: str }).nullish(),
    })
    .nullish(),
});
export type OpenAIProjectApiKey = z.infer<typeof OpenAIProjectApiKey>;
export const ProjectApiKeyList = list(OpenAIProjectApiKey);

/** Hard spend limit (reference §5.6): `threshold_amount` is integer cents, currency "USD", interval "month". */
export const OpenAISpendLimit = z.looseObject({
  object: z.string().optional(),
  threshold_amount: z.number(),
  currency: z.string().default("USD"),
  interval: z.string().default("month"),
  enforcement: z.looseObject({ status: z.string() }).nullish(),
});
export type OpenAISpendLimit = z.infer<typeof OpenAISpendLimit>;
export const SpendLimitDeleted = z.looseObject({ object: z.string().optional(), deleted: z.boolean() });

/** Chat Completions `usage` (spec CompletionUsage). */
export const CompletionUsage = z.looseObject({
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
  prompt_tokens_details: z.looseObject({ cached_tokens: optInt, audio_tokens: optInt, cache_write_tokens: optInt }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: optInt, audio_tokens: optInt }).nullish(),
});
export type OpenAICompletionUsage = z.infer<typeof CompletionUsage>;

export const OpenAIChatCompletion = z.looseObject({
  id: z.string(),
  object: z.string().optional(),
  model: z.string().optional(),
  created: z.number().optional(),
  choices: z.array(z.looseObject({})).default([]),
  usage: CompletionUsage.optional(),
  service_tier: str,
});
export type OpenAIChatCompletion = z.infer<typeof OpenAIChatCompletion>;

/** `{error: {message, type, param, code}}`; `code` may be null. */
export const OpenAIErrorEnvelope = z.looseObject({
  error: z.looseObject({ message: z.string().default(""), type: str, param: str, code: z.union([z.string(), z.number()]).nullish() }),
});
