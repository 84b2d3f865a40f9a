/**
 * "Never the sum" at every committed state: the locks and the push-side half of reconciliation.
 *
 * A poll fill is `max(0, polled − pushed)` for its bucket (reconcile-math.ts). Pushed spend
 * changes in two places besides the poll: a push/OTLP insert, and a generation cost fill
 * (fill-costs.ts). Both lower (or, for a cost correction, move) what the fill must be, so:
 *
 * - Lock L(org, provider): the poll's reconcile transaction takes it EXCLUSIVE before reading
 *   pushed totals and holds it until the fill commits. Every guarded writer of pushed spend takes
 *   it SHARED before its insert/update and holds it until commit. So a push either committed
 *   before the poll read the totals (the poll subtracts it), or it starts after the poll
 *   committed (it sees the fill and lowers it, below).
 * - Lock F(org, provider), EXCLUSIVE: taken by a writer of pushed spend that found a non-zero
 *   fill of the same kind in one of its buckets, BEFORE it writes any row (so no rollup row lock
 *   is ever held while waiting for F: no deadlock). Inside the same transaction, after its
 *   insert, it recomputes those buckets' fills from the stored polled rows (reconcile-tx.ts).
 *   F serialises those recomputations, so two pushes can't each lower the fill from a stale read.
 *
 * Cost on the ingest hot path: orgs with no connection of the event's provider (cached for
 * CACHE_MS per process) take the old single-statement path. Orgs with one add BEGIN + the shared
 * lock + one indexed look-up of non-zero fills at the batch's bucket starts + COMMIT; the
 * recomputation runs only when such a fill exists. A push can only lower a fill, so a zero fill
 * needs nothing.
 *
 * The cache can say "no connection" for up to CACHE_MS after one is created in ANOTHER process.
 * A connection therefore writes no fill before it is CONNECTION_GRACE_MS old (poll-run.ts defers
 * its first poll), by which time every process has seen it.
 */
import type { PoolClient } from "pg";
import { env } from "@/env";
import { pool } from "@/server/db";
import type { NormalizedEvent } from "@/features/ingest/types";
import type { Provider } from "@/generated/prisma/enums";

const CACHE_MS = 10_000;
/** 30 s by default; env CONNECTION_GRACE_MS shortens it for the browser journeys only (src/env.ts). */
export const CONNECTION_GRACE_MS = env.CONNECTION_GRACE_MS ?? 3 * CACHE_MS;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The fill kinds and bucket sizes per provider (see reconcile-scope.ts for the kinds). */
export const BUCKET_MS: Record<Provider, number> = { openai: HOUR_MS, openrouter: DAY_MS };

/** Which fill kind a pushed event is compared with (like with like). */
export function pushedKind(provider: Provider, model: string): string {
  if (provider === "openrouter") return "openrouter.activity";
  const m = model.toLowerCase();
  if (m.includes("embedding")) return "openai.embeddings";
  if (m.includes("moderation")) return "openai.moderations";
  return "openai.completions";
}

const lockKey = (kind: "L" | "F", orgId: string, provider: Provider) => `tollgate:fill:${kind}:${orgId}:${provider}`;

export async function lockFillsExclusive(client: Pick<PoolClient, "query">, orgId: string, provider: Provider) {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey("L", orgId, provider)]);
}

const known = new Map<string, { has: boolean; at: number }>();

/** True when the org has (or had within CACHE_MS) a connection of the provider. */
async function hasConnection(orgId: string, provider: Provider): Promise<boolean> {
  const id = `${orgId}\u0000${provider}`;
  const hit = known.get(id);
  const now = Date.now();
  if (hit && now - hit.at < CACHE_MS) return hit.has;
  const { rows } = await pool.query<{ has: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM provider_connections WHERE "orgId" = $1 AND provider = $2::"Provider") AS has`,
    [orgId, provider],
  );
  const has = rows[0]?.has ?? false;
  if (known.size > 50_000) known.clear();
  known.set(id, { has, at: now });
  return has;
}

/** Forget the cached answer (this process just created a connection). */
export function forgetConnectionCache(orgId: string) {
  for (const p of ["openai", "openrouter"] as const) known.delete(`${orgId}\u0000${p}`);
}

/** The (org, provider) groups of a batch whose writes must go through the guard. */
export type GuardPlan = { orgId: string; provider: Provider; touched: { kind: string; bucketStart: number }[] }[];

export async function planGuard(events: Pick<NormalizedEvent, "orgId" | "provider" | "source" | "model" | "occurredAt" | "status">[]): Promise<GuardPlan> {
  // Which (org, provider) pairs the batch holds, and of those which have a connection: the
  // touched buckets are only worked out for them (a push batch is almost always one org, and
  // most orgs poll nothing, so the per-event work below is usually skipped).
  const pairs = new Map<string, Set<Provider>>();
  for (const e of events) {
    if (e.source === "poll" || e.status >= 400) continue;
    const providers = pairs.get(e.orgId);
    if (!providers) pairs.set(e.orgId, new Set([e.provider]));
    else providers.add(e.provider);
  }
  const guarded = new Map<string, { orgId: string; provider: Provider; touched: Map<string, { kind: string; bucketStart: number }> }>();
  for (const [orgId, providers] of pairs) {
    for (const provider of providers) if (await hasConnection(orgId, provider)) guarded.set(`${orgId}\u0000${provider}`, { orgId, provider, touched: new Map() });
  }
  if (guarded.size === 0) return [];
  for (const e of events) {
    if (e.source === "poll" || e.status >= 400) continue;
    const g = guarded.get(`${e.orgId}\u0000${e.provider}`);
    if (!g) continue;
    const kind = pushedKind(e.provider, e.model);
    if (e.provider === "openai") {
      // Days with a billed-cost adjustment (cost-lines.ts): the marker is the day start.
      const d = Math.floor(e.occurredAt.getTime() / DAY_MS) * DAY_MS;
      g.touched.set(`openai.costs@${d}`, { kind: "openai.costs", bucketStart: d });
    }
    const t = Math.floor(e.occurredAt.getTime() / BUCKET_MS[e.provider]) * BUCKET_MS[e.provider];
    g.touched.set(`${kind}@${t}`, { kind, bucketStart: t });
  }
  const plan: GuardPlan = [];
  for (const g of [...guarded.values()].sort((a, b) => (a.orgId + a.provider < b.orgId + b.provider ? -1 : 1))) {
    plan.push({ orgId: g.orgId, provider: g.provider, touched: [...g.touched.values()] });
  }
  return plan;
}

export type AffectedFill = { orgId: string; provider: Provider; connectionId: string; bucketStarts: Date[]; costDays: Date[] };

/**
 * Inside the writer's transaction, before it writes: takes L shared for every group, finds the
 * non-zero fills of the same kind in the touched buckets (and, for OpenAI, the closed days with
 * billed cost lines, whose adjustment any pushed dollar moves: cost-lines.ts), and takes F for
 * the groups that have one. Returns what to recompute after the write.
 */
export async function guardBeforeWrite(client: Pick<PoolClient, "query">, plan: GuardPlan, mode: "push" | "cost" = "push"): Promise<AffectedFill[]> {
  const affected: AffectedFill[] = [];
  for (const g of plan) await client.query(`SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`, [lockKey("L", g.orgId, g.provider)]);
  for (const g of plan) {
    const starts = [...new Set(g.touched.map((t) => t.bucketStart))].map((t) => new Date(t));
    // A push only lowers a fill, so only non-zero fills matter; a cost correction can also raise
    // one, so every bucket with polled rows does.
    const { rows } = await client.query<{ conn: string; endpoint: string; at: Date }>(
      mode === "cost"
        ? `SELECT DISTINCT "connectionId" AS conn, endpoint, "bucketStart" AS at FROM polled_usage
            WHERE "orgId" = $1 AND "bucketStart" = ANY($2::timestamptz[]) AND provider = $3::"Provider"`
        : // poll externalIds are `poll:<connectionId>:<endpoint>:<bucketISO>:…` (reconcile-tx.ts).
          `SELECT DISTINCT split_part(e."externalId", ':', 2) AS conn, split_part(e."externalId", ':', 3) AS endpoint, e."occurredAt" AS at
             FROM usage_events e
            WHERE e."orgId" = $1 AND e."occurredAt" = ANY($2::timestamptz[]) AND e.provider = $3::"Provider" AND e.source = 'poll'
              AND (e.requests <> 0 OR e."costMicros" <> 0 OR e."inputTokens" <> 0 OR e."outputTokens" <> 0 OR e."cachedTokens" <> 0
                   OR e."cacheWriteTokens" <> 0 OR e."reasoningTokens" <> 0)`,
      [g.orgId, starts, g.provider],
    );
    const wanted = new Set(g.touched.map((t) => `${t.kind}@${t.bucketStart}`));
    const byConn = new Map<string, { fills: Set<number>; days: Set<number> }>();
    const at = (c: string) => byConn.get(c) ?? byConn.set(c, { fills: new Set(), days: new Set() }).get(c)!;
    for (const r of rows) {
      const t = new Date(r.at).getTime();
      if (wanted.has(`${r.endpoint}@${t}`)) at(r.conn).fills.add(t);
    }
    if (g.provider === "openrouter") {
      // Minute-reading fills sit inside the day, not at its start (key-readings.ts).
      const { readingDays } = await import("./key-readings");
      for (const r of await readingDays(client, g.orgId, starts, mode)) at(r.conn).fills.add(r.day.getTime());
    }
    if (g.provider === "openai") {
      const days = [...new Set(g.touched.map((t) => Math.floor(t.bucketStart / DAY_MS) * DAY_MS))].map((t) => new Date(t));
      const { rows: billed } = await client.query<{ conn: string; day: Date }>(
        `SELECT DISTINCT "connectionId" AS conn, day FROM provider_cost_lines
          WHERE "orgId" = $1 AND day = ANY($2::timestamptz[]) AND day + interval '1 day' <= now()`,
        [g.orgId, days],
      );
      for (const r of billed) at(r.conn).days.add(new Date(r.day).getTime());
    }
    if (byConn.size === 0) continue;
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [lockKey("F", g.orgId, g.provider)]);
    for (const [connectionId, x] of [...byConn].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const dates = (ts: Set<number>) => [...ts].sort().map((t) => new Date(t));
      affected.push({ orgId: g.orgId, provider: g.provider, connectionId, bucketStarts: dates(x.fills), costDays: dates(x.days) });
    }
  }
  return affected;
}

/** After the write, same transaction: recompute the affected fills, then the billed-cost adjustments. */
export async function guardAfterWrite(client: PoolClient, affected: AffectedFill[]): Promise<void> {
  if (affected.length === 0) return;
  // Loaded on demand: reconcile-tx imports the ingest writer, which imports this module.
  const { reconcileStoredForConnection } = await import("./reconcile-tx");
  for (const a of affected) await reconcileStoredForConnection(client, a.connectionId, a.bucketStarts, a.costDays);
}
