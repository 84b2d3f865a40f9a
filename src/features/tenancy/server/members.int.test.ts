import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg, addMember } from "../../../../test/helpers/factory";
import { changeMemberRole, listMembers, removeMember } from "./members";

async function membershipOf(orgId: string, userId: string) {
  return prisma.membership.findUniqueOrThrow({ where: { orgId_userId: { orgId, userId } } });
}

describe("members", () => {
  it("lists the org's members only", async () => {
    const a = await createOrg();
    const b = await createOrg();
    await addMember(a.org.id, "viewer");
    const list = await listMembers(a.ctx);
    expect(list.map((m) => m.role).sort()).toEqual(["owner", "viewer"]);
    expect(list.some((m) => m.userId === b.owner.id)).toBe(false);
  });

  it("admins change roles below owner and the change is audited with before/after", async () => {
    const a = await createOrg();
    const admin = await addMember(a.org.id, "admin");
    const member = await addMember(a.org.id, "member");
    const m = await membershipOf(a.org.id, member.user.id);
    await changeMemberRole(admin.ctx, { membershipId: m.id, role: "viewer" });
    expect((await membershipOf(a.org.id, member.user.id)).role).toBe("viewer");
    const log = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "member.role_changed", targetId: m.id } });
    expect(log.actorUserId).toBe(admin.user.id);
    expect(log.before).toMatchObject({ role: "member", email: member.user.email });
    expect(log.after).toMatchObject({ role: "viewer" });
  });

  it("only owners grant or revoke owner", async () => {
    const a = await createOrg();
    const admin = await addMember(a.org.id, "admin");
    const member = await addMember(a.org.id, "member");
    const mm = await membershipOf(a.org.id, member.user.id);
    await expect(changeMemberRole(admin.ctx, { membershipId: mm.id, role: "owner" })).rejects.toMatchObject({ status: 403 });
    const owner = await membershipOf(a.org.id, a.owner.id);
    const secondOwner = await addMember(a.org.id, "owner");
    await expect(changeMemberRole(admin.ctx, { membershipId: owner.id, role: "member" })).rejects.toMatchObject({ status: 403 });
    await expect(removeMember(admin.ctx, { membershipId: owner.id })).rejects.toMatchObject({ status: 403 });
    // An owner can promote, and demote another owner.
    await changeMemberRole(a.ctx, { membershipId: mm.id, role: "owner" });
    expect((await membershipOf(a.org.id, member.user.id)).role).toBe("owner");
    const so = await membershipOf(a.org.id, secondOwner.user.id);
    await changeMemberRole(a.ctx, { membershipId: so.id, role: "admin" });
    expect((await membershipOf(a.org.id, secondOwner.user.id)).role).toBe("admin");
  });

  it("members and viewers can't change anything", async () => {
    const a = await createOrg();
    const member = await addMember(a.org.id, "member");
    const viewer = await addMember(a.org.id, "viewer");
    const vm = await membershipOf(a.org.id, viewer.user.id);
    await expect(changeMemberRole(member.ctx, { membershipId: vm.id, role: "member" })).rejects.toMatchObject({ status: 403 });
    await expect(removeMember(viewer.ctx, { membershipId: vm.id })).rejects.toMatchObject({ status: 403 });
  });

  it("the last owner can't be demoted or removed, even by themselves", async () => {
    const a = await createOrg();
    const owner = await membershipOf(a.org.id, a.owner.id);
    await expect(changeMemberRole(a.ctx, { membershipId: owner.id, role: "admin" })).rejects.toMatchObject({ status: 409 });
    await expect(removeMember(a.ctx, { membershipId: owner.id })).rejects.toMatchObject({ status: 409 });
    expect((await membershipOf(a.org.id, a.owner.id)).role).toBe("owner");
    // With a second owner, the first may step down.
    await addMember(a.org.id, "owner");
    await changeMemberRole(a.ctx, { membershipId: owner.id, role: "admin" });
    expect((await membershipOf(a.org.id, a.owner.id)).role).toBe("admin");
  });

  it("concurrent demotions of the only two owners leave one owner", async () => {
    const a = await createOrg();
    const second = await addMember(a.org.id, "owner");
    const m1 = await membershipOf(a.org.id, a.owner.id);
    const m2 = await membershipOf(a.org.id, second.user.id);
    const results = await Promise.allSettled([
      changeMemberRole(a.ctx, { membershipId: m2.id, role: "member" }),
      changeMemberRole(second.ctx, { membershipId: m1.id, role: "member" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await prisma.membership.count({ where: { orgId: a.org.id, role: "owner" } })).toBe(1);
  });

  it("removes a member and audits it", async () => {
    const a = await createOrg();
    const member = await addMember(a.org.id, "member");
    const m = await membershipOf(a.org.id, member.user.id);
    await removeMember(a.ctx, { membershipId: m.id });
    expect(await prisma.membership.findUnique({ where: { id: m.id } })).toBeNull();
    const log = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "member.removed", targetId: m.id } });
    expect(log.before).toMatchObject({ email: member.user.email, role: "member" });
  });

  it("an admin of org B can't touch org A's members (404)", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const member = await addMember(a.org.id, "member");
    const m = await membershipOf(a.org.id, member.user.id);
    await expect(changeMemberRole(b.ctx, { membershipId: m.id, role: "viewer" })).rejects.toMatchObject({ status: 404 });
    await expect(removeMember(b.ctx, { membershipId: m.id })).rejects.toMatchObject({ status: 404 });
    expect((await membershipOf(a.org.id, member.user.id)).role).toBe("member");
  });
});
