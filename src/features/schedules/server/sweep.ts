import { prisma } from "@/server/db";
import { claimRun, scheduleRunDelivery } from "./claim";
import { duePeriod } from "./period";

/**
 * reports.sweep (every 5 minutes): for every enabled schedule, the period whose send hour has
 * come is claimed (once, see claim.ts). Only the latest due period is ever sent: a worker that
 * was down for a week sends last week's report, not seven daily ones. A schedule created after
 * a period's send time starts with the next period. Runs left pending by a lost job are queued
 * again (delivery re-checks the row, so that is safe).
 */
export async function sweepSchedules(now: Date = new Date()): Promise<{ claimed: string[]; requeued: number }> {
  const schedules = await prisma.reportSchedule.findMany({
    where: { enabled: true },
    select: { id: true, orgId: true, frequency: true, hour: true, createdAt: true, org: { select: { timeZone: true } } },
  });
  const claimed: string[] = [];
  for (const s of schedules) {
    const due = duePeriod(s.frequency, s.org.timeZone, s.hour, now);
    if (!due || s.createdAt > due.sendAt) continue;
    const id = await claimRun(s, due);
    if (id) claimed.push(id);
  }
  const stuck = await prisma.reportRun.findMany({
    where: { status: { in: ["pending", "sending"] }, createdAt: { lt: new Date(now.getTime() - 60_000), gt: new Date(now.getTime() - 2 * 86_400_000) } },
    select: { id: true },
    take: 500,
  });
  const round = Math.floor(now.getTime() / 60_000);
  await Promise.all(stuck.map((r) => scheduleRunDelivery(r.id, round)));
  return { claimed, requeued: stuck.length };
}
