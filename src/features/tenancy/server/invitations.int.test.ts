import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { sha256Hex } from "@/server/crypto";
import { verifyPassword } from "@/server/auth/password";
import { createOrg, addMember, uniq } from "../../../../test/helpers/factory";
import { waitForMail } from "../../../../test/helpers/mail";
import {
  acceptInvitation,
  describeInvitation,
  inviteMember,
  listInvitations,
  resendInvitation,
  revokeInvitation,
  signUpFromInvitation,
} from "./invitations";

/** Invites `email` and returns the plain token from the link in the email that arrived. */
async function inviteAndReadLink(ctx: Parameters<typeof inviteMember>[0], email: string, role: "admin" | "member" | "viewer" | "owner" = "member", count = 1) {
  await inviteMember(ctx, { email, role });
  return readLink(email, count);
}

async function readLink(email: string, count: number) {
  const mails = await waitForMail(email, { subject: /invited/, count });
  const mail = mails[count - 1]!;
  const m = mail.text.match(/http:\/\/localhost:3000\/invite\/(\S+)/);
  expect(m, mail.text).toBeTruthy();
  expect(mail.html).toContain(`/invite/${m![1]}`);
  return { token: m![1]!, mail };
}

describe("invitations", () => {
  it("a double-submitted invitation makes one pending invitation and the second is a 409", async () => {
    const a = await createOrg();
    const email = `${uniq("inv")}@example.test`;
    const results = await Promise.allSettled([inviteMember(a.ctx, { email, role: "member" }), inviteMember(a.ctx, { email, role: "member" })]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { status: 409 } });
    expect(await prisma.invitation.count({ where: { orgId: a.org.id, email, revokedAt: null } })).toBe(1);
  });

  it("a double-submitted sign-up from an invitation makes one account and answers the second with 409, not 500", async () => {
    const a = await createOrg();
    const email = `${uniq("inv")}@example.test`;
    const { token } = await inviteAndReadLink(a.ctx, email, "member");
    const input = { token, name: "New", password: "correct horse battery" };
    const results = await Promise.allSettled([signUpFromInvitation(input), signUpFromInvitation(input)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { status: 409 } });
    expect(await prisma.user.count({ where: { email } })).toBe(1);
    expect(await prisma.membership.count({ where: { orgId: a.org.id, user: { email } } })).toBe(1);
  });

  it("an invitation email arrives with a working link; only the token's hash is stored", async () => {
    const a = await createOrg();
    const email = `${uniq("inv")}@example.test`;
    const { token, mail } = await inviteAndReadLink(a.ctx, email, "admin");
    expect(mail.subject).toContain(a.org.name);
    expect(mail.text).toContain("as an admin");
    const row = await prisma.invitation.findFirstOrThrow({ where: { orgId: a.org.id, email } });
    expect(row.tokenHash).toBe(sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const days = (row.expiresAt.getTime() - row.createdAt.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(7, 1);
    expect(await describeInvitation(token)).toMatchObject({ status: "pending", email, role: "admin", orgSlug: a.org.slug, hasAccount: false });
    const list = await listInvitations(a.ctx);
    expect(list).toEqual([expect.objectContaining({ email, role: "admin", status: "pending", invitedBy: a.owner.email })]);
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "invitation.created" } });
    expect(audit.after).toMatchObject({ email, role: "admin" });
  });

  it("a new person signs up from the link: joins with the invited role, no org of their own, token used up", async () => {
    const a = await createOrg();
    const email = `${uniq("new")}@example.test`;
    const { token } = await inviteAndReadLink(a.ctx, email, "viewer");
    const res = await signUpFromInvitation({ token, name: "New Person", password: "a long enough password" });
    expect(res).toEqual({ email, orgSlug: a.org.slug });
    const user = await prisma.user.findUniqueOrThrow({ where: { email }, include: { memberships: true } });
    expect(await verifyPassword("a long enough password", user.passwordHash!)).toBe(true);
    expect(user.memberships).toEqual([expect.objectContaining({ orgId: a.org.id, role: "viewer" })]);
    expect((await describeInvitation(token)).status).toBe("accepted");
    await expect(signUpFromInvitation({ token, name: "Again", password: "a long enough password" })).rejects.toMatchObject({ status: 409 });
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "member.joined" } });
    expect(audit.actorUserId).toBe(user.id);
    expect(audit.after).toMatchObject({ email, role: "viewer" });
  });

  it("a signed-in user accepts only an invitation sent to their own email", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const { token } = await inviteAndReadLink(a.ctx, b.owner.email, "member");
    const stranger = await createOrg();
    await expect(acceptInvitation(stranger.owner.id, token)).rejects.toMatchObject({ status: 403 });
    expect((await describeInvitation(token)).hasAccount).toBe(true);
    expect(await acceptInvitation(b.owner.id, token)).toEqual({ orgSlug: a.org.slug });
    const m = await prisma.membership.findUniqueOrThrow({ where: { orgId_userId: { orgId: a.org.id, userId: b.owner.id } } });
    expect(m.role).toBe("member");
    await expect(acceptInvitation(b.owner.id, token)).rejects.toMatchObject({ status: 409 });
  });

  it("the sign-up form submitted twice at once from one link: one account joins, the other answers 409 (not 500)", async () => {
    const a = await createOrg();
    const email = `${uniq("twice")}@example.test`;
    const { token } = await inviteAndReadLink(a.ctx, email);
    const results = await Promise.allSettled([1, 2, 3].map(() => signUpFromInvitation({ token, name: "Twice", password: "correct horse battery" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 409 });
    expect(await prisma.user.count({ where: { email } })).toBe(1);
    expect(await prisma.membership.count({ where: { orgId: a.org.id, user: { email } } })).toBe(1);
  });

  it("existing account can't be taken over by signing up from an invitation", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const { token } = await inviteAndReadLink(a.ctx, b.owner.email);
    await expect(signUpFromInvitation({ token, name: "X", password: "another password!!" })).rejects.toMatchObject({ status: 409 });
  });

  it("resend mails a new link and kills the old one; revoke kills it too", async () => {
    const a = await createOrg();
    const email = `${uniq("re")}@example.test`;
    const { token: first } = await inviteAndReadLink(a.ctx, email);
    const inv = await prisma.invitation.findFirstOrThrow({ where: { orgId: a.org.id, email } });
    await resendInvitation(a.ctx, { invitationId: inv.id });
    const { token: second } = await readLink(email, 2);
    expect(second).not.toBe(first);
    expect((await describeInvitation(first)).status).toBe("invalid");
    expect((await describeInvitation(second)).status).toBe("pending");
    await revokeInvitation(a.ctx, { invitationId: inv.id });
    expect((await describeInvitation(second)).status).toBe("revoked");
    await expect(signUpFromInvitation({ token: second, name: "Late", password: "a long enough password" })).rejects.toMatchObject({ status: 409 });
    expect(await listInvitations(a.ctx)).toEqual([]);
    const actions = (await prisma.auditLog.findMany({ where: { orgId: a.org.id, targetId: inv.id }, orderBy: { createdAt: "asc" } })).map((l) => l.action);
    expect(actions).toEqual(["invitation.created", "invitation.resent", "invitation.revoked"]);
  });

  it("expired invitations can't be accepted; re-inviting supersedes them", async () => {
    const a = await createOrg();
    const email = `${uniq("exp")}@example.test`;
    const { token } = await inviteAndReadLink(a.ctx, email);
    await prisma.invitation.updateMany({ where: { orgId: a.org.id, email }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await describeInvitation(token)).status).toBe("expired");
    await expect(signUpFromInvitation({ token, name: "Late", password: "a long enough password" })).rejects.toMatchObject({ status: 409 });
    const { token: fresh } = await inviteAndReadLink(a.ctx, email, "member", 2);
    expect((await describeInvitation(token)).status).toBe("revoked");
    expect((await describeInvitation(fresh)).status).toBe("pending");
  });

  it("refuses duplicates, existing members, and roles the inviter can't grant", async () => {
    const a = await createOrg();
    const admin = await addMember(a.org.id, "admin");
    const email = `${uniq("dup")}@example.test`;
    await inviteMember(a.ctx, { email, role: "member" });
    await expect(inviteMember(a.ctx, { email, role: "member" })).rejects.toMatchObject({ status: 409 });
    await expect(inviteMember(a.ctx, { email: admin.user.email, role: "member" })).rejects.toMatchObject({ status: 409 });
    await expect(inviteMember(admin.ctx, { email: `${uniq("o")}@example.test`, role: "owner" })).rejects.toMatchObject({ status: 403 });
    const viewer = await addMember(a.org.id, "viewer");
    await expect(inviteMember(viewer.ctx, { email: `${uniq("v")}@example.test`, role: "viewer" })).rejects.toMatchObject({ status: 403 });
  });

  it("the same invitation submitted twice at once makes one pending invitation; the other answers 409", async () => {
    const a = await createOrg();
    const email = `${uniq("dup")}@example.test`;
    const results = await Promise.allSettled([1, 2, 3].map(() => inviteMember(a.ctx, { email, role: "member" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 409 });
    expect(await prisma.invitation.count({ where: { orgId: a.org.id, email, revokedAt: null } })).toBe(1);
  });

  it("an admin of org B can't list, resend or revoke org A's invitations", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const email = `${uniq("iso")}@example.test`;
    await inviteMember(a.ctx, { email, role: "member" });
    const inv = await prisma.invitation.findFirstOrThrow({ where: { orgId: a.org.id, email } });
    expect(await listInvitations(b.ctx)).toEqual([]);
    await expect(resendInvitation(b.ctx, { invitationId: inv.id })).rejects.toMatchObject({ status: 404 });
    await expect(revokeInvitation(b.ctx, { invitationId: inv.id })).rejects.toMatchObject({ status: 404 });
    expect((await prisma.invitation.findUniqueOrThrow({ where: { id: inv.id } })).revokedAt).toBeNull();
  });
});
