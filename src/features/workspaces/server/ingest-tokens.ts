import { prisma } from "@/server/db";
import { forbidden, notFound } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { createIngestToken, revokeIngestToken } from "@/features/ingest/server/tokens";
import type { IngestTokenCreateInput, IngestTokenRevokeInput } from "../schemas";
import { getWorkspace } from "./workspaces";

// The workspace page's view of ingest tokens. The token service lives in features/ingest;
// this adds permissions and the "members manage their own tokens" rule.

export async function listWorkspaceTokens(ctx: TenantContext, workspaceId: string) {
  requirePermission(ctx, "ingest_tokens:read");
  const ws = await getWorkspace(ctx, workspaceId);
  // Never the hash: only what the page shows, plus the creator for the revoke rule.
  return prisma.ingestToken.findMany({
    where: { orgId: ctx.orgId, workspaceId: ws.id },
    select: { id: true, name: true, prefix: true, workspaceId: true, lastUsedAt: true, revokedAt: true, createdAt: true, createdById: true },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
}

/** Whether `ctx` may revoke a token created by `createdById` (the UI hides the button otherwise). */
export function canRevokeToken(ctx: TenantContext, createdById: string | null): boolean {
  if (ctx.role === "system" || ctx.permissions.has("workspaces:write")) return true;
  return ctx.permissions.has("ingest_tokens:write") && createdById !== null && createdById === ctx.userId;
}

/** Returns the plain token: the only time it exists outside the caller's clipboard. */
export async function createWorkspaceToken(ctx: TenantContext, input: IngestTokenCreateInput) {
  requirePermission(ctx, "ingest_tokens:write");
  return createIngestToken(ctx, input);
}

/** Admins revoke any token; members only the ones they created. */
export async function revokeWorkspaceToken(ctx: TenantContext, input: IngestTokenRevokeInput) {
  requirePermission(ctx, "ingest_tokens:write");
  const row = await prisma.ingestToken.findFirst({ where: { id: input.tokenId, orgId: ctx.orgId }, select: { id: true, createdById: true } });
  if (!row) throw notFound("Token not found");
  if (!canRevokeToken(ctx, row.createdById)) {
    throw forbidden("Only admins can revoke tokens created by someone else");
  }
  const updated = await revokeIngestToken(ctx, row.id);
  return { id: updated.id, revokedAt: updated.revokedAt };
}
