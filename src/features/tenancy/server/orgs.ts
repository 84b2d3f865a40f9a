import { randomBytes } from "node:crypto";
import { prisma } from "@/server/db";
import { AppError, conflict, notFound } from "@/server/errors";
import { hitRateLimit } from "@/server/auth/rate-limit";
import { hashPassword } from "@/server/auth/password";
import type { TenantContext } from "@/server/tenant";
import { Prisma } from "@/generated/prisma/client";
import { slugify, type CreateOrgInput, type SignUpInput } from "../schemas";
import { sendVerificationEmail } from "./email-verification";

// Top-level paths the app owns: an org with one of these slugs would be unreachable at /<slug>.
const RESERVED_SLUGS = new Set(["api", "sign-in", "sign-up", "sign-out", "invite", "onboarding", "_next", "static", "public", "favicon-ico", "health", "admin", "settings", "new"]);

/** A slug that is free now; a race with another sign-up is caught by the unique index (withFreeSlug). */
async function freeOrgSlug(name: string): Promise<string> {
  const base = slugify(name);
  if (!RESERVED_SLUGS.has(base) && !(await prisma.org.findUnique({ where: { slug: base } }))) return base;
  return `${base}-${randomBytes(3).toString("hex")}`;
}

const isUniqueViolation = (e: unknown) => e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002";

/**
 * Runs `create` with a free slug; when a concurrent sign-up or new org took that slug between
 * the check and the insert (the unique index refuses it), once more with a random suffix.
 * `retry` says whether a unique violation may be the slug's (not, e.g., the user's email).
 */
async function withFreeSlug<T>(name: string, create: (slug: string) => Promise<T>, retry: () => Promise<boolean> = async () => true): Promise<T> {
  try {
    return await create(await freeOrgSlug(name));
  } catch (e) {
    if (!isUniqueViolation(e) || !(await retry())) throw e;
    return create(`${slugify(name)}-${randomBytes(3).toString("hex")}`);
  }
}

/** The org, its owner, a first workspace with its default project tag, and the audit entry. */
async function createOrgFor(tx: Prisma.TransactionClient, user: { id: string; email: string }, name: string, slug: string) {
  const org = await tx.org.create({ data: { name, slug } });
  await tx.membership.create({ data: { orgId: org.id, userId: user.id, role: "owner" } });
  const ws = await tx.workspace.create({ data: { orgId: org.id, name: "Default", slug: "default" } });
  await tx.projectTag.create({
    data: { orgId: org.id, workspaceId: ws.id, slug: "untagged", name: "Untagged", isDefault: true, ownerId: user.id },
  });
  await tx.auditLog.create({
    data: {
      orgId: org.id,
      actorUserId: user.id,
      actorLabel: user.email,
      action: "org.created",
      targetType: "org",
      targetId: org.id,
      after: { name, slug },
    },
  });
  return org;
}

/**
 * Sign-up: the user and their org (they are its owner). One transaction, so a failure
 * leaves nothing behind.
 */
/** Sign-ups allowed per client IP per hour (each creates an org; keeps scripted abuse out). */
export const SIGNUPS_PER_IP_PER_HOUR = 20;

export async function signUp(input: SignUpInput, opts: { ip?: string } = {}) {
  if (opts.ip) {
    const limit = await hitRateLimit(`signup:ip:${opts.ip}`, SIGNUPS_PER_IP_PER_HOUR, 3600);
    if (!limit.allowed) {
      throw new AppError(429, "rate_limited", "Too many sign-ups from your network. Try again later.", undefined, {
        "retry-after": String(limit.retryAfter),
      });
    }
  }
  const existing = await prisma.user.findUnique({ where: { email: input.email } });
  if (existing) throw conflict("An account with this email already exists. Sign in instead.");
  const passwordHash = await hashPassword(input.password);
  const emailTaken = async () => Boolean(await prisma.user.findUnique({ where: { email: input.email }, select: { id: true } }));
  let created;
  try {
    created = await withFreeSlug(
      input.orgName,
      (slug) =>
        prisma.$transaction(async (tx) => {
          const user = await tx.user.create({ data: { email: input.email, name: input.name, passwordHash } });
          const org = await createOrgFor(tx, user, input.orgName, slug);
          return { user, org };
        }),
      async () => !(await emailTaken()),
    );
  } catch (e) {
    // A double submit (or another sign-up with this address) created the account in between.
    if (isUniqueViolation(e) && (await emailTaken())) throw conflict("An account with this email already exists. Sign in instead.");
    throw e;
  }
  // Unverified until the link is opened (email-verification.ts has the rules). A mail failure
  // doesn't undo the sign-up: accepting an invitation later sends a new link.
  await sendVerificationEmail(created.user).catch((e: unknown) => console.warn("[auth] verification email failed", (e as Error).message));
  return created;
}

/** Onboarding (or "new organization"): a signed-in user creates an org they own. */
export async function createOrg(userId: string, input: CreateOrgInput) {
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true } });
  if (!user) throw notFound("User not found");
  const org = await withFreeSlug(input.name, (slug) => prisma.$transaction((tx) => createOrgFor(tx, user, input.name, slug)));
  return { slug: org.slug, name: org.name };
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

/** Counts for the overview page. */
export async function orgOverview(ctx: TenantContext) {
  const where = { orgId: ctx.orgId };
  const [workspaces, members, connections, ingestTokens, pendingInvitations] = await Promise.all([
    prisma.workspace.count({ where }),
    prisma.membership.count({ where }),
    prisma.providerConnection.count({ where }),
    prisma.ingestToken.count({ where: { ...where, revokedAt: null } }),
    prisma.invitation.count({ where: { ...where, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } } }),
  ]);
  return { workspaces, members, connections, ingestTokens, pendingInvitations };
}
