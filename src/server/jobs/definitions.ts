import { z } from "zod";

// The one job contract, shared by web and workers. Payloads carry ids, never data;
// they are validated before queue.add and again in the worker.
const id = z.string().min(1).max(64);

export const JOBS = {
  "budgets.evaluate": { queue: "budgets", payload: z.object({ orgId: id, budgetId: id }) },
  "budgets.sweep": { queue: "budgets", payload: z.object({}) },
  "alerts.deliver": { queue: "alerts", payload: z.object({ alertId: id }) },
  "alerts.credits-sweep": { queue: "alerts", payload: z.object({}) },
  "alerts.anomaly-sweep": { queue: "alerts", payload: z.object({}) },
  "enforcement.apply": { queue: "enforcement", payload: z.object({ actionId: id }) },
  // Own queue: frequent limit syncs must never make a pause wait for a free worker slot.
  "enforcement.sync-limits": { queue: "limits", payload: z.object({ orgId: id, budgetId: id }) },
  "providers.poll-openrouter": { queue: "providers", payload: z.object({ connectionId: id }) },
  "providers.poll-openai": { queue: "providers", payload: z.object({ connectionId: id }) },
  "providers.sweep": { queue: "providers", payload: z.object({}) },
  // OpenRouter key counters every minute (issue 7 item 4): the light half of the OpenRouter poll.
  "providers.key-usage-sweep": { queue: "providers", payload: z.object({}) },
  "providers.read-key-usage": { queue: "providers", payload: z.object({ connectionId: id }) },
  "pricing.sync": { queue: "providers", payload: z.object({}) },
  "usage.fill-costs": { queue: "providers", payload: z.object({ orgId: id }) },
  "usage.retention": { queue: "maintenance", payload: z.object({}) },
  // Own queues: a long export or a slow SMTP server never delays budgets or alerts.
  "exports.run": { queue: "exports", payload: z.object({ exportId: id }) },
  "exports.expire": { queue: "maintenance", payload: z.object({}) },
  "reports.sweep": { queue: "reports", payload: z.object({}) },
  "reports.deliver": { queue: "reports", payload: z.object({ runId: id }) },
  "usage.partitions": { queue: "maintenance", payload: z.object({}) },
  "usage.coarsen": { queue: "maintenance", payload: z.object({}) },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]["payload"]>;
export type QueueName = (typeof JOBS)[JobName]["queue"];
export const QUEUE_NAMES = [...new Set(Object.values(JOBS).map((j) => j.queue))] as QueueName[];

/** Cron-like schedules, upserted by the worker at start (stable ids, never remove-and-re-add). */
export const SCHEDULES: { id: string; job: JobName; every?: number; pattern?: string }[] = [
  { id: "budgets-sweep", job: "budgets.sweep", every: 60_000 },
  { id: "providers-sweep", job: "providers.sweep", every: 5 * 60_000 },
  { id: "key-usage-sweep", job: "providers.key-usage-sweep", every: 60_000 },
  { id: "pricing-sync", job: "pricing.sync", pattern: "17 3 * * *" },
  { id: "credits-sweep", job: "alerts.credits-sweep", every: 15 * 60_000 },
  { id: "anomaly-sweep", job: "alerts.anomaly-sweep", pattern: "5 * * * *" },
  { id: "usage-retention", job: "usage.retention", pattern: "40 2 * * *" },
  // Every 5 minutes: expired files go, and an export whose run was lost is queued again.
  { id: "exports-expire", job: "exports.expire", every: 5 * 60_000 },
  // Every 5 minutes: a schedule's report goes out within 5 minutes of its hour.
  { id: "reports-sweep", job: "reports.sweep", every: 5 * 60_000 },
  // Day partitions of usage_events 14 days ahead; hourly so a missed run costs nothing.
  { id: "usage-partitions", job: "usage.partitions", pattern: "7 * * * *" },
  // Report rollups (features/usage/server/coarse.ts) of closed days; reads never depend on it.
  { id: "usage-coarsen", job: "usage.coarsen", every: 10 * 60_000 },
];
