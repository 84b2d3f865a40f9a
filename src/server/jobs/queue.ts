import { Queue, type JobsOptions } from "bullmq";
import { env } from "@/env";
import { createRedis } from "@/server/redis";
import { JOBS, type JobName, type JobPayload, type QueueName } from "./definitions";

const globalForQueues = globalThis as unknown as { tollgateQueues?: Map<QueueName, Queue> };
const queues = (globalForQueues.tollgateQueues ??= new Map());

// Retained jobs are capped; retries back off exponentially.
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: "exponential", delay: 500 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

export function getQueue(name: QueueName): Queue {
  let q = queues.get(name);
  if (!q) {
    q = new Queue(name, {
      connection: createRedis({ forWorker: false }),
      prefix: env.REDIS_PREFIX,
      defaultJobOptions: DEFAULT_JOB_OPTIONS,
    });
    queues.set(name, q);
  }
  return q;
}

/**
 * Validates and enqueues. Pass a `jobId` derived from the row the job acts on, so the
 * same work is never queued twice while pending.
 */
export async function enqueue<N extends JobName>(name: N, payload: JobPayload<N>, opts: JobsOptions = {}) {
  const def = JOBS[name];
  const data = def.payload.parse(payload);
  return getQueue(def.queue).add(name, data, opts);
}

export async function closeQueues() {
  await Promise.all([...queues.values()].map((q) => q.close()));
  queues.clear();
}
