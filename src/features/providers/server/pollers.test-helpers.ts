// Shared set-up for the pollers' integration tests (not shipped code).
import { prisma, pool } from "@/server/db";
import { encryptSecret } from "@/server/crypto";
import { writeUsageEvents } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import type { Provider } from "@/generated/prisma/enums";

export async function makeConnection(org: { id: string }, opts: { provider: Provider; secret: string; baseUrl: string; workspaceId?: string | null }) {
  return prisma.providerConnection.create({
    data: {
      orgId: org.id,
      provider: opts.provider,
      name: `${opts.provider} test`,
      workspaceId: opts.workspaceId ?? null,
      baseUrl: opts.baseUrl,
      secretCiphertext: encryptSecret(opts.secret),
      secretLast4: opts.secret.slice(-4),
      // An existing connection: past the grace before its first fill (fill-guard.ts).
      createdAt: new Date(Date.now() - 5 * 60_000),
    },
  });
}

export const noSleep = async (_ms: number) => {};

/** Totals from the rollups (what budgets and reports read) for an org at one granularity. */
export async function rollupTotals(orgId: string, opts: { granularity?: "minute" | "hour" | "day"; provider?: Provider; from?: Date; to?: Date } = {}) {
  const { rows } = await pool.query<{ cost: string | null; requests: string | null; input: string | null }>(
    `SELECT sum("costMicros")::text AS cost, sum(requests)::text AS requests, sum("inputTokens")::text AS input FROM usage_rollups
      WHERE "orgId" = $1 AND granularity = $2::"Granularity" AND ($3::"Provider" IS NULL OR provider = $3::"Provider")
        AND ($4::timestamptz IS NULL OR "bucketStart" >= $4) AND ($5::timestamptz IS NULL OR "bucketStart" < $5)`,
    [orgId, opts.granularity ?? "day", opts.provider ?? null, opts.from ?? null, opts.to ?? null],
  );
  return { costMicros: BigInt(rows[0]?.cost ?? "0"), requests: BigInt(rows[0]?.requests ?? "0"), inputTokens: BigInt(rows[0]?.input ?? "0") };
}

/** The same totals straight from the raw events (to check rollups agree with events). */
export async function eventTotals(orgId: string, where: { source?: "poll" | "push"; provider?: Provider } = {}) {
  const agg = await prisma.usageEvent.aggregate({
    where: { orgId, ...(where.source ? { source: where.source } : {}), ...(where.provider ? { provider: where.provider } : {}) },
    _sum: { costMicros: true, requests: true, inputTokens: true },
    _count: true,
  });
  return { costMicros: agg._sum.costMicros ?? 0n, requests: BigInt(agg._sum.requests ?? 0), inputTokens: BigInt(agg._sum.inputTokens ?? 0), count: agg._count };
}

let seq = 0;
/** Pushes events the way the push API would have stored them (source 'push'). */
export async function pushEvents(base: Pick<NormalizedEvent, "orgId" | "workspaceId" | "provider" | "model" | "projectTagId">, items: Partial<NormalizedEvent>[]) {
  const events: NormalizedEvent[] = items.map((i) => ({
    externalId: `push-${Date.now()}-${++seq}`,
    source: "push",
    memberId: null,
    endUser: null,
    providerKeyId: null,
    apiKeyRef: null,
    service: null,
    language: null,
    occurredAt: new Date(),
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    requests: 1,
    costMicros: null,
    latencyMs: null,
    status: 200,
    errorType: null,
    errorMessage: null,
    generationId: null,
    metadata: null,
    ...base,
    ...i,
  }));
  return writeUsageEvents(events);
}
