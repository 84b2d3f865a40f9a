import { describe, expect, it, vi } from "vitest";
import { createOrg, addMember } from "../../test/helpers/factory";
import { actAs, sessionMock } from "../../test/helpers/session";
import { z } from "zod";

vi.mock("@/server/next/session", () => sessionMock);

const { tenantAction, withTenantRoute } = await import("@/server/next/gate");
const { resolveTenant } = await import("@/server/tenant");

describe("tenant gate", () => {
  const echo = tenantAction("workspaces:write", z.object({ name: z.string().min(1, "Name is required") }), async (ctx, input) => ({
    orgId: ctx.orgId,
    name: input.name,
  }));

  it("runs for a member with the permission and scopes to the org in the URL", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    expect(await echo(a.org.slug, { name: "x" })).toEqual({ ok: true, data: { orgId: a.org.id, name: "x" } });
  });

  it("answers 404 to a non-member, 403 to a viewer, 401 to nobody, 400 with field errors", async () => {
    const a = await createOrg();
    const b = await createOrg();
    actAs(b.owner.id);
    expect(await echo(a.org.slug, { name: "x" })).toMatchObject({ ok: false, status: 404 });
    const viewer = await addMember(a.org.id, "viewer");
    actAs(viewer.user.id);
    expect(await echo(a.org.slug, { name: "x" })).toMatchObject({ ok: false, status: 403 });
    actAs(null);
    expect(await echo(a.org.slug, { name: "x" })).toMatchObject({ ok: false, status: 401 });
    actAs(a.owner.id);
    expect(await echo(a.org.slug, { name: "" })).toMatchObject({ ok: false, status: 400, fieldErrors: { name: "Name is required" } });
  });

  it("route gate: 404 for non-members, JSON for members", async () => {
    const a = await createOrg();
    const b = await createOrg();
    const route = withTenantRoute("org:read", async (_req, ctx) => ({ org: ctx.orgSlug, n: 1n }));
    actAs(b.owner.id);
    const denied = await route(new Request("http://x"), { params: Promise.resolve({ org: a.org.slug }) });
    expect(denied.status).toBe(404);
    actAs(a.owner.id);
    const ok = await route(new Request("http://x"), { params: Promise.resolve({ org: a.org.slug }) });
    expect(await ok.json()).toEqual({ org: a.org.slug, n: "1" });
  });

  it("unknown org slug is 404 even for a signed-in user", async () => {
    const a = await createOrg();
    await expect(resolveTenant(a.owner.id, "no-such-org-xyz")).rejects.toMatchObject({ status: 404 });
  });
});
