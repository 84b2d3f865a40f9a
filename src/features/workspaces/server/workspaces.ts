import { prisma } from "@/server/db";
import { conflict, notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import {
  DEFAULT_TAG_SLUG,
  slugFromName,
  type WorkspaceCreateInput,
  type WorkspaceDeleteInput,
  type WorkspaceRetentionInput,
  type WorkspaceUpdateInput,
} from "../schemas";
import { fieldConflict, fieldError, isUniqueViolation } from "./errors";

const publicFields = { id: true, slug: true, name: true, retentionDays: true, createdAt: true, updatedAt: true } as const;

const snapshot = (w: { name: string; slug: string; retentionDays: number }) => ({
  name: w.name,
  slug: w.slug,
  retentionDays: w.retentionDays,
});

const slugTaken = () => fieldConflict("slug", "Another workspace in this organization already uses this slug");

export async function listWorkspaces(ctx: TenantContext) {
  requirePermission(ctx, "workspaces:read");
  const rows = await prisma.workspace.findMany({
    where: { orgId: ctx.orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: {
      ...publicFields,
      _count: { select: { projectTags: true, ingestTokens: { where: { revokedAt: null } } } },
    },
  });
  return rows.map(({ _count, ...w }) => ({ ...w, tagCount: _count.projectTags, activeTokenCount: _count.ingestTokens }));
}

export async function getWorkspace(ctx: TenantContext, workspaceId: string) {
  requirePermission(ctx, "workspaces:read");
  const ws = await prisma.workspace.findFirst({ where: { id: workspaceId, orgId: ctx.orgId }, select: publicFields });
  if (!ws) throw notFound("Workspace not found");
  return ws;
}

/** A workspace and its default project tag (`untagged`), in one transaction. */
export async function createWorkspace(ctx: TenantContext, input: WorkspaceCreateInput) {
  requirePermission(ctx, "workspaces:write");
  const slug = input.slug ?? slugFromName(input.name, "workspace");
  try {
    return await prisma.$transaction(async (tx) => {
      const ws = await tx.workspace.create({
        data: { orgId: ctx.orgId, name: input.name, slug, retentionDays: input.retentionDays },
        select: publicFields,
      });
      const tag = await tx.projectTag.create({
        data: { orgId: ctx.orgId, workspaceId: ws.id, slug: DEFAULT_TAG_SLUG, name: "Untagged", isDefault: true, ownerId: ctx.userId },
      });
      await writeAudit(
        ctx,
        { action: "workspace.created", targetType: "workspace", targetId: ws.id, after: { ...snapshot(ws), defaultProjectTagId: tag.id } },
        tx,
      );
      return ws;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
}

export async function updateWorkspace(ctx: TenantContext, input: WorkspaceUpdateInput) {
  requirePermission(ctx, "workspaces:write");
  const before = await getWorkspace(ctx, input.workspaceId);
  try {
    return await prisma.$transaction(async (tx) => {
      const ws = await tx.workspace.update({
        where: { id: before.id },
        data: { name: input.name, slug: input.slug, retentionDays: input.retentionDays },
        select: publicFields,
      });
      await writeAudit(ctx, { action: "workspace.updated", targetType: "workspace", targetId: ws.id, before: snapshot(before), after: snapshot(ws) }, tx);
      return ws;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
}

/** The settings page's shortcut: only the raw-event retention. */
export async function setWorkspaceRetention(ctx: TenantContext, input: WorkspaceRetentionInput) {
  requirePermission(ctx, "workspaces:write");
  const before = await getWorkspace(ctx, input.workspaceId);
  if (before.retentionDays === input.retentionDays) return before;
  return prisma.$transaction(async (tx) => {
    const ws = await tx.workspace.update({ where: { id: before.id }, data: { retentionDays: input.retentionDays }, select: publicFields });
    await writeAudit(
      ctx,
      { action: "workspace.retention_changed", targetType: "workspace", targetId: ws.id, before: { retentionDays: before.retentionDays }, after: { retentionDays: ws.retentionDays } },
      tx,
    );
    return ws;
  });
}

/**
 * Deletes a workspace with its project tags and ingest tokens (FK cascade). Keys and
 * connections attributed to it are detached, not deleted. Usage already recorded stays:
 * the money was spent, and org-wide budgets and reports must keep counting it.
 * Refused while a budget targets the workspace or one of its tags (it would silently stop
 * matching anything), and for the org's last workspace (ingest needs one).
 */
export async function deleteWorkspace(ctx: TenantContext, input: WorkspaceDeleteInput) {
  requirePermission(ctx, "workspaces:write");
  const ws = await getWorkspace(ctx, input.workspaceId);
  if (input.confirmSlug !== ws.slug) throw fieldError("confirmSlug", `Type "${ws.slug}" to confirm`);
  const tags = await prisma.projectTag.findMany({ where: { workspaceId: ws.id, orgId: ctx.orgId }, select: { id: true } });
  await prisma.$transaction(async (tx) => {
    // Deletes in one org run one at a time (the org row is locked), so two concurrent deletes
    // of its last two workspaces can't both see "another workspace remains".
    await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.orgId} FOR UPDATE`;
    const count = await tx.workspace.count({ where: { orgId: ctx.orgId } });
    if (count <= 1) throw conflict("This is the organization's only workspace. Create another one before deleting it.");
    // Budget writes hold their workspace and tag FOR SHARE (budgets.ts lockScope): counted after
    // this lock, a budget created at the same moment is either seen here or finds them gone.
    await tx.$queryRaw`SELECT id FROM workspaces WHERE id = ${ws.id} FOR UPDATE`;
    const budgets = await tx.budget.count({
      where: { orgId: ctx.orgId, OR: [{ workspaceId: ws.id }, { projectTagId: { in: tags.map((t) => t.id) } }] },
    });
    if (budgets > 0) throw conflict(`${budgets} budget(s) target this workspace or its project tags. Delete or re-scope them first.`);
    await tx.providerKey.updateMany({ where: { orgId: ctx.orgId, workspaceId: ws.id }, data: { workspaceId: null, projectTagId: null } });
    await tx.providerConnection.updateMany({ where: { orgId: ctx.orgId, workspaceId: ws.id }, data: { workspaceId: null } });
    await tx.workspace.delete({ where: { id: ws.id } });
    await writeAudit(ctx, { action: "workspace.deleted", targetType: "workspace", targetId: ws.id, before: snapshot(ws) }, tx);
  });
  return { id: ws.id };
}
