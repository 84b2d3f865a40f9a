import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { until } from "../../../../test/helpers/wait";

// This file runs real workers: give it its own queues, so it never picks up jobs other test
// files (running in parallel with the same REDIS_PREFIX) enqueue for their own assertions.
vi.hoisted(() => {
  process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? "tgtest"}-pipeline-${process.pid}`;
});

import { prisma } from "@/server/db";
import { enqueue, getQueue } from "@/server/jobs/queue";
import { createOrg } from "../../../../test/helpers/factory";
import { mailbox } from "../../../../test/helpers/mail";
import { startFakeOpenRouter, type FakeOpenRouter } from "@/providers/openrouter/fake";
import { startWorkers } from "../../../../workers/run";
import { landUsage, makeBudget, makeConnection, makeKey, recipient } from "../test/fixtures";
import { sweepBudgets } from "./evaluate";

// The whole path with real BullMQ workers: usage lands → onUsageLanded → budgets.evaluate
// (debounced) → claims → alerts.deliver / enforcement.apply. Two worker sets compete for
// every queue, and extra evaluations are queued on purpose (as retries and sweeps would).

let fake: FakeOpenRouter;
let stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  fake = await startFakeOpenRouter({ seed: 21 });
  for (let i = 0; i < 2; i++) stops.push((await startWorkers({ schedules: false, log: () => {} })).stop);
});
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
  await fake.close();
});


describe("budget pipeline with workers", () => {
  it("sends each threshold email exactly once and pauses the key once, with competing workers and duplicate evaluations", async () => {
    const { org, workspace } = await createOrg();
    const conn = await makeConnection(org.id, "openrouter", fake.url, fake.state.managementKey, workspace.id);
    const fk = fake.state.createKey({ name: "pipeline" });
    const key = await makeKey(org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fk.hash, workspaceId: workspace.id });
    const to = recipient();
    const budget = await makeBudget(org.id, { amountMicros: 10_000_000n, mode: "hard", scope: "workspace", workspaceId: workspace.id, thresholds: [50, 80, 100], recipientEmails: [to] });
    const at = new Date();
    const land = (usd: number) => landUsage([{ orgId: org.id, workspaceId: workspace.id, at, costMicros: BigInt(usd * 1_000_000), providerKeyId: key.id, provider: "openrouter" }]);

    await Promise.all([land(3), land(3)]); // 60%
    await until("the 50% email", async () => (await mailbox(to)).some((m) => m.subject.includes("50%")));
    await Promise.all([land(2), land(2), land(2)]); // 120%
    await Promise.all(Array.from({ length: 10 }, (_, i) => enqueue("budgets.evaluate", { orgId: org.id, budgetId: budget.id }, { jobId: `dup-${budget.id}-${i}` })));
    // The sweep queues every budget of the shared test database (other files' too), and these two
    // worker sets evaluate them all, so under a full parallel run the pause can take longer than
    // the helper's default 30 s: wait up to 2 minutes.
    await sweepBudgets();
    await until("the key to be paused at OpenRouter", async () => fake.state.isDisabled(fk.hash), 120_000);
    await until("the 80% and 100% emails", async () => {
      const subjects = (await mailbox(to)).map((m) => m.subject);
      return subjects.some((s) => s.includes("reached 80%")) && subjects.some((s) => s.includes("reached 100%")) && subjects.some((s) => s.includes("paused"));
    });
    // Let every queued duplicate finish, then count.
    await until("all evaluations to finish", async () => {
      const n = await prisma.budget.findUnique({ where: { id: budget.id }, select: { lastSpendMicros: true } });
      return n?.lastSpendMicros === 12_000_000n;
    });
    await Promise.all(Array.from({ length: 5 }, (_, i) => enqueue("budgets.evaluate", { orgId: org.id, budgetId: budget.id }, { jobId: `late-${budget.id}-${i}` })));
    await until("the late evaluations", async () => {
      const jobs = await Promise.all(Array.from({ length: 5 }, async (_, i) => getQueue("budgets").getJob(`late-${budget.id}-${i}`)));
      const states = await Promise.all(jobs.map((j) => j?.getState()));
      return states.every((s) => s === "completed" || s === undefined);
    });
    const subjects = (await mailbox(to)).map((m) => m.subject);
    expect(subjects.filter((s) => s.includes("reached 50%"))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes("reached 80%"))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes("reached 100%"))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes("paused"))).toHaveLength(1);
    expect(await prisma.alert.count({ where: { budgetId: budget.id, kind: "budget_threshold" } })).toBe(3);
    expect(await prisma.enforcementAction.count({ where: { providerKeyId: key.id, action: "pause" } })).toBe(1);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: key.id } })).toMatchObject({ status: "paused", pausedByTollgate: true, pausedByBudgetId: budget.id });
  }, 240_000);
});
