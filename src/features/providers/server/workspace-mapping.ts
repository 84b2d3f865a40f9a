/**
 * The admin's side of OpenRouter workspaces: what the connection page shows (account type, each
 * OpenRouter workspace, where it maps, its keys and last reconciled drift) and mapping a
 * workspace. Mapping moves the workspace's keys of this connection to the target (that is the
 * point of mapping; per-key attribution can still be changed afterwards).
 */
import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { fieldError, fieldNotFound } from "@/features/workspaces/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import type { ProviderWorkspaceMapInput } from "../schemas";
import { formatUsd } from "@/lib/money";
import type { OpenRouterAccountSection } from "../components/openrouter-workspaces";
import { createMirrorWorkspace } from "./openrouter-account";

export async function openRouterAccountView(ctx: TenantContext, connectionId: string) {
  requirePermission(ctx, "connections:read");
  const conn = await prisma.providerConnection.findFirst({
    where: { id: connectionId, orgId: ctx.orgId, provider: "openrouter" },
    select: { id: true, accountType: true, providerOrgId: true, createWorkspaces: true },
  });
  if (!conn) throw notFound("Connection not found");
  const [rows, keyCounts, members, drift] = await Promise.all([
    prisma.providerWorkspace.findMany({ where: { connectionId: conn.id, orgId: ctx.orgId }, orderBy: [{ firstSeenAt: "asc" }, { slug: "asc" }] }),
    prisma.providerKey.groupBy({ by: ["providerWorkspaceId"], where: { connectionId: conn.id, orgId: ctx.orgId, status: { not: "deleted" } }, _count: true }),
    prisma.providerMember.findMany({ where: { connectionId: conn.id, orgId: ctx.orgId }, select: { email: true, userId: true } }),
    prisma.providerWorkspaceSpend.findMany({ where: { connectionId: conn.id, orgId: ctx.orgId }, orderBy: { day: "desc" }, take: 200 }),
  ]);
  const names = new Map((await prisma.workspace.findMany({ where: { orgId: ctx.orgId }, select: { id: true, name: true } })).map((w) => [w.id, w.name]));
  return {
    ...conn,
    members: { total: members.length, matched: members.filter((m) => m.userId).length },
    workspaces: rows.map((r) => {
      const last = drift.find((d) => d.providerWorkspaceId === r.providerWorkspaceId);
      return {
        id: r.id,
        providerWorkspaceId: r.providerWorkspaceId,
        name: r.name,
        slug: r.slug,
        gone: r.goneAt !== null,
        workspaceId: r.workspaceId,
        workspaceName: r.workspaceId ? (names.get(r.workspaceId) ?? null) : null,
        keys: keyCounts.find((k) => k.providerWorkspaceId === r.providerWorkspaceId)?._count ?? 0,
        lastReconciled: last ? { day: last.day, providerMicros: last.providerMicros, tollgateMicros: last.tollgateMicros, driftMicros: last.driftMicros } : null,
      };
    }),
  };
}

/** The connection page's OpenRouter sections, display-ready (one per OpenRouter connection). */
export async function openRouterAccountSections(ctx: TenantContext, connections: { id: string; name: string; provider: string }[]): Promise<OpenRouterAccountSection[]> {
  const out: OpenRouterAccountSection[] = [];
  for (const c of connections.filter((c) => c.provider === "openrouter")) {
    const v = await openRouterAccountView(ctx, c.id);
    out.push({
      connectionId: c.id,
      connectionName: c.name,
      accountType: v.accountType,
      members: v.members,
      workspaces: v.workspaces.map((w) => ({
        ...w,
        lastReconciled: w.lastReconciled
          ? {
              day: w.lastReconciled.day.toISOString().slice(0, 10),
              provider: formatUsd(w.lastReconciled.providerMicros, { cents: true }),
              tollgate: formatUsd(w.lastReconciled.tollgateMicros, { cents: true }),
              drift: formatUsd(w.lastReconciled.driftMicros, { cents: true }),
              off: w.lastReconciled.driftMicros !== 0n,
            }
          : null,
      })),
    });
  }
  return out;
}

/** Maps one OpenRouter workspace to a Tollgate workspace ("create" makes a matching one; null unmaps). */
export async function mapOpenRouterWorkspace(ctx: TenantContext, input: ProviderWorkspaceMapInput) {
  requirePermission(ctx, "connections:write");
  const row = await prisma.providerWorkspace.findFirst({ where: { id: input.providerWorkspaceId, connectionId: input.connectionId, orgId: ctx.orgId } });
  if (!row) throw notFound("Workspace not found");
  let workspaceId: string | null = null;
  if (input.target === "create") {
    requirePermission(ctx, "workspaces:write");
    workspaceId = await createMirrorWorkspace(ctx.orgId, row.id, ctx.actorLabel, { evenIfMapped: true });
  } else if (input.target) {
    const ws = await prisma.workspace.findFirst({ where: { id: input.target, orgId: ctx.orgId }, select: { id: true } });
    if (!ws) throw fieldNotFound("target", "Choose a workspace of this organization");
    workspaceId = ws.id;
  } else if (row.workspaceId === null) {
    throw fieldError("target", "Choose a workspace to map to");
  }
  return prisma.$transaction(async (tx) => {
    await tx.providerWorkspace.update({ where: { id: row.id }, data: { workspaceId } });
    const moved = workspaceId
      ? await tx.providerKey.updateMany({
          where: { orgId: ctx.orgId, connectionId: row.connectionId, providerWorkspaceId: row.providerWorkspaceId, workspaceId: { not: workspaceId } },
          data: { workspaceId, projectTagId: null },
        })
      : { count: 0 };
    await writeAudit(
      ctx,
      { action: "connection.workspace_mapped", targetType: "connection", targetId: row.connectionId, before: { openrouterWorkspace: row.slug, workspaceId: row.workspaceId }, after: { openrouterWorkspace: row.slug, workspaceId, keysMoved: moved.count } },
      tx,
    );
    return { id: row.id, workspaceId, keysMoved: moved.count };
  });
}
