import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg as createTestOrg, uniq } from "../../../../test/helpers/factory";
import { createOrg, listUserOrgs, orgOverview, signUp } from "./orgs";

describe("orgs", () => {
  it("sign-up makes the user owner of a new org with a default workspace and tag", async () => {
    const email = `${uniq("su")}@example.test`;
    const { user, org } = await signUp({ name: "Ada", email, password: "long enough pw", orgName: "Ada Labs" });
    expect(await listUserOrgs(user.id)).toEqual([{ slug: org.slug, name: "Ada Labs", role: "owner" }]);
    expect(await prisma.projectTag.count({ where: { orgId: org.id, isDefault: true } })).toBe(1);
    await expect(signUp({ name: "Ada", email, password: "long enough pw", orgName: "Other" })).rejects.toMatchObject({ status: 409 });
  });

  it("onboarding creates a further org owned by the user; reserved slugs are avoided", async () => {
    const a = await createTestOrg();
    const created = await createOrg(a.owner.id, { name: "Sign In" });
    expect(created.slug).not.toBe("sign-in");
    expect(created.slug).toMatch(/^sign-in-[0-9a-f]{6}$/);
    const orgs = await listUserOrgs(a.owner.id);
    expect(orgs.map((o) => o.slug)).toEqual([a.org.slug, created.slug]);
    expect(orgs[1]!.role).toBe("owner");
  });

  it("overview counts only the org's own rows", async () => {
    const a = await createTestOrg();
    await createTestOrg();
    expect(await orgOverview(a.ctx)).toEqual({ workspaces: 1, members: 1, connections: 0, ingestTokens: 0, pendingInvitations: 0 });
  });
});
