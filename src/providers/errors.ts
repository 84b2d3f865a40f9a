/**
 * Shared HTTP plumbing for the provider clients: one error type, Retry-After parsing, and a
 * JSON request helper that retries 429 and 5xx with exponential backoff + full jitter.
 * Both clients take an injectable `fetch` and `sleep` so tests run against the fakes (or a
 * canned fetch) without waiting.
 */
import type { z } from "zod";
import { OutboundUrlError, outboundFetch } from "@/server/outbound";

export type ProviderName = "openrouter" | "openai";

export type ProviderErrorKind = "auth" | "rate_limit" | "limit_exceeded" | "not_found" | "bad_request" | "server" | "network" | "invalid_response";

export class ProviderError extends Error {
  readonly provider: ProviderName;
  readonly status: number;
  /** The provider's own error code: OpenRouter `error.code` (number) / OpenAI `error.code` (string). */
  readonly code: string | null;
  readonly kind: ProviderErrorKind;
  readonly retryAfterMs: number | null;
  readonly body: unknown;
  /** The provider's own error text: for logs only, never stored or shown (see providerErrorMessage). */
  readonly providerMessage: string | null;

  constructor(opts: {
    provider: ProviderName;
    status: number;
    message: string;
    providerMessage?: string | null;
    code?: string | null;
    kind?: ProviderErrorKind;
    retryAfterMs?: number | null;
    body?: unknown;
  }) {
    super(opts.message);
    this.name = "ProviderError";
    this.provider = opts.provider;
    this.status = opts.status;
    this.code = opts.code ?? null;
    this.kind = opts.kind ?? kindForStatus(opts.status);
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.body = opts.body;
    this.providerMessage = opts.providerMessage ?? null;
  }

  /** The provider rejected the credential (401/403 not caused by a spend limit): the connection is broken. */
  get isAuth(): boolean {
    return this.kind === "auth";
  }
  get isRateLimit(): boolean {
    return this.kind === "rate_limit";
  }
  /** A spend/credit limit refused the request (OpenRouter key limit, OpenAI spend limit). Retrying won't help. */
  get isLimitExceeded(): boolean {
    return this.kind === "limit_exceeded";
  }
  get retryable(): boolean {
    return this.kind === "rate_limit" || this.kind === "server" || this.kind === "network";
  }
}

/** Thrown for 401/403 credential rejections, so callers can `instanceof` it. */
export class ProviderAuthError extends ProviderError {
  constructor(opts: ConstructorParameters<typeof ProviderError>[0]) {
    super({ ...opts, kind: "auth" });
    this.name = "ProviderAuthError";
  }
}

export class ProviderRateLimitError extends ProviderError {
  constructor(opts: ConstructorParameters<typeof ProviderError>[0]) {
    super({ ...opts, kind: "rate_limit" });
    this.name = "ProviderRateLimitError";
  }
}

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 429) return "rate_limit";
  if (status === 404) return "not_found";
  if (status === 402) return "limit_exceeded";
  if (status >= 500) return "server";
  if (status === 0) return "network";
  return "bad_request";
}

/**
 * The message of an error answer: the provider's name, the HTTP status and its error code when the
 * code is short and plain. The body's free text is left out: messages end up in the UI (a broken
 * connection's reason, a failed pause), and a body must not be a channel into it.
 */
export function providerErrorMessage(label: string, status: number, code: string | null | undefined): string {
  const c = code != null && /^[\w.:-]{1,48}$/.test(code) && code !== String(status) ? ` (${code})` : "";
  return `${label} ${status}${c}`;
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

export type RetryOptions = {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
};

export const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Delay before retry number `attempt` (0-based): Retry-After wins, else exponential with jitter. */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, "baseDelayMs" | "maxDelayMs" | "random">, retryAfterMs?: number | null) {
  if (retryAfterMs != null) return retryAfterMs;
  const cap = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  const r = (opts.random ?? Math.random)();
  return Math.round(cap / 2 + (cap / 2) * r);
}

/** Runs `fn`, retrying retryable ProviderErrors up to `maxRetries` times. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!(e instanceof ProviderError) || !e.retryable || attempt >= opts.maxRetries) throw e;
      // A Retry-After longer than we are willing to block for goes back to the caller (a job
      // retries later with that delay) instead of holding a worker slot.
      if (e.retryAfterMs != null && e.retryAfterMs > opts.maxDelayMs) throw e;
      await opts.sleep(backoffDelay(attempt, opts, e.retryAfterMs));
    }
  }
}

export type QueryValue = string | number | boolean | null | undefined | readonly string[];

/**
 * Builds a query string. Arrays use the official SDKs' bracket form (`group_by[]=a&group_by[]=b`),
 * which OpenAI accepts (reference openai-admin-api.md §1.3).
 */
export function buildQuery(params: Record<string, QueryValue>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) parts.push(`${encodeURIComponent(`${k}[]`)}=${encodeURIComponent(item)}`);
    } else {
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
    }
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

export type HttpClientOptions = {
  provider: ProviderName;
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Turns a non-2xx response into a ProviderError (provider-specific error envelopes). */
  toError: (status: number, body: unknown, headers: Headers) => ProviderError;
};

/** What a provider client takes; its provider name, default base URL and error mapping are its own. */
export type ProviderClientOptions = {
  apiKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per request (default 30 s). */
  timeoutMs?: number;
};

export type JsonRequest = { method?: "GET" | "POST" | "PATCH" | "DELETE"; path: string; query?: Record<string, QueryValue>; body?: unknown };

/** A tiny JSON-over-HTTP client with bearer auth and retries. */
export class HttpJsonClient {
  private readonly fetchImpl: typeof fetch;
  private readonly retry: RetryOptions;
  private readonly baseUrl: string;

  constructor(private readonly opts: HttpClientOptions) {
    // The default fetch is the outbound guard: the request carries the provider key, so it only
    // goes to an allowed provider host on a public address (src/server/outbound.ts).
    this.fetchImpl = opts.fetch ?? outboundFetch("provider");
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.retry = {
      maxRetries: opts.maxRetries ?? 4,
      baseDelayMs: opts.baseDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 30_000,
      sleep: opts.sleep ?? defaultSleep,
    };
  }

  static forProvider(provider: ProviderName, defaultBaseUrl: string, toError: HttpClientOptions["toError"], opts: ProviderClientOptions): HttpJsonClient {
    return new HttpJsonClient({
      provider,
      baseUrl: opts.baseUrl ?? defaultBaseUrl,
      apiKey: opts.apiKey,
      fetch: opts.fetch,
      maxRetries: opts.maxRetries,
      sleep: opts.sleep,
      baseDelayMs: opts.baseDelayMs,
      maxDelayMs: opts.maxDelayMs,
      timeoutMs: opts.timeoutMs,
      toError,
    });
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    return `${this.baseUrl}${path}${query ? buildQuery(query) : ""}`;
  }

  async request(req: JsonRequest): Promise<unknown> {
    return withRetries(() => this.once(req), this.retry);
  }

  /** `request`, then the body parsed with `schema`; a body that doesn't fit is an invalid_response error naming `what`. */
  async requestParsed<S extends z.ZodType>(schema: S, what: string, req: JsonRequest): Promise<z.infer<S>> {
    const parsed = schema.safeParse(await this.request(req));
    if (!parsed.success) throw invalidResponse(this.opts.provider, what, parsed.error.issues);
    return parsed.data;
  }

  private async once(req: JsonRequest): Promise<unknown> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.opts.apiKey}`, Accept: "application/json" };
    if (req.body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(req.path, req.query), {
        method: req.method ?? "GET",
        headers,
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
    } catch (e) {
      // A refused URL is configuration, not an outage: not retried.
      if (e instanceof OutboundUrlError) throw new ProviderError({ provider: this.opts.provider, status: 0, kind: "bad_request", message: `Refused to call ${this.opts.provider}: ${e.message}` });
      throw new ProviderError({ provider: this.opts.provider, status: 0, kind: "network", message: `Could not reach ${this.opts.provider}: ${(e as Error).message}` });
    }
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!res.ok) throw this.opts.toError(res.status, body, res.headers);
    if (typeof body === "string") {
      throw new ProviderError({ provider: this.opts.provider, status: res.status, kind: "invalid_response", message: `${this.opts.provider} answered with non-JSON (HTTP ${res.status})` });
    }
    return body;
  }
}

/** zod failure on a 2xx body → a ProviderError that names the first bad field. */
export function invalidResponse(provider: ProviderName, what: string, issues: { path: PropertyKey[]; message: string }[]): ProviderError {
  const first = issues[0];
  const where = first ? `${first.path.map(String).join(".") || "(root)"}: ${first.message}` : "unknown";
  return new ProviderError({ provider, status: 200, kind: "invalid_response", message: `Unexpected ${what} response from ${provider} (${where})` });
}
