import { describe, expect, it, vi } from "vitest";
import { actAs, sessionMock } from "../../../test/helpers/session";
import { createOrg } from "../../../test/helpers/factory";

vi.mock("@/server/next/session", () => sessionMock);
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));

const workspaces = await import("@/app/[org]/workspaces/actions");
const workspace = await import("@/app/[org]/workspaces/[workspaceId]/actions");
const members = await import("@/app/[org]/members/actions");
const budgets = await import("@/app/[org]/budgets/actions");
const connections = await import("@/app/[org]/connections/actions");
const keys = await import("@/app/[org]/keys/actions");
const alerts = await import("@/app/[org]/alerts/actions");
const settings = await import("@/app/[org]/settings/actions");
const { prisma } = await import("@/server/db");

async function orgRows(orgId: string) {
  const [ws, tags, tokens, apiTokens, budgetRows] = await Promise.all([
    prisma.workspace.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    prisma.projectTag.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    prisma.ingestToken.count({ where: { workspace: { orgId } } }),
    prisma.apiToken.count({ where: { orgId } }),
    prisma.budget.count({ where: { orgId } }),
  ]);
  return JSON.stringify({ ws, tags, tokens, apiTokens, budgetRows });
}

describe("server actions and text PostgreSQL can't store", () => {
  it("a NUL byte or a lone surrogate in any id or text field is a 400 naming the field, and nothing changes", async () => {
    const a = await createOrg();
    actAs(a.owner.id);
    const s = a.org.slug;
    const before = await orgRows(a.org.id);
    for (const bad of ["a\u0000b", "a\ud800b"]) {
      const cases: [string, Promise<unknown>][] = [
        ["name", workspaces.createWorkspaceAction(s, { name: bad })],
        ["name", workspaces.updateWorkspaceAction(s, { workspaceId: a.workspace.id, name: bad, slug: a.workspace.slug, retentionDays: 30 })],
        ["workspaceId", workspaces.updateWorkspaceAction(s, { workspaceId: bad, name: "x", slug: "xx", retentionDays: 30 })],
        ["workspaceId", workspaces.deleteWorkspaceAction(s, { workspaceId: bad, confirmSlug: "xx" })],
        ["name", workspace.createProjectTagAction(s, { workspaceId: a.workspace.id, name: bad, ownerId: null })],
        ["ownerId", workspace.createProjectTagAction(s, { workspaceId: a.workspace.id, name: "n", ownerId: bad })],
        ["projectTagId", workspace.updateProjectTagAction(s, { projectTagId: bad, name: "n", slug: "nn", ownerId: null })],
        ["projectTagId", workspace.deleteProjectTagAction(s, { projectTagId: bad })],
        ["name", workspace.createIngestTokenAction(s, { workspaceId: a.workspace.id, name: bad })],
        ["tokenId", workspace.revokeIngestTokenAction(s, { tokenId: bad })],
        ["membershipId", members.changeMemberRoleAction(s, { membershipId: bad, role: "admin" })],
        ["membershipId", members.removeMemberAction(s, { membershipId: bad })],
        ["invitationId", members.resendInvitationAction(s, { invitationId: bad })],
        ["invitationId", members.revokeInvitationAction(s, { invitationId: bad })],
        ["name", budgets.createBudgetAction(s, { name: bad, scope: "org", period: "monthly", amountUsd: "10" })],
        ["budgetId", budgets.deleteBudgetAction(s, { budgetId: bad })],
        ["connectionId", connections.deleteConnectionAction(s, { connectionId: bad })],
        ["connectionId", connections.pollConnectionAction(s, { connectionId: bad })],
        ["keyId", keys.setKeyAttributionAction(s, { keyId: bad, workspaceId: a.workspace.id, projectTagId: a.defaultTag.id })],
        ["keyId", keys.setKeyMemberAction(s, { keyId: bad, userId: a.owner.id })],
        ["alertId", alerts.acknowledgeAlertAction(s, { alertId: bad })],
        ["workspaceId", settings.setWorkspaceRetentionAction(s, { workspaceId: bad, retentionDays: 30 })],
        ["name", settings.createApiTokenAction(s, { name: bad, scopes: ["reports:read"] })],
        ["tokenId", settings.revokeApiTokenAction(s, { tokenId: bad })],
      ];
      for (const [field, call] of cases) {
        const res = (await call) as { ok: boolean; status?: number; fieldErrors?: Record<string, string> };
        expect({ field, bad, res }).toMatchObject({ res: { ok: false, status: 400, fieldErrors: { [field]: expect.any(String) } } });
      }
    }
    expect(await orgRows(a.org.id)).toBe(before);
  });
});
