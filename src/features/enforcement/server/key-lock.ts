import { randomUUID } from "node:crypto";
import { redis, rkey } from "@/server/redis";

/**
 * Per-key mutual exclusion (Redis SET NX PX, released only by its holder): a pause, a resume
 * and a limit sync of the same key never interleave their read → change → read-back steps.
 * Not re-entrant: code already holding the lock calls the inner functions directly.
 */
const LOCK_MS = 60_000;
const WAIT_MS = 30_000;

export async function withKeyLock<T>(keyId: string, fn: () => Promise<T>): Promise<T> {
  const lockKey = rkey("lock", "provider-key", keyId);
  const token = randomUUID();
  const deadline = Date.now() + WAIT_MS;
  while ((await redis().set(lockKey, token, "PX", LOCK_MS, "NX")) !== "OK") {
    if (Date.now() > deadline) throw new Error(`Key ${keyId} is busy with another enforcement step; will retry`);
    await new Promise((r) => setTimeout(r, 30 + Math.random() * 70));
  }
  try {
    return await fn();
  } finally {
    await redis()
      .eval(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`, 1, lockKey, token)
      .catch(() => {});
  }
}
