import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// Real workers on queues of this file's own (see pipeline.int.test.ts for why).
vi.hoisted(() => {
  process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? "tgtest"}-schedules-${process.pid}`;
});

import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";
import { periodBounds } from "@/lib/periods";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { startWorkers } from "../../../../workers/run";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { mailbox } from "../../../../test/helpers/mail";
import { until } from "../../../../test/helpers/wait";
import { csvObjects } from "../../../../test/helpers/csv";
import { sweepSchedules } from "./sweep";
import { deliverRun } from "./deliver";
import { duePeriod } from "./period";

vi.mock("@/server/next/session", () => sessionMock);
const { createScheduleAction, sendNowAction } = await import("@/app/[org]/schedules/actions");

const TZ = "Europe/Berlin";
let stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  for (let i = 0; i < 2; i++) stops.push((await startWorkers({ schedules: false, log: () => {} })).stop);
});
afterAll(async () => {
  await Promise.all(stops.map((s) => s()));
  stops = [];
});

function event(o: Awaited<ReturnType<typeof createOrg>>, at: Date, cost: bigint, model: string): NormalizedEvent {
  return {
    orgId: o.org.id, workspaceId: o.workspace.id, externalId: uniq("ev"), source: "push", provider: "openai", model, projectTagId: o.defaultTag.id,
    memberId: o.owner.id, endUser: null, providerKeyId: null, apiKeyRef: null, service: null, language: null, occurredAt: at, inputTokens: 10, outputTokens: 5,
    cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, requests: 1, costMicros: cost, latencyMs: 100, status: 200, errorType: null, errorMessage: null, generationId: null, metadata: null,
  };
}

describe("scheduled reports", () => {
  it("sends exactly one report per period with two worker sets, repeated sweeps and retried deliveries; the CSV totals the period's raw events", async () => {
    const o = await createOrg();
    await prisma.org.update({ where: { id: o.org.id }, data: { timeZone: TZ } });
    const to = `${uniq("fin")}@example.test`;
    actAs(o.owner.id);
    const created = await createScheduleAction(o.org.slug, { name: "Daily spend", frequency: "daily", hour: 0, recipients: to, recipientRoles: [] });
    expect(created.ok).toBe(true);
    const scheduleId = (created as { data: { id: string } }).data.id;
    await prisma.reportSchedule.update({ where: { id: scheduleId }, data: { createdAt: new Date(Date.now() - 3 * 86_400_000) } });

    const now = new Date();
    const due = duePeriod("daily", TZ, 0, now)!;
    const yesterday = periodBounds("daily", TZ, now.getTime() - 86_400_000);
    expect(due.start).toEqual(yesterday.start);
    const inside = [event(o, new Date(due.start.getTime() + 1000), 1_250_000n, "gpt-4o"), event(o, new Date(due.end.getTime() - 60_000), 3_000_001n, "=cmd"), event(o, new Date(due.start.getTime() + 7_200_000), 999n, "gpt-4o-mini")];
    const outside = [event(o, new Date(due.end.getTime() + 1000), 5_000_000n, "gpt-4o"), event(o, new Date(due.start.getTime() - 1000), 7_000_000n, "gpt-4o")];
    await writeUsageEvents([...inside, ...outside]);

    // Two sweeps at once per worker set, then the job itself queued several times.
    await Promise.all([sweepSchedules(now), sweepSchedules(now), sweepSchedules(now), sweepSchedules(now)]);
    await Promise.all(Array.from({ length: 4 }, (_, i) => enqueue("reports.sweep", {}, { jobId: `sweep-${scheduleId}-${i}` })));
    const run = await until("the report to be sent", async () => prisma.reportRun.findFirst({ where: { scheduleId, status: "sent" } }));
    // Retried deliveries of the sent run (as BullMQ retries or the stuck-run sweep would).
    await Promise.all([deliverRun(run.id), deliverRun(run.id), enqueue("reports.deliver", { runId: run.id }, { jobId: `retry-${run.id}` })]);
    await new Promise((r) => setTimeout(r, 1000));

    expect(await prisma.reportRun.count({ where: { scheduleId } })).toBe(1);
    const mails = (await mailbox(to)).filter((m) => m.tollgate["x-tollgate-report"]);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.tollgate["x-tollgate-report"]).toBe(run.id);
    const expected = inside.reduce((s, e) => s + e.costMicros!, 0n);
    expect(mail.subject).toContain("$4.25");
    expect(mail.text).toContain("Top models");
    const csv = csvObjects(mail.attachments[0]!.text);
    expect(csv.reduce((s, r) => s + BigInt(r.cost_micros!), 0n)).toBe(expected);
    expect(csv.map((r) => r.model).sort()).toEqual(["'=cmd", "gpt-4o", "gpt-4o-mini"]);
    expect(run.totalMicros).toBe(expected);
    // The stored CSV is the attachment.
    expect(Buffer.from(run.csv!).toString("utf8")).toBe(mail.attachments[0]!.text);
  });

  it("Send now sends a test run that does not take the period's slot", async () => {
    const o = await createOrg();
    const to = `${uniq("test")}@example.test`;
    actAs(o.owner.id);
    const created = await createScheduleAction(o.org.slug, { name: "Weekly", frequency: "weekly", hour: 9, recipients: [to], recipientRoles: ["owner"] });
    const scheduleId = (created as { data: { id: string } }).data.id;
    const sent = await sendNowAction(o.org.slug, { scheduleId });
    expect(sent.ok).toBe(true);
    const mails = await until("the test email", async () => {
      const m = await mailbox(to);
      return m.length ? m : null;
    });
    expect(mails[0]!.subject).toMatch(/^\[Test\] Weekly/);
    expect(mails[0]!.to).toEqual(expect.arrayContaining([to, o.owner.email.toLowerCase()]));
    const run = await prisma.reportRun.findFirstOrThrow({ where: { scheduleId } });
    expect(run.test).toBe(true);
    expect(run.dedupeKey).toContain(":test:");
  });

  it("answers bad schedule input with field errors and writes nothing", async () => {
    const o = await createOrg();
    const other = await createOrg();
    actAs(o.owner.id);
    const before = await prisma.reportSchedule.count({ where: { orgId: o.org.id } });
    const r1 = await createScheduleAction(o.org.slug, { name: "", frequency: "hourly", hour: 25, recipients: "not-an-email", recipientRoles: [] });
    expect(r1).toMatchObject({ ok: false, status: 400 });
    const fe = (r1 as { fieldErrors: Record<string, string> }).fieldErrors;
    expect(Object.keys(fe)).toEqual(expect.arrayContaining(["name", "frequency", "hour"]));
    expect(Object.keys(fe).some((k) => k.startsWith("recipients"))).toBe(true);
    const r2 = await createScheduleAction(o.org.slug, { name: "x", frequency: "daily", hour: 8, recipients: [], recipientRoles: [] });
    expect((r2 as { fieldErrors: Record<string, string> }).fieldErrors.recipients).toMatch(/at least one/);
    const r3 = await createScheduleAction(o.org.slug, { name: "x", frequency: "daily", hour: 8, recipients: ["a@example.test"], workspaceId: other.workspace.id });
    expect(r3).toMatchObject({ ok: false, status: 400, fieldErrors: { workspaceId: expect.any(String) } });
    expect(await prisma.reportSchedule.count({ where: { orgId: o.org.id } })).toBe(before);
  });
});
