/**
 * In-process micro-benchmark of the push path (no HTTP, no Next.js): the bench:ingest workload
 * handed straight to `ingestPushRequest`, so a change to the route's JavaScript or to the SQL can
 * be measured in seconds without a `next build`. Prints CPU per event of this process (the
 * route's own JavaScript: parse, validate, attribute, build the statement; plus the pg driver)
 * and of PostgreSQL (the backends of the bench database), which stay meaningful on a loaded
 * machine where wall-clock throughput does not.
 *
 *   BENCH_DATABASE_URL=… npx tsx bench/ingest-micro.ts
 * Env: MICRO_BATCHES (200), MICRO_CONCURRENCY (4), BENCH_BATCH (1000), MICRO_SKIP_RESET (reuse the db).
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { cpuSeconds, createTenant, log, resetDatabase, secrets } from "./ingest-app";
import { eventTails } from "./ingest-workload";

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const BATCHES = num("MICRO_BATCHES", 200);
const CONCURRENCY = num("MICRO_CONCURRENCY", 4);
const BATCH = num("BENCH_BATCH", 1000);
const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tollgate_bench";

async function main() {
  process.env.DATABASE_URL = DB_URL;
  Object.assign(process.env, secrets, { NODE_ENV: "production" });
  process.env.REDIS_PREFIX ??= `tg-micro-${process.pid}`;
  if (!process.env.MICRO_SKIP_RESET) {
    log(`resetting ${new URL(DB_URL).pathname.slice(1)}`);
    await resetDatabase(DB_URL);
  }
  const tenant = await createTenant();
  const { ingestPushRequest } = await import("@/features/ingest/server/push");
  const { pool } = await import("@/server/db");
  const { groupCommitStats } = await import("@/features/ingest/server/group-commit");
  const db = new pg.Client({ connectionString: DB_URL });
  await db.connect();
  const tails = Array.from({ length: CONCURRENCY }, (_, c) => eventTails(tenant, c, BATCH));
  const run = Date.now().toString(36);
  const body = (c: number, b: number) => {
    const ts = new Date().toISOString();
    return `{"events":[${tails[c]!.map((tail, i) => `{"id":"${run}-${c}-${b}-${i}","timestamp":"${ts}",${tail}}`).join(",")}]}`;
  };
  // Bodies are built before the clock starts: only the route's work is measured.
  const bodies = new Map<number, string>();
  for (let b = 0; b < BATCHES; b++) bodies.set(b, body(b % CONCURRENCY, b));
  const send = async (c: number, b: number) => {
    const text = bodies.get(b) ?? body(c, b);
    bodies.delete(b);
    const t0 = process.cpuUsage();
    const res = await ingestPushRequest({
      authorization: `Bearer ${tenant.token}`,
      contentEncoding: null,
      contentLength: String(Buffer.byteLength(text)),
      body: new Response(text).body,
    });
    const d = process.cpuUsage(t0);
    if (res.accepted !== BATCH) throw new Error(`accepted ${res.accepted}`);
    return d;
  };
  const pgCpu = async () => {
    const { rows } = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    return rows.reduce((s, r) => s + cpuSeconds(r.pid), 0);
  };
  // Warm-up: JIT, caches, pool connections, prepared statements.
  for (let b = 0; b < 20; b++) await Promise.all(Array.from({ length: CONCURRENCY }, (_, c) => send(c, -1 - b)));
  const pg0 = await pgCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      for (let b = c; b < BATCHES; b += CONCURRENCY) {
        await send(c, b);
        n += BATCH;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const pg1 = await pgCpu();
  const out = {
    bench: "ingest-micro",
    events: n,
    js_us_per_event: Number((((cpu.user + cpu.system) / n)).toFixed(2)),
    pg_us_per_event: Number((((pg1 - pg0) * 1e6) / n).toFixed(2)),
    wall_events_per_s: Math.round(n / wall),
    group_commit: groupCommitStats(),
    load: Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]),
  };
  console.log(JSON.stringify(out));
  await db.end();
  await pool.end();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
