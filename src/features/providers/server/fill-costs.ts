/**
 * Generation look-ups: pushed OpenRouter events that carry a `generation_id` but no
 * provider-reported cost (so Tollgate estimated it, or could not price it) get their real cost
 * from `GET /generation?id=`. The event's cost and `costSource` change and the rollups move by
 * the difference, in ONE statement (ingest's rollup SQL with the old row at −1 and the new at
 * +1), so a concurrent or repeated fill can't apply a delta twice: the row is locked and only
 * rows still not `provider`-costed are touched.
 * OpenRouter makes stats queryable "a few seconds after the request finishes" and answers 404
 * before that, so events younger than MIN_AGE_MS are left for the next run, and a 404 is skipped.
 */
import { pool, prisma } from "@/server/db";
import { decryptSecret } from "@/server/crypto";
import { usdToMicros } from "@/lib/money";
import { onUsageLanded } from "@/features/budgets/server/triggers";
import { reevaluateEndedPeriods } from "@/features/budgets/server/ended-periods";
import { rollupContributionSql, rollupUpsertSql } from "@/features/ingest/server/rollup-sql";
import { ProviderError } from "@/providers/errors";
import { OpenRouterClient } from "@/providers/openrouter/client";
import type { Provider, UsageSource } from "@/generated/prisma/enums";
import { guardAfterWrite, guardBeforeWrite, planGuard } from "./fill-guard";
import type { PollOptions } from "./poll-run";
import { baseUrlOf } from "./base-url";

const MIN_AGE_MS = 10_000;
const MAX_AGE_MS = 7 * 86_400_000;

/** An event's primary key (see EVENT_KEY in features/ingest/server/rollup-sql.ts). */
export type UsageEventKey = { orgId: string; workspaceId: string; externalId: string; occurredAt: Date };

/**
 * Sets provider-reported costs on events (by key) and applies the rollup deltas atomically. A
 * changed pushed cost moves what a poll fill of the same bucket must be, so the update runs under
 * the fill guard and recomputes those fills in the same transaction (fill-guard.ts).
 */
export async function applyProviderCosts(updates: (UsageEventKey & { costMicros: bigint })[]): Promise<number> {
  if (updates.length === 0) return 0;
  const keys = [updates.map((u) => u.orgId), updates.map((u) => u.workspaceId), updates.map((u) => u.externalId), updates.map((u) => u.occurredAt)];
  const { rows: touched } = await pool.query<{ orgId: string; provider: Provider; source: UsageSource; model: string; occurredAt: Date; status: number }>(
    `WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS v(o, w, x, t))
     SELECT e."orgId", e.provider, e.source, e.model, e."occurredAt", e.status
       FROM usage_events e JOIN v ON e."orgId" = v.o AND e."workspaceId" = v.w AND e."externalId" = v.x AND e."occurredAt" = v.t`,
    keys,
  );
  const plan = await planGuard(touched);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const affected = await guardBeforeWrite(client, plan, "cost");
    const { rows } = await client.query<{ n: number }>(
      `WITH v AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[]) AS v(o, w, x, t, cost)),
       old AS (SELECT e.* FROM usage_events e JOIN v ON e."orgId" = v.o AND e."workspaceId" = v.w AND e."externalId" = v.x AND e."occurredAt" = v.t
                WHERE e."costSource" <> 'provider' ORDER BY e."orgId", e."workspaceId", e."externalId" FOR UPDATE OF e),
       upd AS (UPDATE usage_events e SET "costMicros" = v.cost, "costSource" = 'provider'
                 FROM old JOIN v ON v.o = old."orgId" AND v.w = old."workspaceId" AND v.x = old."externalId" AND v.t = old."occurredAt"
                WHERE e."orgId" = old."orgId" AND e."workspaceId" = old."workspaceId" AND e."externalId" = old."externalId" AND e."occurredAt" = old."occurredAt"
                RETURNING e.*),
       contrib AS (${rollupContributionSql("old", "-1")} UNION ALL ${rollupContributionSql("upd")}),
       roll AS (${rollupUpsertSql("contrib")})
       SELECT count(*)::int AS n FROM upd`,
      [...keys, updates.map((u) => u.costMicros.toString())],
    );
    await guardAfterWrite(client, affected);
    await client.query("COMMIT");
    return rows[0]?.n ?? 0;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

export async function fillGenerationCosts(orgId: string, opts: PollOptions & { limit?: number } = {}) {
  const now = opts.now?.() ?? new Date();
  const conns = await prisma.providerConnection.findMany({ where: { orgId, provider: "openrouter", status: "active" }, orderBy: { createdAt: "asc" } });
  if (conns.length === 0) return { checked: 0, filled: 0, notFound: 0 };
  const events = await prisma.usageEvent.findMany({
    where: {
      orgId,
      provider: "openrouter",
      source: { not: "poll" },
      generationId: { not: null },
      costSource: { not: "provider" },
      occurredAt: { gte: new Date(now.getTime() - MAX_AGE_MS), lte: new Date(now.getTime() - MIN_AGE_MS) },
    },
    orderBy: { occurredAt: "desc" },
    take: opts.limit ?? 200,
    select: { orgId: true, externalId: true, occurredAt: true, generationId: true, workspaceId: true, projectTagId: true, providerKeyId: true, memberId: true },
  });
  const clients = conns.map((c) => new OpenRouterClient({ apiKey: decryptSecret(c.secretCiphertext), baseUrl: baseUrlOf(c), fetch: opts.fetch, sleep: opts.sleep, maxRetries: opts.maxRetries ?? 2 }));
  const updates: (UsageEventKey & { costMicros: bigint })[] = [];
  let notFound = 0;
  for (const e of events) {
    let found = false;
    for (const client of clients) {
      try {
        const g = await client.getGeneration(e.generationId!);
        updates.push({ orgId: e.orgId, workspaceId: e.workspaceId, externalId: e.externalId, occurredAt: e.occurredAt, costMicros: usdToMicros(g.total_cost) });
        found = true;
        break;
      } catch (err) {
        // Not (yet) known to this account: try the next connection; anything else ends the run.
        if (err instanceof ProviderError && (err.kind === "not_found" || err.status === 403)) continue;
        throw err;
      }
    }
    if (!found) notFound++;
  }
  const filled = await applyProviderCosts(updates);
  if (filled > 0) {
    const touched = events.filter((e) => updates.some((u) => u.workspaceId === e.workspaceId && u.externalId === e.externalId));
    // A corrected cost in a period that has ended re-evaluates that period's budgets.
    await reevaluateEndedPeriods(orgId, touched.map((e) => e.occurredAt), now).catch(() => 0);
    const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
    await onUsageLanded({
      orgId,
      workspaceIds: uniq(touched.map((e) => e.workspaceId)),
      projectTagIds: uniq(touched.map((e) => e.projectTagId)),
      providerKeyIds: uniq(touched.map((e) => e.providerKeyId)),
      memberIds: uniq(touched.map((e) => e.memberId)),
    }).catch(() => {});
  }
  return { checked: events.length, filled, notFound };
}
