import { env } from "@/env";
import { prisma } from "@/server/db";
import { AppError, conflict, forbidden, notFound } from "@/server/errors";
import { generateToken, sha256Hex } from "@/server/crypto";
import { hashPassword } from "@/server/auth/password";
import { sendMail } from "@/server/email/transport";
import { sendVerificationEmail } from "./email-verification";
import { assignableRoles, permissionsFor } from "@/server/rbac";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { Prisma, type Invitation } from "@/generated/prisma/client";
import type { InvitationIdInput, InviteMemberInput, InviteSignUpInput } from "../schemas";
import { invitationEmail } from "./invitation-email";

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export type InvitationStatus = "pending" | "expired" | "accepted" | "revoked";

function statusOf(inv: Pick<Invitation, "acceptedAt" | "revokedAt" | "expiresAt">, now = new Date()): InvitationStatus {
  if (inv.acceptedAt) return "accepted";
  if (inv.revokedAt) return "revoked";
  return inv.expiresAt <= now ? "expired" : "pending";
}

/** A fresh token: the plain value goes only into the emailed link, the row keeps its sha256. */
function newToken() {
  const token = generateToken("tgi", 24);
  return { token, tokenHash: sha256Hex(token), expiresAt: new Date(Date.now() + INVITATION_TTL_MS) };
}

export function invitationUrl(token: string): string {
  return `${env.APP_URL.replace(/\/$/, "")}/invite/${token}`;
}

async function mailInvitation(ctx: TenantContext, inv: Pick<Invitation, "email" | "role" | "expiresAt">, token: string) {
  try {
    await sendMail(invitationEmail({ to: inv.email, orgName: ctx.orgName, inviter: ctx.actorLabel, role: inv.role, url: invitationUrl(token), expiresAt: inv.expiresAt }));
  } catch (e) {
    console.error("[invitations] email failed", e);
    throw new AppError(502, "email_failed", "The invitation is saved but its email could not be sent. Check the SMTP settings, then use Resend.");
  }
}

function assertAssignable(ctx: TenantContext, role: Invitation["role"]) {
  const allowed = ctx.role === "system" ? assignableRoles("owner") : assignableRoles(ctx.role);
  if (!allowed.includes(role)) throw forbidden(`Only an owner can invite an ${role}`);
}

/** Invitations not yet accepted or revoked (expired ones included, so they can be resent). */
export async function listInvitations(ctx: TenantContext) {
  requirePermission(ctx, "members:read");
  const rows = await prisma.invitation.findMany({
    where: { orgId: ctx.orgId, acceptedAt: null, revokedAt: null },
    orderBy: { createdAt: "desc" },
  });
  const inviterIds = [...new Set(rows.map((r) => r.invitedById).filter((x): x is string => Boolean(x)))];
  const inviters = new Map(
    (await prisma.user.findMany({ where: { id: { in: inviterIds } }, select: { id: true, email: true } })).map((u) => [u.id, u.email]),
  );
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role,
    status: statusOf(r),
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
    invitedBy: r.invitedById ? (inviters.get(r.invitedById) ?? null) : null,
  }));
}

export async function inviteMember(ctx: TenantContext, input: InviteMemberInput) {
  requirePermission(ctx, "members:write");
  assertAssignable(ctx, input.role);
  const email = input.email.toLowerCase();
  const { token, tokenHash, expiresAt } = newToken();
  const inv = await prisma.$transaction(async (tx) => {
    // Invitations of one org are checked and written one at a time (the org row is locked), so
    // a double submit can't make two pending invitations (and two emails) for one address.
    await tx.$queryRaw`SELECT id FROM orgs WHERE id = ${ctx.orgId} FOR UPDATE`;
    const member = await tx.membership.findFirst({ where: { orgId: ctx.orgId, user: { email } } });
    if (member) throw conflict(`${email} is already a member of this organization`);
    const open = await tx.invitation.findMany({ where: { orgId: ctx.orgId, email, acceptedAt: null, revokedAt: null } });
    if (open.some((i) => statusOf(i) === "pending")) {
      throw conflict(`${email} already has a pending invitation. Resend or revoke it below.`);
    }
    // Expired leftovers for the same address are superseded by the new invitation.
    if (open.length) await tx.invitation.updateMany({ where: { id: { in: open.map((i) => i.id) }, orgId: ctx.orgId }, data: { revokedAt: new Date() } });
    const created = await tx.invitation.create({
      data: { orgId: ctx.orgId, email, role: input.role, tokenHash, expiresAt, invitedById: ctx.userId },
    });
    await writeAudit(ctx, { action: "invitation.created", targetType: "invitation", targetId: created.id, after: { email, role: input.role, expiresAt } }, tx);
    return created;
  });
  await mailInvitation(ctx, inv, token);
  return { id: inv.id, email: inv.email, role: inv.role, expiresAt: inv.expiresAt };
}

async function openInvitation(ctx: TenantContext, invitationId: string) {
  const inv = await prisma.invitation.findFirst({ where: { id: invitationId, orgId: ctx.orgId } });
  if (!inv) throw notFound("Invitation not found");
  const status = statusOf(inv);
  if (status === "accepted" || status === "revoked") throw conflict(`This invitation was already ${status}`);
  return inv;
}

/** A new link (the old one stops working) valid for another 7 days, mailed again. */
export async function resendInvitation(ctx: TenantContext, input: InvitationIdInput) {
  requirePermission(ctx, "members:write");
  const inv = await openInvitation(ctx, input.invitationId);
  assertAssignable(ctx, inv.role);
  const { token, tokenHash, expiresAt } = newToken();
  const updated = await prisma.$transaction(async (tx) => {
    const u = await tx.invitation.update({ where: { id: inv.id }, data: { tokenHash, expiresAt } });
    await writeAudit(
      ctx,
      { action: "invitation.resent", targetType: "invitation", targetId: inv.id, before: { email: inv.email, expiresAt: inv.expiresAt }, after: { email: u.email, expiresAt } },
      tx,
    );
    return u;
  });
  await mailInvitation(ctx, updated, token);
  return { id: updated.id, expiresAt: updated.expiresAt };
}

export async function revokeInvitation(ctx: TenantContext, input: InvitationIdInput) {
  requirePermission(ctx, "members:write");
  const inv = await openInvitation(ctx, input.invitationId);
  return prisma.$transaction(async (tx) => {
    const u = await tx.invitation.update({ where: { id: inv.id }, data: { revokedAt: new Date() } });
    await writeAudit(
      ctx,
      { action: "invitation.revoked", targetType: "invitation", targetId: inv.id, before: { email: inv.email, role: inv.role, status: statusOf(inv) }, after: { status: "revoked" } },
      tx,
    );
    return { id: u.id };
  });
}

// ─────────────── the invitee's side: no tenant context yet, the token is the credential ───────────────

async function byToken(token: string) {
  return prisma.invitation.findUnique({ where: { tokenHash: sha256Hex(token) }, include: { org: { select: { id: true, slug: true, name: true, timeZone: true } } } });
}

/** What the /invite/[token] page shows. Unknown tokens are "invalid", without detail. */
export async function describeInvitation(token: string) {
  const inv = await byToken(token);
  if (!inv) return { status: "invalid" as const };
  const hasAccount = Boolean(await prisma.user.findUnique({ where: { email: inv.email }, select: { id: true } }));
  return { status: statusOf(inv), email: inv.email, role: inv.role, orgName: inv.org.name, orgSlug: inv.org.slug, hasAccount };
}

async function pendingByToken(token: string) {
  const inv = await byToken(token);
  if (!inv) throw notFound("This invitation link is not valid");
  const status = statusOf(inv);
  if (status !== "pending") throw conflict(`This invitation is ${status}. Ask an admin of the organization for a new one.`);
  return inv;
}

type Tx = Parameters<Parameters<typeof prisma.$transaction>[0]>[0];

/** Membership + acceptance in one transaction; a second accept of the same token finds nothing to claim. */
async function join(tx: Tx, inv: Awaited<ReturnType<typeof pendingByToken>>, user: { id: string; email: string }) {
  const claimed = await tx.invitation.updateMany({ where: { id: inv.id, acceptedAt: null, revokedAt: null }, data: { acceptedAt: new Date() } });
  if (claimed.count !== 1) throw conflict("This invitation was already used");
  const existing = await tx.membership.findUnique({ where: { orgId_userId: { orgId: inv.orgId, userId: user.id } } });
  const membership = existing ?? (await tx.membership.create({ data: { orgId: inv.orgId, userId: user.id, role: inv.role } }));
  const ctx: TenantContext = {
    orgId: inv.org.id,
    orgSlug: inv.org.slug,
    orgName: inv.org.name,
    timeZone: inv.org.timeZone,
    userId: user.id,
    actorLabel: user.email,
    role: membership.role,
    permissions: permissionsFor(membership.role),
  };
  await writeAudit(
    ctx,
    { action: "member.joined", targetType: "membership", targetId: membership.id, before: null, after: { email: user.email, role: membership.role, invitationId: inv.id } },
    tx,
  );
  return { orgSlug: inv.org.slug };
}

/** A signed-in user accepts; the invitation must have been sent to their email address. */
export async function acceptInvitation(userId: string, token: string) {
  const inv = await pendingByToken(token);
  const user = await prisma.user.findUnique({ where: { id: userId }, select: { id: true, email: true, emailVerified: true } });
  if (!user) throw notFound("User not found");
  if (user.email.toLowerCase() !== inv.email.toLowerCase()) {
    throw forbidden(`This invitation was sent to ${inv.email}. Sign in with that address to accept it.`);
  }
  // Whoever signed up with a password first may not own the address (pre-hijacking): joining
  // someone else's org takes a verified email (email-verification.ts).
  if (!user.emailVerified) {
    await sendVerificationEmail(user);
    throw forbidden(`Verify your email first: we sent a link to ${user.email}. Open it, then accept the invitation.`);
  }
  return prisma.$transaction((tx) => join(tx, inv, user));
}

/**
 * A new person accepts by creating an account: the email is the invitation's (the link
 * proves they read that inbox, so it counts as verified) and no org of their own is created.
 */
export async function signUpFromInvitation(input: InviteSignUpInput) {
  const inv = await pendingByToken(input.token);
  if (await prisma.user.findUnique({ where: { email: inv.email } })) {
    throw conflict("An account with this email already exists. Sign in to accept the invitation.");
  }
  const passwordHash = await hashPassword(input.password);
  try {
    return await prisma.$transaction(async (tx) => {
      const user = await tx.user.create({ data: { email: inv.email, name: input.name, passwordHash, emailVerified: new Date() } });
      const joined = await join(tx, inv, user);
      return { email: user.email, orgSlug: joined.orgSlug };
    });
  } catch (e) {
    // A double submit (or another sign-up with this address) created the account in between.
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      throw conflict("An account with this email already exists. Sign in to accept the invitation.");
    }
    throw e;
  }
}
