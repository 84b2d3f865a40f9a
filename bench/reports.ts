/**
 * npm run bench:reports — report panels over a large history, through the usage module.
 *
 * Seeds BENCH_EVENTS raw events (default 10,000,000) over 90 days for 20 orgs (one holds a
 * third; routes and models Zipf-skewed like real teams) with generate_series SQL straight into
 * usage_events, then builds their hour and day rollups (with latency histograms) in SQL the
 * way ingest would. Minute rollups are not seeded: every panel range here is whole local days
 * (the report page's presets), which read day rows only (hour rows for hourly panels).
 *
 * Measured, for the largest org over 30 and 90 days, with and without filters: each panel's
 * query (queryUsage / readEvents) BENCH_RUNS times → p50/p95; the naive aggregate (the same
 * totals and by-model sums straight from raw events); then a raw CSV export of BENCH_EXPORT
 * rows (default 1,000,000) streamed by the keyset cursor reader to /dev/null: rows/s and
 * this process's peak RSS.
 *
 * Env: BENCH_DATABASE_URL (default tollgate_bench_reports), BENCH_EVENTS, BENCH_EXPORT, BENCH_RUNS (7).
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { dropDatabase, migrate } from "../scripts/migrate-lib";

const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const EVENTS = num("BENCH_EVENTS", 10_000_000);
const EXPORT_ROWS = num("BENCH_EXPORT", 1_000_000);
const RUNS = num("BENCH_RUNS", 7);
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
  await dropDatabase(DB_URL);
  await migrate(DB_URL, join(ROOT, "prisma", "migrations"));
  Object.assign(process.env, { DATABASE_URL: DB_URL, LOG_LEVEL: "warn" });
  const { pool } = await import("../src/server/db");
  const { queryUsage } = await import("../src/features/usage/server/rollups");
  const { readEvents, streamEvents } = await import("../src/features/usage/server/events");
  const { histIndexSql, HIST_BUCKETS } = await import("../src/features/usage/server/histogram");

  // ---- seed raw events -------------------------------------------------------------
  const now = Math.floor(Date.now() / DAY) * DAY; // ranges end at a UTC midnight (whole days)
  const chunk = 1_000_000;
  for (let off = 0; off < EVENTS; off += chunk) {
    const n = Math.min(chunk, EVENTS - off);
    await pool.query(
      `INSERT INTO usage_events ("orgId", "workspaceId", "externalId", source, provider, model, "projectTagId", "memberId",
         "providerKeyId", service, language, "occurredAt", "inputTokens", "outputTokens", "cachedTokens", requests,
         "costMicros", "costSource", "latencyMs", status)
       SELECT o, o || '-ws-' || (r % 3), 'e' || g, 'push', CASE WHEN m < 5 THEN 'openai' ELSE 'openrouter' END::"Provider",
              'model-' || m, o || '-tag-' || (r % 12), CASE WHEN r % 5 = 0 THEN NULL ELSE o || '-mem-' || (r % 40) END,
              CASE WHEN r % 7 = 0 THEN NULL ELSE o || '-key-' || (r % 15) END, 'svc-' || (r % 6), (ARRAY['python','typescript','go'])[1 + r % 3],
              $2::timestamptz - random() * INTERVAL '90 days', 200 + (random() * 3000)::int, 20 + (random() * 600)::int,
              CASE WHEN random() < 0.3 THEN 512 ELSE 0 END, 1, 50 + (random() * 5000)::bigint * (1 + m), 'provider',
              (20 * exp(random() * 6))::int, CASE WHEN random() < 0.02 THEN 500 WHEN random() < 0.03 THEN 429 ELSE 200 END
         FROM (SELECT g, CASE WHEN g % 3 = 0 THEN 'org-00' ELSE 'org-' || lpad((1 + g % 19)::text, 2, '0') END AS o,
                      floor(200 * power(random(), 3))::int AS r, floor(10 * power(random(), 2))::int AS m
                 FROM generate_series($1::bigint + 1, $1::bigint + $3) g) s`,
      [off, new Date(now), n],
    );
    log(`events: ${off + n} / ${EVENTS} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }

  // ---- rollups: hour rows from events (two-level histogram, as ingest), day rows from hours ----
  const hcols = Array.from({ length: HIST_BUCKETS }, (_, i) => `coalesce(sum(n) FILTER (WHERE lidx = ${i + 1}), 0)::int4`).join(", ");
  for (let d = 0; d < 91; d += 10) {
    const from = new Date(now - (d + 10) * DAY);
    const to = new Date(now - d * DAY);
    await pool.query(
      `INSERT INTO usage_rollups (granularity, "bucketStart", "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId",
         provider, model, "statusClass", service, language, requests, errors, "inputTokens", "outputTokens", "cachedTokens",
         "costMicros", "latencySumMs", "latencyCount", "latencyMaxMs", "latencyHist")
       SELECT 'hour', h, o, w, t, mem, k, p, m, sc, svc, lang, sum(req), sum(err), sum(it), sum(ot), sum(ct), sum(cost), sum(ls),
              sum(n), max(lm), ARRAY[${hcols}]
         FROM (SELECT date_bin('1 hour', "occurredAt", TIMESTAMPTZ '2000-01-01 00:00:00+00') h, "orgId" o, "workspaceId" w,
                      coalesce("projectTagId", '') t, coalesce("memberId", '') mem, coalesce("providerKeyId", '') k, provider p, model m,
                      CASE WHEN status BETWEEN 200 AND 299 THEN '2xx' WHEN status BETWEEN 400 AND 499 THEN '4xx' ELSE '5xx' END sc,
                      coalesce(service, '') svc, coalesce(language, '') lang, ${histIndexSql('"latencyMs"')} lidx,
                      sum(requests) req, sum(CASE WHEN status >= 400 THEN requests ELSE 0 END) err, sum("inputTokens") it,
                      sum("outputTokens") ot, sum("cachedTokens") ct, sum("costMicros") cost, sum("latencyMs") ls, count(*) n, max("latencyMs") lm
                 FROM usage_events WHERE "occurredAt" >= $1 AND "occurredAt" < $2
                GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) x
        GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12`,
      [from, to],
    );
    log(`hour rollups: ${Math.min(d + 10, 90)} / 90 days (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const dsum = Array.from({ length: HIST_BUCKETS }, (_, i) => `sum("latencyHist"[${i + 1}])::int4`).join(", ");
  await pool.query(
    `INSERT INTO usage_rollups (granularity, "bucketStart", "orgId", "workspaceId", "projectTagId", "memberId", "providerKeyId",
       provider, model, "statusClass", service, language, requests, errors, "inputTokens", "outputTokens", "cachedTokens",
       "costMicros", "latencySumMs", "latencyCount", "latencyMaxMs", "latencyHist")
     SELECT 'day', date_bin('1 day', "bucketStart", TIMESTAMPTZ '2000-01-01 00:00:00+00'), "orgId", "workspaceId", "projectTagId", "memberId",
            "providerKeyId", provider, model, "statusClass", service, language, sum(requests), sum(errors), sum("inputTokens"),
            sum("outputTokens"), sum("cachedTokens"), sum("costMicros"), sum("latencySumMs"), sum("latencyCount"), max("latencyMaxMs"), ARRAY[${dsum}]
       FROM usage_rollups WHERE granularity = 'hour' GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12`,
  );
  await pool.query(`VACUUM ANALYZE usage_rollups`);
  await pool.query(`VACUUM ANALYZE usage_events`);
  const counts = (await pool.query(`SELECT granularity::text g, count(*)::int n FROM usage_rollups GROUP BY 1`)).rows;
  const bigEvents = (await pool.query(`SELECT count(*)::int n FROM usage_events WHERE "orgId" = $1`, [BIG])).rows[0].n as number;
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s: ${EVENTS} events (${bigEvents} in ${BIG}), rollups ${JSON.stringify(counts)}`);

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

  // ---- raw CSV export through the keyset cursor ----------------------------------------------
  const out = createWriteStream("/dev/null");
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())));
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : String(v);
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  let exported = 0;
  const t0 = performance.now();
  await write("id,occurred_at,provider,model,input_tokens,output_tokens,cost_micros,status\n");
  for await (const page of streamEvents(scope, { range: { from: day(now - 90 * DAY), to: day(now) } }, 10_000)) {
    let buf = "";
    for (const e of page) {
      if (exported >= EXPORT_ROWS) break;
      buf += [e.id, e.occurredAt, e.provider, e.model, e.inputTokens, e.outputTokens, e.costMicros, e.status].map(cell).join(",") + "\n";
      exported++;
    }
    await write(buf);
    if (exported >= EXPORT_ROWS) break;
  }
  out.end();
  const exportS = (performance.now() - t0) / 1000;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  log(`export: ${exported} rows in ${exportS.toFixed(1)} s, peak RSS ${rssMb.toFixed(0)} MB; total run ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await pool.end();

  console.log(
    JSON.stringify({
      bench: "reports",
      events: EVENTS,
      worst_panel: `${worst.panel} (${worst.variant})`,
      worst_panel_p95_ms: worst.p95,
      naive_p95_ms: +pct(naive, 0.95).toFixed(1),
      export_rows_per_s: Math.round(exported / exportS),
      export_peak_rss_mb: +rssMb.toFixed(1),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
