/**
 * npm run bench:reports — report panels over a large history, through the usage module.
 *
 * Seeds BENCH_EVENTS raw events (default 10,000,000) over 90 days for 20 orgs (one holds a
 * third; each org a team of 30 skewed members on 8 projects, see the seed below) with
 * generate_series SQL straight into usage_events (primary key dropped during the load and built
 * once after) and, in the same statement per 9-day slice, their hour and day rollups (with
 * latency histograms) summed on integer ids the way ingest would, then the report rollups by
 * the usage.coarsen job's own code. Minute rollups are not seeded: every panel range here is
 * whole local days (the report page's presets), which read day and hour rows only. Each phase's
 * time and the load average are logged.
 *
 * Measured, for the largest org over 30 and 90 days, with and without filters: each panel's
 * query (queryUsage / readEvents) BENCH_RUNS times → p50/p95; the naive aggregate (the same
 * totals and by-model sums straight from raw events); then a raw CSV export of BENCH_EXPORT
 * rows (default 1,000,000) through the export job's own path (all raw columns, labels, org
 * time zone) to /dev/null, in a child process (bench/reports-export.ts): rows/s and that
 * process's peak RSS.
 *
 * Env: BENCH_DATABASE_URL (default tollgate_bench_reports), BENCH_EVENTS, BENCH_EXPORT, BENCH_RUNS (7);
 * BENCH_EXPORT=0 skips the export (its fields in the JSON line are then null); BENCH_REUSE=1 keeps
 * the seeded database and rebuilds only the report rollups (for iterating on the panels);
 * BENCH_TZ (the export's org time zone, default Europe/Berlin; see bench/reports-export.ts).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { dropDatabase, migrate } from "../scripts/migrate-lib";

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const EVENTS = num("BENCH_EVENTS", 10_000_000);
const EXPORT_ROWS = num("BENCH_EXPORT", 1_000_000);
const RUNS = num("BENCH_RUNS", 7);
const REUSE = process.env.BENCH_REUSE === "1";
const DB_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tollgate_bench_reports";
const ROOT = join(import.meta.dirname, "..");
const BIG = "org-00";
const DAY = 86_400_000;

const log = (msg: string) => process.stderr.write(`\x1b[1;34m[bench]\x1b[0m ${msg}\n`);

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

async function main() {
  const host = new URL(DB_URL).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`The benchmark refuses a non-local database (${host})`);
  const started = Date.now();
  if (!REUSE) await dropDatabase(DB_URL);
  await migrate(DB_URL, join(ROOT, "prisma", "migrations"));
  Object.assign(process.env, { DATABASE_URL: DB_URL, LOG_LEVEL: "warn" });
  const { pool } = await import("../src/server/db");
  const { queryUsage } = await import("../src/features/usage/server/rollups");
  const { readEvents } = await import("../src/features/usage/server/events");
  const { histIndexSql, HIST_BUCKETS } = await import("../src/features/usage/server/histogram");
  const { coarsenRollups } = await import("../src/features/usage/server/coarse");

  // ---- seed: raw events, then their rollups, in 9-day slices -----------------------------
  // A team's traffic, not noise: per org 30 members (skewed: a few send most requests), each
  // working mostly on one of 8 projects; a project lives in one workspace, service and language,
  // has its own key and mostly calls its own model (a second one a fifth of the time). 97 %
  // succeed. Rows go in time order within a slice, as ingest writes them.
  // The primary key is dropped while rows go in and rebuilt once (one sorted build per
  // partition instead of 10M random inserts); rollups are aggregated in SQL per slice.
  const now = Math.floor(Date.now() / DAY) * DAY; // ranges end at a UTC midnight (whole days)
  const phase: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      phase[name] = (phase[name] ?? 0) + (Date.now() - t) / 1000;
    }
  };
  if (!REUSE) await seedAll();
  async function seedAll() {
    const seed = await pool.connect();
    await seed.query(`SET synchronous_commit = off; SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'`);
    await seed.query(`ALTER TABLE usage_events DROP CONSTRAINT usage_events_pkey`);
    const hist = Array.from({ length: HIST_BUCKETS }, (_, i) => `coalesce(sum(n) FILTER (WHERE lidx = ${i + 1}), 0)::int4`).join(", ");
    // Text ids from the integer ones (org o, project p, member mem (-1: none), model m).
    const org = (o: string) => `('org-' || lpad(${o}::text, 2, '0'))`;
    const dims = (x: string) =>
      `${org(`${x}.o`)}, ${org(`${x}.o`)} || '-ws-' || (${x}.p % 3), ${org(`${x}.o`)} || '-tag-' || ${x}.p,
       CASE WHEN ${x}.mem < 0 THEN '' ELSE ${org(`${x}.o`)} || '-mem-' || ${x}.mem END, ${org(`${x}.o`)} || '-key-' || ${x}.p,
       CASE WHEN ${x}.m < 5 THEN 'openai' ELSE 'openrouter' END::"Provider", 'model-' || ${x}.m, ${x}.sc,
       'svc-' || (${x}.p % 6), (ARRAY['python', 'typescript', 'go'])[1 + ${x}.p % 3]`;
    const SLICE_DAYS = 9;
    const slices = Math.ceil(90 / SLICE_DAYS);
    for (let i = 0; i < slices; i++) {
      const lo = Math.floor((EVENTS * i) / slices);
      const hi = Math.floor((EVENTS * (i + 1)) / slices);
      const to = new Date(now - i * SLICE_DAYS * DAY);
      const from = new Date(to.getTime() - SLICE_DAYS * DAY);
      // One statement per slice: the events are generated once (integer ids, in time order),
      // inserted, and summed into hour and day rollups on the integer ids (the histogram
      // counted per group and latency bucket first, as ingest does); text ids only on output.
      await timed("events_and_rollups", () =>
        seed.query(
          `WITH gen AS MATERIALIZED (
             SELECT g, o, mem, p, CASE WHEN u6 < 0.8 THEN p % 10 ELSE (p + 3) % 10 END AS m, u2, u4, u5,
                    $2::timestamptz + ((g - $1 - 1)::float8 / ($3 - $1)) * INTERVAL '${SLICE_DAYS} days' AS at,
                    CASE WHEN u5 < 0.01 THEN 500 WHEN u5 < 0.03 THEN 429 ELSE 200 END AS status, (20 * exp(u5 * 6))::int AS lat
               FROM (SELECT g, o, CASE WHEN u1 > 0.97 THEN -1 ELSE mem END AS mem, u2, u4, u5, random() u6,
                            CASE WHEN u2 < 0.9 THEN mem % 8 ELSE (mem + 3) % 8 END AS p
                       FROM (SELECT g, CASE WHEN g % 3 = 0 THEN 0 ELSE 1 + g % 19 END AS o, u1, random() u2, random() u4, random() u5,
                                    floor(30 * u1 * u1)::int AS mem
                               FROM (SELECT g, random() u1 FROM generate_series($1::bigint + 1, $3::bigint) g) a) b) c),
           ev AS (
             INSERT INTO usage_events ("orgId", "workspaceId", "externalId", source, provider, model, "projectTagId", "memberId",
               "providerKeyId", service, language, "occurredAt", "inputTokens", "outputTokens", "cachedTokens", requests,
               "costMicros", "costSource", "latencyMs", status)
             SELECT ${org("o")}, ${org("o")} || '-ws-' || (p % 3), 'e' || lpad(g::text, 9, '0'), 'push',
                    CASE WHEN m < 5 THEN 'openai' ELSE 'openrouter' END::"Provider", 'model-' || m, ${org("o")} || '-tag-' || p,
                    CASE WHEN mem < 0 THEN NULL ELSE ${org("o")} || '-mem-' || mem END, ${org("o")} || '-key-' || p, 'svc-' || (p % 6),
                    (ARRAY['python', 'typescript', 'go'])[1 + p % 3], at, 200 + (u4 * 3000)::int, 20 + (u2 * 600)::int,
                    CASE WHEN u4 < 0.3 THEN 512 ELSE 0 END, 1, 50 + (u4 * 5000)::bigint * (1 + m), 'provider', lat, status
               FROM gen),
           hl AS MATERIALIZED (
             SELECT date_bin('1 hour', at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS h, o, mem, p, m,
                    CASE WHEN status BETWEEN 200 AND 299 THEN '2xx' WHEN status BETWEEN 400 AND 499 THEN '4xx' ELSE '5xx' END AS sc,
                    ${histIndexSql("lat")} AS lidx, count(*) AS n, sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS err,
                    sum(200 + (u4 * 3000)::int) AS it, sum(20 + (u2 * 600)::int) AS ot, sum(CASE WHEN u4 < 0.3 THEN 512 ELSE 0 END) AS ct,
                    sum(50 + (u4 * 5000)::bigint * (1 + m)) AS cost, sum(lat) AS ls, max(lat) AS lm
               FROM gen GROUP BY 1, 2, 3, 4, 5, 6, 7),
           dl AS (
             SELECT date_bin('1 day', h, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS h, o, mem, p, m, sc, lidx, sum(n) AS n, sum(err) AS err,
                    sum(it) AS it, sum(ot) AS ot, sum(ct) AS ct, sum(cost) AS cost, sum(ls) AS ls, max(lm) AS lm
               FROM hl GROUP BY 1, 2, 3, 4, 5, 6, 7),
           lv AS (SELECT 'hour'::"Granularity" AS gran, * FROM hl UNION ALL SELECT 'day', * FROM dl)
         INSERT INTO usage_rollups (granularity, "bucketStart", "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId",
           provider, model, "statusClass", service, language, requests, errors, "inputTokens", "outputTokens", "cachedTokens",
           "costMicros", "latencySumMs", "latencyCount", "latencyMaxMs", "latencyHist")
         SELECT x.gran, x.h, ${dims("x")}, x.n, x.err, x.it, x.ot, x.ct, x.cost, x.ls, x.n, x.lm, x.hist
           FROM (SELECT gran, h, o, mem, p, m, sc, sum(n) AS n, sum(err) AS err, sum(it) AS it, sum(ot) AS ot, sum(ct) AS ct,
                        sum(cost) AS cost, sum(ls) AS ls, max(lm) AS lm, ARRAY[${hist}] AS hist
                   FROM lv GROUP BY 1, 2, 3, 4, 5, 6, 7) x
          ORDER BY x.o, x.gran, x.h`,
          [lo, from, hi],
        ),
      );
      log(`slice ${i + 1}/${slices}: events ${hi} / ${EVENTS} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    await timed("primary_key", () => seed.query(`ALTER TABLE usage_events ADD CONSTRAINT usage_events_pkey PRIMARY KEY ("orgId", "workspaceId", "externalId", "occurredAt")`));
    await timed("analyze", async () => {
      await seed.query(`ANALYZE usage_rollups`);
      await seed.query(`ANALYZE usage_events`);
    });
    seed.release();
  }
  if (REUSE) await pool.query(`TRUNCATE usage_rollups_coarse, usage_rollup_coarse_days`);
  // Report rollups (member and key summed out) for the closed days, by the usage.coarsen job.
  const coarse = await timed("coarse_rollups", () => coarsenRollups({ now: new Date(now), limit: 1_000_000, batch: 200 }));
  await pool.query(`VACUUM ANALYZE usage_rollups_coarse`);
  await pool.query(`ANALYZE usage_rollup_coarse_days`);
  log(`report rollups: ${coarse.days} org-days`);
  const counts = (
    await pool.query(
      `SELECT 'fine ' || granularity::text g, count(*)::int n, count(*) FILTER (WHERE "orgId" = $1)::int big FROM usage_rollups GROUP BY 1
       UNION ALL SELECT 'coarse ' || granularity::text, count(*)::int, count(*) FILTER (WHERE "orgId" = $1)::int FROM usage_rollups_coarse GROUP BY 1`,
      [BIG],
    )
  ).rows;
  const bigEvents = (await pool.query(`SELECT count(*)::int n FROM usage_events WHERE "orgId" = $1`, [BIG])).rows[0].n as number;
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s (${Object.entries(phase).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}): ${EVENTS} events (${bigEvents} in ${BIG}), rollups ${JSON.stringify(counts)}`);

  // ---- panels ----------------------------------------------------------------------
  const scope = { orgId: BIG, timeZone: "UTC" };
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const variants = [30, 90].flatMap((days) => [
    { name: `${days}d`, range: { from: day(now - days * DAY), to: day(now) }, filters: {} },
    { name: `${days}d+filter`, range: { from: day(now - days * DAY), to: day(now) }, filters: { provider: ["openai" as const], projectTagId: [`${BIG}-tag-1`, `${BIG}-tag-2`] } },
  ]);
  type Q = Parameters<typeof queryUsage>[1];
  const PANELS: Record<string, (v: (typeof variants)[number]) => Q | "errors"> = {
    totals: (v) => ({ ...v, metrics: ["inputTokens", "outputTokens", "cachedTokens", "requests", "errors", "costMicros"] }),
    tokens_over_time_by_service: (v) => ({ ...v, bucket: "day", groupBy: ["service"], metrics: ["inputTokens", "outputTokens"], limit: 10_000 }),
    requests_cost_over_time_by_provider: (v) => ({ ...v, bucket: "day", groupBy: ["provider"], metrics: ["requests", "errors", "costMicros"], limit: 10_000 }),
    by_model: (v) => ({ ...v, groupBy: ["provider", "model"], metrics: ["requests", "inputTokens", "outputTokens", "cachedTokens", "costMicros"] }),
    by_member: (v) => ({ ...v, groupBy: ["member"], metrics: ["requests", "costMicros"], limit: 50 }),
    by_project: (v) => ({ ...v, groupBy: ["projectTag"], metrics: ["requests", "costMicros"], limit: 50 }),
    by_key: (v) => ({ ...v, groupBy: ["key"], metrics: ["requests", "costMicros"], limit: 50 }),
    by_language: (v) => ({ ...v, groupBy: ["language"], metrics: ["requests", "costMicros"] }),
    latency_by_model: (v) => ({ ...v, groupBy: ["model"], metrics: ["p50", "p95", "p99", "requests"] }),
    p95_over_time: (v) => ({ ...v, bucket: "day", metrics: ["p95"], limit: 10_000 }),
    route_quality: (v) => ({ ...v, groupBy: ["provider", "model"], metrics: ["costMicros", "inputTokens", "outputTokens", "requests", "errors", "p95"] }),
    hourly_distribution: (v) => ({ ...v, bucket: "hour", metrics: ["requests", "costMicros"], limit: 10_000 }),
    error_records: () => "errors",
  };
  const results: { panel: string; variant: string; p50: number; p95: number }[] = [];
  for (const v of variants) {
    for (const [panel, make] of Object.entries(PANELS)) {
      const q = make(v);
      const run = () => (q === "errors" ? readEvents(scope, { range: v.range, filters: v.filters, errorsOnly: true, limit: 50 }) : queryUsage(scope, q));
      await run(); // warm
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await run();
        ms.push(performance.now() - t);
      }
      results.push({ panel, variant: v.name, p50: +pct(ms, 0.5).toFixed(1), p95: +pct(ms, 0.95).toFixed(1) });
    }
  }
  for (const r of results) log(`${r.variant.padEnd(11)} ${r.panel.padEnd(36)} p50 ${String(r.p50).padStart(7)} ms   p95 ${String(r.p95).padStart(7)} ms`);
  const worst = results.reduce((a, b) => (b.p95 > a.p95 ? b : a));

  // ---- naive: the totals and by-model panels straight from raw events ----------------------
  const naive: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await pool.query(
      `SELECT model, sum("inputTokens"), sum("outputTokens"), sum(requests), sum("costMicros"),
              percentile_disc(0.95) WITHIN GROUP (ORDER BY "latencyMs")
         FROM usage_events WHERE "orgId" = $1 AND "occurredAt" >= $2 AND "occurredAt" < $3 GROUP BY 1`,
      [BIG, new Date(now - 30 * DAY), new Date(now)],
    );
    naive.push(performance.now() - t);
  }
  log(`naive raw-event aggregate (30 d, by model with p95): p95 ${pct(naive, 0.95).toFixed(0)} ms`);

  // ---- raw CSV export: the export job's path, in a process of its own (bench/reports-export.ts) ----
  await pool.end();
  const ex = EXPORT_ROWS > 0 ? exportChild(day(now - 90 * DAY), day(now)) : null;
  if (ex) log(`export: ${ex.rows} rows in ${ex.seconds.toFixed(1)} s, peak RSS ${ex.peak_rss_mb.toFixed(0)} MB`);
  log(`total run ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);

  console.log(
    JSON.stringify({
      bench: "reports",
      events: EVENTS,
      worst_panel: `${worst.panel} (${worst.variant})`,
      worst_panel_p95_ms: worst.p95,
      naive_p95_ms: +pct(naive, 0.95).toFixed(1),
      export_rows_per_s: ex ? Math.round(ex.rows / ex.seconds) : null,
      export_peak_rss_mb: ex ? +ex.peak_rss_mb.toFixed(1) : null,
    }),
  );
}

function exportChild(from: string, to: string): { rows: number; seconds: number; peak_rss_mb: number } {
  const child = spawnSync(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "bench", "reports-export.ts")], {
    env: { ...process.env, BENCH_ORG: BIG, BENCH_FROM: from, BENCH_TO: to, BENCH_EXPORT: String(EXPORT_ROWS) },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0) throw new Error(`export child failed (${child.status})`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as { rows: number; seconds: number; peak_rss_mb: number };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
