// Test-only helpers for the budgets/alerts/enforcement integration tests.
import { randomBytes } from "node:crypto";
import { prisma } from "@/server/db";
import { encryptSecret } from "@/server/crypto";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import type { Budget } from "@/generated/prisma/client";
import type { Provider } from "@/generated/prisma/enums";

const uid = (p: string) => `${p}-${randomBytes(6).toString("hex")}`;

export type Usage = {
  orgId: string;
  workspaceId: string;
  at: Date;
  costMicros: bigint;
  provider?: Provider;
  model?: string;
  projectTagId?: string | null;
  memberId?: string | null;
  providerKeyId?: string | null;
};

/** Lands usage through the real writer (events + minute/hour/day rollups in one statement). */
export async function landUsage(rows: Usage[]) {
  const events: NormalizedEvent[] = rows.map((u) => ({
    orgId: u.orgId,
    workspaceId: u.workspaceId,
    externalId: uid("ev"),
    source: "push",
    provider: u.provider ?? "openai",
    model: u.model ?? "gpt-4o",
    projectTagId: u.projectTagId ?? null,
    memberId: u.memberId ?? null,
    endUser: null,
    providerKeyId: u.providerKeyId ?? null,
    apiKeyRef: null,
    service: null,
    language: null,
    occurredAt: u.at,
    inputTokens: 100,
    outputTokens: 10,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    requests: 1,
    costMicros: u.costMicros,
    latencyMs: 100,
    status: 200,
    errorType: null,
    errorMessage: null,
    generationId: null,
    metadata: null,
  }));
  return writeUsageEvents(events);
}

export async function makeBudget(orgId: string, data: Partial<Budget> & Pick<Budget, "amountMicros">): Promise<Budget> {
  return prisma.budget.create({
    data: {
      orgId,
      name: data.name ?? uid("budget"),
      scope: data.scope ?? "org",
      workspaceId: data.workspaceId ?? null,
      projectTagId: data.projectTagId ?? null,
      providerKeyId: data.providerKeyId ?? null,
      memberId: data.memberId ?? null,
      providerFilter: data.providerFilter ?? null,
      modelFilter: data.modelFilter ?? null,
      period: data.period ?? "daily",
      amountMicros: data.amountMicros,
      thresholds: data.thresholds ?? [80, 100],
      mode: data.mode ?? "soft",
      recipientEmails: data.recipientEmails ?? [],
      recipientRoles: data.recipientRoles ?? [],
      notifyProjectOwner: data.notifyProjectOwner ?? false,
      webhookUrl: data.webhookUrl ?? null,
      syncKeyLimits: data.syncKeyLimits ?? false,
      paceAlerts: data.paceAlerts ?? false,
    },
  });
}

export async function makeConnection(orgId: string, provider: Provider, baseUrl: string, secret: string, workspaceId: string | null = null) {
  return prisma.providerConnection.create({
    data: { orgId, provider, name: uid(provider), baseUrl, secretCiphertext: encryptSecret(secret), secretLast4: secret.slice(-4), workspaceId },
  });
}

export async function makeKey(orgId: string, data: { connectionId: string | null; provider: Provider; providerKeyId: string; label?: string; workspaceId?: string | null; projectTagId?: string | null; providerProjectId?: string | null }) {
  return prisma.providerKey.create({
    data: {
      orgId,
      connectionId: data.connectionId,
      provider: data.provider,
      providerKeyId: data.providerKeyId,
      label: data.label ?? uid("key"),
      workspaceId: data.workspaceId ?? null,
      projectTagId: data.projectTagId ?? null,
      providerProjectId: data.providerProjectId ?? null,
    },
  });
}

export const recipient = () => `${uid("alerts")}@example.test`;
