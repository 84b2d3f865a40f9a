import type { Processor } from "../registry";
import { applyAction } from "@/features/enforcement/server/apply";

/** enforcement.apply: pause/resume at the provider until it confirms (read-back). */
export const enforcementApply: Processor<"enforcement.apply"> = async ({ actionId }, job) =>
  applyAction(actionId, { finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1) });
