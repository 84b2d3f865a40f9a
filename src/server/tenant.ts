import { prisma } from "@/server/db";
import { forbidden, notFound } from "@/server/errors";
import { permissionsFor, type Permission } from "@/server/rbac";
import type { Role } from "@/generated/prisma/enums";

/**
 * Who is acting, in which org, allowed to do what. Resolved once per request or job
 * by the gate; every service takes it first and scopes every query by `ctx.orgId`.
 */
export type TenantContext = {
  orgId: string;
  orgSlug: string;
  orgName: string;
  timeZone: string;
  userId: string | null; // null for system actors (jobs, ingest tokens)
  actorLabel: string;
  // "token": an org API token; it holds only its scopes' read permissions.
  role: Role | "system" | "token";
  permissions: ReadonlySet<Permission>;
};

/** Session user + org slug → context. Non-members get 404, never 403. */
export async function resolveTenant(userId: string, orgSlug: string): Promise<TenantContext> {
  // No org has a slug with a NUL byte, and PostgreSQL would refuse it in the query (a 500).
  if (orgSlug.includes("\u0000")) throw notFound("Organization not found");
  const membership = await prisma.membership.findFirst({
    where: { userId, org: { slug: orgSlug } },
    include: { org: true, user: { select: { email: true } } },
  });
  if (!membership) throw notFound("Organization not found");
  return {
    orgId: membership.orgId,
    orgSlug: membership.org.slug,
    orgName: membership.org.name,
    timeZone: membership.org.timeZone,
    userId,
    actorLabel: membership.user.email,
    role: membership.role,
    permissions: permissionsFor(membership.role),
  };
}

/** Context for jobs and token-authenticated APIs: re-read the org from the database. */
export async function systemContext(orgId: string, actorLabel = "system"): Promise<TenantContext> {
  const org = await prisma.org.findUnique({ where: { id: orgId } });
  if (!org) throw notFound("Organization not found");
  return {
    orgId: org.id,
    orgSlug: org.slug,
    orgName: org.name,
    timeZone: org.timeZone,
    userId: null,
    actorLabel,
    role: "system",
    permissions: new Set(),
  };
}

export function requirePermission(ctx: TenantContext, permission: Permission): void {
  if (ctx.role === "system") return;
  if (!ctx.permissions.has(permission)) throw forbidden(`Your role (${ctx.role}) cannot do this (${permission})`);
}
