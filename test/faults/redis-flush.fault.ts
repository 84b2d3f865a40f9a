/**
 * Fault 2: Redis flushed, then Redis restarted (empty: no persistence), while usage streams in
 * through the running app and a worker child runs the schedules. The Redis is the run's own
 * (scripts/test-faults.sh starts it on FAULTS_REDIS_PORT); the shared one is never touched.
 * Against the test's ledger afterwards: every acknowledged event is there once (rows and every
 * rollup level), the schedulers are back within a minute of each loss (`missingSchedules`), and the
 * org budget's thresholds crossed during the outage are each alerted exactly once.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { missingSchedules } from "@/server/jobs/schedules";
import { startMailCatcher } from "@/dev/mail-catcher";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { makeBudget } from "@/features/budgets/test/fixtures";
import { createOrg } from "../helpers/factory";
import { BASE, checkEvents, eventually, freePort, Ledger, pushUntilAcked, recordFigures, sleep, spawnWorker, stopGracefully, workerEnv, type WorkerChild } from "./harness";

const PORT = Number(process.env.FAULTS_REDIS_PORT ?? 0);
let catcher: Awaited<ReturnType<typeof startMailCatcher>>;
let smtpPort = 0;
const workers: WorkerChild[] = [];

beforeAll(async () => {
  if (!BASE || !PORT) throw new Error("FAULTS_BASE_URL / FAULTS_REDIS_PORT are not set: run with npm run test:faults");
  // Never flush a Redis that is not this run's own.
  if (new URL(process.env.REDIS_URL ?? "").port !== String(PORT)) throw new Error("REDIS_URL is not the run's own Redis");
  smtpPort = await freePort();
  catcher = await startMailCatcher({ smtpPort, httpPort: await freePort(), quiet: true });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopGracefully(w)));
  await catcher?.close();
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

async function flush() {
  const r = new Redis({ port: PORT, host: "127.0.0.1", lazyConnect: true });
  await r.connect();
  await r.flushall();
  r.disconnect();
}

/** SHUTDOWN NOSAVE and start it again on the same port, empty (as after a crash without persistence). */
async function restart() {
  const r = new Redis({ port: PORT, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null });
  await r.connect();
  await r.call("SHUTDOWN", "NOSAVE").catch(() => undefined); // the connection drops: that is the answer
  r.disconnect();
  await sleep(2_000); // down for a while, with requests arriving
  // Daemonized so it outlives this test file; scripts/test-faults.sh shuts it down by port.
  await new Promise<void>((resolve, reject) =>
    spawn("redis-server", ["--port", String(PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"], { stdio: "ignore" }).on("exit", (c) =>
      c === 0 ? resolve() : reject(new Error(`redis-server exited ${c}`)),
    ),
  );
}

/** Seconds until no schedule is missing (checked every second); Infinity after 90 s. */
async function schedulesBackAfter(lostAt: number): Promise<number> {
  const ok = await eventually(async () => (await missingSchedules().catch(() => ["redis down"])).length === 0, 90_000, 1_000);
  return ok ? (Date.now() - lostAt) / 1000 : Infinity;
}

describe("Redis flushed and restarted while events stream and schedules run", () => {
  it("keeps every acknowledged event once, brings the schedules back within a minute and alerts each crossing once", async () => {
    const o = await createOrg();
    const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "faults-redis" });
    const recipient = `faults-redis-${randomUUID().slice(0, 8)}@example.test`;
    const budget = await makeBudget(o.org.id, { name: "Redis soft", scope: "org", period: "monthly", amountMicros: 1_000_000n, thresholds: [20, 40, 60, 80, 100], recipientEmails: [recipient] });

    const env = workerEnv({ SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtpPort) });
    workers.push(await spawnWorker(env)); // one: the shared PostgreSQL has 100 connections for 8 people
    expect(await missingSchedules()).toEqual([]);

    // 50 batches of 10 events at 0.0025 USD: 1.25 USD in all, crossing every threshold while Redis
    // is flushed (batch 10) and down/restarted (batch 30).
    const ledger = new Ledger();
    const back: Record<string, number> = {};
    const pending: Promise<void>[] = [];
    for (let b = 0; b < 50; b++) {
      if (b === 10) {
        await flush();
        const at = Date.now();
        pending.push(schedulesBackAfter(at).then((s) => void (back.flush = s)));
      }
      if (b === 30) {
        await pending[0]; // one loss at a time, so each is timed on its own
        const at = Date.now();
        const restarted = restart();
        pending.push(restarted.then(() => schedulesBackAfter(at)).then((s) => void (back.restart = s)));
      }
      const events = Array.from({ length: 10 }, (_, i) => ({
        id: `redis-${b}-${i}-${randomUUID()}`,
        timestamp: new Date().toISOString(),
        provider: "openai",
        model: "gpt-4o-mini",
        input_tokens: 100,
        output_tokens: 10,
        costMicros: 2_500n,
      }));
      await pushUntilAcked(token, events, ledger);
      await sleep(200);
    }
    await Promise.all(pending);

    const crossed = budget.thresholds.filter((t) => ledger.costMicros * 100n >= budget.amountMicros * BigInt(t));
    expect(crossed).toEqual([20, 40, 60, 80, 100]);
    const mailsFor = (t: number) => catcher.messages.filter((m) => m.to.includes(recipient) && m.subject.includes(`reached ${t}%`)).length;
    // The budgets sweep (every minute, and at once after a detected loss) rebuilds lost triggers.
    const converged = await eventually(async () => crossed.every((t) => mailsFor(t) >= 1), 150_000, 2_000);
    await sleep(5_000);
    const events = await checkEvents(o.workspace.id, ledger);
    const rows = await prisma.alert.findMany({ where: { budgetId: budget.id, kind: "budget_threshold" }, select: { threshold: true } });
    let duplicated = 0;
    let missed = 0;
    for (const t of budget.thresholds) {
      const n = rows.filter((r) => r.threshold === t).length;
      duplicated += Math.max(0, n - 1) + Math.max(0, mailsFor(t) - 1);
      missed += n === 0 || mailsFor(t) === 0 ? 1 : 0;
    }
    recordFigures("redis-flush-restart", {
      events_lost: events.lost,
      events_double_counted: events.double,
      alerts_duplicated: duplicated,
      alerts_missed: missed,
      pauses_unconfirmed: 0,
      detail: { schedulesBackSeconds: back, converged, statuses: ledger.statuses, events },
    });

    expect(events).toMatchObject({ acked: 500, rows: 500, lost: 0, double: 0, unacked: 0, costOk: true });
    expect(events.levels).toHaveLength(3);
    expect(back.flush).toBeLessThanOrEqual(60);
    expect(back.restart).toBeLessThanOrEqual(60);
    expect({ duplicated, missed }).toEqual({ duplicated: 0, missed: 0 });
  });
});
