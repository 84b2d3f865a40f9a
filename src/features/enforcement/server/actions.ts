import type { EnforcementAction, Prisma, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";

/**
 * Enforcement actions are claimed rows (unique `dedupeKey`) applied by the
 * `enforcement.apply` job, which retries with exponential backoff until the provider
 * confirms. A minute sweep re-queues actions still pending, up to MAX_APPLY_ATTEMPTS in all;
 * then the action fails and the admins get an `enforcement_failed` alert (apply.ts).
 *
 * Pause claims: `pause:<key>:<budget>:<periodStart>` (one per key, budget and period, freed
 * again when the budget lets go of the key: see supersedePauseClaims),
 * `anomaly-pause:<key>:<hour>`, `manual-pause:<key>:<newest resume id>`. Resume claims: `resume:<pause id>`, where the pause is the
 * newest open pause of the key, so concurrent releases of one key collapse into one; a
 * failed resume frees its claim, so a later resume of the same pause can be asked for.
 * The state machine as a whole is written down in ../README.md.
 */
export const APPLY_ATTEMPTS = 8;
/** Provider attempts per action across jobs and sweep rounds; then it fails loudly. */
export const MAX_APPLY_ATTEMPTS = 10;

type Db = Prisma.TransactionClient | typeof prisma;

export const pauseKey = (keyId: string, budgetId: string, periodStart: Date) => `pause:${keyId}:${budgetId}:${periodStart.toISOString()}`;
export const ANOMALY_PAUSE_PREFIX = "anomaly-pause:";
export const anomalyPauseKey = (keyId: string, hourStart: Date) => `${ANOMALY_PAUSE_PREFIX}${keyId}:${hourStart.toISOString()}`;
export const MANUAL_PAUSE_PREFIX = "manual-pause:";
/** One manual pause per key between two resumes: `after` is the key's newest resume (or "start"). */
export const manualPauseKey = (keyId: string, after: string) => `${MANUAL_PAUSE_PREFIX}${keyId}:${after}`;

export async function scheduleApply(actionId: string, opts: { retryRound?: number } = {}): Promise<void> {
  try {
    const jobId = opts.retryRound ? `apply-${actionId}-r${opts.retryRound}` : `apply-${actionId}`;
    await enqueue("enforcement.apply", { actionId }, { jobId, attempts: APPLY_ATTEMPTS, backoff: { type: "exponential", delay: 1_000 } });
  } catch (err) {
    console.warn("[enforcement] could not schedule apply", (err as Error).message);
  }
}

export type PauseRequest = { orgId: string; providerKeyId: string; budgetId: string | null; reason: string; dedupeKey: string; periodStart: Date | null };

/**
 * Claims pause rows (ON CONFLICT DO NOTHING on `dedupeKey`) and returns the ids this call
 * inserted. Takes the caller's transaction: a budget's claims must commit together with its
 * version check (budgets/evaluate.ts). The caller schedules the apply jobs after commit.
 */
export async function claimPauses(db: Db, rows: PauseRequest[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const out = await db.enforcementAction.createManyAndReturn({ data: rows.map((r) => ({ ...r, action: "pause" as const })), skipDuplicates: true, select: { id: true } });
  return out.map((r) => r.id);
}

/** One pause outside a transaction (anomaly auto-pause): claim, then queue the apply job. */
export async function requestPause(row: PauseRequest): Promise<string | null> {
  const [id] = await claimPauses(prisma, [row]);
  if (id) await scheduleApply(id);
  return id ?? null;
}

/**
 * Frees a budget's pause claims for one period (suffix `:superseded:<id>`, the row stays in
 * the history), so that the next crossing in that period claims, and pauses, again. Called
 * when the budget lets go of its keys (below the cap, soft, deleted) and by an edit
 * (budgets/rearm.ts). A manual resume is not affected: its overrides live on the resume row.
 */
export async function supersedePauseClaims(db: Db, args: { orgId: string; budgetId: string; periodStart: Date }): Promise<number> {
  const ps = args.periodStart.toISOString();
  return db.$executeRaw`
    UPDATE enforcement_actions SET "dedupeKey" = "dedupeKey" || ':superseded:' || id
     WHERE "orgId" = ${args.orgId} AND "budgetId" = ${args.budgetId} AND action = 'pause'
       AND "periodStart" = (${ps}::timestamptz AT TIME ZONE 'UTC')
       AND "dedupeKey" NOT LIKE '%:superseded:%'`;
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
 * The pause holding the key, if any: an anomaly pause or an admin's manual pause, pending or
 * in force, that no resume has undone since. Only an admin lifts it (releases never request a
 * resume while it holds, so any later resume is an admin's, or one from before this rule existed).
 */
export async function pauseHoldOf(orgId: string, keyId: string, kinds: readonly string[] = [ANOMALY_PAUSE_PREFIX, MANUAL_PAUSE_PREFIX]): Promise<EnforcementAction | null> {
  const hold = await prisma.enforcementAction.findFirst({
    where: { orgId, providerKeyId: keyId, action: "pause", budgetId: null, OR: kinds.map((k) => ({ dedupeKey: { startsWith: k } })), status: { in: ["pending", "confirmed"] } },
    orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
  });
  if (!hold) return null;
  const lifted = await prisma.enforcementAction.count({
    where: { orgId, providerKeyId: keyId, action: "resume", status: { in: ["pending", "confirmed"] }, requestedAt: { gte: hold.requestedAt } },
  });
  return lifted ? null : hold;
}

/** The anomaly pause holding the key, if any (see pauseHoldOf). */
export const anomalyHoldOf = (orgId: string, keyId: string) => pauseHoldOf(orgId, keyId, [ANOMALY_PAUSE_PREFIX]);
/** The admin's manual pause holding the key, if any (see pauseHoldOf). */
export const manualHoldOf = (orgId: string, keyId: string) => pauseHoldOf(orgId, keyId, [MANUAL_PAUSE_PREFIX]);

export type ResumeRequest = { id: string; created: boolean };

/**
 * Asks for a key to be resumed. Only keys Tollgate paused (or is about to pause) have an
 * open pause, so a key someone disabled by hand at the provider is never touched.
 * Returns the new action (`created`), the resume of the same pause already queued
 * (`created: false`), or null when there is nothing to resume.
 */
export async function requestResume(
  key: Pick<ProviderKey, "id" | "orgId">,
  opts: { reason: string; manual: boolean; budgetId: string | null; periodStart: Date | null; details?: Record<string, unknown> },
): Promise<ResumeRequest | null> {
  const pause = await openPauseOf(key.orgId, key.id);
  if (!pause) {
    // No open pause because a resume is already queued: name it rather than pretend.
    const queued = await prisma.enforcementAction.findFirst({
      where: { orgId: key.orgId, providerKeyId: key.id, action: "resume", status: "pending" },
      orderBy: [{ requestedAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    return queued ? { id: queued.id, created: false } : null;
  }
  const dedupeKey = `resume:${pause.id}`;
  // A failed resume of this pause must not block the next one: move it out of the way.
  await prisma.$executeRaw`
    UPDATE enforcement_actions SET "dedupeKey" = "dedupeKey" || ':failed:' || id
     WHERE "dedupeKey" = ${dedupeKey} AND status = 'failed'`;
  const rows = await prisma.enforcementAction.createManyAndReturn({
    data: [
      {
        orgId: key.orgId,
        providerKeyId: key.id,
        budgetId: opts.budgetId,
        action: "resume",
        reason: opts.reason,
        dedupeKey,
        manual: opts.manual,
        periodStart: opts.periodStart,
        details: { undoes: pause.id, ...opts.details } as Prisma.InputJsonValue,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  const id = rows[0]?.id;
  if (id) {
    await scheduleApply(id);
    return { id, created: true };
  }
  const existing = await prisma.enforcementAction.findUnique({ where: { dedupeKey }, select: { id: true, status: true } });
  return existing?.status === "pending" ? { id: existing.id, created: false } : null;
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
