import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";

// A Redis of our own on a free port: this test flushes it, which must never touch the shared one.
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
execFileSync("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"]);
process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
process.env.REDIS_PREFIX = `tgheal${port}`;

// Imported after REDIS_URL points at our Redis (env.ts reads it once).
const { prisma } = await import("@/server/db");
const { redis } = await import("@/server/redis");
const { startWorkers } = await import("./run");
const { SCHEDULES } = await import("@/server/jobs/definitions");
const { missingSchedules } = await import("@/server/jobs/schedules");
const { healthCheck, STALE_POLL_MS } = await import("@/server/health");
const { GET } = await import("@/app/api/health/route");
const { budgetsSweep } = await import("./processors/budgets-sweep");
const { createOrg } = await import("../test/helpers/factory");
const { makeConnection, makeKey } = await import("@/features/budgets/test/fixtures");

const waitFor = async (cond: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
};

afterAll(() => {
  try {
    execFileSync("redis-cli", ["-p", String(port), "shutdown", "nosave"]);
  } catch {
    // already gone
  }
});

describe("after a Redis flush", () => {
  let applied: string[] = [];
  let delivered: string[] = [];
  let running: Awaited<ReturnType<typeof startWorkers>>;
  beforeAll(async () => {
    running = await startWorkers({
      processors: {
        // Every scheduled job gets a no-op, so a schedule added later is covered too.
        ...Object.fromEntries(SCHEDULES.map((s) => [s.job, async () => undefined])),
        "budgets.sweep": budgetsSweep,
        "enforcement.apply": async ({ actionId }) => void applied.push(actionId),
        "alerts.deliver": async ({ alertId }) => void delivered.push(alertId),
        "providers.sweep": async () => undefined,
        "pricing.sync": async () => undefined,
        "usage.retention": async () => undefined,
        "alerts.credits-sweep": async () => undefined,
        "alerts.anomaly-sweep": async () => undefined,
      },
      healEveryMs: 2_000,
      log: () => {},
    });
  });
  afterAll(async () => {
    await running.stop();
  });

  it("the schedulers heal themselves, and pending enforcement actions and deliveries are re-queued from the database", async () => {
    expect(await missingSchedules()).toEqual([]);
    const { org, workspace } = await createOrg();
    const key = await makeKey(org.id, { connectionId: null, provider: "openrouter", providerKeyId: `h-${org.id}`, workspaceId: workspace.id });
    // A pause whose apply job was queued before the flush (requested two minutes ago).
    const action = await prisma.enforcementAction.create({
      data: { orgId: org.id, providerKeyId: key.id, action: "pause", reason: "test", dedupeKey: `heal-test:${key.id}`, requestedAt: new Date(Date.now() - 120_000) },
    });
    // An alert whose delivery job was queued before the flush.
    const alert = await prisma.alert.create({
      data: { orgId: org.id, kind: "key_paused", dedupeKey: `heal-test:${key.id}`, title: "test", createdAt: new Date(Date.now() - 120_000) },
    });
    applied = [];
    delivered = [];
    await redis().flushall();
    // The flush took the schedulers. missingSchedules() reads them one by one, and the 2-s heal
    // tick may re-create some while it does (a fresh-clone run saw 10 of 11): count, not equality.
    expect((await missingSchedules()).length).toBeGreaterThan(0);
    expect(await waitFor(async () => (await missingSchedules()).length === 0, 10_000)).toBe(true);
    expect(await waitFor(async () => applied.includes(action.id) && delivered.includes(alert.id), 15_000)).toBe(true);
  });

  it("/api/health reports missing schedulers and stale polls (503 only with ?strict=1)", async () => {
    await running.stop();
    await redis().flushall();
    const h = await healthCheck();
    expect(h).toMatchObject({ ok: true, degraded: true, schedulers: { ok: false } });
    expect(h.schedulers.missing).toEqual(expect.arrayContaining(["budgets-sweep", "providers-sweep"]));
    expect((await GET(new Request("http://x/api/health"))).status).toBe(200);
    const strict = await GET(new Request("http://x/api/health?strict=1"));
    expect(strict.status).toBe(503);
    expect(await strict.json()).toMatchObject({ degraded: true, schedulers: { ok: false } });

    const { org } = await createOrg();
    const before = (await healthCheck()).polls.stale;
    const conn = await makeConnection(org.id, "openrouter", "http://127.0.0.1:9", "sk-or-v1-test-secret-0000");
    await prisma.providerConnection.update({ where: { id: conn.id }, data: { lastPolledAt: new Date(Date.now() - STALE_POLL_MS - 60_000) } });
    expect((await healthCheck()).polls.stale).toBe(before + 1);
    await prisma.providerConnection.update({ where: { id: conn.id }, data: { lastPolledAt: new Date() } });
    expect((await healthCheck()).polls.stale).toBe(before);
  });
});
