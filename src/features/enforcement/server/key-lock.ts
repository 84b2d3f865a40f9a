import { randomUUID } from "node:crypto";
import { redis, rkey } from "@/server/redis";

/**
 * Per-key mutual exclusion (Redis SET NX PX, released only by its holder): a pause, a resume
 * and a limit sync of the same key never interleave their read → change → read-back steps.
 * Not re-entrant: code already holding the lock calls the inner functions directly.
 *
 * OpenAI limits are per project, not per key, so OpenAI pauses and resumes also hold the
 * project's lock (withProjectLock), always taken after the key's: one order, no deadlock.
 */
const LOCK_MS = 60_000;
const WAIT_MS = 30_000;

export function withKeyLock<T>(keyId: string, fn: () => Promise<T>): Promise<T> {
  return withLock(rkey("lock", "provider-key", keyId), `Key ${keyId}`, fn);
}

/** Serialises all limit work on one OpenAI project of one connection. */
export function withProjectLock<T>(connectionId: string, projectId: string, fn: () => Promise<T>): Promise<T> {
  return withLock(rkey("lock", "openai-project", connectionId, projectId), `OpenAI project ${projectId}`, fn);
}

async function withLock<T>(lockKey: string, what: string, fn: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + WAIT_MS;
  while ((await redis().set(lockKey, token, "PX", LOCK_MS, "NX")) !== "OK") {
    if (Date.now() > deadline) throw new Error(`${what} is busy with another enforcement step; will retry`);
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
