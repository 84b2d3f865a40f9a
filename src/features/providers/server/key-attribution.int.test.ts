import { describe, expect, it, vi } from "vitest";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { prisma } from "@/server/db";

vi.mock("@/server/next/session", () => sessionMock);

const { setKeyAttributionAction, setKeyMemberAction } = await import("@/app/[org]/keys/actions");
const { createWorkspace } = await import("@/features/workspaces/server/workspaces");
const { createProjectTag } = await import("@/features/workspaces/server/project-tags");
const { listTrackedKeys } = await import("./keys.queries");

async function trackedKey(orgId: string, extra: Record<string, unknown> = {}) {
  return prisma.providerKey.create({ data: { orgId, provider: "openrouter", providerKeyId: uniq("hash"), label: uniq("key"), ...extra } });
}

describe("tracked keys", () => {
  it("lists keys with workspace, tag, pausing budget and provider numbers", async () => {
    const a = await createOrg();
    const budget = await prisma.budget.create({ data: { orgId: a.org.id, name: "Monthly cap", scope: "org", period: "monthly", amountMicros: 5_000_000n, mode: "hard" } });
    const k = await trackedKey(a.org.id, {
      label: "prod-key",
      workspaceId: a.workspace.id,
      projectTagId: a.defaultTag.id,
      status: "paused",
      pausedByTollgate: true,
      pausedByBudgetId: budget.id,
      pauseReason: "Budget reached 100%",
      providerLimitMicros: 10_000_000n,
      providerUsageMicros: 2_500_000n,
    });
    const other = await createOrg();
    await trackedKey(other.org.id);
    const rows = await listTrackedKeys(a.ctx);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: k.id,
      label: "prod-key",
      status: "paused",
      pauseReason: "Budget reached 100%",
      workspace: { id: a.workspace.id, name: "Default" },
      projectTag: { id: a.defaultTag.id, slug: "untagged" },
      pausedByBudget: { id: budget.id, name: "Monthly cap" },
      providerLimitMicros: 10_000_000n,
      providerUsageMicros: 2_500_000n,
    });
  });

  it("admins assign a key to a workspace and project tag; blank tag means the default tag; audited", async () => {
    const a = await createOrg();
    const ws2 = await createWorkspace(a.ctx, { name: "Research", retentionDays: 30 });
    const tag = await createProjectTag(a.ctx, { workspaceId: ws2.id, name: "Agents", ownerId: null });
    const ws2Default = await prisma.projectTag.findFirstOrThrow({ where: { workspaceId: ws2.id, isDefault: true } });
    const k = await trackedKey(a.org.id);
    actAs(a.owner.id);

    expect(await setKeyAttributionAction(a.org.slug, { keyId: k.id, workspaceId: ws2.id, projectTagId: tag.id })).toMatchObject({
      ok: true,
      data: { workspaceId: ws2.id, projectTagId: tag.id },
    });
    expect(await setKeyAttributionAction(a.org.slug, { keyId: k.id, workspaceId: ws2.id, projectTagId: "" })).toMatchObject({ ok: true, data: { projectTagId: ws2Default.id } });
    // A tag of another workspace is refused.
    expect(await setKeyAttributionAction(a.org.slug, { keyId: k.id, workspaceId: ws2.id, projectTagId: a.defaultTag.id })).toMatchObject({
      ok: false,
      status: 400,
      fieldErrors: { projectTagId: expect.any(String) },
    });
    // A tag of another org is not found.
    const b = await createOrg();
    expect(await setKeyAttributionAction(a.org.slug, { keyId: k.id, workspaceId: ws2.id, projectTagId: b.defaultTag.id })).toMatchObject({ ok: false, status: 404 });
    expect(await setKeyAttributionAction(a.org.slug, { keyId: k.id, workspaceId: "", projectTagId: "" })).toMatchObject({ ok: true, data: { workspaceId: null, projectTagId: null } });

    const logs = await prisma.auditLog.findMany({ where: { orgId: a.org.id, action: "key.attribution_changed" }, orderBy: { createdAt: "asc" } });
    expect(logs).toHaveLength(3);
    expect(logs[0]).toMatchObject({ actorUserId: a.owner.id, targetId: k.id, before: { workspaceId: null, projectTagId: null }, after: { workspaceId: ws2.id, projectTagId: tag.id } });
  });

  it("viewers and members get 403; org B can't attribute org A's key or use A's workspace", async () => {
    const a = await createOrg();
    const k = await trackedKey(a.org.id);
    for (const role of ["viewer", "member"] as const) {
      const m = await addMember(a.org.id, role);
      actAs(m.user.id);
      expect(await setKeyAttributionAction(a.org.slug, { keyId: k.id, workspaceId: a.workspace.id, projectTagId: "" })).toMatchObject({ ok: false, status: 403 });
    }
    const b = await createOrg();
    const bk = await trackedKey(b.org.id);
    actAs(b.owner.id);
    expect(await setKeyAttributionAction(b.org.slug, { keyId: k.id, workspaceId: b.workspace.id, projectTagId: "" })).toMatchObject({ ok: false, status: 404 });
    expect(await setKeyAttributionAction(b.org.slug, { keyId: bk.id, workspaceId: a.workspace.id, projectTagId: "" })).toMatchObject({
      ok: false,
      status: 404,
      fieldErrors: { workspaceId: expect.any(String) },
    });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: k.id } })).toMatchObject({ workspaceId: null, projectTagId: null });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: bk.id } })).toMatchObject({ workspaceId: null, projectTagId: null });
    expect(await listTrackedKeys(b.ctx)).toEqual([expect.objectContaining({ id: bk.id })]);
  });

  it("admins attribute a key to a member of the org (or none), audited; viewers get 403, other orgs' keys and users 404", async () => {
    const a = await createOrg();
    const k = await trackedKey(a.org.id);
    const dev = await addMember(a.org.id, "member", `${uniq("dev")}@example.test`);
    actAs(a.owner.id);
    expect(await setKeyMemberAction(a.org.slug, { keyId: k.id, memberUserId: dev.user.id })).toMatchObject({ ok: true, data: { memberUserId: dev.user.id } });
    expect((await listTrackedKeys(a.ctx))[0]).toMatchObject({ id: k.id, memberUserId: dev.user.id, member: dev.user.email });
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "key.member_changed", targetId: k.id } });
    expect(audit).toMatchObject({ actorUserId: a.owner.id, before: { memberUserId: null }, after: { memberUserId: dev.user.id } });

    // A user of another org is not a member here; nothing changes.
    const b = await createOrg();
    expect(await setKeyMemberAction(a.org.slug, { keyId: k.id, memberUserId: b.owner.id })).toMatchObject({ ok: false, status: 404, fieldErrors: { memberUserId: expect.any(String) } });
    const viewer = await addMember(a.org.id, "viewer");
    actAs(viewer.user.id);
    expect(await setKeyMemberAction(a.org.slug, { keyId: k.id, memberUserId: "" })).toMatchObject({ ok: false, status: 403 });
    actAs(b.owner.id);
    expect(await setKeyMemberAction(b.org.slug, { keyId: k.id, memberUserId: "" })).toMatchObject({ ok: false, status: 404 });
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: k.id } })).toMatchObject({ memberUserId: dev.user.id });

    // "No member" clears it.
    actAs(a.owner.id);
    expect(await setKeyMemberAction(a.org.slug, { keyId: k.id, memberUserId: "" })).toMatchObject({ ok: true, data: { memberUserId: null } });
    expect(await prisma.auditLog.count({ where: { orgId: a.org.id, action: "key.member_changed" } })).toBe(2);
  });
});
