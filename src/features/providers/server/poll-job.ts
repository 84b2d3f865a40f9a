/** What the poll processors call: run the provider's poll; after a 429, queue it again once Retry-After has passed. */
import { pollOpenAI } from "./poll-openai";
import { pollOpenRouter } from "./poll-openrouter";
import { requeueAfterRateLimit } from "./sweep";

export async function runPollJob(provider: "openrouter" | "openai", connectionId: string) {
  const result = provider === "openrouter" ? await pollOpenRouter(connectionId) : await pollOpenAI(connectionId);
  if (result.status === "rate_limited" || result.status === "deferred") {
    const requeuedInMs = await requeueAfterRateLimit(provider, connectionId, result.retryAfterMs ?? 60_000);
    return { ...result, requeuedInMs };
  }
  return result;
}
