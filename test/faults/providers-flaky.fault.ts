/**
 * Fault 4: the fake OpenAI answers 429/500/502/503 to 30 % of requests (its fault switch,
 * `controls.setFlaky`) while the poller runs again and again and usage is pushed to the running
 * app for the same keys and models. Afterwards, with the fault still on:
 * - every pushed event the app acknowledged is stored once;
 * - the poller caught up without gaps: for every hour bucket, key and model the fake reported,
 *   pushed + polled fill = max(pushed, polled) = the fake's count (pushes are a subset here), and
 *   no cell exists that the fake does not have.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma, pool } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { createIngestToken } from "@/features/ingest/server/tokens";
import { pollOpenAI } from "@/features/providers/server/poll-openai";
import { makeConnection } from "@/features/providers/server/pollers.test-helpers";
import { createOrg } from "../helpers/factory";
import { BASE, checkEvents, Ledger, pushUntilAcked, recordFigures, sleep } from "./harness";
import { compareWithTruth, fakeTruth, HOUR } from "./poll-truth";

const DAY = 86_400_000;
let fake: FakeOpenAI;

beforeAll(async () => {
  if (!BASE) throw new Error("FAULTS_BASE_URL is not set: run with npm run test:faults");
  fake = await startFakeOpenAI({ seed: 94 });
  fake.generateTraffic({ days: 3, requestsPerDay: 240 });
});

afterAll(async () => {
  await fake?.close();
  await closeQueues();
  await prisma.$disconnect();
  await pool.end();
});

describe("flaky providers while polls run and usage is pushed", () => {
  it("the poller resumes without gaps and pushed + polled = max in every bucket", async () => {
    const o = await createOrg();
    const { token } = await createIngestToken(o.ctx, { workspaceId: o.workspace.id, name: "faults-flaky" });
    const conn = await makeConnection(o.org, { provider: "openai", secret: fake.state.adminKey, baseUrl: fake.url, workspaceId: o.workspace.id });
    fake.controls.setFlaky({ rate: 0.3, statuses: [429, 500, 502, 503], seed: 9401, retryAfterSeconds: 0 });

    const statuses: Record<string, number> = {};
    const poll = async () => {
      // The scheduled poller's settings (3 retries per request); a provider error that outlasts
      // them fails the poll (the job), and the next poll has to make up for it.
      const s = await pollOpenAI(conn.id, { sleep: async () => undefined }).then(
        (r) => r.status,
        (e: Error) => `threw ${e.name}`,
      );
      statuses[s] = (statuses[s] ?? 0) + 1;
      return s;
    };
    // The first good poll discovers the keys; pushes can name them after that.
    for (let i = 0; i < 40 && (await poll()) !== "ok"; i++);
    expect(statuses).toMatchObject({ ok: 1 });
    await sleep(11_000); // the app's attribution cache (5–10 s) sees the new keys

    // The fake's truth per (hour, key, model) for token kinds; push about half of each of the
    // last 30 hours' keyed cells as events, a subset of what the provider will report.
    const from = Math.floor((Date.now() - 29 * DAY) / HOUR) * HOUR + HOUR;
    const truth = fakeTruth(fake, from);
    const ledger = new Ledger();
    const toPush = [...truth.entries()]
      .map(([k, n]) => ({ k, n, parts: k.split("|") }))
      .filter(({ parts }) => parts[1] !== "-" && Date.parse(parts[0]!) > Date.now() - 30 * HOUR)
      .flatMap(({ parts, n }) =>
        Array.from({ length: Math.ceil(n / 2) }, (_, i) => ({
          id: `flaky-${randomUUID()}`,
          timestamp: new Date(Date.parse(parts[0]!) + 60_000 * (i + 1)).toISOString(),
          provider: "openai",
          model: parts[2]!,
          api_key: parts[1]!,
          input_tokens: 10,
          output_tokens: 1,
          costMicros: 100n,
        })),
      );
    expect(toPush.length).toBeGreaterThan(0);

    // Pushes and polls interleave; the fault stays on throughout.
    for (let i = 0; i < toPush.length; i += 25) {
      await pushUntilAcked(token, toPush.slice(i, i + 25), ledger);
      await poll();
    }
    // Then the poller keeps its schedule until three polls got through.
    for (let i = 0; i < 40 && (statuses.ok ?? 0) < 4; i++) await poll();
    const injected = fake.controls.flakyCount;
    fake.controls.setFlaky(null);

    const events = await checkEvents(o.workspace.id, ledger, { rollups: false });
    const { gaps, excess } = await compareWithTruth(o.org.id, from, truth);
    recordFigures("providers-flaky", {
      events_lost: events.lost,
      events_double_counted: events.double + excess.length,
      alerts_duplicated: 0,
      alerts_missed: 0,
      pauses_unconfirmed: 0,
      detail: { injected, polls: statuses, pushed: toPush.length, cells: truth.size, gaps: gaps.slice(0, 10), excess: excess.slice(0, 10), events },
    });

    expect(injected).toBeGreaterThan(0);
    expect(events).toMatchObject({ lost: 0, double: 0, acked: toPush.length });
    expect(gaps).toEqual([]);
    expect(excess).toEqual([]);
  });
});
