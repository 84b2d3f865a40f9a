import { Redis, type RedisOptions } from "ioredis";
import { env } from "@/env";

/**
 * A new ioredis connection. BullMQ workers need `maxRetriesPerRequest: null` (blocking
 * commands); request-path callers keep the default so a Redis outage fails fast.
 */
export function createRedis(opts: RedisOptions & { forWorker?: boolean } = {}): Redis {
  const { forWorker, ...rest } = opts;
  return new Redis(env.REDIS_URL, {
    lazyConnect: false,
    enableOfflineQueue: true,
    ...(forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 2 }),
    ...rest,
  });
}

const globalForRedis = globalThis as unknown as { redis?: Redis };

/** Shared connection for short commands (rate limits, debounces). */
export function redis(): Redis {
  if (!globalForRedis.redis) globalForRedis.redis = createRedis();
  return globalForRedis.redis;
}

/** Key namespaced by REDIS_PREFIX, so the demo and test runs never collide. */
export function rkey(...parts: string[]): string {
  return [env.REDIS_PREFIX, ...parts].join(":");
}
