import { describe, expect, it } from "vitest";
import { prisma } from "@/server/db";
import { createOrg as createTestOrg, uniq } from "../../../../test/helpers/factory";
import { createOrg, listUserOrgs, orgOverview, signUp, SIGNUPS_PER_IP_PER_HOUR } from "./orgs";
import { runPublicAction } from "./public-action";
import { SignUpInput } from "../schemas";

describe("orgs", () => {
  it("sign-up makes the user owner of a new org with a default workspace and tag", async () => {
    const email = `${uniq("su")}@example.test`;
    const { user, org } = await signUp({ name: "Ada", email, password: "long enough pw", orgName: "Ada Labs" });
    expect(await listUserOrgs(user.id)).toEqual([{ slug: org.slug, name: "Ada Labs", role: "owner" }]);
    expect(await prisma.projectTag.count({ where: { orgId: org.id, isDefault: true } })).toBe(1);
    await expect(signUp({ name: "Ada", email, password: "long enough pw", orgName: "Other" })).rejects.toMatchObject({ status: 409 });
  });

  it("concurrent sign-ups with one email: one account, the others answer 409 (not 500)", async () => {
    const email = `${uniq("race")}@example.test`;
    const results = await Promise.all(
      [1, 2, 3].map((i) => runPublicAction(SignUpInput, { name: "R", email, password: "correct horse battery", orgName: `${uniq("Org")}${i}` }, (input) => signUp(input))),
    );
    expect(results.map((r) => (r.ok ? 200 : r.status)).sort()).toEqual([200, 409, 409]);
    expect(await prisma.user.count({ where: { email } })).toBe(1);
  });

  it("concurrent sign-ups naming their org alike all succeed, each org with its own slug", async () => {
    const orgName = uniq("Same Name");
    const results = await Promise.all(
      [1, 2, 3].map(() => runPublicAction(SignUpInput, { name: "R", email: `${uniq("s")}@example.test`, password: "correct horse battery", orgName }, (input) => signUp(input))),
    );
    expect(results.map((r) => (r.ok ? 200 : r.status))).toEqual([200, 200, 200]);
    expect(await prisma.org.count({ where: { name: orgName } })).toBe(3);
  });

  it("a double-submitted sign-up makes one account and answers the second with 409; two new orgs of one name both get made", async () => {
    const email = `${uniq("su")}@example.test`;
    const orgName = uniq("Race Labs");
    const results = await Promise.allSettled([0, 1].map(() => signUp({ name: "Ada", email, password: "long enough pw", orgName })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { status: 409 } });
    expect(await prisma.user.count({ where: { email } })).toBe(1);

    const a = await createTestOrg();
    const name = uniq("Twin Org");
    const made = await Promise.allSettled([createOrg(a.owner.id, { name }), createOrg(a.owner.id, { name })]);
    expect(made.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(await prisma.org.count({ where: { name } })).toBe(2);
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

  it("limits sign-ups per client IP and answers 429 with Retry-After, creating nothing", async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${uniq("ip")}`;
    for (let i = 0; i < SIGNUPS_PER_IP_PER_HOUR; i++) {
      await signUp({ name: "N", email: `${uniq("su")}@example.test`, password: "correct horse battery", orgName: uniq("Org") }, { ip });
    }
    const email = `${uniq("over")}@example.test`;
    await expect(
      signUp({ name: "N", email, password: "correct horse battery", orgName: uniq("Org") }, { ip }),
    ).rejects.toMatchObject({ status: 429, headers: { "retry-after": expect.stringMatching(/^\d+$/) } });
    expect(await prisma.user.findUnique({ where: { email } })).toBeNull();
    // Another address is unaffected.
    await expect(
      signUp({ name: "N", email: `${uniq("ok")}@example.test`, password: "correct horse battery", orgName: uniq("Org") }, { ip: `${ip}-other` }),
    ).resolves.toMatchObject({ user: { email: expect.stringContaining("@example.test") } });
  });
});
