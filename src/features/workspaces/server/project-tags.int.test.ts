import { describe, expect, it, vi } from "vitest";
import { addMember, createOrg, uniq } from "../../../../test/helpers/factory";
import { actAs, sessionMock } from "../../../../test/helpers/session";
import { prisma } from "@/server/db";
import { sha256Hex } from "@/server/crypto";

vi.mock("@/server/next/session", () => sessionMock);

const { createProjectTagAction, updateProjectTagAction, deleteProjectTagAction, createIngestTokenAction, revokeIngestTokenAction } = await import(
  "@/app/[org]/workspaces/[workspaceId]/actions"
);
const { listProjectTags, listOwnerCandidates } = await import("./project-tags");
const { listWorkspaceTokens } = await import("./ingest-tokens");

describe("project tags", () => {
  it("creates, edits and deletes a tag with an owner, auditing each change", async () => {
    const a = await createOrg();
    const m = await addMember(a.org.id, "member");
    actAs(a.owner.id);
    const created = await createProjectTagAction(a.org.slug, { workspaceId: a.workspace.id, name: "Search Bot", slug: "", ownerId: m.user.id });
    expect(created).toMatchObject({ ok: true, data: { slug: "search-bot", name: "Search Bot", ownerId: m.user.id, isDefault: false } });
    if (!created.ok) throw new Error("unreachable");

    const tags = await listProjectTags(a.ctx, a.workspace.id);
    expect(tags.map((t) => t.slug)).toEqual(["untagged", "search-bot"]);
    expect(tags[1]!.owner).toMatchObject({ id: m.user.id, email: m.user.email });
    expect((await listOwnerCandidates(a.ctx)).map((u) => u.id).sort()).toEqual([a.owner.id, m.user.id].sort());

    expect(await updateProjectTagAction(a.org.slug, { projectTagId: created.data.id, name: "Search", slug: "search", ownerId: "" })).toMatchObject({
      ok: true,
      data: { slug: "search", ownerId: null },
    });
    const upd = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "project_tag.updated" } });
    expect(upd.before).toEqual({ name: "Search Bot", slug: "search-bot", ownerId: m.user.id });
    expect(upd.after).toEqual({ name: "Search", slug: "search", ownerId: null });

    // A key attributed to the tag moves to the workspace's default tag when the tag goes.
    const key = await prisma.providerKey.create({
      data: { orgId: a.org.id, provider: "openai", providerKeyId: uniq("key"), label: "k", workspaceId: a.workspace.id, projectTagId: created.data.id },
    });
    expect(await deleteProjectTagAction(a.org.slug, { projectTagId: created.data.id })).toMatchObject({ ok: true });
    expect(await prisma.projectTag.findUnique({ where: { id: created.data.id } })).toBeNull();
    expect((await prisma.providerKey.findUniqueOrThrow({ where: { id: key.id } })).projectTagId).toBe(a.defaultTag.id);
    const del = await prisma.auditLog.findFirstOrThrow({ where: { orgId: a.org.id, action: "project_tag.deleted" } });
    expect(del).toMatchObject({ targetId: created.data.id, actorUserId: a.owner.id, before: { slug: "search", name: "Search" } });
    expect(await prisma.auditLog.count({ where: { orgId: a.org.id, action: "project_tag.created" } })).toBe(1);
  });

  it("rejects a duplicate slug, an owner from another org, and changes to the default tag", async () => {
    const a = await createOrg();
    const b = await createOrg();
    actAs(a.owner.id);
    expect(await createProjectTagAction(a.org.slug, { workspaceId: a.workspace.id, name: "Dup", slug: "untagged" })).toMatchObject({
      ok: false,
      status: 409,
      fieldErrors: { slug: expect.stringContaining("already uses") },
    });
    expect(await createProjectTagAction(a.org.slug, { workspaceId: a.workspace.id, name: "X", slug: "x-tag", ownerId: b.owner.id })).toMatchObject({
      ok: false,
      status: 404,
      fieldErrors: { ownerId: "Choose a member of this organization" },
    });
    expect(await createProjectTagAction(a.org.slug, { workspaceId: a.workspace.id, name: "" })).toMatchObject({ ok: false, fieldErrors: { name: "Enter a name" } });
    expect(await deleteProjectTagAction(a.org.slug, { projectTagId: a.defaultTag.id })).toMatchObject({ ok: false, status: 409, error: "The default project tag can't be deleted" });
    expect(await updateProjectTagAction(a.org.slug, { projectTagId: a.defaultTag.id, name: "Misc", slug: "misc", ownerId: null })).toMatchObject({
      ok: false,
      fieldErrors: { slug: "The default tag's slug can't change" },
    });
    // Renaming the default tag (same slug) is fine.
    expect(await updateProjectTagAction(a.org.slug, { projectTagId: a.defaultTag.id, name: "Misc", slug: "untagged", ownerId: null })).toMatchObject({ ok: true });
    expect(await prisma.projectTag.count({ where: { workspaceId: a.workspace.id } })).toBe(1);
  });

  it("viewers get 403; org B passing org A's ids gets 404 and nothing changes", async () => {
    const a = await createOrg();
    const viewer = await addMember(a.org.id, "viewer");
    const b = await createOrg();
    actAs(viewer.user.id);
    expect(await createProjectTagAction(a.org.slug, { workspaceId: a.workspace.id, name: "V" })).toMatchObject({ ok: false, status: 403 });
    expect(await deleteProjectTagAction(a.org.slug, { projectTagId: a.defaultTag.id })).toMatchObject({ ok: false, status: 403 });
    actAs(b.owner.id);
    expect(await createProjectTagAction(b.org.slug, { workspaceId: a.workspace.id, name: "Into A" })).toMatchObject({ ok: false, status: 404 });
    expect(await updateProjectTagAction(b.org.slug, { projectTagId: a.defaultTag.id, name: "Hijack", slug: "untagged", ownerId: b.owner.id })).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(await deleteProjectTagAction(b.org.slug, { projectTagId: a.defaultTag.id })).toMatchObject({ ok: false, status: 404 });
    await expect(listProjectTags(b.ctx, a.workspace.id)).rejects.toMatchObject({ status: 404 });
    expect(await prisma.projectTag.findMany({ where: { workspaceId: a.workspace.id } })).toMatchObject([{ name: "Untagged", ownerId: a.owner.id }]);
  });
});

describe("ingest tokens on the workspace page", () => {
  it("returns the token once, stores only its hash, lists prefix; members revoke only their own", async () => {
    const a = await createOrg();
    const m = await addMember(a.org.id, "member");
    actAs(m.user.id);
    const res = await createIngestTokenAction(a.org.slug, { workspaceId: a.workspace.id, name: "backend" });
    expect(res).toMatchObject({ ok: true, data: { token: expect.stringMatching(/^tg_ingest_/) } });
    if (!res.ok) throw new Error("unreachable");
    const row = await prisma.ingestToken.findUniqueOrThrow({ where: { id: res.data.id } });
    expect(row.tokenHash).toBe(sha256Hex(res.data.token));
    expect(JSON.stringify(row)).not.toContain(res.data.token);

    const list = await listWorkspaceTokens(m.ctx, a.workspace.id);
    expect(list).toEqual([expect.objectContaining({ id: res.data.id, name: "backend", prefix: res.data.token.slice(0, 14), revokedAt: null, lastUsedAt: null })]);
    expect(JSON.stringify(list)).not.toContain(res.data.token);

    actAs(a.owner.id);
    const ownerTok = await createIngestTokenAction(a.org.slug, { workspaceId: a.workspace.id, name: "admin's" });
    if (!ownerTok.ok) throw new Error("create failed");
    actAs(m.user.id);
    expect(await revokeIngestTokenAction(a.org.slug, { tokenId: ownerTok.data.id })).toMatchObject({ ok: false, status: 403 });
    expect(await revokeIngestTokenAction(a.org.slug, { tokenId: res.data.id })).toMatchObject({ ok: true, data: { revokedAt: expect.any(Date) } });
    actAs(a.owner.id);
    expect(await revokeIngestTokenAction(a.org.slug, { tokenId: ownerTok.data.id })).toMatchObject({ ok: true });
    expect(await prisma.auditLog.count({ where: { orgId: a.org.id, action: "ingest_token.revoked" } })).toBe(2);
    expect(await createIngestTokenAction(a.org.slug, { workspaceId: a.workspace.id, name: " " })).toMatchObject({ ok: false, fieldErrors: { name: expect.any(String) } });
  });

  it("viewers can't create tokens; org B can't create in or revoke from org A", async () => {
    const a = await createOrg();
    const viewer = await addMember(a.org.id, "viewer");
    const b = await createOrg();
    actAs(a.owner.id);
    const tok = await createIngestTokenAction(a.org.slug, { workspaceId: a.workspace.id, name: "t" });
    if (!tok.ok) throw new Error("create failed");
    actAs(viewer.user.id);
    expect(await createIngestTokenAction(a.org.slug, { workspaceId: a.workspace.id, name: "v" })).toMatchObject({ ok: false, status: 403 });
    expect(await revokeIngestTokenAction(a.org.slug, { tokenId: tok.data.id })).toMatchObject({ ok: false, status: 403 });
    actAs(b.owner.id);
    expect(await createIngestTokenAction(b.org.slug, { workspaceId: a.workspace.id, name: "x" })).toMatchObject({ ok: false, status: 404 });
    expect(await revokeIngestTokenAction(b.org.slug, { tokenId: tok.data.id })).toMatchObject({ ok: false, status: 404 });
    await expect(listWorkspaceTokens(b.ctx, a.workspace.id)).rejects.toMatchObject({ status: 404 });
    expect(await prisma.ingestToken.findMany({ where: { workspaceId: a.workspace.id } })).toMatchObject([{ id: tok.data.id, revokedAt: null }]);
  });
});

describe("project tags and budgets at the same time", () => {
  it("a tag deleted while a budget on it is created leaves no budget on a deleted tag", async () => {
    const { createProjectTag, deleteProjectTag } = await import("./project-tags");
    const { createBudget } = await import("@/features/budgets/server/budgets");
    const a = await createOrg();
    for (let i = 0; i < 5; i++) {
      const tag = await createProjectTag(a.ctx, { workspaceId: a.workspace.id, name: `Race ${i}`, ownerId: null });
      await Promise.allSettled([
        createBudget(a.ctx, { name: "on tag", scope: "project", projectTagId: tag.id, period: "monthly", amountUsd: "10" }),
        deleteProjectTag(a.ctx, { projectTagId: tag.id }),
      ]);
      const budgets = await prisma.budget.count({ where: { orgId: a.org.id, projectTagId: tag.id } });
      const tagLeft = await prisma.projectTag.count({ where: { id: tag.id } });
      expect({ i, orphan: budgets > 0 && tagLeft === 0 }).toEqual({ i, orphan: false });
    }
  });

  it("a workspace deleted while a budget on it is created leaves no budget on a deleted workspace", async () => {
    const { createWorkspace, deleteWorkspace } = await import("./workspaces");
    const { createBudget } = await import("@/features/budgets/server/budgets");
    const a = await createOrg();
    for (let i = 0; i < 5; i++) {
      const ws = await createWorkspace(a.ctx, { name: `Race ${i}`, slug: `race-${i}`, retentionDays: 30 });
      await Promise.allSettled([
        createBudget(a.ctx, { name: "on workspace", scope: "workspace", workspaceId: ws.id, period: "monthly", amountUsd: "10" }),
        deleteWorkspace(a.ctx, { workspaceId: ws.id, confirmSlug: `race-${i}` }),
      ]);
      const budgets = await prisma.budget.count({ where: { orgId: a.org.id, workspaceId: ws.id } });
      const wsLeft = await prisma.workspace.count({ where: { id: ws.id } });
      expect({ i, orphan: budgets > 0 && wsLeft === 0 }).toEqual({ i, orphan: false });
    }
  });
});
