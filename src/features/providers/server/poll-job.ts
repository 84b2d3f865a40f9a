/** What the poll processors call: run the provider's poll; after a 429, queue it again once Retry-After has passed. */
import { pollOpenAI } from "./poll-openai";
import { pollOpenRouter } from "./poll-openrouter";
import { requeueAfterRateLimit } from "./sweep";
import type { Provider } from "@/generated/prisma/enums";
import type { PollResult } from "./poll-run";

/** Each provider's full poll (a new provider is a type error here until it has one). */
const POLLERS: Record<Provider, (connectionId: string) => Promise<PollResult>> = {
  openrouter: (id) => pollOpenRouter(id),
  openai: (id) => pollOpenAI(id),
};

export async function runPollJob(provider: Provider, connectionId: string) {
  const result = await POLLERS[provider](connectionId);
  if (result.status === "rate_limited" || result.status === "deferred") {
    const requeuedInMs = await requeueAfterRateLimit(provider, connectionId, result.retryAfterMs ?? 60_000);
    return { ...result, requeuedInMs };
  }
  return result;
}
