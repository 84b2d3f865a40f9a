import { prisma } from "@/server/db";
import { conflict, notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import type { ProjectTagCreateInput, ProjectTagDeleteInput, ProjectTagUpdateInput } from "../schemas";
import { slugFromName } from "../schemas";
import { fieldConflict, fieldError, fieldNotFound, isUniqueViolation } from "./errors";
import { getWorkspace } from "./workspaces";

const tagSelect = {
  id: true,
  workspaceId: true,
  slug: true,
  name: true,
  ownerId: true,
  isDefault: true,
  createdAt: true,
  owner: { select: { id: true, name: true, email: true } },
} as const;

const snapshot = (t: { name: string; slug: string; ownerId: string | null }) => ({ name: t.name, slug: t.slug, ownerId: t.ownerId });
const slugTaken = () => fieldConflict("slug", "Another project tag in this workspace already uses this slug");

export async function listProjectTags(ctx: TenantContext, workspaceId: string) {
  const ws = await getWorkspace(ctx, workspaceId);
  return prisma.projectTag.findMany({
    where: { orgId: ctx.orgId, workspaceId: ws.id },
    orderBy: [{ isDefault: "desc" }, { name: "asc" }],
    select: tagSelect,
  });
}

/** One project tag of the org with its workspace's name; 404 for a tag outside the org. */
export async function getProjectTag(ctx: TenantContext, projectTagId: string) {
  requirePermission(ctx, "workspaces:read");
  const t = await prisma.projectTag.findFirst({ where: { id: projectTagId, orgId: ctx.orgId }, select: { ...tagSelect, workspace: { select: { name: true } } } });
  if (!t) throw notFound("Project tag not found");
  return t;
}

/** Every project tag of the org with its workspace, for attribution pickers. */
export async function listOrgProjectTags(ctx: TenantContext) {
  requirePermission(ctx, "workspaces:read");
  return prisma.projectTag.findMany({
    where: { orgId: ctx.orgId },
    orderBy: [{ isDefault: "desc" }, { name: "asc" }],
    select: { id: true, workspaceId: true, slug: true, name: true, isDefault: true },
  });
}

/** Members who can own a project tag (anyone in the org). */
export async function listOwnerCandidates(ctx: TenantContext) {
  requirePermission(ctx, "workspaces:read");
  const rows = await prisma.membership.findMany({
    where: { orgId: ctx.orgId },
    orderBy: { createdAt: "asc" },
    select: { user: { select: { id: true, name: true, email: true } } },
  });
  return rows.map((r) => r.user);
}

async function assertOwnerIsMember(ctx: TenantContext, ownerId: string | null) {
  if (!ownerId) return;
  const m = await prisma.membership.findFirst({ where: { orgId: ctx.orgId, userId: ownerId }, select: { id: true } });
  if (!m) throw fieldNotFound("ownerId", "Choose a member of this organization");
}

async function getTag(ctx: TenantContext, projectTagId: string) {
  const tag = await prisma.projectTag.findFirst({ where: { id: projectTagId, orgId: ctx.orgId }, select: tagSelect });
  if (!tag) throw notFound("Project tag not found");
  return tag;
}

export async function createProjectTag(ctx: TenantContext, input: ProjectTagCreateInput) {
  requirePermission(ctx, "workspaces:write");
  const ws = await getWorkspace(ctx, input.workspaceId);
  await assertOwnerIsMember(ctx, input.ownerId);
  const slug = input.slug ?? slugFromName(input.name, "project");
  try {
    return await prisma.$transaction(async (tx) => {
      const tag = await tx.projectTag.create({
        data: { orgId: ctx.orgId, workspaceId: ws.id, name: input.name, slug, ownerId: input.ownerId },
        select: tagSelect,
      });
      await writeAudit(ctx, { action: "project_tag.created", targetType: "project_tag", targetId: tag.id, after: { ...snapshot(tag), workspaceId: ws.id } }, tx);
      return tag;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
}

export async function updateProjectTag(ctx: TenantContext, input: ProjectTagUpdateInput) {
  requirePermission(ctx, "workspaces:write");
  const before = await getTag(ctx, input.projectTagId);
  // Events without `project` are attributed by isDefault, but clients may also send the
  // default slug explicitly, so it stays stable.
  if (before.isDefault && input.slug !== before.slug) throw fieldError("slug", "The default tag's slug can't change");
  await assertOwnerIsMember(ctx, input.ownerId);
  try {
    return await prisma.$transaction(async (tx) => {
      const tag = await tx.projectTag.update({
        where: { id: before.id },
        data: { name: input.name, slug: input.slug, ownerId: input.ownerId },
        select: tagSelect,
      });
      await writeAudit(ctx, { action: "project_tag.updated", targetType: "project_tag", targetId: tag.id, before: snapshot(before), after: snapshot(tag) }, tx);
      return tag;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
}

/**
 * Deletes a non-default tag. Keys attributed to it move to the workspace's default tag;
 * refused while a budget targets it.
 */
export async function deleteProjectTag(ctx: TenantContext, input: ProjectTagDeleteInput) {
  requirePermission(ctx, "workspaces:write");
  const tag = await getTag(ctx, input.projectTagId);
  if (tag.isDefault) throw conflict("The default project tag can't be deleted");
  const fallback = await prisma.projectTag.findFirst({ where: { orgId: ctx.orgId, workspaceId: tag.workspaceId, isDefault: true }, select: { id: true } });
  await prisma.$transaction(async (tx) => {
    // Budget writes hold their tag FOR SHARE (budgets.ts lockScope): counted after this lock,
    // a budget created at the same moment is either seen here or finds the tag gone.
    await tx.$queryRaw`SELECT id FROM project_tags WHERE id = ${tag.id} FOR UPDATE`;
    const budgets = await tx.budget.count({ where: { orgId: ctx.orgId, projectTagId: tag.id } });
    if (budgets > 0) throw conflict(`${budgets} budget(s) target this project tag. Delete or re-scope them first.`);
    await tx.providerKey.updateMany({ where: { orgId: ctx.orgId, projectTagId: tag.id }, data: { projectTagId: fallback?.id ?? null } });
    await tx.projectTag.delete({ where: { id: tag.id } });
    await writeAudit(ctx, { action: "project_tag.deleted", targetType: "project_tag", targetId: tag.id, before: { ...snapshot(tag), workspaceId: tag.workspaceId } }, tx);
  });
  return { id: tag.id };
}
