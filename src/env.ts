import { z } from "zod";

// The one module that reads process.env. Everything else imports `env`.
// Bad configuration fails here, at start, with a message naming the variable.

const isProd = process.env.NODE_ENV === "production" && process.env.TOLLGATE_ALLOW_DEV_SECRETS !== "1";
const devSecret = "tollgate-dev-secret-do-not-use-in-production-0000";
const devKey = "0000000000000000000000000000000000000000000000000000000000000000";

const bool = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z
    .string()
    .url("DATABASE_URL must be a postgresql:// URL")
    .default("postgresql://postgres@127.0.0.1:5432/tollgate"),
  REDIS_URL: z.string().url("REDIS_URL must be a redis:// URL").default("redis://127.0.0.1:6379"),
  // Prefix for every BullMQ/Redis key, so test runs and the demo never share queues.
  REDIS_PREFIX: z.string().min(1).default("tollgate"),
  APP_URL: z.string().url().default("http://localhost:3000"),
  NEXTAUTH_SECRET: isProd
    ? z.string({ error: "NEXTAUTH_SECRET is required in production (32+ random characters)" }).min(32)
    : z.string().min(32).default(devSecret),
  // 32 bytes as 64 hex characters: the AES-256-GCM key for provider secrets.
  ENCRYPTION_KEY: isProd
    ? z.string({ error: "ENCRYPTION_KEY is required in production (64 hex characters)" }).regex(/^[0-9a-fA-F]{64}$/, "ENCRYPTION_KEY must be 64 hex characters (32 bytes)")
    : z.string().regex(/^[0-9a-fA-F]{64}$/, "ENCRYPTION_KEY must be 64 hex characters (32 bytes)").default(devKey),
  SMTP_HOST: z.string().default("127.0.0.1"),
  SMTP_PORT: z.coerce.number().int().positive().default(1025),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_SECURE: bool,
  EMAIL_FROM: z.string().default("Tollgate <alerts@tollgate.local>"),
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_NAME: z.string().default("SSO"),
  // Public API base URLs; connections may override per connection (the demo points them at the fakes).
  OPENROUTER_BASE_URL: z.string().url().default("https://openrouter.ai/api/v1"),
  OPENAI_BASE_URL: z.string().url().default("https://api.openai.com/v1"),
  // Hosts a connection's base URL may name (comma-separated). Outside tests and the demo keep the
  // default: only the providers' own API hosts, so a provider key is never sent anywhere else.
  PROVIDER_ALLOWED_HOSTS: z
    .string()
    .default("openrouter.ai,api.openai.com")
    .transform((v) => v.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean)),
  // Lets provider calls and webhooks reach loopback (127.0.0.0/8, ::1): tests and the demo, whose
  // fakes and receivers listen there. Private, link-local and metadata addresses stay refused.
  OUTBOUND_ALLOW_LOOPBACK: bool,
  // Test runs only (npm run test:e2e sets 2000): how long a new connection waits before its first
  // poll. Unset, it is 30 s, three lifetimes of the ingest's connection cache (fill-guard.ts); a
  // shorter wait lets a push in another process miss the fill guard during that window.
  CONNECTION_GRACE_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  // How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the default): the
  // header is ignored and the socket peer is the client; N: the N-th address from the right.
  TRUSTED_PROXY_COUNT: z.coerce.number().int().min(0).max(10).default(0),
  // Sign-in attempts allowed per email+IP per 15 minutes.
  SIGNIN_MAX_ATTEMPTS: z.coerce.number().int().positive().default(10),
  // A closed day whose spend differs from the provider's bill by more than this raises an alert.
  BILL_DRIFT_ALERT_PERCENT: z.coerce.number().min(0).max(100).default(1),
  // How long a crashed worker's alert delivery lease blocks a retry (the fault suite shortens it).
  ALERT_DELIVERY_LEASE_MS: z.coerce.number().int().min(5_000).max(3_600_000).default(120_000),
  // Per-request timeout of the enforcement calls to the providers (the fault suite shortens it).
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(30_000),
  // Ingest statements in flight per process (features/ingest/server/group-commit.ts): batches that
  // arrive while they run are written together by the next one. Sized for the machine's cores.
  INGEST_WRITE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

function load() {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}\nSee .env.example.`);
  }
  return parsed.data;
}

export const env = load();
export type Env = typeof env;

export const oidcEnabled = Boolean(env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET);
