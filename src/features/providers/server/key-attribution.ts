import { prisma } from "@/server/db";
import { notFound } from "@/server/errors";
import { fieldError, fieldNotFound } from "@/features/workspaces/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import type { KeyAttributionInput, KeyMemberInput } from "../schemas";
import { clearAttributionCaches } from "@/features/ingest/server/attribution";


/**
 * Assigns a tracked key's spend to a workspace and project tag (an admin decision; the
 * pollers only fill it from the connection's workspace when a key is first seen).
 * A workspace without a tag means the workspace's default tag.
 */
export async function setKeyAttribution(ctx: TenantContext, input: KeyAttributionInput) {
  requirePermission(ctx, "keys:write");
  const key = await prisma.providerKey.findFirst({
    where: { id: input.keyId, orgId: ctx.orgId },
    select: { id: true, label: true, workspaceId: true, projectTagId: true },
  });
  if (!key) throw notFound("Key not found");

  let workspaceId: string | null = null;
  let projectTagId: string | null = null;
  if (input.workspaceId) {
    const ws = await prisma.workspace.findFirst({ where: { id: input.workspaceId, orgId: ctx.orgId }, select: { id: true } });
    if (!ws) throw fieldNotFound("workspaceId", "Choose a workspace of this organization");
    workspaceId = ws.id;
    const tag = input.projectTagId
      ? await prisma.projectTag.findFirst({ where: { id: input.projectTagId, orgId: ctx.orgId }, select: { id: true, workspaceId: true } })
      : await prisma.projectTag.findFirst({ where: { orgId: ctx.orgId, workspaceId: ws.id, isDefault: true }, select: { id: true, workspaceId: true } });
    if (input.projectTagId && !tag) throw fieldNotFound("projectTagId", "Project tag not found");
    if (tag && tag.workspaceId !== ws.id) throw fieldError("projectTagId", "Choose a project tag of the selected workspace");
    projectTagId = tag?.id ?? null;
  } else if (input.projectTagId) {
    throw fieldError("workspaceId", "Choose the workspace of this project tag");
  }

  return prisma.$transaction(async (tx) => {
    const updated = await tx.providerKey.update({
      where: { id: key.id },
      data: { workspaceId, projectTagId },
      select: { id: true, workspaceId: true, projectTagId: true },
    });
    await writeAudit(
      ctx,
      {
        action: "key.attribution_changed",
        targetType: "provider_key",
        targetId: key.id,
        before: { label: key.label, workspaceId: key.workspaceId, projectTagId: key.projectTagId },
        after: { label: key.label, workspaceId, projectTagId },
      },
      tx,
    );
    return updated;
  });
}

/**
 * Attributes a key to a member of the org (or to nobody). Events that carry the key but no
 * member of their own are attributed to this member (ingest/README.md: attribution).
 */
export async function setKeyMember(ctx: TenantContext, input: KeyMemberInput) {
  requirePermission(ctx, "keys:write");
  const key = await prisma.providerKey.findFirst({ where: { id: input.keyId, orgId: ctx.orgId }, select: { id: true, label: true, memberUserId: true } });
  if (!key) throw notFound("Key not found");
  let memberUserId: string | null = null;
  if (input.memberUserId) {
    const m = await prisma.membership.findFirst({ where: { orgId: ctx.orgId, userId: input.memberUserId }, select: { userId: true } });
    if (!m) throw fieldNotFound("memberUserId", "Choose a member of this organization");
    memberUserId = m.userId;
  }
  const updated = await prisma.$transaction(async (tx) => {
    const row = await tx.providerKey.update({ where: { id: key.id }, data: { memberUserId }, select: { id: true, memberUserId: true } });
    await writeAudit(
      ctx,
      { action: "key.member_changed", targetType: "provider_key", targetId: key.id, before: { label: key.label, memberUserId: key.memberUserId }, after: { label: key.label, memberUserId } },
      tx,
    );
    return row;
  });
  // This process's ingest directory sees the change at once (other processes within its TTL).
  clearAttributionCaches();
  return updated;
}
