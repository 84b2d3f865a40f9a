import type { FakeOpenRouter } from "@/providers/openrouter/fake";
import { makeConnection, makeKey } from "@/features/budgets/test/fixtures";
import { createOrg } from "../../../../test/helpers/factory";

/** A fresh org with one OpenRouter connection on the fake and one of its keys, attributed to the default workspace. */
export async function orgWithFakeKey(or: FakeOpenRouter) {
  const o = await createOrg();
  const conn = await makeConnection(o.org.id, "openrouter", or.url, or.state.managementKey, o.workspace.id);
  const fake = or.state.createKey({ name: "k" });
  const key = await makeKey(o.org.id, { connectionId: conn.id, provider: "openrouter", providerKeyId: fake.hash, label: `Key ${fake.hash.slice(0, 6)}`, workspaceId: o.workspace.id });
  return { ...o, conn, fake, key };
}

/** The REST/form body of a hard $1 daily budget on one key, pausing at 100 %. */
export const hardKeyBudgetBody = (keyId: string, over: Record<string, unknown> = {}) => ({
  name: "Hard",
  scope: "key",
  providerKeyId: keyId,
  period: "daily",
  amountUsd: "1",
  thresholds: [100],
  mode: "hard",
  syncKeyLimits: false,
  paceAlerts: false,
  ...over,
});
