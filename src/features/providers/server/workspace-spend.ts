/**
 * Per-workspace reconciliation for OpenRouter: each completed UTC day's spend per OpenRouter
 * workspace (`GET /activity?group_by=workspace`, reference provider-updates-2026-12.md §2) is
 * compared with Tollgate's spend in the mapped Tollgate workspace that day (OpenRouter rows of
 * the `day` rollups: pushed + reconciled poll events). Both figures and the drift
 * (tollgate − provider) are stored in `provider_workspace_spend`, one row per
 * (connection, OpenRouter workspace, day), replaced on every re-read.
 *
 * A drift means keys are attributed to the wrong Tollgate workspace, or spend is missing; it is
 * kept as a small module of its own so the connection-level "reconciliation against the bill"
 * can read it (`workspaceDrift`).
 */
import { pool, prisma } from "@/server/db";
import { usdToMicros } from "@/lib/money";
import type { OpenRouterActivityItem } from "@/providers/openrouter/client";

type Conn = { id: string; orgId: string };

export type WorkspaceSpendRow = { providerWorkspaceId: string; workspaceId: string | null; day: Date; providerMicros: bigint; tollgateMicros: bigint; driftMicros: bigint };

/** Tollgate's OpenRouter spend per (workspace, UTC day) from the day rollups. */
async function tollgateSpend(orgId: string, workspaceIds: string[], days: Date[]): Promise<Map<string, bigint>> {
  if (workspaceIds.length === 0 || days.length === 0) return new Map();
  const { rows } = await pool.query<{ workspace_id: string; day: Date; cost: string }>(
    `SELECT "workspaceId" AS workspace_id, "bucketStart" AS day, sum("costMicros")::text AS cost FROM usage_rollups
      WHERE "orgId" = $1 AND granularity = 'day' AND provider = 'openrouter' AND "workspaceId" = ANY($2::text[]) AND "bucketStart" = ANY($3::timestamptz[])
      GROUP BY 1, 2`,
    [orgId, workspaceIds, days],
  );
  return new Map(rows.map((r) => [`${r.workspace_id}|${r.day.toISOString()}`, BigInt(r.cost)]));
}

export async function reconcileWorkspaceSpend(conn: Conn, items: OpenRouterActivityItem[], now = new Date()): Promise<WorkspaceSpendRow[]> {
  const provider = new Map<string, { pw: string; day: Date; micros: bigint }>();
  for (const it of items) {
    if (!it.workspace_id) continue;
    const day = new Date(`${it.date.slice(0, 10)}T00:00:00.000Z`);
    const k = `${it.workspace_id}|${day.toISOString()}`;
    const prev = provider.get(k);
    provider.set(k, { pw: it.workspace_id, day, micros: (prev?.micros ?? 0n) + usdToMicros(it.usage) });
  }
  const mapped = await prisma.providerWorkspace.findMany({ where: { connectionId: conn.id, orgId: conn.orgId }, select: { providerWorkspaceId: true, workspaceId: true } });
  const target = new Map(mapped.map((m) => [m.providerWorkspaceId, m.workspaceId]));
  const days = [...new Set([...provider.values()].map((p) => p.day.toISOString()))].map((d) => new Date(d));
  const spent = await tollgateSpend(conn.orgId, [...new Set(mapped.flatMap((m) => (m.workspaceId ? [m.workspaceId] : [])))], days);
  const out: WorkspaceSpendRow[] = [];
  for (const p of provider.values()) {
    const workspaceId = target.get(p.pw) ?? null;
    const tollgateMicros = workspaceId ? (spent.get(`${workspaceId}|${p.day.toISOString()}`) ?? 0n) : 0n;
    const row = { providerWorkspaceId: p.pw, workspaceId, day: p.day, providerMicros: p.micros, tollgateMicros, driftMicros: tollgateMicros - p.micros };
    await prisma.providerWorkspaceSpend.upsert({
      where: { connectionId_providerWorkspaceId_day: { connectionId: conn.id, providerWorkspaceId: p.pw, day: p.day } },
      create: { orgId: conn.orgId, connectionId: conn.id, ...row, checkedAt: now },
      update: { ...row, checkedAt: now },
    });
    out.push(row);
  }
  return out;
}

/** The stored per-workspace reconciliation of a connection (newest day first), for pages and alerts. */
export async function workspaceDrift(conn: Conn, opts: { since?: Date } = {}) {
  return prisma.providerWorkspaceSpend.findMany({
    where: { connectionId: conn.id, orgId: conn.orgId, ...(opts.since ? { day: { gte: opts.since } } : {}) },
    orderBy: [{ day: "desc" }, { providerWorkspaceId: "asc" }],
  });
}
