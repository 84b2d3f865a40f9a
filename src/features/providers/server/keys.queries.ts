import { prisma } from "@/server/db";
import { requirePermission, type TenantContext } from "@/server/tenant";

// Read side of tracked provider keys for the keys page. Pollers create and update the rows
// (keys.ts); this only lists them with the names the page needs.

export type TrackedKeyRow = Awaited<ReturnType<typeof listTrackedKeys>>[number];

export async function listTrackedKeys(ctx: TenantContext) {
  requirePermission(ctx, "keys:read");
  const keys = await prisma.providerKey.findMany({
    where: { orgId: ctx.orgId },
    orderBy: [{ provider: "asc" }, { label: "asc" }, { id: "asc" }],
    select: {
      id: true,
      provider: true,
      label: true,
      providerProjectId: true,
      workspaceId: true,
      projectTagId: true,
      status: true,
      pausedByTollgate: true,
      pausedByBudgetId: true,
      pausedAt: true,
      pauseReason: true,
      providerLimitMicros: true,
      providerUsageMicros: true,
      disabledAtProvider: true,
      lastSeenAt: true,
      ownerUserId: true,
      memberUserId: true,
      externalUser: true,
      connection: { select: { id: true, name: true } },
    },
  });
  const ids = (pick: (k: (typeof keys)[number]) => string | null) => [...new Set(keys.map(pick).filter((v): v is string => !!v))];
  const [workspaces, tags, budgets, owners] = await Promise.all([
    prisma.workspace.findMany({ where: { orgId: ctx.orgId, id: { in: ids((k) => k.workspaceId) } }, select: { id: true, name: true } }),
    prisma.projectTag.findMany({ where: { orgId: ctx.orgId, id: { in: ids((k) => k.projectTagId) } }, select: { id: true, name: true, slug: true } }),
    prisma.budget.findMany({ where: { orgId: ctx.orgId, id: { in: ids((k) => k.pausedByBudgetId) } }, select: { id: true, name: true } }),
    // Only current members of this org are shown as owners.
    prisma.membership.findMany({ where: { orgId: ctx.orgId, userId: { in: [...ids((k) => k.ownerUserId), ...ids((k) => k.memberUserId)] } }, select: { userId: true, user: { select: { email: true } } } }),
  ]);
  const ownerEmail = new Map(owners.map((o) => [o.userId, o.user.email]));
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const ws = byId(workspaces);
  const tg = byId(tags);
  const bg = byId(budgets);
  return keys.map((k) => ({
    ...k,
    workspace: k.workspaceId ? (ws.get(k.workspaceId) ?? null) : null,
    projectTag: k.projectTagId ? (tg.get(k.projectTagId) ?? null) : null,
    owner: k.ownerUserId ? (ownerEmail.get(k.ownerUserId) ?? null) : null,
    // The member an admin attributed the key to (only while they are a member).
    member: k.memberUserId ? (ownerEmail.get(k.memberUserId) ?? null) : null,
    pausedByBudget: k.pausedByBudgetId ? (bg.get(k.pausedByBudgetId) ?? { id: k.pausedByBudgetId, name: "(deleted budget)" }) : null,
  }));
}

/** The keys tracked through one connection of the org (its page lists them with their spend). */
export async function listConnectionKeys(ctx: TenantContext, connectionId: string) {
  requirePermission(ctx, "connections:read");
  return prisma.providerKey.findMany({
    where: { orgId: ctx.orgId, connectionId },
    orderBy: [{ label: "asc" }, { id: "asc" }],
    select: { id: true, label: true, status: true },
  });
}
