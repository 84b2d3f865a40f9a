import type { Prisma } from "@/generated/prisma/client";
import type { Role } from "@/generated/prisma/enums";
import { prisma } from "@/server/db";
import { sendMail } from "@/server/email/transport";
import { systemContext } from "@/server/tenant";
import { renderEmail, type AlertMessage } from "@/features/alerts/server/templates";
import { buildReport } from "./content";

/**
 * Sends one claimed report run. The run is leased (pending → sending by a conditional UPDATE
 * only one worker wins; a `sending` lease older than LEASE_MS belongs to a crashed worker).
 * The content and CSV are computed once and stored on the run before the email goes out, so
 * a retry sends the same numbers and the download is exactly what was attached. After the SMTP
 * server accepts, the run is `sent` and never sent again. As with alerts, a crash between
 * "accepted" and "marked sent" can repeat one email after the lease: SMTP has no idempotency
 * key; the X-Tollgate-Report header lets a mail filter drop the copy.
 */
const LEASE_MS = 120_000;

async function recipients(orgId: string, emails: string[], roles: Role[]): Promise<string[]> {
  const out = new Set(emails.map((e) => e.toLowerCase()));
  if (roles.length) {
    const rows = await prisma.membership.findMany({ where: { orgId, role: { in: roles } }, select: { user: { select: { email: true } } } });
    for (const r of rows) out.add(r.user.email.toLowerCase());
  }
  return [...out].sort();
}

export async function deliverRun(runId: string, opts: { finalAttempt?: boolean; now?: Date } = {}): Promise<string | null> {
  const now = opts.now ?? new Date();
  const leased = await prisma.reportRun.updateMany({
    where: { id: runId, OR: [{ status: "pending" }, { status: "sending", leasedAt: { lt: new Date(now.getTime() - LEASE_MS) } }] },
    data: { status: "sending", leasedAt: now, attempts: { increment: 1 } },
  });
  if (leased.count === 0) return (await prisma.reportRun.findUnique({ where: { id: runId }, select: { status: true } }))?.status ?? null;
  const run = await prisma.reportRun.findUniqueOrThrow({ where: { id: runId }, include: { schedule: true } });
  try {
    const ctx = await systemContext(run.orgId, "scheduled report");
    let csv = run.csv;
    let message = (run.summary as { message?: AlertMessage } | null)?.message;
    if (!csv || !message) {
      const content = await buildReport(ctx, run.schedule, { start: run.periodStart, end: run.periodEnd }, now, { test: run.test });
      csv = Buffer.from(content.csv, "utf8");
      message = content.message;
      await prisma.reportRun.update({
        where: { id: run.id },
        data: { csv, totalMicros: content.totalMicros, summary: { ...content.summary, message } as Prisma.InputJsonValue },
      });
    }
    const subjectAndBody = renderEmail(message);
    const to = await recipients(run.orgId, run.schedule.recipients, run.schedule.recipientRoles);
    if (to.length === 0) {
      await prisma.reportRun.update({ where: { id: run.id }, data: { status: "none", error: "No recipients", recipients: [] } });
      return "none";
    }
    const day = run.periodStart.toISOString().slice(0, 10);
    await sendMail({
      to,
      ...subjectAndBody,
      headers: { "X-Tollgate-Report": run.id },
      attachments: [{ filename: `tollgate-report-${day}.csv`, content: Buffer.from(csv), contentType: "text/csv; charset=utf-8" }],
    });
    await prisma.reportRun.update({ where: { id: run.id }, data: { status: "sent", sentAt: new Date(), error: null, recipients: to } });
    if (!run.test) await prisma.reportSchedule.update({ where: { id: run.scheduleId }, data: { lastSentAt: new Date() } });
    return "sent";
  } catch (e) {
    const message = (e as Error).message?.slice(0, 500) ?? String(e);
    // Left pending, the sweep queues it again; a day later we give up.
    const giveUp = opts.finalAttempt && now.getTime() - run.createdAt.getTime() > 86_400_000;
    await prisma.reportRun.update({ where: { id: run.id }, data: { status: giveUp ? "failed" : "pending", error: message } });
    throw new Error(`Report run ${run.id} failed (${message}); will retry`);
  }
}
