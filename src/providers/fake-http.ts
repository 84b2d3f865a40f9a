/**
 * The small HTTP layer both fake providers share: JSON in/out, bearer parsing, a fixed-window
 * rate limit per credential, and "the next N requests fail with status X" injection for tests.
 * Node `http` only; nothing here knows about a particular provider's envelope.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeRequest = {
  method: string;
  /** Path below the API prefix, e.g. "/keys/abc". */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  bearer: string | null;
  body: unknown;
};

/**
 * `sse` answers `text/event-stream`: each string is one frame's payload, written as `data: …\n\n`
 * (a string starting with ":" is written as a comment line), then `data: [DONE]`.
 */
export type FakeResponse = { status: number; body?: unknown; headers?: Record<string, string>; sse?: string[] };

export type InjectedFailure = { status: number; retryAfterSeconds?: number; message?: string; pathPrefix?: string };

export type LoggedRequest = { method: string; path: string; status: number; at: number };

/** Knobs tests turn: a rate limit, injected failures, and a log of what was asked. */
export class FakeControls {
  /** At most `limit` requests per credential per `windowMs`; beyond that, 429 + Retry-After. */
  rateLimit: { limit: number; windowMs: number } | null = null;
  readonly log: LoggedRequest[] = [];
  private failures: InjectedFailure[] = [];
  private windows = new Map<string, { start: number; count: number }>();
  maxLog = 10_000;

  /** The next `count` matching requests answer `status` (429s carry Retry-After if given). */
  failNext(count: number, status: number, opts: Omit<InjectedFailure, "status"> = {}) {
    for (let i = 0; i < count; i++) this.failures.push({ status, ...opts });
  }

  clearFailures() {
    this.failures = [];
    this.flaky = null;
  }

  /**
   * Fault switch: from now on a `rate` share (0..1) of the matching requests fail with one of
   * `statuses`, picked by a seeded generator so a run can be replayed; `setFlaky(null)` turns it
   * off. Queued `failNext` failures come first. Off by default: existing tests are unaffected.
   */
  setFlaky(opts: { rate: number; statuses?: number[]; seed?: number; pathPrefix?: string; retryAfterSeconds?: number } | null) {
    if (!opts) {
      this.flaky = null;
      return;
    }
    let x = (opts.seed ?? 1) >>> 0 || 1;
    // xorshift32: small, seeded, no dependency.
    const next = () => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x / 2 ** 32;
    };
    this.flaky = { ...opts, statuses: opts.statuses?.length ? opts.statuses : [429, 500, 502, 503], next };
    this.flakyCount = 0;
  }

  /** How many requests the fault switch has failed since it was last set. */
  flakyCount = 0;
  private flaky: { rate: number; statuses: number[]; pathPrefix?: string; retryAfterSeconds?: number; next: () => number } | null = null;

  takeFailure(path: string): InjectedFailure | null {
    const i = this.failures.findIndex((f) => !f.pathPrefix || path.startsWith(f.pathPrefix));
    if (i >= 0) return this.failures.splice(i, 1)[0] ?? null;
    const f = this.flaky;
    if (!f || (f.pathPrefix && !path.startsWith(f.pathPrefix)) || f.next() >= f.rate) return null;
    this.flakyCount += 1;
    const status = f.statuses[Math.floor(f.next() * f.statuses.length)]!;
    return { status, ...(status === 429 && f.retryAfterSeconds !== undefined ? { retryAfterSeconds: f.retryAfterSeconds } : {}) };
  }

  /** Returns the seconds to wait when over the limit, else null (and counts the request). */
  checkRate(credential: string, now: number): number | null {
    if (!this.rateLimit) return null;
    const w = this.windows.get(credential);
    if (!w || now - w.start >= this.rateLimit.windowMs) {
      this.windows.set(credential, { start: now, count: 1 });
      return null;
    }
    if (w.count >= this.rateLimit.limit) return Math.max(1, Math.ceil((w.start + this.rateLimit.windowMs - now) / 1000));
    w.count++;
    return null;
  }

  record(entry: LoggedRequest) {
    this.log.push(entry);
    if (this.log.length > this.maxLog) this.log.splice(0, this.log.length - this.maxLog);
  }

  count(pathPrefix: string, method?: string): number {
    return this.log.filter((r) => r.path.startsWith(pathPrefix) && (!method || r.method === method)).length;
  }
}

export type JsonServerOptions = {
  port?: number;
  host?: string;
  /** "/api/v1" for OpenRouter, "/v1" for OpenAI. */
  prefix: string;
  controls: FakeControls;
  now: () => number;
  handle: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;
  /** The provider's error envelope for a status and message. */
  errorBody: (status: number, message: string, kind: "injected" | "rate_limit" | "not_found" | "bad_json" | "internal") => unknown;
  /** Paths the per-credential rate limit skips (e.g. public /models). */
  rateLimitExempt?: (path: string) => boolean;
  /** Headers on every response, errors included (OpenAI's `x-request-id`). */
  responseHeaders?: () => Record<string, string>;
};

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 2 * 1024 * 1024) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendResponse(res: ServerResponse, r: FakeResponse, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extra, ...(r.headers ?? {}) };
  if (r.sse) {
    res.writeHead(r.status, { ...headers, "content-type": "text/event-stream", "cache-control": "no-cache" });
    for (const frame of r.sse) res.write(frame.startsWith(":") ? `${frame}\n\n` : `data: ${frame}\n\n`);
    res.end("data: [DONE]\n\n");
    return;
  }
  if (r.body !== undefined) headers["content-type"] = "application/json";
  res.writeHead(r.status, headers);
  res.end(r.body === undefined ? undefined : JSON.stringify(r.body));
}

export async function startJsonServer(opts: JsonServerOptions): Promise<{ url: string; port: number; server: Server; close: () => Promise<void> }> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", `http://${host}`);
      let path = url.pathname;
      const logIt = (status: number) => opts.controls.record({ method: req.method ?? "GET", path, status, at: opts.now() });
      const common = opts.responseHeaders?.() ?? {};
      const send = (res: ServerResponse, r: FakeResponse) => sendResponse(res, r, common);
      if (!path.startsWith(opts.prefix)) {
        logIt(404);
        return send(res, { status: 404, body: opts.errorBody(404, `No route for ${path}`, "not_found") });
      }
      path = path.slice(opts.prefix.length) || "/";
      const auth = req.headers.authorization ?? "";
      const bearer = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim() ?? null;

      const injected = opts.controls.takeFailure(path);
      if (injected) {
        logIt(injected.status);
        const headers: Record<string, string> = {};
        if (injected.retryAfterSeconds !== undefined) headers["retry-after"] = String(injected.retryAfterSeconds);
        return send(res, { status: injected.status, headers, body: opts.errorBody(injected.status, injected.message ?? `Injected failure (${injected.status})`, injected.status === 429 ? "rate_limit" : "injected") });
      }
      if (!opts.rateLimitExempt?.(path)) {
        const wait = opts.controls.checkRate(bearer ?? "anonymous", opts.now());
        if (wait !== null) {
          logIt(429);
          const limit = String(opts.controls.rateLimit?.limit ?? 0);
          return send(res, {
            status: 429,
            headers: { "retry-after": String(wait), "x-ratelimit-limit": limit, "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(opts.now() + wait * 1000) },
            body: opts.errorBody(429, "Rate limit exceeded", "rate_limit"),
          });
        }
      }
      let body: unknown = undefined;
      try {
        const text = await readBody(req);
        if (text) body = JSON.parse(text);
      } catch {
        logIt(400);
        return send(res, { status: 400, body: opts.errorBody(400, "Request body is not valid JSON", "bad_json") });
      }
      try {
        const out = await opts.handle({ method: req.method ?? "GET", path, query: url.searchParams, headers: req.headers, bearer, body });
        logIt(out.status);
        send(res, out);
      } catch (e) {
        logIt(500);
        send(res, { status: 500, body: opts.errorBody(500, `Internal error: ${(e as Error).message}`, "internal") });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}${opts.prefix}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Array query parameters in any of the three encodings clients use: `k[]=a&k[]=b`, `k=a&k=b`, `k=a,b`. */
export function queryArray(q: URLSearchParams, name: string): string[] {
  const raw = [...q.getAll(`${name}[]`), ...q.getAll(name)];
  return raw.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

/** Deterministic PRNG (mulberry32) so generated traffic is the same for the same seed. */
export function prng(seed: number) {
  const initial = seed >>> 0;
  let a = initial;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    weighted: <T>(items: readonly { value: T; weight: number }[]): T => {
      const total = items.reduce((s, i) => s + i.weight, 0);
      let r = next() * total;
      for (const i of items) {
        r -= i.weight;
        if (r <= 0) return i.value;
      }
      return items[items.length - 1]!.value;
    },
    id: (n: number, alphabet = chars) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
    hex: (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(next() * 16)]).join(""),
    /** Restarts the stream from the initial seed mixed with `salt` (history by absolute day). */
    reseed: (salt: number) => {
      a = (initial ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
    },
  };
}
export type Prng = ReturnType<typeof prng>;

/** USD-per-token decimal string → pico-USD per token (exact for up to 12 decimals). */
export function picoPerToken(usdPerToken: string): bigint {
  const [i = "0", f = ""] = usdPerToken.split(".");
  return BigInt(i) * 1_000_000_000_000n + BigInt((f + "000000000000").slice(0, 12) || "0");
}

/** pico-USD → micro-USD, rounded half-up. */
export function picoToMicros(pico: bigint): bigint {
  return (pico + 500_000n) / 1_000_000n;
}

export const DAY_MS = 86_400_000;
export const utcDayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

// Busier in European/US working hours (UTC).
const HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 9, 10, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2].map((weight, hour) => ({ value: hour, weight }));

/**
 * Request times for `days` of history up to `endAt`: a diurnal shape, quieter weekends, sorted
 * within each day. Lazy on purpose: the caller's own draws from `r` for each request interleave
 * with the next day's draws exactly as in a nested loop, so a seed keeps giving the same history.
 */
/**
 * Request times over the last `days` UTC days up to `endAt`. With `byDay`, each day's times, and
 * whatever the caller draws from `r` while they are yielded, come from a stream restarted for that
 * UTC day: a day's requests are then the same whatever the window, so a history made later (the
 * demo run again on another day) serves the same requests for the days both cover.
 */
export function* historyTimes(r: Prng, opts: { days: number; endAt: number; requestsPerDay: number; weekendShare: number; byDay?: boolean }): Generator<number> {
  const firstDay = utcDayStart(opts.endAt) - (opts.days - 1) * DAY_MS;
  for (let day = firstDay; day <= opts.endAt; day += DAY_MS) {
    if (opts.byDay) r.reseed(day / DAY_MS);
    const weekend = [0, 6].includes(new Date(day).getUTCDay());
    const n = Math.round(opts.requestsPerDay * (weekend ? opts.weekendShare : 1) * (0.85 + r.next() * 0.3));
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const hour = r.weighted(HOUR_WEIGHTS);
      const at = day + hour * 3_600_000 + Math.floor(r.next() * 3_600_000);
      if (at < opts.endAt) times.push(at);
    }
    times.sort((a, b) => a - b);
    yield* times;
  }
}
export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
