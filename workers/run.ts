import { Worker, type Job } from "bullmq";
import { env } from "@/env";
import { createRedis } from "@/server/redis";
import { JOBS, QUEUE_NAMES, SCHEDULES, type JobName } from "@/server/jobs/definitions";
import { getQueue, closeQueues } from "@/server/jobs/queue";
import { PROCESSORS, type ProcessorMap } from "./registry";

const CONCURRENCY: Record<string, number> = { budgets: 8, alerts: 8, enforcement: 8, limits: 4, providers: 4, maintenance: 1, exports: 2, reports: 4 };

/** Starts one BullMQ Worker per queue and upserts the schedules. Returns a stopper. */
export async function startWorkers(opts: { processors?: ProcessorMap; schedules?: boolean; log?: (m: string) => void } = {}) {
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
  if (opts.schedules !== false) {
    for (const s of SCHEDULES) {
      if (!processors[s.job]) continue;
      await getQueue(JOBS[s.job].queue).upsertJobScheduler(
        s.id,
        s.every ? { every: s.every } : { pattern: s.pattern!, tz: "UTC" },
        { name: s.job, data: {} },
      );
    }
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  log(`started ${workers.length} queues: ${QUEUE_NAMES.join(", ")}`);
  return {
    workers,
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      await closeQueues();
    },
  };
}
