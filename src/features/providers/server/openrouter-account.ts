/**
 * Stores what discovery found on an OpenRouter connection and places its keys:
 * - the account type (personal / organization) on the connection;
 * - each OpenRouter workspace as a `ProviderWorkspace`, mapped to a Tollgate workspace. When the
 *   admin chose "create matching workspaces" on connect, a new OpenRouter workspace gets a new
 *   Tollgate workspace; otherwise it waits, unmapped, for the admin to map it;
 * - each organization member as a `ProviderMember`, matched to a Tollgate member by email;
 * - each key's OpenRouter workspace, creator and end user. A key lands in its workspace's mapped
 *   Tollgate workspace when it is first seen in that OpenRouter workspace (new, moved, or its
 *   workspace just mapped); an admin's attribution stands until the key moves again.
 */
import { prisma } from "@/server/db";
import { systemContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { DEFAULT_TAG_SLUG, slugFromName } from "@/features/workspaces/schemas";
import type { KeyAttribution } from "./reconcile";
import type { OpenRouterAccount } from "./discover-keys";

type Conn = { id: string; orgId: string; workspaceId: string | null };

/**
 * Maps an OpenRouter workspace row to a new Tollgate workspace (with its default tag) mirroring it;
 * the slug gets a suffix if taken. Claim-then-act: the row is locked and re-read, so two polls (or
 * a poll and the admin) racing never create two workspaces for one OpenRouter workspace; only an
 * admin's explicit "create" replaces an existing mapping (`evenIfMapped`).
 */
export async function createMirrorWorkspace(orgId: string, providerWorkspaceRowId: string, actorLabel: string, opts: { evenIfMapped?: boolean } = {}): Promise<string> {
  const ctx = await systemContext(orgId, actorLabel);
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<{ name: string; slug: string; workspaceId: string | null }[]>`
      SELECT name, slug, "workspaceId" FROM provider_workspaces WHERE id = ${providerWorkspaceRowId} AND "orgId" = ${orgId} FOR UPDATE`;
    if (!row) throw new Error(`OpenRouter workspace ${providerWorkspaceRowId} not found`);
    if (row.workspaceId && !opts.evenIfMapped) return row.workspaceId;
    const name = row.name || row.slug;
    const base = slugFromName(row.slug || row.name, "openrouter");
    const taken = new Set((await tx.workspace.findMany({ where: { orgId, slug: { startsWith: base } }, select: { slug: true } })).map((w) => w.slug));
    let slug = base;
    for (let i = 2; taken.has(slug); i++) slug = `${base}-${i}`;
    const ws = await tx.workspace.create({ data: { orgId, name, slug }, select: { id: true } });
    await tx.projectTag.create({ data: { orgId, workspaceId: ws.id, slug: DEFAULT_TAG_SLUG, name: "Untagged", isDefault: true } });
    await tx.providerWorkspace.update({ where: { id: providerWorkspaceRowId }, data: { workspaceId: ws.id } });
    await writeAudit(ctx, { action: "workspace.created", targetType: "workspace", targetId: ws.id, after: { name, slug, from: "openrouter" } }, tx);
    return ws.id;
  });
}

/** Upserts the connection's OpenRouter workspaces; returns OpenRouter workspace id → mapped Tollgate workspace (or null). */
async function syncWorkspaces(conn: Conn & { createWorkspaces: boolean }, account: OpenRouterAccount, now: Date): Promise<Map<string, string | null>> {
  const mapping = new Map<string, string | null>();
  // A mapped workspace the admin deleted since counts as unmapped (there is no FK to it).
  const existing = new Set((await prisma.workspace.findMany({ where: { orgId: conn.orgId }, select: { id: true } })).map((w) => w.id));
  for (const w of account.workspaces) {
    const row = await prisma.providerWorkspace.upsert({
      where: { connectionId_providerWorkspaceId: { connectionId: conn.id, providerWorkspaceId: w.id } },
      create: { orgId: conn.orgId, connectionId: conn.id, providerWorkspaceId: w.id, name: w.name, slug: w.slug, lastSeenAt: now },
      update: { name: w.name, slug: w.slug, lastSeenAt: now, goneAt: null },
      select: { id: true, workspaceId: true },
    });
    let workspaceId = row.workspaceId;
    if (workspaceId && !existing.has(workspaceId)) {
      await prisma.providerWorkspace.update({ where: { id: row.id }, data: { workspaceId: null } });
      workspaceId = null;
    }
    if (!workspaceId && conn.createWorkspaces) workspaceId = await createMirrorWorkspace(conn.orgId, row.id, "OpenRouter sync");
    mapping.set(w.id, workspaceId);
  }
  if (account.workspaces.length > 0) {
    await prisma.providerWorkspace.updateMany({
      where: { connectionId: conn.id, goneAt: null, providerWorkspaceId: { notIn: account.workspaces.map((w) => w.id) } },
      data: { goneAt: now },
    });
  }
  return mapping;
}

/** Upserts organization members; returns OpenRouter user id → Tollgate user id (members of this org with that email). */
async function syncMembers(conn: Conn, account: OpenRouterAccount, now: Date): Promise<Map<string, string | null>> {
  const memberships = await prisma.membership.findMany({ where: { orgId: conn.orgId }, select: { userId: true, user: { select: { email: true } } } });
  const byEmail = new Map(memberships.map((m) => [m.user.email.toLowerCase(), m.userId]));
  const out = new Map<string, string | null>();
  for (const m of account.members) {
    const userId = byEmail.get(m.email.toLowerCase()) ?? null;
    const name = [m.first_name, m.last_name].filter(Boolean).join(" ") || null;
    await prisma.providerMember.upsert({
      where: { connectionId_providerUserId: { connectionId: conn.id, providerUserId: m.id } },
      create: { orgId: conn.orgId, connectionId: conn.id, providerUserId: m.id, email: m.email, name, role: m.role, userId, lastSeenAt: now },
      update: { email: m.email, name, role: m.role, userId, lastSeenAt: now },
    });
    out.set(m.id, userId);
  }
  // People who left the OpenRouter organization.
  await prisma.providerMember.deleteMany({ where: { connectionId: conn.id, providerUserId: { notIn: account.members.map((m) => m.id) } } });
  return out;
}

/**
 * Records the account, workspaces and members, then places the keys `syncOpenRouterKeys` just
 * upserted. Returns the attribution map updated with the keys' new workspaces.
 */
export async function applyOpenRouterAccount(conn: Conn, account: OpenRouterAccount, attribution: KeyAttribution, now = new Date()): Promise<KeyAttribution> {
  const c = await prisma.providerConnection.update({
    where: { id: conn.id },
    data: { accountType: account.accountType, providerOrgId: account.providerOrgId },
    select: { createWorkspaces: true },
  });
  const mapping = await syncWorkspaces({ ...conn, createWorkspaces: c.createWorkspaces }, account, now);
  const members = await syncMembers(conn, account, now);
  const rows = await prisma.providerKey.findMany({
    where: { orgId: conn.orgId, provider: "openrouter", providerKeyId: { in: account.keys.map((k) => k.hash) } },
    select: { id: true, providerKeyId: true, providerWorkspaceId: true, workspaceId: true, creatorUserRef: true, ownerUserId: true, externalUser: true, memberUserId: true },
  });
  const byHash = new Map(rows.map((r) => [r.providerKeyId, r]));
  const out: KeyAttribution = new Map(attribution);
  for (const k of account.keys) {
    const row = byHash.get(k.hash);
    if (!row) continue;
    const pw = k.workspace_id ?? null;
    const target = pw ? (mapping.get(pw) ?? null) : null;
    // Follow the key when it shows up in another OpenRouter workspace (or for the first time);
    // mapping a workspace moves its keys itself (workspace-mapping.ts).
    const moved = pw !== row.providerWorkspaceId;
    const place = target !== null && (moved || row.workspaceId === null) && row.workspaceId !== target;
    const creator = k.creator_user_id ?? null;
    const facts = { providerWorkspaceId: pw, creatorUserRef: creator, ownerUserId: creator ? (members.get(creator) ?? null) : null, externalUser: k.external_user ?? null };
    const same = (Object.keys(facts) as (keyof typeof facts)[]).every((f) => facts[f] === row[f]);
    if (same && !place) continue; // most keys, most polls: nothing to write
    await prisma.providerKey.update({ where: { id: row.id }, data: { ...facts, ...(place ? { workspaceId: target, projectTagId: null } : {}) } });
    if (place) out.set(k.hash, { id: row.id, workspaceId: target, projectTagId: null, memberId: row.memberUserId });
  }
  return out;
}
