import { pool } from "@/server/db";
import { redis } from "@/server/redis";

export async function healthCheck() {
  const [db, cache] = await Promise.all([
    pool.query("SELECT 1").then(() => "ok", (e: Error) => e.message),
    redis().ping().then(() => "ok", (e: Error) => e.message),
  ]);
  return { ok: db === "ok" && cache === "ok", db, redis: cache };
}
