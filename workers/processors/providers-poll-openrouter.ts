import type { Processor } from "../registry";
import { runPollJob } from "@/features/providers/server/poll-job";

/** providers.poll-openrouter: keys, credits, activity (and reconciliation) for one connection. */
export const providersPollOpenRouter: Processor<"providers.poll-openrouter"> = async ({ connectionId }) => runPollJob("openrouter", connectionId);
