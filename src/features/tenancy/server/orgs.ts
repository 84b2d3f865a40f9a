import { randomBytes } from "node:crypto";
import { prisma } from "@/server/db";
import { conflict } from "@/server/errors";
import { hashPassword } from "@/server/auth/password";
import { slugify, type SignUpInput } from "../schemas";

/** A slug that is free now; a race with another sign-up is caught by the unique index. */
async function freeOrgSlug(name: string): Promise<string> {
  const base = slugify(name);
  if (!(await prisma.org.findUnique({ where: { slug: base } }))) return base;
  return `${base}-${randomBytes(3).toString("hex")}`;
}

/**
 * Sign-up: the user, their org (they are its owner), a first workspace with its default
 * project tag. One transaction, so a failure leaves nothing behind.
 */
export async function signUp(input: SignUpInput) {
  const existing = await prisma.user.findUnique({ where: { email: input.email } });
  if (existing) throw conflict("An account with this email already exists. Sign in instead.");
  const passwordHash = await hashPassword(input.password);
  const slug = await freeOrgSlug(input.orgName);
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { email: input.email, name: input.name, passwordHash } });
    const org = await tx.org.create({ data: { name: input.orgName, slug } });
    await tx.membership.create({ data: { orgId: org.id, userId: user.id, role: "owner" } });
    const ws = await tx.workspace.create({ data: { orgId: org.id, name: "Default", slug: "default" } });
    await tx.projectTag.create({
      data: { orgId: org.id, workspaceId: ws.id, slug: "untagged", name: "Untagged", isDefault: true, ownerId: user.id },
    });
    await tx.auditLog.create({
      data: { orgId: org.id, actorUserId: user.id, actorLabel: user.email, action: "org.created", targetType: "org", targetId: org.id },
    });
    return { user, org };
  });
}

/** The orgs a user belongs to, for the org switcher. */
export async function listUserOrgs(userId: string) {
  const rows = await prisma.membership.findMany({
    where: { userId },
    include: { org: { select: { slug: true, name: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((m) => ({ slug: m.org.slug, name: m.org.name, role: m.role }));
}
