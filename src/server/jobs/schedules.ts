import { JOBS, SCHEDULES, type JobName } from "./definitions";
import { enqueue, getQueue } from "./queue";

/**
 * Job schedulers live in Redis only. A flush, or a failover to a replica without
 * persistence, deletes them, and with them every sweep (budgets, polls, retention, pricing)
 * until something upserts them again. So the worker re-checks them every HEAL_EVERY_MS and
 * upserts the missing ones (stable ids, `upsertJobScheduler`: idempotent), and the health
 * check reports any that are missing.
 *
 * Only missing schedulers are upserted: re-upserting a live `every` scheduler would move its
 * next run, and a check more frequent than the schedule could then starve it.
 */
export const HEAL_EVERY_MS = 30_000;

type Filter = (job: JobName) => boolean;

export async function missingSchedules(has: Filter = () => true): Promise<string[]> {
  const out: string[] = [];
  for (const s of SCHEDULES) {
    if (!has(s.job)) continue;
    if (!(await getQueue(JOBS[s.job].queue).getJobScheduler(s.id))) out.push(s.id);
  }
  return out;
}

/**
 * Upserts the missing schedulers (or, with `all`, every one: at worker start, so a changed
 * definition takes effect); returns the ids that were missing.
 */
export async function ensureSchedules(has: Filter = () => true, opts: { all?: boolean } = {}): Promise<string[]> {
  const missing = await missingSchedules(has);
  for (const s of SCHEDULES) {
    if (!has(s.job) || (!opts.all && !missing.includes(s.id))) continue;
    await getQueue(JOBS[s.job].queue).upsertJobScheduler(s.id, s.every ? { every: s.every } : { pattern: s.pattern!, tz: "UTC" }, { name: s.job, data: {} });
  }
  return missing;
}

/**
 * After schedulers went missing, Redis lost its queued jobs too. The sweeps rebuild them from
 * the database at once, instead of at their next tick: `budgets.sweep` re-evaluates every
 * budget and re-queues pending deliveries and enforcement actions; `providers.sweep` queues
 * the polls. One job per minute at most (jobId), however many workers notice.
 */
export async function recoverAfterLoss(has: Filter = () => true, now = new Date()): Promise<JobName[]> {
  const minute = Math.floor(now.getTime() / 60_000);
  const jobs = (["budgets.sweep", "providers.sweep"] as const).filter((j) => has(j));
  await Promise.all(jobs.map((j) => enqueue(j, {}, { jobId: `recover-${j.replace(".", "-")}-${minute}`, attempts: 3 })));
  return jobs;
}
