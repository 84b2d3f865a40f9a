/**
 * OpenAI's bill (Costs API lines, 1 d buckets per project and line item) becomes spend.
 *
 * - Lines no usage bucket explains (images, audio, vector storage, web search, code interpreter …
 *   anything that is not a token line) are spend on their own: one `poll` event per (day,
 *   project, line item), cost = the billed amount, attributed to the project's workspace (through
 *   a tracked key of that project) or the connection's.
 * - Token lines are explained by the usage buckets, which Tollgate turns into fills priced at
 *   list prices. Day by day the bill is the truth: once a UTC day is over, one adjustment event
 *   per connection and day makes Tollgate's spend for that connection and day equal the billed
 *   total (Batch, flex, priority and negotiated rates; it can be negative).
 *     adjustment(D) = Σ token lines(D) − (pushed spend of the connection(D) + its token fills(D))
 *   so pushed + fills + non-token lines + adjustment = billed(D).
 * The events are REPLACED on every re-read (externalId `poll:<conn>:openai.costs:<dayISO>:…`).
 * Pushes and fills change the adjustment, so it is recomputed wherever fills are: in the poll's
 * reconcile transaction and in a push's guarded transaction (fill-guard.ts).
 */
import type { PoolClient } from "pg";
import { pool } from "@/server/db";
import { getWorkspaceInfo } from "@/features/ingest/server/attribution";
import { notifyLanded, upsertPollEventsTx } from "@/features/ingest/server/write-events";
import type { NormalizedEvent } from "@/features/ingest/types";
import { lockFillsExclusive } from "./fill-guard";
import { fallbackWorkspace, FILL_ENDPOINTS, ownedPushedCost, pollEvent, type ReconcileConnection } from "./reconcile-tx";
import { zeroMetrics } from "./reconcile-math";

export const COSTS_ENDPOINT = "openai.costs";
const DAY_MS = 86_400_000;
const ADJUSTMENT_MODEL = "billing adjustment";

/** A token line is explained by usage buckets; the vocabulary is unspecified, so the unit wins when given. */
export function isTokenLine(lineItem: string, unit: string | null): boolean {
  if (unit) return unit === "tokens" || unit === "1000_tokens";
  return /(^|[^a-z])(input|output|cached|tokens?)([^a-z]|$)/i.test(lineItem);
}

type Line = { projectRef: string; lineItem: string; amountMicros: string; quantityUnit: string | null };

/** Recomputes the cost events of the given UTC days of one OpenAI connection, inside `client`'s transaction. */
export async function reconcileCostDays(client: PoolClient, conn: ReconcileConnection, days: Date[], now: Date): Promise<NormalizedEvent[]> {
  if (conn.provider !== "openai" || days.length === 0) return [];
  const events: NormalizedEvent[] = [];
  const fallbackWs = await fallbackWorkspace(conn);
  const { rows: keyRows } = await client.query<{ project: string; workspaceId: string | null; projectTagId: string | null }>(
    `SELECT DISTINCT ON ("providerProjectId") "providerProjectId" AS project, "workspaceId", "projectTagId"
       FROM provider_keys WHERE "connectionId" = $1 AND "providerProjectId" IS NOT NULL ORDER BY "providerProjectId", "createdAt"`,
    [conn.id],
  );
  const byProject = new Map(keyRows.map((r) => [r.project, r]));
  for (const day of days) {
    const { rows: lines } = await client.query<Line>(
      `SELECT "projectRef", "lineItem", "amountMicros"::text AS "amountMicros", "quantityUnit" FROM provider_cost_lines WHERE "connectionId" = $1 AND day = $2`,
      [conn.id, day],
    );
    const { rows: existing } = await client.query<{ workspaceId: string; externalId: string; projectTagId: string | null; model: string; nonzero: boolean }>(
      `SELECT "workspaceId", "externalId", "projectTagId", model, ("costMicros" <> 0) AS nonzero FROM usage_events
        WHERE "orgId" = $1 AND "occurredAt" = $2 AND source = 'poll' AND starts_with("externalId", $3)`,
      [conn.orgId, day, `poll:${conn.id}:${COSTS_ENDPOINT}:`],
    );
    const target = new Set<string>();
    const add = async (projectRef: string, model: string, cost: bigint) => {
      const k = byProject.get(projectRef);
      const workspaceId = k?.workspaceId ?? fallbackWs;
      const projectTagId = k?.workspaceId ? (k.projectTagId ?? (await getWorkspaceInfo(workspaceId)).defaultTagId) : (await getWorkspaceInfo(workspaceId)).defaultTagId;
      const externalId = `poll:${conn.id}:${COSTS_ENDPOINT}:${day.toISOString()}:${projectRef}:${model}`;
      target.add(`${workspaceId}\u0000${externalId}`);
      const metrics = { ...zeroMetrics(), costMicros: cost };
      events.push(pollEvent(conn, { workspaceId, externalId, projectTagId, providerKeyId: null, apiKeyRef: null, model, at: day, metrics, endpoint: COSTS_ENDPOINT, seconds: 86_400 }));
    };
    let tokenBilled = 0n;
    for (const l of lines) {
      const amount = BigInt(l.amountMicros);
      if (isTokenLine(l.lineItem, l.quantityUnit)) tokenBilled += amount;
      else if (amount !== 0n) await add(l.projectRef, l.lineItem.slice(0, 200) || "unspecified line item", amount);
    }
    if (lines.length > 0 && day.getTime() + DAY_MS <= now.getTime()) {
      const end = new Date(day.getTime() + DAY_MS);
      const pushed = await ownedPushedCost(client, conn, day, end);
      const { rows } = await client.query<{ c: string | null }>(
        `SELECT sum("costMicros")::text AS c FROM usage_events e
          WHERE "orgId" = $1 AND source = 'poll' AND "occurredAt" >= $2 AND "occurredAt" < $3
            AND EXISTS (SELECT 1 FROM unnest($4::text[]) p WHERE starts_with(e."externalId", p))`,
        [conn.orgId, day, end, FILL_ENDPOINTS.openai.map((ep) => `poll:${conn.id}:${ep}:`)],
      );
      const adjustment = tokenBilled - pushed - BigInt(rows[0]?.c ?? "0");
      if (adjustment !== 0n) await add("", ADJUSTMENT_MODEL, adjustment);
    }
    for (const e of existing) {
      if (target.has(`${e.workspaceId}\u0000${e.externalId}`) || !e.nonzero) continue;
      events.push(pollEvent(conn, { ...e, providerKeyId: null, apiKeyRef: null, at: day, metrics: zeroMetrics(), endpoint: COSTS_ENDPOINT, seconds: 0 }));
    }
  }
  await upsertPollEventsTx(client, events);
  return events;
}

/** After the cost lines of `days` were stored: recompute their events under the fill lock. */
export async function reconcileCostLines(conn: ReconcileConnection, days: Date[], now: Date) {
  const client = await pool.connect();
  let events: NormalizedEvent[] = [];
  try {
    await client.query("BEGIN");
    await lockFillsExclusive(client, conn.orgId, conn.provider);
    events = await reconcileCostDays(client, conn, days, now);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  if (events.length > 0) notifyLanded(events);
  return events.length;
}
