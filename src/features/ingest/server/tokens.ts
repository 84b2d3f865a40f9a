import { prisma } from "@/server/db";
import { generateToken, sha256Hex } from "@/server/crypto";
import { notFound, unauthorized } from "@/server/errors";
import type { TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { LruCache } from "@/lib/lru";

/** Creates a workspace ingest token. The plain token is returned once and never stored. */
export async function createIngestToken(ctx: TenantContext, input: { workspaceId: string; name: string }) {
  const ws = await prisma.workspace.findFirst({ where: { id: input.workspaceId, orgId: ctx.orgId } });
  if (!ws) throw notFound("Workspace not found");
  const token = generateToken("tg_ingest");
  const row = await prisma.ingestToken.create({
    data: {
      orgId: ctx.orgId,
      workspaceId: ws.id,
      name: input.name,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, 14),
      createdById: ctx.userId,
    },
  });
  await writeAudit(ctx, { action: "ingest_token.created", targetType: "ingest_token", targetId: row.id, after: { name: row.name, workspaceId: ws.id } });
  return { id: row.id, token, prefix: row.prefix };
}

export async function listIngestTokens(ctx: TenantContext, workspaceId?: string) {
  return prisma.ingestToken.findMany({
    where: { orgId: ctx.orgId, ...(workspaceId ? { workspaceId } : {}) },
    select: { id: true, name: true, prefix: true, workspaceId: true, lastUsedAt: true, revokedAt: true, createdAt: true },
    orderBy: { createdAt: "desc" },
  });
}

export async function revokeIngestToken(ctx: TenantContext, id: string) {
  const row = await prisma.ingestToken.findFirst({ where: { id, orgId: ctx.orgId } });
  if (!row) throw notFound("Token not found");
  if (row.revokedAt) return row;
  const updated = await prisma.ingestToken.update({ where: { id }, data: { revokedAt: new Date() } });
  await writeAudit(ctx, { action: "ingest_token.revoked", targetType: "ingest_token", targetId: id, before: { revokedAt: null }, after: { revokedAt: updated.revokedAt } });
  return updated;
}

export type IngestPrincipal = { tokenId: string; orgId: string; workspaceId: string };

// Verified tokens are cached briefly: the ingest hot path must not hit the database per
// request. Revocation takes effect within CACHE_MS. Both caches are bounded LRUs: anyone can
// send random bearer strings, so misses live in their own small cache (they evict only each
// other, never a valid token) and memory stays flat whatever arrives.
const CACHE_MS = 10_000;
type Entry = { principal: IngestPrincipal | null; at: number };
let hits = new LruCache<string, Entry>(10_000);
let misses = new LruCache<string, Entry>(1_000);

/** For tests and health output: how many tokens each cache holds, and its cap. */
export function tokenCacheStats() {
  return { hits: hits.size, maxHits: hits.maxSize, misses: misses.size, maxMisses: misses.maxSize };
}

/** Tests shrink the caps to observe eviction without thousands of requests. */
export function resetTokenCache(limits: { maxHits?: number; maxMisses?: number } = {}) {
  hits = new LruCache(limits.maxHits ?? 10_000);
  misses = new LruCache(limits.maxMisses ?? 1_000);
}

/** `Authorization: Bearer <token>` → the token's workspace, or 401. */
export async function authenticateIngestToken(authorization: string | null): Promise<IngestPrincipal> {
  const m = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!m) throw unauthorized("Send the workspace ingest token as 'Authorization: Bearer <token>'");
  const hash = sha256Hex(m[1]!);
  const hit = hits.get(hash) ?? misses.get(hash);
  let principal: IngestPrincipal | null;
  if (hit && Date.now() - hit.at < CACHE_MS) {
    principal = hit.principal;
  } else {
    const row = await prisma.ingestToken.findUnique({ where: { tokenHash: hash } });
    principal = row && !row.revokedAt ? { tokenId: row.id, orgId: row.orgId, workspaceId: row.workspaceId } : null;
    (principal ? hits : misses).set(hash, { principal, at: Date.now() });
    (principal ? misses : hits).delete(hash);
    if (principal) void prisma.ingestToken.update({ where: { id: row!.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  if (!principal) throw unauthorized("Invalid or revoked ingest token");
  return principal;
}
