import { afterAll, describe, expect, it, vi } from "vitest";

// Queues of this file's own: the assertions read the exports queue.
vi.hoisted(() => {
  process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? "tgtest"}-lostexports-${process.pid}`;
});

import { prisma } from "@/server/db";
import { closeQueues, getQueue } from "@/server/jobs/queue";
import { createOrg } from "../../../../test/helpers/factory";
import { exportsExpire } from "../../../../workers/processors/exports-expire";
import { createExport } from "./exports";
import { runExport } from "./run";

afterAll(() => closeQueues());

const MIN = 60_000;
const queuedRunsOf = async (exportId: string) =>
  (await getQueue("exports").getJobs(["waiting", "delayed", "prioritized"])).filter((j) => (j.data as { exportId?: string }).exportId === exportId).length;

describe("an export whose run was lost", () => {
  it("is queued again by the export sweep once its worker's lease has run out, and then completes", async () => {
    const o = await createOrg();
    const e = await createExport(o.ctx, { from: "2026-11-01", to: "2026-11-02" });
    await getQueue("exports").obliterate({ force: true });
    // The worker claimed it and was killed 6 minutes ago (its heartbeat stopped); BullMQ's own
    // retry found the lease still live and ended without running it.
    await prisma.export.update({ where: { id: e.id }, data: { status: "running", startedAt: new Date(Date.now() - 6 * MIN) } });
    expect(await runExport(e.id)).not.toBeNull(); // claimable now: the lease is over…
    await prisma.export.update({ where: { id: e.id }, data: { status: "running", startedAt: new Date(Date.now() - 6 * MIN) } });
    await exportsExpire({}, undefined as never);
    expect(await queuedRunsOf(e.id)).toBe(1); // …and the sweep puts it back on the queue
    // A live run (heartbeat a minute ago) and a finished one are left alone.
    const live = await createExport(o.ctx, { from: "2026-11-01", to: "2026-11-02" });
    await prisma.export.update({ where: { id: live.id }, data: { status: "running", startedAt: new Date(Date.now() - MIN) } });
    const done = await createExport(o.ctx, { from: "2026-11-01", to: "2026-11-02" });
    await runExport(done.id);
    await getQueue("exports").obliterate({ force: true });
    await exportsExpire({}, undefined as never);
    expect(await queuedRunsOf(live.id)).toBe(0);
    expect(await queuedRunsOf(done.id)).toBe(0);
  });

  it("is queued by the sweep when it was recorded but never reached the queue", async () => {
    const o = await createOrg();
    const e = await createExport(o.ctx, { from: "2026-11-01", to: "2026-11-02" });
    await getQueue("exports").obliterate({ force: true }); // the enqueue that failed (Redis down)
    await prisma.export.update({ where: { id: e.id }, data: { createdAt: new Date(Date.now() - 6 * MIN) } });
    await exportsExpire({}, undefined as never);
    expect(await queuedRunsOf(e.id)).toBe(1);
    expect(await runExport(e.id)).toMatchObject({ status: "done" });
  });
});
