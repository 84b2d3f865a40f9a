import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg, uniq } from "../../../../test/helpers/factory";
import { waitForMail } from "../../../../test/helpers/mail";
import { authorizeCredentials } from "@/server/auth/options";
import { tollgateAdapter } from "@/server/auth/adapter";
import { signUp } from "./orgs";
import { acceptInvitation, inviteMember } from "./invitations";
import { verifyEmail } from "./email-verification";

const PASSWORD = "attacker chose this one";

async function verificationLink(email: string, count = 1) {
  const mails = await waitForMail(email, { subject: /Verify your email/, count });
  const link = mails[count - 1]!.text.match(/http:\/\/localhost:3000\/verify-email\?\S+/)?.[0];
  expect(link).toBeTruthy();
  const u = new URL(link!);
  return { email: u.searchParams.get("email")!, token: u.searchParams.get("token")! };
}

async function inviteToken(ctx: Parameters<typeof inviteMember>[0], email: string) {
  await inviteMember(ctx, { email, role: "admin" });
  const [mail] = await waitForMail(email, { subject: /invited/ });
  return mail!.text.match(/\/invite\/(\S+)/)![1]!;
}

const signIn = (email: string, password: string) => authorizeCredentials({ email, password }, { "x-tollgate-peer": `10.9.${Math.floor(Math.random() * 250)}.1` });

describe("email verification (account pre-hijacking)", () => {
  it("password sign-up sends a verification link; the account is unverified until it is opened, and the link works once", async () => {
    const email = `${uniq("new")}@example.test`;
    const { user } = await signUp({ name: "New", email, password: PASSWORD, orgName: uniq("org") });
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).toBeNull();
    const link = await verificationLink(email);
    expect(await prisma.verificationToken.count({ where: { token: link.token } })).toBe(0); // only its hash is stored
    await expect(verifyEmail(link.email, "wrong-token")).rejects.toMatchObject({ status: 400 });
    expect(await verifyEmail(link.email, link.token)).toEqual({ email });
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).toBeInstanceOf(Date);
    await expect(verifyEmail(link.email, link.token)).rejects.toMatchObject({ status: 400 });
  });

  it("a verification link with a NUL byte in its email answers 400, not a database error", async () => {
    await expect(verifyEmail("cfo\u0000@example.test", "tg_verify_x")).rejects.toMatchObject({ status: 400 });
  });

  it("an unverified password account cannot accept an invitation (a fresh link is sent); once verified it can", async () => {
    const victimOrg = await createOrg();
    const email = `${uniq("cfo")}@example.test`;
    const attacker = await signUp({ name: "Attacker", email, password: PASSWORD, orgName: uniq("org") });
    const token = await inviteToken(victimOrg.ctx, email);
    await expect(acceptInvitation(attacker.user.id, token)).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/Verify your email first/) });
    expect(await prisma.membership.count({ where: { orgId: victimOrg.org.id, userId: attacker.user.id } })).toBe(0);
    // The second link (sent on the refused accept) proves the inbox; then accepting works.
    const link = await verificationLink(email, 2);
    await verifyEmail(link.email, link.token);
    expect(await acceptInvitation(attacker.user.id, token)).toEqual({ orgSlug: victimOrg.org.slug });
  });

  it("the first magic-link sign-in to an unverified account invalidates its password; a verified account keeps it", async () => {
    const email = `${uniq("victim")}@example.test`;
    const { user } = await signUp({ name: "Pre-hijacked", email, password: PASSWORD, orgName: uniq("org") });
    expect(await signIn(email, PASSWORD)).toMatchObject({ id: user.id });
    // What next-auth's email callback does when the link is opened for an existing user.
    await tollgateAdapter().updateUser!({ id: user.id, emailVerified: new Date() });
    const row = await prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.emailVerified).toBeInstanceOf(Date);
    expect(row.passwordHash).toBeNull();
    expect(await signIn(email, PASSWORD)).toBeNull();

    const { owner } = await createOrg(); // verified
    await tollgateAdapter().updateUser!({ id: owner.id, emailVerified: new Date() });
    expect(await signIn(owner.email, "correct horse battery")).toMatchObject({ id: owner.id });
  });

  it("an OIDC account linked to an unverified account also invalidates the password", async () => {
    const email = `${uniq("sso")}@example.test`;
    const { user } = await signUp({ name: "SSO", email, password: PASSWORD, orgName: uniq("org") });
    await tollgateAdapter().linkAccount!({ userId: user.id, type: "oauth", provider: "oidc", providerAccountId: uniq("sub") });
    expect(await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({ passwordHash: null, emailVerified: expect.any(Date) });
  });
});
