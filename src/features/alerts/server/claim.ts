import type { Prisma } from "@/generated/prisma/client";
import type { AlertKind } from "@/generated/prisma/enums";
import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";

/**
 * Exactly-once alerts: the row with its unique `dedupeKey` is inserted FIRST (ON CONFLICT DO
 * NOTHING); only the caller whose insert won schedules the delivery. Concurrent evaluators,
 * retried jobs and restarted workers all race on the same key and at most one wins.
 */
export type AlertClaim = {
  orgId: string;
  kind: AlertKind;
  dedupeKey: string;
  title: string;
  payload: Record<string, unknown>;
  budgetId?: string | null;
  periodStart?: Date | null;
  threshold?: number | null;
  subjectType?: string | null;
  subjectId?: string | null;
  spendMicros?: bigint | null;
  limitMicros?: bigint | null;
  webhook?: boolean;
};

/** Returns the new alert's id, or null if that dedupeKey was already claimed. */
export async function claimAlert(c: AlertClaim): Promise<string | null> {
  const [id] = await claimAlertsIn(prisma, [c]);
  if (id) await scheduleDelivery(id);
  return id ?? null;
}

/**
 * Claims several alerts with the caller's client or transaction and returns the ids this
 * call inserted. Budget evaluation claims inside its version-checked transaction, so its
 * alerts commit with the budget definition they were decided from; the caller schedules the
 * deliveries after commit (scheduleDelivery).
 */
export async function claimAlertsIn(db: Prisma.TransactionClient | typeof prisma, claims: AlertClaim[]): Promise<string[]> {
  if (claims.length === 0) return [];
  const rows = await db.alert.createManyAndReturn({
    data: claims.map(({ webhook, payload, ...rest }) => ({ ...rest, payload: payload as Prisma.InputJsonValue, webhookStatus: webhook ? "pending" : "none" })),
    skipDuplicates: true,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** The delivery job for an alert; jobId from the row, so it is queued once while pending. */
export async function scheduleDelivery(alertId: string, opts: { retryRound?: number } = {}): Promise<void> {
  try {
    const jobId = opts.retryRound ? `deliver-${alertId}-r${opts.retryRound}` : `deliver-${alertId}`;
    await enqueue("alerts.deliver", { alertId }, { jobId });
  } catch (err) {
    // The alert row exists with status pending: the sweep re-queues it.
    console.warn("[alerts] could not schedule delivery", (err as Error).message);
  }
}

/**
 * Recovery for lost delivery jobs: alerts still pending (or stuck "sending" past the lease)
 * a minute after they were claimed are queued again. Safe: delivery re-checks each channel.
 */
export async function requeueStuckDeliveries(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - 60_000);
  const stuck = await prisma.alert.findMany({
    where: {
      createdAt: { lt: cutoff, gt: new Date(now.getTime() - 2 * 86_400_000) },
      OR: [{ emailStatus: { in: ["pending", "sending"] } }, { webhookStatus: { in: ["pending", "sending"] } }],
    },
    select: { id: true },
    take: 500,
  });
  const round = Math.floor(now.getTime() / 60_000);
  await Promise.all(stuck.map((a) => scheduleDelivery(a.id, { retryRound: round })));
  return stuck.length;
}
