/**
 * Tracked provider keys, discovered by the pollers. A key is upserted by
 * (orgId, provider, providerKeyId) — OpenRouter: the key hash; OpenAI: the project API key id.
 * Polls refresh what the provider says (label, limit, usage, disabled, last seen); they never
 * touch what Tollgate or an admin decided (status paused/active, pause details, workspace and
 * project-tag attribution). A new key is attributed to its connection's workspace.
 */
import { prisma } from "@/server/db";
import { usdToMicros } from "@/lib/money";
import type { OpenRouterKey } from "@/providers/openrouter/client";
import type { OpenAIProject, OpenAIProjectApiKey } from "@/providers/openai/client";
import type { Provider } from "@/generated/prisma/enums";
import type { KeyAttribution } from "./reconcile";
import { assertAccountNotConnected } from "./same-account";

export type KeyConnection = { id: string; orgId: string; workspaceId: string | null };

type KeyFacts = {
  providerKeyId: string;
  label: string;
  providerProjectId?: string | null;
  providerLimitMicros?: bigint | null;
  providerUsageMicros?: bigint | null;
  disabledAtProvider?: boolean;
};

const micros = (usd: number | null | undefined) => (usd === null || usd === undefined ? null : usdToMicros(usd));

async function upsertKeys(conn: KeyConnection, provider: Provider, facts: KeyFacts[], seenAt: Date, complete: boolean): Promise<KeyAttribution> {
  await assertAccountNotConnected(conn, provider, facts.map((f) => f.providerKeyId));
  const out: KeyAttribution = new Map();
  for (const f of facts) {
    const provided = {
      connectionId: conn.id,
      label: f.label,
      lastSeenAt: seenAt,
      ...(f.providerProjectId !== undefined ? { providerProjectId: f.providerProjectId } : {}),
      ...(f.providerLimitMicros !== undefined ? { providerLimitMicros: f.providerLimitMicros } : {}),
      ...(f.providerUsageMicros !== undefined ? { providerUsageMicros: f.providerUsageMicros } : {}),
      ...(f.disabledAtProvider !== undefined ? { disabledAtProvider: f.disabledAtProvider } : {}),
    };
    const row = await prisma.providerKey.upsert({
      where: { orgId_provider_providerKeyId: { orgId: conn.orgId, provider, providerKeyId: f.providerKeyId } },
      create: { orgId: conn.orgId, provider, providerKeyId: f.providerKeyId, workspaceId: conn.workspaceId, ...provided },
      update: provided,
      select: { id: true, status: true, pausedByTollgate: true, workspaceId: true, projectTagId: true, memberUserId: true },
    });
    // A key that reappears after being seen as deleted is live again.
    if (row.status === "deleted") await prisma.providerKey.update({ where: { id: row.id }, data: { status: row.pausedByTollgate ? "paused" : "active" } });
    out.set(f.providerKeyId, { id: row.id, workspaceId: row.workspaceId, projectTagId: row.projectTagId, memberId: row.memberUserId });
  }
  if (complete) {
    // Keys of this connection the provider no longer lists were deleted there.
    await prisma.providerKey.updateMany({
      where: { orgId: conn.orgId, provider, connectionId: conn.id, status: { not: "deleted" }, providerKeyId: { notIn: facts.map((f) => f.providerKeyId) } },
      data: { status: "deleted" },
    });
  }
  return out;
}

/** OpenRouter `GET /keys` (all pages, disabled included) → tracked keys. `usage` is lifetime USD. */
export async function syncOpenRouterKeys(conn: KeyConnection, keys: OpenRouterKey[], seenAt = new Date()): Promise<KeyAttribution> {
  return upsertKeys(
    conn,
    "openrouter",
    keys.map((k) => ({
      providerKeyId: k.hash,
      label: k.name || k.label || k.hash.slice(0, 12),
      providerLimitMicros: micros(k.limit),
      providerUsageMicros: micros(k.usage),
      disabledAtProvider: k.disabled,
    })),
    seenAt,
    true,
  );
}

/** OpenAI projects and their API keys → tracked keys (OpenAI has no key disable). */
export async function syncOpenAIKeys(conn: KeyConnection, entries: { project: OpenAIProject; key: OpenAIProjectApiKey }[], seenAt = new Date()): Promise<KeyAttribution> {
  return upsertKeys(
    conn,
    "openai",
    entries.map(({ project, key }) => ({
      providerKeyId: key.id,
      label: key.name || key.redacted_value || key.id,
      providerProjectId: project.id,
      disabledAtProvider: project.status === "archived" || project.archived_at != null,
    })),
    seenAt,
    true,
  );
}

/** The tracked keys of a connection as an attribution map (when a poll skips the key list). */
export async function keyAttribution(conn: KeyConnection, provider: Provider): Promise<KeyAttribution> {
  const rows = await prisma.providerKey.findMany({
    where: { orgId: conn.orgId, provider, connectionId: conn.id },
    select: { id: true, providerKeyId: true, workspaceId: true, projectTagId: true, memberUserId: true },
  });
  return new Map(rows.map((r) => [r.providerKeyId, { id: r.id, workspaceId: r.workspaceId, projectTagId: r.projectTagId, memberId: r.memberUserId }]));
}
