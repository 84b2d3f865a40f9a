import { prisma } from "@/server/db";
import { generateToken, sha256Hex } from "@/server/crypto";
import { forbidden, notFound, unauthorized } from "@/server/errors";
import { requirePermission, type TenantContext } from "@/server/tenant";
import type { Permission } from "@/server/rbac";
import { writeAudit } from "@/features/audit/server/audit";
import { API_SCOPES, ApiTokenCreateInput, ApiTokenRevokeInput, type ApiScope } from "../schemas";

/**
 * Org API tokens for pipelines. Read-only by construction: a scope maps to read permissions
 * only, and the token's context can never hold a write permission. Stored as sha256 (like
 * ingest tokens); the plain token exists once, in the create response.
 */
const SCOPE_PERMISSIONS: Record<ApiScope, readonly Permission[]> = {
  "reports:read": ["reports:read", "schedules:read"],
};

const PREFIX = "tg_api";
const LAST_USED_EVERY_MS = 60_000; // one write per token per minute at most, not one per call

export async function createApiToken(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "api_tokens:write");
  const input = ApiTokenCreateInput.parse(raw);
  const token = generateToken(PREFIX);
  const row = await prisma.apiToken.create({
    data: { orgId: ctx.orgId, name: input.name, scopes: [...new Set(input.scopes)], tokenHash: sha256Hex(token), prefix: token.slice(0, 12), createdById: ctx.userId },
  });
  await writeAudit(ctx, { action: "api_token.created", targetType: "api_token", targetId: row.id, after: { name: row.name, scopes: row.scopes } });
  return { id: row.id, token, prefix: row.prefix };
}

export async function listApiTokens(ctx: TenantContext) {
  requirePermission(ctx, "api_tokens:read");
  return prisma.apiToken.findMany({
    where: { orgId: ctx.orgId },
    select: { id: true, name: true, prefix: true, scopes: true, lastUsedAt: true, revokedAt: true, createdAt: true, createdById: true },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
}

/** Admins revoke any token; members only the ones they created (the ingest-token rule). */
export function canRevokeApiToken(ctx: TenantContext, createdById: string | null): boolean {
  if (ctx.role === "system" || ctx.permissions.has("org:write")) return true;
  return ctx.permissions.has("api_tokens:write") && createdById !== null && createdById === ctx.userId;
}

export async function revokeApiToken(ctx: TenantContext, raw: unknown) {
  requirePermission(ctx, "api_tokens:write");
  const { tokenId } = ApiTokenRevokeInput.parse(raw);
  const row = await prisma.apiToken.findFirst({ where: { id: tokenId, orgId: ctx.orgId } });
  if (!row) throw notFound("Token not found");
  if (!canRevokeApiToken(ctx, row.createdById)) throw forbidden("Only admins can revoke tokens created by someone else");
  if (row.revokedAt) return { id: row.id, revokedAt: row.revokedAt };
  const updated = await prisma.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
  await writeAudit(ctx, { action: "api_token.revoked", targetType: "api_token", targetId: row.id, before: { revokedAt: null }, after: { revokedAt: updated.revokedAt } });
  return { id: updated.id, revokedAt: updated.revokedAt };
}

/**
 * `Authorization: Bearer tg_api_…` → the token's org as a tenant context holding only its
 * scopes' read permissions. Unknown or revoked → 401. No cache: revocation is immediate.
 */
export async function authenticateApiToken(authorization: string | null): Promise<TenantContext & { tokenId: string }> {
  const m = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!m) throw unauthorized("Send an org API token as 'Authorization: Bearer <token>'");
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: sha256Hex(m[1]!) }, include: { org: true } });
  if (!row || row.revokedAt) throw unauthorized("Invalid or revoked API token");
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  const permissions = new Set<Permission>();
  for (const s of row.scopes) {
    if ((API_SCOPES as readonly string[]).includes(s)) for (const p of SCOPE_PERMISSIONS[s as ApiScope]) permissions.add(p);
  }
  return {
    tokenId: row.id,
    orgId: row.orgId,
    orgSlug: row.org.slug,
    orgName: row.org.name,
    timeZone: row.org.timeZone,
    userId: null,
    actorLabel: `api token ${row.prefix}… (${row.name})`,
    role: "token",
    permissions,
  };
}
