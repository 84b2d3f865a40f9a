import { describe, expect, it, vi } from "vitest";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { prisma } from "@/server/db";

vi.mock("@/server/next/session", () => sessionMock);

const { createWorkspaceAction, updateWorkspaceAction, deleteWorkspaceAction } = await import("@/app/[org]/workspaces/actions");
const { setWorkspaceRetentionAction } = await import("@/app/[org]/settings/actions");
const { createIngestTokenAction, revokeIngestTokenAction } = await import("@/app/[org]/workspaces/[workspaceId]/actions");
const { createWorkspace, listWorkspaces, deleteWorkspace } = await import("./workspaces");

const audits = (orgId: string, action: string) => prisma.auditLog.findMany({ where: { orgId, action }, orderBy: { createdAt: "asc" } });

describe("workspaces", () => {
  it("creates a workspace with a slug from its name and a default 'untagged' tag, and audits it", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const res = await createWorkspaceAction(a.org.slug, { name: "Growth Team", slug: "", retentionDays: "90" });
    expect(res).toMatchObject({ ok: true, data: { slug: "growth-team", name: "Growth Team", retentionDays: 90 } });
    if (!res.ok) throw new Error("unreachable");

    const tags = await prisma.projectTag.findMany({ where: { workspaceId: res.data.id } });
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatchObject({ slug: "untagged", isDefault: true, orgId: a.org.id });

    const list = await listWorkspaces(a.ctx);
    expect(list.map((w) => w.slug)).toEqual(["default", "growth-team"]);
    expect(list.find((w) => w.slug === "growth-team")).toMatchObject({ tagCount: 1, activeTokenCount: 0 });

    const [audit] = await audits(a.org.id, "workspace.created");
    expect(audit).toMatchObject({ actorUserId: a.owner.id, actorLabel: a.owner.email, targetId: res.data.id, before: null });
    expect(audit!.after).toMatchObject({ name: "Growth Team", slug: "growth-team", retentionDays: 90 });
  });

  it("answers inline field errors for bad input and a taken slug", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    expect(await createWorkspaceAction(a.org.slug, { name: "  ", retentionDays: 30 })).toMatchObject({ ok: false, status: 400, fieldErrors: { name: expect.any(String) } });
    expect(await createWorkspaceAction(a.org.slug, { name: "X", slug: "Not A Slug", retentionDays: 30 })).toMatchObject({
      ok: false,
      status: 400,
      fieldErrors: { slug: "Lowercase letters, digits and single dashes" },
    });
    expect(await createWorkspaceAction(a.org.slug, { name: "X", retentionDays: 60 })).toMatchObject({ ok: false, fieldErrors: { retentionDays: "Choose 30 or 90 days" } });
    expect(await createWorkspaceAction(a.org.slug, { name: "Other", slug: "default", retentionDays: 30 })).toMatchObject({
      ok: false,
      status: 409,
      fieldErrors: { slug: expect.stringContaining("already uses") },
    });
    expect(await prisma.workspace.count({ where: { orgId: a.org.id } })).toBe(1);
  });

  it("renames and changes retention with before/after in the audit log", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const res = await updateWorkspaceAction(a.org.slug, { workspaceId: a.workspace.id, name: "Production", slug: "prod", retentionDays: 90 });
    expect(res).toMatchObject({ ok: true, data: { name: "Production", slug: "prod", retentionDays: 90 } });
    const [audit] = await audits(a.org.id, "workspace.updated");
    expect(audit!.before).toEqual({ name: "Default", slug: "default", retentionDays: 30 });
    expect(audit!.after).toEqual({ name: "Production", slug: "prod", retentionDays: 90 });

    expect(await setWorkspaceRetentionAction(a.org.slug, { workspaceId: a.workspace.id, retentionDays: 30 })).toMatchObject({ ok: true, data: { retentionDays: 30 } });
    const [r] = await audits(a.org.id, "workspace.retention_changed");
    expect(r).toMatchObject({ before: { retentionDays: 90 }, after: { retentionDays: 30 } });
  });

  it("deletes only with the slug typed, never the last workspace, never under a budget; detaches keys", async () => {
    const a = await createOrg();
    const second = await createWorkspace(a.ctx, { name: "Scratch", retentionDays: 30 });
    const tag = await prisma.projectTag.findFirstOrThrow({ where: { workspaceId: second.id } });
    const key = await prisma.providerKey.create({
      data: { orgId: a.org.id, provider: "openrouter", providerKeyId: uniq("hash"), label: "k", workspaceId: second.id, projectTagId: tag.id },
    });
    await prisma.ingestToken.create({ data: { orgId: a.org.id, workspaceId: second.id, name: "t", tokenHash: uniq("h"), prefix: "tg_ingest_x" } });
    actAs(a.owner.id);

    expect(await deleteWorkspaceAction(a.org.slug, { workspaceId: second.id, confirmSlug: "nope" })).toMatchObject({
      ok: false,
      status: 400,
      fieldErrors: { confirmSlug: 'Type "scratch" to confirm' },
    });

    const budget = await prisma.budget.create({ data: { orgId: a.org.id, name: "b", scope: "project", projectTagId: tag.id, period: "monthly", amountMicros: 1_000_000n } });
    expect(await deleteWorkspaceAction(a.org.slug, { workspaceId: second.id, confirmSlug: "scratch" })).toMatchObject({ ok: false, status: 409 });
    await prisma.budget.delete({ where: { id: budget.id } });

    expect(await deleteWorkspaceAction(a.org.slug, { workspaceId: second.id, confirmSlug: "scratch" })).toMatchObject({ ok: true });
    expect(await prisma.workspace.findUnique({ where: { id: second.id } })).toBeNull();
    expect(await prisma.projectTag.count({ where: { workspaceId: second.id } })).toBe(0);
    expect(await prisma.ingestToken.count({ where: { workspaceId: second.id } })).toBe(0);
    expect(await prisma.providerKey.findUniqueOrThrow({ where: { id: key.id } })).toMatchObject({ workspaceId: null, projectTagId: null });
    const [audit] = await audits(a.org.id, "workspace.deleted");
    expect(audit).toMatchObject({ targetId: second.id, after: null, before: { name: "Scratch", slug: "scratch", retentionDays: 30 } });

    expect(await deleteWorkspaceAction(a.org.slug, { workspaceId: a.workspace.id, confirmSlug: "default" })).toMatchObject({ ok: false, status: 409 });
    expect(await prisma.workspace.count({ where: { orgId: a.org.id } })).toBe(1);
  });

  it("a NUL byte in an ingest token's name or in a workspace or token id answers 400 (PostgreSQL can't take it), creating nothing", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const ws = await prisma.workspace.findFirstOrThrow({ where: { orgId: a.org.id } });
    expect(await createIngestTokenAction(a.org.slug, { workspaceId: ws.id, name: "ci\u0000" })).toMatchObject({ ok: false, status: 400 });
    expect(await createIngestTokenAction(a.org.slug, { workspaceId: "\u0000", name: "ci" })).toMatchObject({ ok: false, status: 400 });
    expect(await revokeIngestTokenAction(a.org.slug, { tokenId: "\u0000" })).toMatchObject({ ok: false, status: 400 });
    expect(await prisma.ingestToken.count({ where: { orgId: a.org.id } })).toBe(0);
  });

  it("two concurrent deletes of an org's last two workspaces leave one of them", async () => {
    const a = await createOrg();
    const second = await createWorkspace(a.ctx, { name: "Second", slug: "second", retentionDays: 30 });
    const results = await Promise.allSettled([
      deleteWorkspace(a.ctx, { workspaceId: a.workspace.id, confirmSlug: a.workspace.slug }),
      deleteWorkspace(a.ctx, { workspaceId: second.id, confirmSlug: "second" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { status: 409 } });
    expect(await prisma.workspace.count({ where: { orgId: a.org.id } })).toBe(1);
  });

  it("viewers and members get 403 and change nothing", async () => {
    const a = await createOrg();
    for (const role of ["viewer", "member"] as const) {
      const m = await addMember(a.org.id, role);
      actAs(m.user.id);
      expect(await createWorkspaceAction(a.org.slug, { name: "Nope", retentionDays: 30 })).toMatchObject({ ok: false, status: 403 });
      expect(await updateWorkspaceAction(a.org.slug, { workspaceId: a.workspace.id, name: "Nope", slug: "nope", retentionDays: 90 })).toMatchObject({ ok: false, status: 403 });
      expect(await deleteWorkspaceAction(a.org.slug, { workspaceId: a.workspace.id, confirmSlug: "default" })).toMatchObject({ ok: false, status: 403 });
      expect(await setWorkspaceRetentionAction(a.org.slug, { workspaceId: a.workspace.id, retentionDays: 90 })).toMatchObject({ ok: false, status: 403 });
      await expect(deleteWorkspace(m.ctx, { workspaceId: a.workspace.id, confirmSlug: "default" })).rejects.toMatchObject({ status: 403 });
    }
    expect(await prisma.workspace.findMany({ where: { orgId: a.org.id } })).toMatchObject([{ name: "Default", slug: "default", retentionDays: 30 }]);
  });

  it("a member of org B passing org A's workspace id gets 404 and changes nothing", async () => {
    const a = await createOrg();
    await createWorkspace(a.ctx, { name: "Second", retentionDays: 30 });
    const b = await createOrg();
    actAs(b.owner.id);
    expect(await updateWorkspaceAction(b.org.slug, { workspaceId: a.workspace.id, name: "Hijack", slug: "hijack", retentionDays: 90 })).toMatchObject({ ok: false, status: 404 });
    expect(await deleteWorkspaceAction(b.org.slug, { workspaceId: a.workspace.id, confirmSlug: "default" })).toMatchObject({ ok: false, status: 404 });
    expect(await setWorkspaceRetentionAction(b.org.slug, { workspaceId: a.workspace.id, retentionDays: 90 })).toMatchObject({ ok: false, status: 404 });
    // And through A's slug: not a member, so the org itself is 404.
    expect(await createWorkspaceAction(a.org.slug, { name: "Intruder", retentionDays: 30 })).toMatchObject({ ok: false, status: 404 });
    expect(await prisma.workspace.findUniqueOrThrow({ where: { id: a.workspace.id } })).toMatchObject({ name: "Default", retentionDays: 30 });
    expect(await prisma.workspace.count({ where: { orgId: a.org.id } })).toBe(2);
    expect(await prisma.auditLog.count({ where: { orgId: a.org.id, actorUserId: b.owner.id } })).toBe(0);
  });
});
