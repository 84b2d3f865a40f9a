/**
 * Deletes every Redis key under a prefix: `<prefix>:*` (a run's queues and counters) and
 * `<prefix>-*` (sub-prefixes that tests derive for their own worker sets).
 */
import { Redis } from "ioredis";

const prefix = process.argv[2];
if (!prefix || prefix.length < 4 || prefix.includes("*")) {
  console.error("usage: redis-clear-prefix <prefix> (at least 4 characters, no wildcards)");
  process.exit(2);
}
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
let deleted = 0;
for (const pattern of [`${prefix}:*`, `${prefix}-*`]) {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) deleted += await redis.unlink(...keys);
  } while (cursor !== "0");
}
await redis.quit();
if (deleted) console.log(`[redis] removed ${deleted} keys under ${prefix}:`);
