import type { Processor } from "../registry";
import { deliverAlert } from "@/features/alerts/server/deliver";

/** alerts.deliver: email + webhook for one claimed alert; retries only redo unsent channels. */
export const alertsDeliver: Processor<"alerts.deliver"> = async ({ alertId }, job) =>
  deliverAlert(alertId, { finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
