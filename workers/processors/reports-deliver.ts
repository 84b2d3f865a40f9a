import type { Processor } from "../registry";
import { deliverRun } from "@/features/schedules/server/deliver";

/** reports.deliver: builds and emails one claimed report run; retries never resend a sent run. */
export const reportsDeliver: Processor<"reports.deliver"> = async ({ runId }, job) =>
  deliverRun(runId, { finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
