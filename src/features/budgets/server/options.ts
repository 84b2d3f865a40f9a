import { prisma } from "@/server/db";
import { requirePermission, type TenantContext } from "@/server/tenant";

/** What the budget form can point at: this org's workspaces, tags, keys and members. */
export async function budgetFormOptions(ctx: TenantContext) {
  requirePermission(ctx, "budgets:read");
  const [workspaces, tags, keys, members] = await Promise.all([
    prisma.workspace.findMany({ where: { orgId: ctx.orgId }, select: { id: true, name: true }, orderBy: { name: "asc" } }),
    prisma.projectTag.findMany({ where: { orgId: ctx.orgId }, select: { id: true, name: true, slug: true, workspaceId: true }, orderBy: { name: "asc" } }),
    prisma.providerKey.findMany({ where: { orgId: ctx.orgId, status: { not: "deleted" } }, select: { id: true, label: true, provider: true }, orderBy: { label: "asc" } }),
    prisma.membership.findMany({ where: { orgId: ctx.orgId }, select: { userId: true, user: { select: { email: true, name: true } } }, orderBy: { createdAt: "asc" } }),
  ]);
  const wsName = new Map(workspaces.map((w) => [w.id, w.name]));
  return {
    workspaces: workspaces.map((w) => ({ value: w.id, label: w.name })),
    projectTags: tags.map((t) => ({ value: t.id, label: `${wsName.get(t.workspaceId) ?? "?"} / ${t.name}` })),
    keys: keys.map((k) => ({ value: k.id, label: `${k.label} (${k.provider})` })),
    members: members.map((m) => ({ value: m.userId, label: m.user.name ? `${m.user.name} <${m.user.email}>` : m.user.email })),
  };
}
export type BudgetFormOptions = Awaited<ReturnType<typeof budgetFormOptions>>;

/** Names for a budget's scope, for lists and detail pages. */
export async function scopeNames(ctx: TenantContext, b: { scope: string; workspaceId: string | null; projectTagId: string | null; providerKeyId: string | null; memberId: string | null }) {
  const [ws, tag, key, member] = await Promise.all([
    b.workspaceId ? prisma.workspace.findFirst({ where: { id: b.workspaceId, orgId: ctx.orgId }, select: { name: true } }) : null,
    b.projectTagId ? prisma.projectTag.findFirst({ where: { id: b.projectTagId, orgId: ctx.orgId }, select: { name: true } }) : null,
    b.providerKeyId ? prisma.providerKey.findFirst({ where: { id: b.providerKeyId, orgId: ctx.orgId }, select: { label: true } }) : null,
    b.memberId ? prisma.user.findFirst({ where: { id: b.memberId, memberships: { some: { orgId: ctx.orgId } } }, select: { email: true } }) : null,
  ]);
  switch (b.scope) {
    case "org":
      return "Whole organization";
    case "workspace":
      return `Workspace ${ws?.name ?? "(deleted)"}`;
    case "project":
      return `Project tag ${tag?.name ?? "(deleted)"}${ws ? ` in ${ws.name}` : ""}`;
    case "key":
      return `Key ${key?.label ?? "(deleted)"}`;
    default:
      return `Member ${member?.email ?? "(removed)"} in ${ws?.name ?? "(deleted)"}`;
  }
}
