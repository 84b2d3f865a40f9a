import { Worker, type Job } from "bullmq";
import { env } from "@/env";
import { createRedis } from "@/server/redis";
import { JOBS, QUEUE_NAMES, type JobName } from "@/server/jobs/definitions";
import { closeQueues } from "@/server/jobs/queue";
import { ensureSchedules, HEAL_EVERY_MS, recoverAfterLoss } from "@/server/jobs/schedules";
import { PROCESSORS, type ProcessorMap } from "./registry";

const CONCURRENCY: Record<string, number> = { budgets: 8, alerts: 8, enforcement: 8, limits: 4, providers: 4, maintenance: 1, exports: 2, reports: 4 };

/**
 * Starts one BullMQ Worker per queue and upserts the schedules, then keeps checking them
 * (every `healEveryMs`): schedulers lost to a Redis flush come back, and the sweeps run at
 * once to re-queue what the flush dropped (src/server/jobs/schedules.ts). Returns a stopper.
 */
export async function startWorkers(opts: { processors?: ProcessorMap; schedules?: boolean; healEveryMs?: number; log?: (m: string) => void } = {}) {
  const processors = opts.processors ?? PROCESSORS;
  const log = opts.log ?? ((m: string) => console.log(`[worker] ${m}`));
  const workers = QUEUE_NAMES.map(
    (queue) =>
      new Worker(
        queue,
        async (job: Job) => {
          const name = job.name as JobName;
          const def = JOBS[name];
          const processor = processors[name] as ((p: unknown, j: Job) => Promise<unknown>) | undefined;
          if (!def || !processor) throw new Error(`No processor for job ${job.name}`);
          // The payload was validated before queue.add; validate again: Redis is not a trust boundary.
          return processor(def.payload.parse(job.data), job);
        },
        { connection: createRedis({ forWorker: true }), prefix: env.REDIS_PREFIX, concurrency: CONCURRENCY[queue] ?? 4 },
      ),
  );
  for (const w of workers) {
    w.on("failed", (job, err) => log(`${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`));
    w.on("error", (err) => log(`worker error: ${err.message}`));
  }
  const has = (job: JobName) => Boolean(processors[job]);
  let heal: NodeJS.Timeout | null = null;
  if (opts.schedules !== false) {
    await ensureSchedules(has, { all: true });
    heal = setInterval(() => {
      void (async () => {
        const missing = await ensureSchedules(has);
        if (missing.length === 0) return;
        log(`schedulers were missing (Redis flushed or failed over?): ${missing.join(", ")}; upserted them and queued a recovery sweep`);
        await recoverAfterLoss(has);
      })().catch((e: Error) => log(`scheduler check failed: ${e.message}`));
    }, opts.healEveryMs ?? HEAL_EVERY_MS);
    heal.unref();
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log(`started ${workers.length} queues: ${QUEUE_NAMES.join(", ")}`);
  return {
    workers,
    async stop() {
      if (heal) clearInterval(heal);
      await Promise.all(workers.map((w) => w.close()));
      await closeQueues();
    },
  };
}
