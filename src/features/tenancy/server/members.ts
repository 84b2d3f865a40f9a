import { prisma } from "@/server/db";
import { conflict, forbidden, notFound } from "@/server/errors";
import { assignableRoles } from "@/server/rbac";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import type { Prisma } from "@/generated/prisma/client";
import type { Role } from "@/generated/prisma/enums";
import type { ChangeRoleInput, MembershipIdInput } from "../schemas";

export type MemberRow = {
  id: string;
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
};

export async function listMembers(ctx: TenantContext): Promise<MemberRow[]> {
  requirePermission(ctx, "members:read");
  const rows = await prisma.membership.findMany({
    where: { orgId: ctx.orgId },
    include: { user: { select: { email: true, name: true } } },
    orderBy: [{ createdAt: "asc" }],
  });
  return rows.map((m) => ({ id: m.id, userId: m.userId, email: m.user.email, name: m.user.name, role: m.role, joinedAt: m.createdAt }));
}

/** One member of the org by user id (the id usage is attributed to); 404 for anyone else. */
export async function getMember(ctx: TenantContext, userId: string): Promise<MemberRow> {
  requirePermission(ctx, "members:read");
  const m = await prisma.membership.findFirst({ where: { orgId: ctx.orgId, userId }, include: { user: { select: { email: true, name: true } } } });
  if (!m) throw notFound("Member not found");
  return { id: m.id, userId: m.userId, email: m.user.email, name: m.user.name, role: m.role, joinedAt: m.createdAt };
}

/**
 * Membership changes in one org run one at a time: the org row is locked for the
 * transaction, so two concurrent demotions can't both see "another owner remains".
 */
async function lockedMembership(tx: Prisma.TransactionClient, ctx: TenantContext, membershipId: string) {
  await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.orgId} FOR UPDATE`;
  const m = await tx.membership.findFirst({
    where: { id: membershipId, orgId: ctx.orgId },
    include: { user: { select: { email: true } } },
  });
  if (!m) throw notFound("Member not found");
  return m;
}

async function ownerCount(tx: Prisma.TransactionClient, orgId: string) {
  return tx.membership.count({ where: { orgId, role: "owner" } });
}

/** Admins manage admins, members and viewers; only owners grant or revoke owner. */
function assertCanManage(ctx: TenantContext, current: Role, next?: Role) {
  const allowed = ctx.role === "system" ? assignableRoles("owner") : assignableRoles(ctx.role);
  if (!allowed.includes(current)) throw forbidden(`Only an owner can change or remove an ${current}`);
  if (next && !allowed.includes(next)) throw forbidden(`Only an owner can make someone an ${next}`);
}

export async function changeMemberRole(ctx: TenantContext, input: ChangeRoleInput) {
  requirePermission(ctx, "members:write");
  return prisma.$transaction(async (tx) => {
    const m = await lockedMembership(tx, ctx, input.membershipId);
    if (m.role === input.role) return { id: m.id, role: m.role };
    assertCanManage(ctx, m.role, input.role);
    if (m.role === "owner" && (await ownerCount(tx, ctx.orgId)) <= 1) {
      throw conflict("This is the last owner. Make someone else an owner first.");
    }
    const updated = await tx.membership.update({ where: { id: m.id }, data: { role: input.role } });
    await writeAudit(
      ctx,
      { action: "member.role_changed", targetType: "membership", targetId: m.id, before: { email: m.user.email, role: m.role }, after: { email: m.user.email, role: updated.role } },
      tx,
    );
    return { id: updated.id, role: updated.role };
  });
}

export async function removeMember(ctx: TenantContext, input: MembershipIdInput) {
  requirePermission(ctx, "members:write");
  return prisma.$transaction(async (tx) => {
    const m = await lockedMembership(tx, ctx, input.membershipId);
    assertCanManage(ctx, m.role);
    if (m.role === "owner" && (await ownerCount(tx, ctx.orgId)) <= 1) {
      throw conflict("This is the last owner and can't be removed. Make someone else an owner first.");
    }
    await tx.membership.delete({ where: { id: m.id } });
    await writeAudit(
      ctx,
      { action: "member.removed", targetType: "membership", targetId: m.id, before: { email: m.user.email, role: m.role, userId: m.userId } },
      tx,
    );
    return { id: m.id };
  });
}
