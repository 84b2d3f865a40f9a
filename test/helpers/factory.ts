import { randomBytes } from "node:crypto";
import { prisma } from "@/server/db";
import { signUp } from "@/features/tenancy/server/orgs";
import { resolveTenant } from "@/server/tenant";
import type { Role } from "@/generated/prisma/enums";

export const uniq = (p = "t") => `${p}-${randomBytes(5).toString("hex")}`;

/** A fresh org with its owner, default workspace and default project tag. */
export async function createOrg(name = uniq("org")) {
  const email = `${uniq("owner")}@example.test`;
  const signedUp = await signUp({ name: "Owner", email, password: "correct horse battery", orgName: name });
  const { org } = signedUp;
  // Most tests need an ordinary, verified owner (as if the verification link was opened).
  const user = await prisma.user.update({ where: { id: signedUp.user.id }, data: { emailVerified: new Date() } });
  const workspace = await prisma.workspace.findFirstOrThrow({ where: { orgId: org.id } });
  const defaultTag = await prisma.projectTag.findFirstOrThrow({ where: { workspaceId: workspace.id, isDefault: true } });
  const ctx = await resolveTenant(user.id, org.slug);
  return { org, owner: user, workspace, defaultTag, ctx };
}

export async function addMember(orgId: string, role: Role, email = `${uniq(role)}@example.test`) {
  const user = await prisma.user.create({ data: { email, name: role } });
  await prisma.membership.create({ data: { orgId, userId: user.id, role } });
  const org = await prisma.org.findUniqueOrThrow({ where: { id: orgId } });
  return { user, ctx: await resolveTenant(user.id, org.slug) };
}
