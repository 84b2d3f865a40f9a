import type { Redis } from "ioredis";
import { MAX_SAFE_EVENTS_PER_SECOND } from "../limits";
import { createRedis, rkey } from "@/server/redis";

/**
 * Per-workspace ingest rate limit (events per second), in Redis so every web process
 * shares it. Fixed one-second windows: a batch is admitted if the window is empty (one
 * batch may exceed a tiny limit on its own) or if it fits in what is left.
 *
 * FAILS OPEN: the limiter protects capacity, it is not a correctness control. Redis being
 * down, slow or flushed must never stop ingest, so any error or a reply slower than
 * TIMEOUT_MS admits the batch. After a failure the limiter is not asked again for
 * PAUSE_MS: while Redis hangs or reconnects, every batch would otherwise wait TIMEOUT_MS for
 * an answer that admits it anyway.
 */
const TIMEOUT_MS = 150;
const PAUSE_MS = 1_000;
/** Per client: until when (epoch ms) batches are admitted without asking it. */
const pausedUntil = new WeakMap<object, number>();

const SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[1])
if current > 0 and current + n > tonumber(ARGV[2]) then
  return 0
end
redis.call('INCRBY', KEYS[1], n)
redis.call('PEXPIRE', KEYS[1], 2000)
return -1`;

type LimiterRedis = Redis & { tgIngestRate(key: string, n: number, limit: number): Promise<number> };

const g = globalThis as unknown as { tgIngestLimiter?: LimiterRedis; tgIngestLimiterWarnedAt?: number };

function limiterClient(): LimiterRedis {
  if (!g.tgIngestLimiter) {
    // No offline queue and no retries: when Redis is unreachable, commands fail at once.
    const r = createRedis({ enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: TIMEOUT_MS, connectTimeout: 1_000 });
    r.on("error", () => {});
    r.defineCommand("tgIngestRate", { numberOfKeys: 1, lua: SCRIPT });
    g.tgIngestLimiter = r as LimiterRedis;
  }
  return g.tgIngestLimiter;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export async function checkIngestRate(
  workspaceId: string,
  events: number,
  limitPerSecond: number,
  client: LimiterRedis | Redis = limiterClient(),
): Promise<RateDecision> {
  const second = Math.floor(Date.now() / 1000);
  // Capped so a day's rollup provably can't overflow int8 (the proof is in ingest/limits.ts).
  limitPerSecond = Math.min(limitPerSecond, MAX_SAFE_EVENTS_PER_SECOND);
  if ((pausedUntil.get(client) ?? 0) > Date.now()) return { allowed: true };
  try {
    const c = client as LimiterRedis;
    // A fresh process: give the first connection a moment instead of failing open at once.
    if (c.status === "connecting" || c.status === "connect" || c.status === "wait") await withTimeout(waitReady(c));
    if (typeof c.tgIngestRate !== "function") c.defineCommand("tgIngestRate", { numberOfKeys: 1, lua: SCRIPT });
    const res = await withTimeout(c.tgIngestRate(rkey("ingest-rate", workspaceId, String(second)), events, limitPerSecond));
    if (res < 0) return { allowed: true };
    // Windows are one second long: the next one opens in under a second.
    return { allowed: false, retryAfterSeconds: 1 };
  } catch (e) {
    const now = Date.now();
    pausedUntil.set(client, now + PAUSE_MS);
    if (!g.tgIngestLimiterWarnedAt || now - g.tgIngestLimiterWarnedAt > 60_000) {
      g.tgIngestLimiterWarnedAt = now;
      console.warn(`[ingest] rate limiter unavailable, admitting batches (fail-open): ${(e as Error).message}`);
    }
    return { allowed: true };
  }
}

function waitReady(c: Redis): Promise<void> {
  if (c.status === "wait") void c.connect().catch(() => {});
  return new Promise((resolve) => c.once("ready", () => resolve()));
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no reply within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
