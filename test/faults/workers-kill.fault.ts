/**
 * Fault 1: `kill -9` of worker processes in the middle of their work. Usage streams in through the
 * ingest API of the running app (scripts/test-faults.sh) while budgets cross their thresholds;
 * worker children (`tsx workers/main.ts`, this run's REDIS_PREFIX) evaluate, deliver alerts by
 * SMTP to an in-process mail catcher and pause keys at the fake OpenRouter. Every few seconds one
 * worker is SIGKILLed and another started. Afterwards, against the test's own ledger:
 * - every acknowledged event is in `usage_events` once and every rollup level holds it once;
 * - exactly one alert (row and mail) per budget, period and threshold crossed;
 * - every key under a hard budget past 100% is disabled at the fake.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startMailCatcher } from "@/dev/mail-catcher";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { makeBudget, makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { createOrg } from "../helpers/factory";
import { BASE, checkEvents, eventually, freePort, killHard, Ledger, pushUntilAcked, recordFigures, sleep, spawnWorker, stopGracefully, workerEnv, type WorkerChild } from "./harness";

let or: FakeOpenRouter;
let catcher: Awaited<ReturnType<typeof startMailCatcher>>;
let smtpPort = 0;
const workers: WorkerChild[] = [];

beforeAll(async () => {
  if (!BASE) throw new Error("FAULTS_BASE_URL is not set: run with npm run test:faults");
  or = await startFakeOpenRouter({ seed: 91 });
  smtpPort = await freePort();
  catcher = await startMailCatcher({ smtpPort, httpPort: await freePort(), quiet: true });
});

afterAll(async () => {
  await Promise.all(workers.map((w) => stopGracefully(w)));
  await or?.close();
  await catcher?.close();
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

describe("kill -9 of workers while usage streams in and budgets cross thresholds", () => {
  it("loses and double-counts no acknowledged event, sends one alert per crossing and confirms every pause", async () => {
    const o = await createOrg();
    const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "faults-kill" });
    const conn = await makeConnection(o.org.id, "openrouter", or.url, or.state.managementKey, o.workspace.id);
    const fakeKeys = [or.state.createKey({ name: "kill-a" }), or.state.createKey({ name: "kill-b" })];
    const keys = await Promise.all(
      fakeKeys.map((fk, i) => makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, label: `Kill key ${i}`, workspaceId: o.workspace.id })),
    );
    const to = (n: string) => `faults-${n}-${randomUUID().slice(0, 8)}@example.test`;
    // Amounts far enough from the final spend that "crossed" is not a matter of rounding.
    const budgets = [
      { b: await makeBudget(o.org.id, { name: "Key A hard", scope: "key", providerKeyId: keys[0]!.id, amountMicros: 1_000_000n, thresholds: [50, 80, 100], mode: "hard", recipientEmails: [to("a")] }), key: 0 },
      { b: await makeBudget(o.org.id, { name: "Key B hard", scope: "key", providerKeyId: keys[1]!.id, amountMicros: 1_200_000n, thresholds: [50, 100], mode: "hard", recipientEmails: [to("b")] }), key: 1 },
      { b: await makeBudget(o.org.id, { name: "Org soft", scope: "org", period: "monthly", amountMicros: 2_000_000n, thresholds: [25, 50, 75, 100, 120], mode: "soft", recipientEmails: [to("org")] }), key: null },
      { b: await makeBudget(o.org.id, { name: "Org never", scope: "org", period: "monthly", amountMicros: 900_000_000n, thresholds: [50, 100], mode: "soft", recipientEmails: [to("never")] }), key: null },
    ];

    const env = workerEnv({ SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtpPort) });
    workers.push(await spawnWorker(env), await spawnWorker(env));

    // 60 batches of 10 events, 0.005 USD each, alternating the two keys: 1.5 USD per key, 3 USD in all.
    const ledger = new Ledger();
    const BATCHES = 60;
    let killed = 0;
    const killer = (async () => {
      // Kill one worker every ~4 s while the stream runs, and start a replacement.
      for (let i = 0; i < 4; i++) {
        await sleep(4_000);
        const victim = workers.find((w) => w.proc.exitCode === null && w.proc.signalCode === null);
        if (victim) {
          await killHard(victim);
          killed += 1;
        }
        workers.push(await spawnWorker(env));
      }
    })();
    for (let b = 0; b < BATCHES; b++) {
      const events = Array.from({ length: 10 }, (_, i) => ({
        id: `kill-${b}-${i}-${randomUUID()}`,
        timestamp: new Date().toISOString(),
        provider: "openrouter",
        model: "openai/gpt-4o-mini",
        api_key: fakeKeys[(b * 10 + i) % 2]!.hash,
        input_tokens: 100,
        output_tokens: 10,
        costMicros: 5_000n,
      }));
      await pushUntilAcked(token, events, ledger);
      await sleep(250);
    }
    await killer;
    expect(killed).toBe(4);

    const spendOfKey = (k: number) => [...ledger.acked.entries()].filter(([id]) => Number(id.split("-")[2]) % 2 === k).reduce((s, [, c]) => s + c, 0n);
    const spendOf = (x: (typeof budgets)[number]) => (x.key === null ? ledger.costMicros : spendOfKey(x.key));
    const crossed = budgets.flatMap((x) => x.b.thresholds.filter((t) => spendOf(x) * 100n >= x.b.amountMicros * BigInt(t)).map((t) => ({ x, t })));
    const mustPause = budgets.filter((x) => x.b.mode === "hard" && x.key !== null && spendOf(x) >= x.b.amountMicros).map((x) => fakeKeys[x.key!]!.hash);
    expect(crossed.length).toBe(3 + 2 + 5);
    expect(mustPause).toHaveLength(2);

    const mailsFor = (x: (typeof budgets)[number], t: number) =>
      catcher.messages.filter((m) => m.to.includes(x.b.recipientEmails[0]!) && m.subject.includes(`reached ${t}%`)).length;
    // Stalled jobs come back after BullMQ's 30 s, the sweep runs every minute and a killed
    // delivery's lease expires after 2 min: allow for all three.
    const converged = await eventually(
      async () => crossed.every(({ x, t }) => mailsFor(x, t) >= 1) && mustPause.every((h) => or.state.isDisabled(h)),
      200_000,
      2_000,
    );
    await sleep(5_000); // late duplicates, if any, arrive now
    const events = await checkEvents(o.workspace.id, ledger);
    const alertRows = await prisma.alert.findMany({ where: { orgId: o.org.id, kind: "budget_threshold" }, select: { budgetId: true, threshold: true, emailStatus: true } });
    let duplicated = 0;
    let missed = 0;
    for (const x of budgets)
      for (const t of x.b.thresholds) {
        const rows = alertRows.filter((a) => a.budgetId === x.b.id && a.threshold === t).length;
        const mails = mailsFor(x, t);
        const expected = crossed.some((c) => c.x === x && c.t === t) ? 1 : 0;
        duplicated += Math.max(0, rows - expected) + Math.max(0, mails - expected);
        missed += expected && (rows === 0 || mails === 0) ? 1 : 0;
      }
    const unconfirmed = mustPause.filter((h) => !or.state.isDisabled(h)).length;
    recordFigures("workers-kill", {
      events_lost: events.lost,
      events_double_counted: events.double,
      alerts_duplicated: duplicated,
      alerts_missed: missed,
      pauses_unconfirmed: unconfirmed,
      detail: { killed, converged, events, statuses: ledger.statuses, crossed: crossed.length },
    });

    expect(events).toMatchObject({ acked: BATCHES * 10, rows: BATCHES * 10, lost: 0, double: 0, unacked: 0, costOk: true });
    expect(events.levels).toHaveLength(3);
    expect({ duplicated, missed, unconfirmed }).toEqual({ duplicated: 0, missed: 0, unconfirmed: 0 });
    const paused = await prisma.providerKey.findMany({ where: { id: { in: keys.map((k) => k.id) } }, select: { status: true } });
    expect(paused.map((k) => k.status)).toEqual(["paused", "paused"]);
  });
});
