import { redis, rkey } from "@/server/redis";

/**
 * Fixed-window counter in Redis. Returns whether this attempt is allowed and how many
 * seconds remain in the window.
 */
export async function hitRateLimit(bucket: string, limit: number, windowSeconds: number) {
  const key = rkey("ratelimit", bucket, String(Math.floor(Date.now() / 1000 / windowSeconds)));
  const r = redis();
  const count = await r.incr(key);
  if (count === 1) await r.expire(key, windowSeconds + 1);
  const retryAfter = windowSeconds - (Math.floor(Date.now() / 1000) % windowSeconds);
  return { allowed: count <= limit, count, retryAfter };
}
