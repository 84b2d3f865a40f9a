/**
 * The load suite: usage is pushed to the running app (scripts/test-faults.sh) at half of the
 * capacity measured at the start of the run (or LOAD_RATE events/s), for LOAD_SECONDS (60 by
 * default; 600 is the full run), while the report page (`/<org>/reports`, signed in) and the
 * report API (`/api/v1/reports/usage`, an org API token) are queried and a worker (the built
 * bundle, dist/workers/main.mjs, when it exists) evaluates an org budget that crosses its
 * thresholds. Recorded, and printed as a table:
 * - errors: every answer that is not 2xx, on every surface (must be 0);
 * - RSS of the web process tree and of the worker, sampled every 10 s; growth is measured from the
 *   window at 20–40 % of the run to the one at 80–100 % (minute 2–4 to minute 8–10 of the full
 *   run), floor to floor and peak to peak (see below: one sample against another measures GC);
 * - freshness p95: 202 → the probe batch visible in the minute rollups;
 * - p95 of the report API and of the report page under load;
 * - events: rows and every rollup level hold exactly what was acknowledged; one alert per threshold.
 * The figures go to .data/faults/load.json; the JSON line's `rss_growth_pct` is the larger of
 * web's and the worker's growth.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startMailCatcher } from "@/dev/mail-catcher";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { createApiToken } from "@/features/api-tokens/server/api-tokens";
import { makeBudget } from "@/features/budgets/test/fixtures";
import { createOrg } from "../helpers/factory";
import { signInOverHttp } from "../helpers/http-session";
import { BASE, eventually, freePort, recordFigures, ROOT, sleep, spawnWorker, workerEnv, type WorkerChild } from "./harness";

const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const FIXED_RATE = process.env.LOAD_RATE ? Number(process.env.LOAD_RATE) : null;
const CALIBRATE_SECONDS = Number(process.env.LOAD_CALIBRATE_SECONDS ?? 6);
const SAMPLE_MS = 10_000;
const WINDOW_FROM = 0.2; // RSS growth from 20 % of the run to its end: minute 2 → 10 of the full run
const CLIENTS = 4;
const BATCH = 200; // events per batch while measuring capacity
const COST_MICROS = 10n; // per event
const LOAD_RESULTS = process.env.FAULTS_LOAD_RESULTS ?? join(ROOT, ".data/faults/load.json");

let catcher: Awaited<ReturnType<typeof startMailCatcher>>;
let smtpPort = 0;
let worker: (WorkerChild & { bundle: boolean }) | null = null;

beforeAll(async () => {
  if (!BASE) throw new Error("FAULTS_BASE_URL is not set: run with npm run test:faults");
  smtpPort = await freePort();
  catcher = await startMailCatcher({ smtpPort, httpPort: await freePort(), quiet: true });
});

afterAll(async () => {
  if (worker && worker.proc.exitCode === null && worker.proc.signalCode === null) {
    worker.proc.kill("SIGTERM");
    const t = setTimeout(() => worker?.proc.kill("SIGKILL"), 5_000);
    await worker.exited;
    clearTimeout(t);
  }
  await catcher?.close();
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

/** Resident memory (MiB) of a process and all its descendants, from /proc. */
export function treeRssMiB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d}/status`, "utf8"));
      const pid = Number(d);
      rss.set(pid, m ? Number(m[1]) : 0);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // the process ended while we read it
    }
  }
  let kb = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    kb += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1));
};

type Ingest = { token: string; run: string };

/** One batch; returns the status and, when acknowledged, the time of the answer. */
async function push(ing: Ingest, n: number, model: string, seq: number) {
  const now = new Date().toISOString();
  const events = Array.from({ length: n }, (_, i) => ({
    id: `load-${ing.run}-${seq}-${i}`,
    timestamp: now,
    provider: "openai",
    model,
    input_tokens: 100,
    output_tokens: 10,
    cost_usd: (Number(COST_MICROS) / 1e6).toFixed(6),
  }));
  const t0 = performance.now();
  let status = 0;
  try {
    const res = await fetch(new URL("/api/v1/usage", BASE), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ing.token}` },
      body: JSON.stringify({ events }),
    });
    status = res.status;
    await res.arrayBuffer();
  } catch {
    status = 0;
  }
  return { status, ms: performance.now() - t0, at: performance.now() };
}

describe("load: ingest at half capacity while reports are read and budgets evaluate", () => {
  it("answers no errors, keeps RSS flat and every acknowledged event once", async () => {
    const o = await createOrg();
    const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "load" });
    const api = await createApiToken(o.ctx, { name: "load reports", scopes: ["reports:read"] });
    const cookie = await signInOverHttp(BASE, o.owner.email, "correct horse battery");
    const appPid = Number(process.env.FAULTS_APP_PID ?? 0);
    const ing: Ingest = { token, run: randomUUID().slice(0, 8) };
    const statuses: Record<string, Record<string, number>> = { ingest: {}, reportApi: {}, reportPage: {} };
    const note = (surface: string, s: number) => (statuses[surface]![s] = (statuses[surface]![s] ?? 0) + 1);
    let acked = 0;
    let seq = 0;

    // 1. Capacity: CLIENTS clients push as fast as they can for a few seconds.
    let capacity = FIXED_RATE ? FIXED_RATE * 2 : 0;
    if (!FIXED_RATE) {
      const until = performance.now() + CALIBRATE_SECONDS * 1000;
      let n = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < until) {
            const r = await push(ing, BATCH, "calibrate", seq++);
            note("ingest", r.status);
            if (r.status === 202) n += BATCH;
          }
        }),
      );
      acked += n;
      capacity = n / ((performance.now() - t0) / 1000);
    }
    const rate = FIXED_RATE ?? capacity / 2;

    // 2. A budget the run crosses: 50 % a quarter of the way in, 100 % half way.
    const planned = BigInt(Math.round(rate * SECONDS)) * COST_MICROS + BigInt(acked) * COST_MICROS;
    const recipient = `load-${ing.run}@example.test`;
    const budget = await makeBudget(o.org.id, { name: "Load org", scope: "org", period: "monthly", amountMicros: planned / 2n, thresholds: [50, 100], mode: "soft", recipientEmails: [recipient] });
    // FAULTS_APP_MEMORY=1: the worker logs process.memoryUsage() every 10 s too (memory-sampler.cjs).
    const memory: Record<string, string> =
      process.env.FAULTS_APP_MEMORY === "1"
        ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${join(ROOT, "test/faults/memory-sampler.cjs")}`, MEMORY_SAMPLER_FILE: join(dirname(LOAD_RESULTS), "worker-memory.log") }
        : {};
    worker = { ...(await spawnWorker(workerEnv({ SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtpPort), ...memory }))), bundle: existsSync(join(ROOT, "dist/workers/main.mjs")) };

    // 3. The run.
    const start = performance.now();
    const end = start + SECONDS * 1000;
    const running = () => performance.now() < end;
    const ackMs: number[] = [];
    const freshness: number[] = [];
    const apiMs: number[] = [];
    const pageMs: number[] = [];
    const rss: { t: number; web: number; worker: number }[] = [];
    const sampleRss = () => rss.push({ t: Math.round((performance.now() - start) / 1000), web: appPid ? treeRssMiB(appPid) : 0, worker: treeRssMiB(worker!.proc.pid!) });
    sampleRss();
    const sampler = setInterval(sampleRss, SAMPLE_MS);

    // The calibration's batches at half their rate: each client is busy about half the time, so
    // the pace holds (smaller batches cost more per event and fall behind). Every third batch
    // carries a freshness probe (a model of its own, looked for in the minute rollups).
    const batch = BATCH;
    let batchNo = 0;
    let runAcked = 0;
    const probes: { model: string; at: number }[] = [];
    const producers = Array.from({ length: CLIENTS }, async () => {
      while (running()) {
        const k = batchNo++;
        const due = start + (k * batch * 1000) / rate;
        if (due > end) break;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const probe = k % 3 === 0 ? `probe-${ing.run}-${k}` : null;
        for (let attempt = 0; ; attempt++) {
          const r = await push(ing, batch, probe ?? "gpt-4o-mini", seq + k);
          note("ingest", r.status);
          if (r.status === 202) {
            ackMs.push(r.ms);
            acked += batch;
            runAcked += batch;
            if (probe) probes.push({ model: probe, at: r.at });
            break;
          }
          if (attempt >= 20) throw new Error(`batch not acknowledged: ${r.status}`);
          await sleep(200); // an error is counted; the same ids are retried
        }
      }
    });
    const prober = (async () => {
      while (running() || probes.length) {
        const p = probes.shift();
        if (!p) {
          await sleep(20);
          continue;
        }
        while (!(await pool.query(`SELECT 1 FROM usage_rollups WHERE granularity = 'minute' AND "workspaceId" = $1 AND model = $2`, [o.workspace.id, p.model])).rowCount) await sleep(5);
        freshness.push(performance.now() - p.at);
      }
    })();
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const reader = async (surface: "reportApi" | "reportPage", url: URL, headers: Record<string, string>, out: number[], pauseMs: number) => {
      while (running()) {
        const t0 = performance.now();
        let status = 0;
        try {
          const res = await fetch(url, { headers, redirect: "manual" });
          status = res.status;
          await res.arrayBuffer();
        } catch {
          status = 0;
        }
        out.push(performance.now() - t0);
        note(surface, status);
        await sleep(pauseMs);
      }
    };
    const apiUrl = new URL(`/api/v1/reports/usage?from=${from}&to=${to}&bucket=hour&group_by=model`, BASE);
    const pageUrl = new URL(`/${o.org.slug}/reports`, BASE);
    await Promise.all([
      ...producers,
      prober,
      reader("reportApi", apiUrl, { authorization: `Bearer ${api.token}` }, apiMs, 250),
      reader("reportPage", pageUrl, { cookie }, pageMs, 1_000),
    ]);
    sampleRss();
    clearInterval(sampler);
    const seconds = (performance.now() - start) / 1000;

    // 4. Events once at every level, and one alert per threshold crossed.
    const counts = async () => {
      const ev = (await pool.query<{ n: string; d: string; c: string }>(`SELECT count(*)::text AS n, count(DISTINCT "externalId")::text AS d, coalesce(sum("costMicros"),0)::text AS c FROM usage_events WHERE "workspaceId" = $1`, [o.workspace.id])).rows[0]!;
      const roll = (await pool.query<{ g: string; r: string; c: string }>(`SELECT granularity::text AS g, sum(requests)::text AS r, sum("costMicros")::text AS c FROM usage_rollups WHERE "workspaceId" = $1 GROUP BY 1 ORDER BY 1`, [o.workspace.id])).rows;
      return { rows: Number(ev.n), distinct: Number(ev.d), cost: BigInt(ev.c), levels: roll.map((r) => ({ g: r.g, requests: Number(r.r), cost: BigInt(r.c) })) };
    };
    const ev = await counts();
    const spent = BigInt(acked) * COST_MICROS;
    const crossed = budget.thresholds.filter((t) => spent * 100n >= budget.amountMicros * BigInt(t));
    const mailsFor = (t: number) => catcher.messages.filter((m) => m.to.includes(recipient) && m.subject.includes(`reached ${t}%`)).length;
    await eventually(async () => crossed.every((t) => mailsFor(t) >= 1), 120_000, 2_000);
    await sleep(3_000);
    const alertRows = await prisma.alert.findMany({ where: { orgId: o.org.id, kind: "budget_threshold" }, select: { threshold: true } });
    let duplicated = 0;
    let missed = 0;
    for (const t of budget.thresholds) {
      const expected = crossed.includes(t) ? 1 : 0;
      const rows = alertRows.filter((a) => a.threshold === t).length;
      duplicated += Math.max(0, rows - expected) + Math.max(0, mailsFor(t) - expected);
      missed += expected && (rows === 0 || mailsFor(t) === 0) ? 1 : 0;
    }
    let lost = Math.max(0, acked - ev.distinct);
    let double = ev.rows - ev.distinct + Math.max(0, ev.distinct - acked);
    for (const l of ev.levels) {
      if (l.requests > acked) double += l.requests - acked;
      if (l.requests < acked) lost += acked - l.requests;
    }
    const costOk = ev.cost === spent && ev.levels.length === 3 && ev.levels.every((l) => l.cost === spent);

    // 5. Figures.
    // RSS growth from minute 2 to minute 10. The web process's RSS is a saw-tooth while V8's heap
    // fills and is collected (in the first full run it climbed up to ~240 MiB and fell back three
    // times, each cycle ~110 s, before settling), so one sample against another measures the
    // GC's phase, not a leak. Growth is taken between two windows, each long enough to hold a
    // cycle: [20 %, 40 %) of the run (minute 2 to 4) and [80 %, 100 %] (minute 8 to 10); both the
    // floor (lowest sample: what is left after a collection) and the peak must stay within the
    // bound, and the larger of the two is the figure. The single-sample figure is kept beside it.
    const windowGrowth = (k: "web" | "worker") => {
      const first = rss.filter((s) => s.t >= WINDOW_FROM * SECONDS && s.t < 2 * WINDOW_FROM * SECONDS).map((s) => s[k]);
      const last = rss.filter((s) => s.t >= (1 - WINDOW_FROM) * SECONDS).map((s) => s[k]);
      if (first.length === 0 || last.length === 0 || Math.min(...first) <= 0) return null;
      const pctOf = (a: number, b: number) => ((b - a) / a) * 100;
      return Number(Math.max(pctOf(Math.min(...first), Math.min(...last)), pctOf(Math.max(...first), Math.max(...last))).toFixed(1));
    };
    const pointGrowth = (k: "web" | "worker") => {
      const from0 = rss.find((s) => s.t >= WINDOW_FROM * SECONDS) ?? rss[0]!;
      const last = rss[rss.length - 1]!;
      return from0[k] > 0 ? Number((((last[k] - from0[k]) / from0[k]) * 100).toFixed(1)) : null;
    };
    const larger = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    const errors = Object.fromEntries(Object.entries(statuses).map(([s, by]) => [s, Object.entries(by).filter(([k]) => !/^2\d\d$/.test(k)).reduce((n, [, v]) => n + v, 0)]));
    const errorsTotal = Object.values(errors).reduce((a, b) => a + b, 0);
    const webGrowth = windowGrowth("web");
    const workerGrowth = windowGrowth("worker");
    const out = {
      seconds: Math.round(seconds),
      capacity_events_per_s: Math.round(capacity),
      rate_target_events_per_s: Math.round(rate),
      rate_achieved_events_per_s: Math.round(runAcked / seconds),
      events_acked: acked,
      errors: errorsTotal,
      errors_by_surface: errors,
      statuses,
      rss_window: `${Math.round(WINDOW_FROM * SECONDS)}–${Math.round(2 * WINDOW_FROM * SECONDS)} s → ${Math.round((1 - WINDOW_FROM) * SECONDS)}–${SECONDS} s (floor and peak)`,
      rss_growth_pct: larger(webGrowth, workerGrowth),
      rss_growth_web_pct: webGrowth,
      rss_growth_worker_pct: workerGrowth,
      rss_growth_point_pct: larger(pointGrowth("web"), pointGrowth("worker")),
      rss_growth_point_web_pct: pointGrowth("web"),
      rss_growth_point_worker_pct: pointGrowth("worker"),
      rss_samples_mib: rss.map((s) => ({ t: s.t, web: Math.round(s.web), worker: Math.round(s.worker) })),
      ingest_ack_p95_ms: pct(ackMs, 0.95),
      freshness_p95_ms: pct(freshness, 0.95),
      freshness_probes: freshness.length,
      report_api_p95_ms: pct(apiMs, 0.95),
      report_api_queries: apiMs.length,
      report_page_p95_ms: pct(pageMs, 0.95),
      report_page_loads: pageMs.length,
      events: { lost, double, costOk, rows: ev.rows, levels: ev.levels.map((l) => ({ ...l, cost: String(l.cost) })) },
      alerts: { crossed, duplicated, missed },
      worker: worker.bundle ? "dist/workers/main.mjs" : "tsx workers/main.ts",
      web_rss_measured: appPid > 0,
      loadavg: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" "),
    };
    mkdirSync(dirname(LOAD_RESULTS), { recursive: true });
    writeFileSync(LOAD_RESULTS, JSON.stringify(out, null, 2));
    recordFigures("load", { events_lost: lost, events_double_counted: double, alerts_duplicated: duplicated, alerts_missed: missed, pauses_unconfirmed: 0, detail: { seconds: out.seconds, rate: out.rate_achieved_events_per_s, errors: errorsTotal } });
    console.table({
      "capacity (events/s, measured)": out.capacity_events_per_s,
      "target / achieved (events/s)": `${out.rate_target_events_per_s} / ${out.rate_achieved_events_per_s}`,
      "duration (s)": out.seconds,
      "errors (ingest / report API / report page)": `${errors.ingest} / ${errors.reportApi} / ${errors.reportPage}`,
      "ingest ack p95 (ms)": out.ingest_ack_p95_ms,
      "freshness p95 (ms)": `${out.freshness_p95_ms} (${out.freshness_probes} probes)`,
      "report API p95 (ms)": `${out.report_api_p95_ms} (${out.report_api_queries} queries)`,
      "report page p95 (ms)": `${out.report_page_p95_ms} (${out.report_page_loads} loads)`,
      [`RSS growth web / worker (%, ${out.rss_window})`]: `${webGrowth} / ${workerGrowth}`,
      [`RSS growth web / worker (%, one sample at ${Math.round(WINDOW_FROM * SECONDS)} s → the last)`]: `${out.rss_growth_point_web_pct} / ${out.rss_growth_point_worker_pct}`,
      "RSS web (MiB, first → last)": `${out.rss_samples_mib[0]?.web} → ${out.rss_samples_mib.at(-1)?.web}`,
      "RSS worker (MiB, first → last)": `${out.rss_samples_mib[0]?.worker} → ${out.rss_samples_mib.at(-1)?.worker}`,
      "events lost / double": `${lost} / ${double}`,
      "alerts crossed / dup / missed": `${crossed.length} / ${duplicated} / ${missed}`,
      "load average": out.loadavg,
    });

    expect(errorsTotal).toBe(0);
    expect({ lost, double, costOk }).toEqual({ lost: 0, double: 0, costOk: true });
    expect({ duplicated, missed }).toEqual({ duplicated: 0, missed: 0 });
    expect(freshness.length).toBeGreaterThan(0);
    expect(apiMs.length).toBeGreaterThan(0);
    expect(pageMs.length).toBeGreaterThan(0);
    if (SECONDS >= 600) expect(out.rss_growth_pct!).toBeLessThan(10);
  });
});
