import type { Processor } from "../registry";
import { runPollJob } from "@/features/providers/server/poll-job";

/** providers.poll-openai: projects and keys, usage buckets (and reconciliation), costs for one connection. */
export const providersPollOpenAI: Processor<"providers.poll-openai"> = async ({ connectionId }) => runPollJob("openai", connectionId);
