import { z } from "zod";
import { prisma } from "@/server/db";
import { AppError, notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { periodBounds } from "@/lib/periods";
import { NO_NUL } from "@/lib/form-schemas";
import { writeAudit } from "@/features/audit/server/audit";
import { ScheduleIdInput } from "../schemas";
import { claimRun } from "./claim";
import { getManagedSchedule } from "./schedules";

/** Report runs: history, CSV download, and "Send now" (a test run of the last complete period). */

const RUN_FIELDS = { id: true, scheduleId: true, test: true, periodStart: true, periodEnd: true, status: true, attempts: true, error: true, recipients: true, totalMicros: true, createdAt: true, sentAt: true } as const;

// No NUL: PostgreSQL refuses it in text, so it would fail the query (a 500) instead of the input.
export const RunListInput = z.object({
  scheduleId: z.string().trim().max(64).regex(NO_NUL, "Not a scheduled report id").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const RunIdInput = z.object({ runId: z.string().trim().min(1).max(64).regex(/^[^\u0000]+$/, "Not a report run id") });

export async function listRuns(ctx: TenantContext, raw: unknown = {}) {
  requirePermission(ctx, "schedules:read");
  const { scheduleId, limit } = RunListInput.parse(raw);
  const rows = await prisma.reportRun.findMany({
    where: { orgId: ctx.orgId, ...(scheduleId ? { scheduleId } : {}) },
    select: { ...RUN_FIELDS, schedule: { select: { name: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
  });
  // The CSV is stored before the email goes out, so a run that is sending, or failed before its
  // content was built, has none yet: ask which ones have it (without loading the files).
  const withCsv = new Set(
    (await prisma.reportRun.findMany({ where: { orgId: ctx.orgId, id: { in: rows.map((r) => r.id) }, csv: { not: null } }, select: { id: true } })).map((r) => r.id),
  );
  return rows.map(({ schedule, totalMicros, ...r }) => ({ ...r, scheduleName: schedule.name, totalMicros: totalMicros?.toString() ?? null, hasCsv: withCsv.has(r.id) }));
}

export async function runCsv(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "schedules:read");
  const { runId } = RunIdInput.parse(raw);
  const run = await prisma.reportRun.findFirst({ where: { id: runId, orgId: ctx.orgId }, select: { id: true, csv: true, periodStart: true, schedule: { select: { name: true } } } });
  if (!run) throw notFound("Report run not found");
  if (!run.csv) throw new AppError(409, "not_ready", "This run has no CSV yet");
  const slug = run.schedule.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "report";
  return { filename: `${slug}-${run.periodStart.toISOString().slice(0, 10)}.csv`, body: Buffer.from(run.csv) };
}

export async function sendNow(ctx: TenantContext, raw: unknown, now = new Date()) {
  requirePermission(ctx, "schedules:write");
  const { scheduleId } = ScheduleIdInput.parse(raw);
  const schedule = await getManagedSchedule(ctx, scheduleId);
  const current = periodBounds(schedule.frequency, ctx.timeZone, now);
  const period = periodBounds(schedule.frequency, ctx.timeZone, current.start.getTime() - 1);
  const runId = await claimRun(schedule, period, { test: true });
  await writeAudit(ctx, { action: "schedule.test_sent", targetType: "report_schedule", targetId: schedule.id, after: { runId } });
  return { runId };
}
