import { z } from "zod";

/**
 * What OpenRouter really sends (reference: shared/reference/openrouter-api.md, spec snapshot
 * 2026-08-22). Parsed leniently: only identifying fields are required, everything else is
 * optional or defaulted, and unknown fields are kept (z.looseObject) because the field set has
 * grown over time.
 */

// Money fields are JSON numbers (USD); tolerate numeric strings from older/odd responses.
const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i).transform(Number)]);
const optNum = num.nullish();
const int = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const LimitReset = z.enum(["daily", "weekly", "monthly"]);

export const OpenRouterKey = z.looseObject({
  hash: z.string().min(1),
  name: z.string().default(""),
  label: z.string().default(""),
  disabled: z.boolean().default(false),
  limit: optNum,
  limit_remaining: optNum,
  limit_reset: z.string().nullish(),
  include_byok_in_limit: z.boolean().optional(),
  usage: num.default(0),
  usage_daily: num.default(0),
  usage_weekly: num.default(0),
  usage_monthly: num.default(0),
  byok_usage: num.optional(),
  byok_usage_daily: num.optional(),
  byok_usage_weekly: num.optional(),
  byok_usage_monthly: num.optional(),
  created_at: z.string().optional(),
  updated_at: z.string().nullish(),
  creator_user_id: z.string().nullish(),
  workspace_id: z.string().nullish(),
  external_user: z.string().nullish(),
  expires_at: z.string().nullish(),
});
export type OpenRouterKey = z.infer<typeof OpenRouterKey>;

export const KeyListResponse = z.looseObject({ data: z.array(OpenRouterKey) });
export const KeyResponse = z.looseObject({ data: OpenRouterKey });
/** POST /keys: the plaintext key is a top-level sibling of `data` per the spec, `data.key` per the cookbook. */
export const KeyCreateResponse = z.looseObject({ data: OpenRouterKey.extend({ key: z.string().optional() }), key: z.string().optional() });

export const CurrentKey = z.looseObject({
  label: z.string().default(""),
  limit: optNum,
  limit_remaining: optNum,
  limit_reset: z.string().nullish(),
  usage: num.default(0),
  usage_daily: num.optional(),
  usage_weekly: num.optional(),
  usage_monthly: num.optional(),
  is_free_tier: z.boolean().optional(),
  is_management_key: z.boolean().optional(),
  is_provisioning_key: z.boolean().optional(),
  creator_user_id: z.string().nullish(),
  expires_at: z.string().nullish(),
  // null = an individual account (reference provider-updates-2026-12.md §1).
  organization_id: z.string().nullish(),
  workspace_id: z.string().nullish(),
  allowed_data_regions: z.array(z.string()).optional(),
  free_model_daily_requests: z.looseObject({ limit: int, remaining: int, used: int }).optional(),
});
export type OpenRouterCurrentKey = z.infer<typeof CurrentKey>;
export const CurrentKeyResponse = z.looseObject({ data: CurrentKey });

export const Credits = z.looseObject({ total_credits: num, total_usage: num });
export const CreditsResponse = z.looseObject({ data: Credits });

export const OpenRouterActivityItem = z.looseObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}/),
  model: z.string(),
  model_permaslug: z.string().optional(),
  endpoint_id: z.string().optional(),
  provider_name: z.string().optional(),
  usage: num.default(0),
  byok_usage_inference: num.optional(),
  requests: int.default(0),
  prompt_tokens: int.default(0),
  completion_tokens: int.default(0),
  reasoning_tokens: int.default(0),
  workspace_id: z.string().nullish(),
});
export type OpenRouterActivityItem = z.infer<typeof OpenRouterActivityItem>;
export const ActivityResponse = z.looseObject({ data: z.array(OpenRouterActivityItem) });

export const OpenRouterGeneration = z.looseObject({
  id: z.string(),
  model: z.string().optional(),
  created_at: z.string().optional(),
  total_cost: num.default(0),
  usage: optNum,
  upstream_inference_cost: optNum,
  cache_discount: optNum,
  is_byok: z.boolean().nullish(),
  provider_name: z.string().nullish(),
  tokens_prompt: int.nullish(),
  tokens_completion: int.nullish(),
  native_tokens_prompt: int.nullish(),
  native_tokens_completion: int.nullish(),
  native_tokens_reasoning: int.nullish(),
  native_tokens_cached: int.nullish(),
  latency: optNum,
  generation_time: optNum,
  finish_reason: z.string().nullish(),
  external_user: z.string().nullish(),
  api_type: z.string().nullish(),
  workspace_id: z.string().nullish(),
});
export type OpenRouterGeneration = z.infer<typeof OpenRouterGeneration>;
export const GenerationResponse = z.looseObject({ data: OpenRouterGeneration });

const price = z.union([z.string(), z.number().transform(String)]);
export const PublicPricing = z.looseObject({
  prompt: price,
  completion: price,
  request: price.optional(),
  image: price.optional(),
  image_token: price.optional(),
  image_output: price.optional(),
  audio: price.optional(),
  audio_output: price.optional(),
  input_audio_cache: price.optional(),
  web_search: price.optional(),
  internal_reasoning: price.optional(),
  input_cache_read: price.optional(),
  input_cache_write: price.optional(),
  input_cache_write_1h: price.optional(),
  discount: z.number().optional(),
  overrides: z.array(z.looseObject({})).optional(),
});
export type OpenRouterPricing = z.infer<typeof PublicPricing>;

export const OpenRouterModel = z.looseObject({
  id: z.string(),
  canonical_slug: z.string().optional(),
  name: z.string().optional(),
  created: z.number().optional(),
  context_length: z.number().nullish(),
  pricing: PublicPricing,
});
export type OpenRouterModel = z.infer<typeof OpenRouterModel>;
export const ModelsResponse = z.looseObject({
  data: z.array(OpenRouterModel),
  total_count: z.number().optional(),
  links: z.looseObject({ next: z.string().nullish() }).optional(),
});

/** `GET /workspaces` (reference §8.3; there is no `is_default`, the Default workspace's slug is "default"). */
export const OpenRouterWorkspace = z.looseObject({ id: z.string().min(1), name: z.string().default(""), slug: z.string().default(""), created_at: z.string().optional() });
export type OpenRouterWorkspace = z.infer<typeof OpenRouterWorkspace>;
export const WorkspaceListResponse = z.looseObject({ data: z.array(OpenRouterWorkspace), total_count: int.optional() });

/** `GET /organization/members`; a member's `id` is what keys carry as `creator_user_id`. */
export const OpenRouterOrgMember = z.looseObject({ id: z.string().min(1), email: z.string().default(""), first_name: z.string().nullish(), last_name: z.string().nullish(), role: z.string().default("org:member") });
export type OpenRouterOrgMember = z.infer<typeof OpenRouterOrgMember>;
export const OrgMemberListResponse = z.looseObject({ data: z.array(OpenRouterOrgMember), total_count: int.optional() });

/** `usage` on /chat/completions responses (spec ChatUsage). */
export const ChatUsage = z.looseObject({
  prompt_tokens: int,
  completion_tokens: int,
  total_tokens: int,
  cost: optNum,
  is_byok: z.boolean().optional(),
  prompt_tokens_details: z.looseObject({ cached_tokens: int.nullish(), cache_write_tokens: int.nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: int.nullish() }).nullish(),
  cost_details: z
    .looseObject({ upstream_inference_prompt_cost: optNum, upstream_inference_completions_cost: optNum, upstream_inference_cost: optNum })
    .nullish(),
});
export type OpenRouterChatUsage = z.infer<typeof ChatUsage>;

export const ChatCompletion = z.looseObject({
  id: z.string(),
  model: z.string().optional(),
  created: z.number().optional(),
  choices: z.array(z.looseObject({})).default([]),
  usage: ChatUsage.optional(),
});
export type OpenRouterChatCompletion = z.infer<typeof ChatCompletion>;

/** `{error: {code, message, metadata?}, user_id?}`; the HTTP status equals `error.code`. */
export const ErrorEnvelope = z.looseObject({
  error: z.looseObject({
    code: z.union([z.number(), z.string()]).optional(),
    message: z.string().default(""),
    metadata: z.record(z.string(), z.unknown()).nullish(),
  }),
});
