import type { EnforcementAction, Prisma, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";

/**
 * Enforcement actions are claimed rows (unique `dedupeKey`) applied by the
 * `enforcement.apply` job, which retries with exponential backoff until the provider
 * confirms. A minute sweep re-queues actions still pending, so "until" really means until.
 *
 * Pause claims: `pause:<key>:<budget>:<periodStart>` (one per key, budget and period),
 * `anomaly-pause:<key>:<hour>`. Resume claims: `resume:<pause id>`, where the pause is the
 * newest open pause of the key, so concurrent releases of one key collapse into one.
 */
export const APPLY_ATTEMPTS = 8;

export async function scheduleApply(actionId: string, opts: { retryRound?: number } = {}): Promise<void> {
  try {
    const jobId = opts.retryRound ? `apply-${actionId}-r${opts.retryRound}` : `apply-${actionId}`;
    await enqueue("enforcement.apply", { actionId }, { jobId, attempts: APPLY_ATTEMPTS, backoff: { type: "exponential", delay: 1_000 } });
  } catch (err) {
    console.warn("[enforcement] could not schedule apply", (err as Error).message);
  }
}

/** The newest pause of the key that is pending or in force (not yet undone by a resume). */
export async function openPauseOf(orgId: string, keyId: string): Promise<EnforcementAction | null> {
  const [pause, resume] = await Promise.all([
    prisma.enforcementAction.findFirst({
      where: { orgId, providerKeyId: keyId, action: "pause", status: { in: ["pending", "confirmed"] } },
      orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
    }),
    prisma.enforcementAction.findFirst({
      where: { orgId, providerKeyId: keyId, action: "resume", status: { in: ["pending", "confirmed"] } },
      orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
    }),
  ]);
  if (!pause) return null;
  if (resume && resume.requestedAt >= pause.requestedAt) return null;
  return pause;
}

/**
 * Asks for a key to be resumed. Only keys Tollgate paused (or is about to pause) have an
 * open pause, so a key someone disabled by hand at the provider is never touched.
 * Returns the new action id, or null when there is nothing to resume or it was already asked.
 */
export async function requestResume(
  key: Pick<ProviderKey, "id" | "orgId">,
  opts: { reason: string; manual: boolean; budgetId: string | null; periodStart: Date | null; details?: Record<string, unknown> },
): Promise<string | null> {
  const pause = await openPauseOf(key.orgId, key.id);
  if (!pause) return null;
  const rows = await prisma.enforcementAction.createManyAndReturn({
    data: [
      {
        orgId: key.orgId,
        providerKeyId: key.id,
        budgetId: opts.budgetId,
        action: "resume",
        reason: opts.reason,
        dedupeKey: `resume:${pause.id}`,
        manual: opts.manual,
        periodStart: opts.periodStart,
        details: { undoes: pause.id, ...opts.details } as Prisma.InputJsonValue,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  const id = rows[0]?.id ?? null;
  if (id) await scheduleApply(id);
  return id;
}

/** Recovery for lost or exhausted apply jobs: every pending action older than a minute. */
export async function requeueStuckActions(now = new Date()): Promise<number> {
  const stuck = await prisma.enforcementAction.findMany({
    where: { status: "pending", requestedAt: { lt: new Date(now.getTime() - 60_000) } },
    select: { id: true },
    orderBy: { requestedAt: "asc" },
    take: 500,
  });
  const round = Math.floor(now.getTime() / 60_000);
  await Promise.all(stuck.map((a) => scheduleApply(a.id, { retryRound: round })));
  return stuck.length;
}
