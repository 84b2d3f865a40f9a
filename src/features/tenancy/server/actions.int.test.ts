import { describe, expect, it, vi } from "vitest";
import { prisma } from "@/server/db";
import { createOrg, addMember, uniq } from "../../../../test/helpers/factory";
import { waitForMail } from "../../../../test/helpers/mail";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { SignUpInput } from "../schemas";
import { signUp } from "./orgs";
import { runPublicAction } from "./public-action";

vi.mock("@/server/next/session", () => sessionMock);

// The wiring: server actions of the members page and the invitation page, through their gates.
const members = await import("@/app/[org]/members/actions");
const invite = await import("@/app/(auth)/invite/[token]/public-actions");
const onboarding = await import("@/app/onboarding/public-actions");

describe("members page actions", () => {
  it("an owner invites; the invitee signs in and accepts through the invitation page action", async () => {
    const a = await createOrg();
    const b = await createOrg();
    actAs(a.owner.id);
    expect(await members.inviteMemberAction(a.org.slug, { email: b.owner.email.toUpperCase(), role: "viewer" })).toMatchObject({ ok: true });
    const [mail] = await waitForMail(b.owner.email, { subject: /invited/ });
    const token = mail!.text.match(/\/invite\/(\S+)/)![1]!;
    actAs(null);
    expect(await invite.acceptInvitationAction({ token })).toMatchObject({ ok: false, status: 401 });
    actAs(b.owner.id);
    expect(await invite.acceptInvitationAction({ token })).toEqual({ ok: true, data: { orgSlug: a.org.slug } });
  });

  it("answers 400 with field errors from the shared schema", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    expect(await members.inviteMemberAction(a.org.slug, { email: "nope", role: "boss" })).toMatchObject({
      ok: false,
      status: 400,
      fieldErrors: { email: "Enter a valid email address", role: "Choose a role" },
    });
  });

  it("org B's admin gets 404 for org A's rows, whichever org slug they pass", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const member = await addMember(a.org.id, "member");
    const m = await prisma.membership.findUniqueOrThrow({ where: { orgId_userId: { orgId: a.org.id, userId: member.user.id } } });
    actAs(a.owner.id);
    await members.inviteMemberAction(a.org.slug, { email: `${uniq("x")}@example.test`, role: "member" });
    const inv = await prisma.invitation.findFirstOrThrow({ where: { orgId: a.org.id } });
    actAs(b.owner.id);
    for (const slug of [a.org.slug, b.org.slug]) {
      expect(await members.changeMemberRoleAction(slug, { membershipId: m.id, role: "viewer" })).toMatchObject({ ok: false, status: 404 });
      expect(await members.removeMemberAction(slug, { membershipId: m.id })).toMatchObject({ ok: false, status: 404 });
      expect(await members.revokeInvitationAction(slug, { invitationId: inv.id })).toMatchObject({ ok: false, status: 404 });
      expect(await members.resendInvitationAction(slug, { invitationId: inv.id })).toMatchObject({ ok: false, status: 404 });
    }
    expect((await prisma.membership.findUniqueOrThrow({ where: { id: m.id } })).role).toBe("member");
  });

  it("a NUL byte in an id or a name answers 400 (PostgreSQL can't take it), creating nothing", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const status = (r: { ok: boolean; status?: number }) => (r.ok ? 200 : r.status);
    expect(status(await members.changeMemberRoleAction(a.org.slug, { membershipId: "\u0000", role: "viewer" }))).toBe(400);
    expect(status(await members.removeMemberAction(a.org.slug, { membershipId: "m\u0000" }))).toBe(400);
    expect(status(await members.revokeInvitationAction(a.org.slug, { invitationId: "\u0000" }))).toBe(400);
    expect(status(await members.resendInvitationAction(a.org.slug, { invitationId: "\u0000" }))).toBe(400);
    const orgName = `${uniq("Nul")}\u0000Org`;
    expect(status(await onboarding.createOrgAction({ name: orgName }))).toBe(400);
    const email = `${uniq("nul")}@example.test`;
    expect(status(await runPublicAction(SignUpInput, { name: "N\u0000", email, password: "correct horse battery", orgName }, (i) => signUp(i)))).toBe(400);
    expect(await prisma.user.count({ where: { email } })).toBe(0);
  });

  it("viewers get 403 on every change", async () => {
    const a = await createOrg();
    const viewer = await addMember(a.org.id, "viewer");
    actAs(viewer.user.id);
    expect(await members.inviteMemberAction(a.org.slug, { email: `${uniq("v")}@example.test`, role: "viewer" })).toMatchObject({ ok: false, status: 403 });
  });

  it("onboarding needs a session", async () => {
    actAs(null);
    expect(await onboarding.createOrgAction({ name: "Nobody's org" })).toMatchObject({ ok: false, status: 401 });
    const a = await createOrg();
    actAs(a.owner.id);
    expect(await onboarding.createOrgAction({ name: "Second org" })).toMatchObject({ ok: true, data: { name: "Second org" } });
  });
});
