/**
 * The demo connections' keys, discovered from the local fakes the way the pollers do (the same
 * upsert by provider key id, features/providers/server/keys.ts), so that the seeded history can
 * carry the keys the fakes expose and the first poll updates these rows instead of adding others.
 * A connection without a base URL (no fake) is never called: the seed never reaches a real provider.
 */
import { prisma } from "../src/server/db";
import { getConnectionForJob } from "../src/features/providers/server/connections";
import { syncOpenAIKeys, syncOpenRouterKeys } from "../src/features/providers/server/keys";
import { discoverOpenRouterAccount } from "../src/features/providers/server/discover-keys";
import { OpenRouterClient } from "../src/providers/openrouter/client";
import { OpenAIAdminClient } from "../src/providers/openai/client";

export type DemoKey = { id: string; provider: "openrouter" | "openai"; providerKeyId: string; projectTagId: string | null };

async function discover(connectionId: string): Promise<void> {
  const conn = await getConnectionForJob(connectionId);
  if (!conn.baseUrl) return;
  if (conn.provider === "openrouter") {
    const account = await discoverOpenRouterAccount(new OpenRouterClient({ apiKey: conn.secret, baseUrl: conn.baseUrl, maxRetries: 1 }));
    await syncOpenRouterKeys(conn, account.keys);
  } else {
    const client = new OpenAIAdminClient({ apiKey: conn.secret, baseUrl: conn.baseUrl, maxRetries: 1 });
    const entries = [];
    for (const project of await client.listProjects({ includeArchived: true })) for (const key of await client.listProjectApiKeys(project.id)) entries.push({ project, key });
    await syncOpenAIKeys(conn, entries);
  }
}

/** Discovers the keys of the org's demo connections, then returns its live keys in a stable order. */
export async function seedDemoKeys(orgId: string): Promise<DemoKey[]> {
  const conns = await prisma.providerConnection.findMany({ where: { orgId, status: "active" }, select: { id: true, name: true } });
  for (const c of conns) {
    await discover(c.id).catch((e: Error) => console.warn(`[seed] keys of "${c.name}" not discovered (${e.message}): the history keeps less key detail`));
  }
  return prisma.providerKey.findMany({
    where: { orgId, status: { not: "deleted" } },
    orderBy: [{ provider: "asc" }, { providerKeyId: "asc" }],
    select: { id: true, provider: true, providerKeyId: true, projectTagId: true },
  });
}
