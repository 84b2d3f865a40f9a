import { z } from "zod";
import { COST_BOUND_MESSAGE, costWithinBound } from "./limits";

// The push API's wire format (POST /api/v1/usage). Browser-safe: docs and the UI's
// "test your integration" form can reuse it. Unknown fields are ignored; null = absent.

export const MAX_EVENTS_PER_BATCH = 1_000;
const INT32_MAX = 2_147_483_647;

const count = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(0, `${what} must be 0 or more`)
    .max(INT32_MAX, `${what} is too large`)
    .nullish();

/** Half of a UTF-16 surrogate pair: text columns store it as U+FFFD, but jsonb (metadata) refuses it. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SURROGATE_MESSAGE = "metadata must be valid Unicode text (it holds half of a UTF-16 surrogate pair)";

const text = (max: number) => z.string().trim().min(1, "Must not be empty").max(max, `At most ${max} characters`).nullish();

/** USD as a JSON number or a decimal string ("0.0012"): converted to micro-USD exactly. */
const usd = z
  .union(
    [
      z.number().finite().min(0, "cost_usd must be 0 or more"),
      z.string().trim().regex(/^\d{1,10}(\.\d+)?$/, 'cost_usd must be a non-negative decimal, e.g. 0.0012 or "0.0012"'),
    ],
    { error: 'cost_usd must be a number or a decimal string such as "0.0012"' },
  )
  // One bound for push and OTLP, with the proof that rollups can't overflow (limits.ts).
  // (Checked only on a well-formed value, so a malformed one gets exactly one issue.)
  .refine((v) => (typeof v === "string" && !/^\d{1,10}(\.\d+)?$/.test(v.trim())) || costWithinBound(v), `cost_usd: ${COST_BOUND_MESSAGE}`);

export const PushEvent = z.object({
  id: z.string({ error: "id is required (your idempotency key, up to 128 characters)" }).min(1, "id must not be empty").max(128, "id is at most 128 characters"),
  timestamp: z.iso.datetime({ offset: true, error: "timestamp must be RFC 3339 with a time zone, e.g. 2026-01-31T12:00:00Z" }),
  provider: z.enum(["openrouter", "openai"], { error: 'provider must be "openrouter" or "openai"' }),
  model: z.string({ error: "model is required" }).trim().min(1, "model must not be empty").max(200, "model is at most 200 characters"),
  project: z
    .string()
    .trim()
    .toLowerCase()
    .max(48, "project is at most 48 characters")
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "project must be a project tag slug: lowercase letters, digits and single dashes")
    .nullish(),
  user: text(256),
  api_key: text(256),
  service: text(128),
  language: text(64),
  input_tokens: count("input_tokens"),
  output_tokens: count("output_tokens"),
  cached_tokens: count("cached_tokens"),
  cache_write_tokens: count("cache_write_tokens"),
  reasoning_tokens: count("reasoning_tokens"),
  cost_usd: usd.nullish(),
  latency_ms: count("latency_ms"),
  status: z.number().int("status must be an HTTP status code").min(100, "status must be 100–599").max(599, "status must be 100–599").nullish(),
  error: z
    .object({ type: z.string().max(128, "error.type is at most 128 characters").nullish(), message: z.string().max(2000, "error.message is at most 2000 characters").nullish() })
    .nullish(),
  generation_id: text(128),
  metadata: z
    .record(
      z.string().max(64, "metadata keys are at most 64 characters").refine((k) => !LONE_SURROGATE.test(k), SURROGATE_MESSAGE),
      z
        .string({ error: "metadata values must be strings" })
        .max(512, "metadata values are at most 512 characters")
        .refine((v) => !LONE_SURROGATE.test(v), SURROGATE_MESSAGE),
    )
    .refine((m) => Object.keys(m).length <= 16, "metadata holds at most 16 pairs")
    .nullish(),
});
export type PushEvent = z.infer<typeof PushEvent>;

export const PushBatch = z.object({
  events: z
    .array(PushEvent, { error: 'Body must be {"events": [ … ]}' })
    .min(1, "Send at least one event")
    .max(MAX_EVENTS_PER_BATCH, `At most ${MAX_EVENTS_PER_BATCH} events per request`),
});
export type PushBatch = z.infer<typeof PushBatch>;

export const PushResult = z.object({ accepted: z.number().int(), duplicates: z.number().int() });
export type PushResult = z.infer<typeof PushResult>;
