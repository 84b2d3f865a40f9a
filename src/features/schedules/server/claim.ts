import type { ReportSchedule } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";
import type { Bounds } from "@/lib/periods";
import { runDedupeKey } from "./period";

/**
 * Exactly one report per schedule per period: the run row with its unique dedupeKey
 * ("<scheduleId>:<periodStart>") is inserted FIRST (ON CONFLICT DO NOTHING); only the caller
 * whose insert won queues the delivery. Two worker sets sweeping at once, a retried sweep
 * and a restarted worker all race on the same key and at most one wins. Test runs ("Send
 * now") get a unique key of their own and never take a period's slot.
 */
export async function claimRun(schedule: Pick<ReportSchedule, "id" | "orgId">, period: Bounds, opts: { test?: boolean } = {}): Promise<string | null> {
  const dedupeKey = opts.test ? `${schedule.id}:test:${Date.now()}:${Math.random().toString(36).slice(2, 10)}` : runDedupeKey(schedule.id, period.start);
  const rows = await prisma.reportRun.createManyAndReturn({
    data: [{ orgId: schedule.orgId, scheduleId: schedule.id, dedupeKey, test: Boolean(opts.test), periodStart: period.start, periodEnd: period.end }],
    skipDuplicates: true,
    select: { id: true },
  });
  const id = rows[0]?.id ?? null;
  if (id) await scheduleRunDelivery(id);
  return id;
}

/** jobId from the row: queued once while pending; a retry round gets its own id. */
export async function scheduleRunDelivery(runId: string, retryRound?: number): Promise<void> {
  try {
    await enqueue("reports.deliver", { runId }, { jobId: retryRound ? `report-run-${runId}-r${retryRound}` : `report-run-${runId}` });
  } catch (err) {
    // The run row exists as pending: the sweep queues it again.
    console.warn("[reports] could not queue delivery", (err as Error).message);
  }
}
