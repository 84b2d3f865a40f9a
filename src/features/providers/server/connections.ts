import { prisma } from "@/server/db";
import { badRequest, conflict, notFound } from "@/server/errors";
import { OutboundUrlError, checkUrlShape } from "@/server/outbound";
import { fieldNotFound } from "@/features/workspaces/server/errors";
import { decryptSecret, encryptSecret, last4 } from "@/server/crypto";
import { enqueue } from "@/server/jobs/queue";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import type { ConnectionCreateInput, ConnectionIdInput, ConnectionRotateInput, ConnectionUpdateInput } from "../schemas";
import type { Provider } from "@/generated/prisma/enums";
import { assertConnectionReleasable } from "@/features/enforcement/server/connection-guard";
import { forgetConnectionCache } from "./fill-guard";

// Provider connections: the org's OpenRouter management key / OpenAI admin key, encrypted
// with AES-256-GCM. The ciphertext is read only by getConnectionForJob (pollers,
// enforcement); every other function selects `publicSelect`, which leaves it out.

const publicSelect = {
  id: true,
  provider: true,
  name: true,
  workspaceId: true,
  baseUrl: true,
  secretLast4: true,
  status: true,
  statusReason: true,
  statusChangedAt: true,
  backfillDoneAt: true,
  lastPolledAt: true,
  createdAt: true,
  updatedAt: true,
} as const;

type PublicConnection = {
  id: string;
  provider: Provider;
  name: string;
  workspaceId: string | null;
  baseUrl: string | null;
  secretLast4: string;
  status: "active" | "broken" | "disabled";
};

// writeAudit drops keys that look like secrets; `last4` is what the UI shows anyway.
const snapshot = (c: PublicConnection) => ({
  provider: c.provider,
  name: c.name,
  workspaceId: c.workspaceId,
  baseUrl: c.baseUrl,
  status: c.status,
  last4: c.secretLast4,
});

const POLL_JOB = { openrouter: "providers.poll-openrouter", openai: "providers.poll-openai" } as const;

async function assertWorkspace(ctx: TenantContext, workspaceId: string | null) {
  if (!workspaceId) return;
  const ws = await prisma.workspace.findFirst({ where: { id: workspaceId, orgId: ctx.orgId }, select: { id: true } });
  if (!ws) throw fieldNotFound("workspaceId", "Choose a workspace of this organization");
}

/** A base URL must name an allowed provider host (PROVIDER_ALLOWED_HOSTS); addresses are checked again at every request. */
function assertBaseUrl(baseUrl: string | null) {
  if (!baseUrl) return;
  try {
    checkUrlShape(baseUrl, "provider");
  } catch (e) {
    if (e instanceof OutboundUrlError) throw badRequest(e.message, [{ path: "baseUrl", message: e.message }]);
    throw e;
  }
}

export async function listConnections(ctx: TenantContext) {
  requirePermission(ctx, "connections:read");
  const rows = await prisma.providerConnection.findMany({
    where: { orgId: ctx.orgId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { ...publicSelect, _count: { select: { keys: true } } },
  });
  return rows.map(({ _count, ...c }) => ({ ...c, keyCount: _count.keys }));
}

export async function getConnection(ctx: TenantContext, connectionId: string) {
  requirePermission(ctx, "connections:read");
  const c = await prisma.providerConnection.findFirst({ where: { id: connectionId, orgId: ctx.orgId }, select: publicSelect });
  if (!c) throw notFound("Connection not found");
  return c;
}

export async function createConnection(ctx: TenantContext, input: Omit<ConnectionCreateInput, "createWorkspaces"> & { createWorkspaces?: boolean }) {
  requirePermission(ctx, "connections:write");
  assertBaseUrl(input.baseUrl);
  await assertWorkspace(ctx, input.workspaceId);
  return prisma.$transaction(async (tx) => {
    const c = await tx.providerConnection.create({
      data: {
        orgId: ctx.orgId,
        provider: input.provider,
        name: input.name,
        workspaceId: input.workspaceId,
        baseUrl: input.baseUrl,
        createWorkspaces: input.provider === "openrouter" && input.createWorkspaces === true,
        secretCiphertext: encryptSecret(input.secret),
        secretLast4: last4(input.secret),
        createdById: ctx.userId,
      },
      select: publicSelect,
    });
    await writeAudit(ctx, { action: "connection.created", targetType: "connection", targetId: c.id, after: snapshot(c) }, tx);
    return c;
  }).finally(() => forgetConnectionCache(ctx.orgId));
}

/**
 * Name, attributed workspace, base URL, and enable/disable. Changing the base URL requires the
 * secret again (it replaces the stored one): otherwise an admin who never saw the key could
 * point the connection at their own server and have the worker send the key there.
 */
export async function updateConnection(ctx: TenantContext, input: ConnectionUpdateInput) {
  requirePermission(ctx, "connections:write");
  const before = await getConnection(ctx, input.connectionId);
  const urlChanged = (input.baseUrl ?? null) !== (before.baseUrl ?? null);
  if (urlChanged && !input.secret) {
    const message = "Changing the base URL requires the key again: paste it to confirm";
    throw badRequest(message, [{ path: "secret", message }]);
  }
  if (urlChanged) assertBaseUrl(input.baseUrl);
  await assertWorkspace(ctx, input.workspaceId);
  // Re-enabling goes back to "active"; a broken connection stays broken until its secret
  // is rotated or a poll succeeds, so enabling doesn't hide the problem.
  const status = !input.enabled ? "disabled" : before.status === "disabled" ? "active" : before.status;
  return prisma.$transaction(async (tx) => {
    const c = await tx.providerConnection.update({
      where: { id: before.id },
      data: {
        name: input.name,
        workspaceId: input.workspaceId,
        baseUrl: input.baseUrl,
        ...(urlChanged && input.secret ? { secretCiphertext: encryptSecret(input.secret), secretLast4: last4(input.secret) } : {}),
        ...(status !== before.status
          ? { status, statusChangedAt: new Date(), statusReason: status === "disabled" ? `Disabled by ${ctx.actorLabel}` : null }
          : {}),
      },
      select: publicSelect,
    });
    await writeAudit(ctx, { action: "connection.updated", targetType: "connection", targetId: c.id, before: snapshot(before), after: snapshot(c) }, tx);
    return c;
  });
}

/** Replaces the secret. A broken connection becomes active again so the next poll retries. */
export async function rotateConnectionSecret(ctx: TenantContext, input: ConnectionRotateInput) {
  requirePermission(ctx, "connections:write");
  const before = await getConnection(ctx, input.connectionId);
  const revive = before.status === "broken";
  return prisma.$transaction(async (tx) => {
    const c = await tx.providerConnection.update({
      where: { id: before.id },
      data: {
        secretCiphertext: encryptSecret(input.secret),
        secretLast4: last4(input.secret),
        ...(revive ? { status: "active", statusReason: null, statusChangedAt: new Date() } : {}),
      },
      select: publicSelect,
    });
    await writeAudit(ctx, { action: "connection.secret_rotated", targetType: "connection", targetId: c.id, before: snapshot(before), after: snapshot(c) }, tx);
    return c;
  });
}

/**
 * Tracked keys stay (their connection is set to null by the FK); credit snapshots go.
 * Refused (409) while Tollgate still needs the connection to give back what it changed at
 * the provider (paused keys, synced credit limits, held project limits).
 */
export async function deleteConnection(ctx: TenantContext, input: ConnectionIdInput) {
  requirePermission(ctx, "connections:write");
  const before = await getConnection(ctx, input.connectionId);
  await assertConnectionReleasable(ctx.orgId, before.id);
  await prisma.$transaction(async (tx) => {
    await tx.providerConnection.delete({ where: { id: before.id } });
    await writeAudit(ctx, { action: "connection.deleted", targetType: "connection", targetId: before.id, before: snapshot(before) }, tx);
  });
  return { id: before.id };
}

/** BullMQ rejects ":" in custom ids. One id per connection per minute makes double clicks one job. */
export function pollJobId(connectionId: string, at: Date = new Date()): string {
  return `poll-now-${connectionId}-${Math.floor(at.getTime() / 60_000)}`;
}

/** "Poll now": enqueues the provider's poll job for this connection (deduplicated per minute). */
export async function pollConnectionNow(ctx: TenantContext, input: ConnectionIdInput) {
  requirePermission(ctx, "connections:write");
  const c = await getConnection(ctx, input.connectionId);
  if (c.status === "disabled") throw conflict("This connection is disabled. Enable it before polling.");
  const jobId = pollJobId(c.id);
  await enqueue(POLL_JOB[c.provider], { connectionId: c.id }, { jobId });
  return { jobId };
}

export type ConnectionForJob = {
  id: string;
  orgId: string;
  workspaceId: string | null;
  provider: Provider;
  name: string;
  baseUrl: string | null;
  status: "active" | "broken" | "disabled";
  cursors: unknown;
  backfillDoneAt: Date | null;
  lastPolledAt: Date | null;
  createdAt: Date;
  secret: string;
};

/**
 * System use only (pollers, enforcement): the row with its decrypted secret. Callers get
 * the org from the row itself, never from a job payload.
 */
export async function getConnectionForJob(connectionId: string): Promise<ConnectionForJob> {
  const row = await prisma.providerConnection.findUnique({ where: { id: connectionId } });
  if (!row) throw notFound("Connection not found");
  return {
    id: row.id,
    orgId: row.orgId,
    workspaceId: row.workspaceId,
    provider: row.provider,
    name: row.name,
    baseUrl: row.baseUrl,
    status: row.status,
    cursors: row.cursors,
    backfillDoneAt: row.backfillDoneAt,
    lastPolledAt: row.lastPolledAt,
    createdAt: row.createdAt,
    secret: decryptSecret(row.secretCiphertext),
  };
}
