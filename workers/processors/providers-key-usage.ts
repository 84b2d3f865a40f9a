import type { Processor } from "../registry";
import { sweepKeyUsage } from "@/features/providers/server/sweep";
import { readOpenRouterKeyUsage } from "@/features/providers/server/poll-openrouter";

/** providers.key-usage-sweep (every minute): one key-counter reading per active OpenRouter connection. */
export const providersKeyUsageSweep: Processor<"providers.key-usage-sweep"> = async () => sweepKeyUsage();

/** providers.read-key-usage: the key list's usage counters → minute spend (key-readings.ts). */
export const providersReadKeyUsage: Processor<"providers.read-key-usage"> = async ({ connectionId }) => {
  const res = await readOpenRouterKeyUsage(connectionId);
  return { status: res.status, spendMicros: res.spendMicros.toString() };
};
