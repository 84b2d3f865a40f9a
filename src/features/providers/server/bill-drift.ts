/**
 * Reconciliation against the bill: for each connection and closed UTC day, Tollgate's spend next to
 * the provider's billed figure, with the drift. A drift over BILL_DRIFT_ALERT_PERCENT raises one
 * `bill_drift` alert per connection and day (email + feed) with the top models and keys.
 *
 * - OpenAI: billed = Σ Costs API lines of the day. Tollgate = what it counted BEFORE the day's
 *   billing adjustment (pushed + token fills at list prices + non-token lines, cost-lines.ts), so
 *   the drift shows how far the estimate was from the bill (the adjustment then closes it).
 * - OpenRouter: billed = the day's `/activity` total (per-key rows + the unlisted remainder).
 *   Tollgate = the connection's pushed spend + its fills.
 */
import { env } from "@/env";
import { pool, prisma } from "@/server/db";
import { claimAlert } from "@/features/alerts/server/claim";
import { formatUsd } from "@/lib/money";
import { formatPercent } from "@/lib/percent";
import { ownedPushedCost, type ReconcileConnection } from "./reconcile-tx";

const DAY_MS = 86_400_000;
const ADJUSTMENT_SUFFIX = "::billing adjustment";

async function billedMicros(conn: ReconcileConnection, day: Date): Promise<bigint | null> {
  const { rows } = await pool.query<{ c: string | null; n: number }>(
    conn.provider === "openai"
      ? `SELECT sum("amountMicros")::text AS c, count(*)::int AS n FROM provider_cost_lines WHERE "connectionId" = $1 AND day = $2`
      : `SELECT sum("costMicros")::text AS c, count(*)::int AS n FROM polled_usage WHERE "connectionId" = $1 AND endpoint = 'openrouter.activity' AND "bucketStart" = $2`,
    [conn.id, day],
  );
  return rows[0] && rows[0].n > 0 ? BigInt(rows[0].c ?? "0") : null;
}

async function tollgateMicros(conn: ReconcileConnection, day: Date): Promise<bigint> {
  const end = new Date(day.getTime() + DAY_MS);
  const client = await pool.connect();
  try {
    const pushed = await ownedPushedCost(client, conn, day, end);
    const { rows } = await client.query<{ c: string | null }>(
      `SELECT sum("costMicros")::text AS c FROM usage_events
        WHERE "orgId" = $1 AND source = 'poll' AND "occurredAt" >= $2 AND "occurredAt" < $3
          AND starts_with("externalId", $4) AND NOT ("externalId" LIKE '%' || $5)`,
      [conn.orgId, day, end, `poll:${conn.id}:`, ADJUSTMENT_SUFFIX],
    );
    return pushed + BigInt(rows[0]?.c ?? "0");
  } finally {
    client.release();
  }
}

/** The five largest models and keys of the connection's provider that day (what to look at first). */
async function topContributors(conn: ReconcileConnection, day: Date) {
  const end = new Date(day.getTime() + DAY_MS);
  const q = (dim: string) =>
    pool.query<{ label: string; c: string }>(
      `SELECT ${dim} AS label, sum(e."costMicros")::text AS c FROM usage_events e LEFT JOIN provider_keys pk ON pk.id = e."providerKeyId"
        WHERE e."orgId" = $1 AND e.provider = $2::"Provider" AND e."occurredAt" >= $3 AND e."occurredAt" < $4
        GROUP BY 1 ORDER BY sum(e."costMicros") DESC LIMIT 5`,
      [conn.orgId, conn.provider, day, end],
    );
  const [models, keys] = await Promise.all([q("e.model"), q(`coalesce(pk.label, e."apiKeyRef", '(no key)')`)]);
  const fmt = (rows: { label: string; c: string }[]) => rows.map((r) => ({ label: r.label, costMicros: r.c }));
  return { topModels: fmt(models.rows), topKeys: fmt(keys.rows) };
}

export const driftPercent = (tollgate: bigint, billed: bigint): number | null =>
  billed === 0n ? (tollgate === 0n ? 0 : null) : Number(((tollgate - billed) * 1_000_000n) / billed) / 10_000;

/** Records the closed days among `days` that have a bill, and alerts on those that drift. */
export async function recordBillDrift(conn: ReconcileConnection & { name: string }, days: Date[], now: Date): Promise<number> {
  let alerts = 0;
  for (const day of days) {
    if (day.getTime() + DAY_MS > now.getTime()) continue;
    const billed = await billedMicros(conn, day);
    if (billed === null) continue;
    const tollgate = await tollgateMicros(conn, day);
    await prisma.billReconciliation.upsert({
      where: { connectionId_day: { connectionId: conn.id, day } },
      create: { orgId: conn.orgId, connectionId: conn.id, day, tollgateMicros: tollgate, billedMicros: billed },
      update: { tollgateMicros: tollgate, billedMicros: billed, computedAt: now },
    });
    const pct = driftPercent(tollgate, billed);
    if (pct !== null && Math.abs(pct) <= env.BILL_DRIFT_ALERT_PERCENT) continue;
    const dayLabel = day.toISOString().slice(0, 10);
    const drift = tollgate - billed;
    const id = await claimAlert({
      orgId: conn.orgId,
      kind: "bill_drift",
      dedupeKey: `bill_drift:${conn.id}:${dayLabel}`,
      title: `"${conn.name}" on ${dayLabel} (UTC): Tollgate counted ${formatUsd(tollgate)}, the provider billed ${formatUsd(billed)} (${drift >= 0n ? "+" : ""}${formatUsd(drift)}${pct === null ? "" : `, ${formatPercent(pct, 2)}`})`,
      subjectType: "connection",
      subjectId: conn.id,
      payload: {
        connectionId: conn.id,
        connectionName: conn.name,
        provider: conn.provider,
        day: dayLabel,
        tollgateMicros: tollgate.toString(),
        billedMicros: billed.toString(),
        driftMicros: drift.toString(),
        driftPercent: pct,
        thresholdPercent: env.BILL_DRIFT_ALERT_PERCENT,
        ...(await topContributors(conn, day)),
      },
    });
    if (id) alerts++;
  }
  return alerts;
}

/** The last `days` days of reconciliation rows of the org, newest first (the reconciliation page). */
export async function listBillReconciliations(orgId: string, days = 90, now = new Date()) {
  const from = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS - days * DAY_MS);
  const [rows, conns] = await Promise.all([
    prisma.billReconciliation.findMany({ where: { orgId, day: { gte: from } }, orderBy: [{ day: "desc" }, { connectionId: "asc" }] }),
    prisma.providerConnection.findMany({ where: { orgId }, select: { id: true, name: true, provider: true } }),
  ]);
  const byId = new Map(conns.map((c) => [c.id, c]));
  return rows.map((r) => ({
    connectionId: r.connectionId,
    connectionName: byId.get(r.connectionId)?.name ?? "(deleted connection)",
    provider: byId.get(r.connectionId)?.provider ?? null,
    day: r.day,
    tollgateMicros: r.tollgateMicros,
    billedMicros: r.billedMicros,
    driftMicros: r.tollgateMicros - r.billedMicros,
    driftPercent: driftPercent(r.tollgateMicros, r.billedMicros),
  }));
}
