import type { EnforcementAction, Prisma, ProviderConnection, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { env } from "@/env";
import { decryptSecret } from "@/server/crypto";
import { formatUsd } from "@/lib/money";
import { ProviderError } from "@/providers/errors";
import { OpenRouterClient } from "@/providers/openrouter/client";
import { OpenAIAdminClient } from "@/providers/openai/client";
import { baseUrlOf } from "@/features/providers/server/base-url";
import type { Provider } from "@/generated/prisma/enums";

/**
 * The provider side of pausing and resuming a key. Every change is followed by a read-back;
 * an action is confirmed only when the provider reports the new state. Undo facts are saved
 * on the action row BEFORE the change, so a retry after a half-done attempt restores the
 * customer's original state, not the state our first attempt left behind.
 */
export class PermanentEnforcementError extends Error {}

type Key = ProviderKey & { connection: ProviderConnection | null };
export type PauseOutcome = { kind: "applied" | "joined" | "external"; control: string; details: Record<string, unknown> };
export type ResumeOutcome = { kind: "applied" | "kept" | "noop"; control: string; details: Record<string, unknown> };

// One quick in-client retry; the job's exponential backoff does the patient retrying.
const CLIENT_RETRY = { maxRetries: 1, baseDelayMs: 200, maxDelayMs: 2_000, timeoutMs: env.PROVIDER_TIMEOUT_MS };

function connectionOf(key: Key): ProviderConnection {
  if (!key.connection) throw new PermanentEnforcementError(`Key "${key.label}" has no provider connection, so Tollgate cannot act on it`);
  return key.connection;
}

export function openRouterFor(conn: ProviderConnection): OpenRouterClient {
  return new OpenRouterClient({ apiKey: decryptSecret(conn.secretCiphertext), baseUrl: baseUrlOf(conn), ...CLIENT_RETRY });
}

export function openAIFor(conn: ProviderConnection): OpenAIAdminClient {
  return new OpenAIAdminClient({ apiKey: decryptSecret(conn.secretCiphertext), baseUrl: baseUrlOf(conn), ...CLIENT_RETRY });
}

const isNotFound = (e: unknown) => e instanceof ProviderError && e.kind === "not_found";

async function saveDetails(action: EnforcementAction, details: Record<string, unknown>) {
  await prisma.enforcementAction.update({ where: { id: action.id }, data: { details: { ...(action.details as object), ...details } as Prisma.InputJsonValue } });
}

/** How each provider pauses and resumes a key (a new provider is a type error here until it has both). */
const AT_PROVIDER: Record<Provider, { pause: (key: Key, action: EnforcementAction) => Promise<PauseOutcome>; resume: (key: Key, pause: EnforcementAction) => Promise<ResumeOutcome> }> = {
  openrouter: { pause: (key, action) => pauseOpenRouter(key, action), resume: (key) => resumeOpenRouter(key) },
  openai: { pause: (key, action) => pauseOpenAI(key, action), resume: (key, pause) => resumeOpenAI(key, pause) },
};

export async function pauseAtProvider(key: Key, action: EnforcementAction): Promise<PauseOutcome> {
  return AT_PROVIDER[key.provider].pause(key, action);
}

export async function resumeAtProvider(key: Key, _action: EnforcementAction, pause: EnforcementAction): Promise<ResumeOutcome> {
  return AT_PROVIDER[key.provider].resume(key, pause);
}

// ── OpenRouter: PATCH /keys/{hash} {disabled} ──────────────────────────────────────────

/** Re-reads (1 s apart) before a key that reads disabled is taken as paused outside Tollgate. */
const EXTERNAL_CONFIRM_READS = 3;
const EXTERNAL_CONFIRM_GAP_MS = 1_000;

async function pauseOpenRouter(key: Key, action: EnforcementAction): Promise<PauseOutcome> {
  const client = openRouterFor(connectionOf(key));
  const hash = key.providerKeyId;
  let current;
  try {
    current = await client.getKey(hash);
  } catch (e) {
    if (isNotFound(e)) throw new PermanentEnforcementError(`OpenRouter no longer knows key "${key.label}" (404)`);
    throw e;
  }
  const saved = (action.details as { before?: { disabled: boolean } }).before;
  // Reads can flap between replicas just after a change (Tollgate's own resume a moment ago):
  // "disabled outside Tollgate" only if it keeps reading so.
  for (let i = 0; i < EXTERNAL_CONFIRM_READS && current.disabled && !key.pausedByTollgate && !saved; i++) {
    await new Promise((r) => setTimeout(r, EXTERNAL_CONFIRM_GAP_MS));
    current = await client.getKey(hash);
  }
  if (current.disabled && !key.pausedByTollgate && !saved) {
    // Disabled by someone else before Tollgate acted: not ours, so never resumed by us.
    return { kind: "external", control: "The key was already disabled at OpenRouter (outside Tollgate)", details: { before: { disabled: true } } };
  }
  if (!saved && !key.pausedByTollgate) await saveDetails(action, { before: { disabled: current.disabled, limit: current.limit ?? null } });
  if (!current.disabled) await client.updateKey(hash, { disabled: true });
  const check = await client.getKey(hash);
  if (!check.disabled) throw new Error(`OpenRouter still reports key "${key.label}" as enabled after PATCH disabled=true`);
  return key.pausedByTollgate
    ? { kind: "joined", control: "Already disabled at OpenRouter by Tollgate", details: {} }
    : { kind: "applied", control: "Disabled at OpenRouter (PATCH /keys/{hash} with disabled: true), confirmed by read-back", details: {} };
}

async function resumeOpenRouter(key: Key): Promise<ResumeOutcome> {
  const client = openRouterFor(connectionOf(key));
  try {
    await client.updateKey(key.providerKeyId, { disabled: false });
    const check = await client.getKey(key.providerKeyId);
    if (check.disabled) throw new Error(`OpenRouter still reports key "${key.label}" as disabled after PATCH disabled=false`);
  } catch (e) {
    if (isNotFound(e)) return { kind: "noop", control: "The key no longer exists at OpenRouter", details: {} };
    throw e;
  }
  return { kind: "applied", control: "Re-enabled at OpenRouter (PATCH /keys/{hash} with disabled: false), confirmed by read-back", details: {} };
}

// ── OpenAI: the project's hard spend limit ─────────────────────────────────────────────

const centsToUsd = (c: number | null) => (c === null ? "none" : formatUsd(BigInt(c) * 10_000n));

/** Other keys of the same project that Tollgate holds paused (the project limit serves them all). */
async function otherPausedInProject(key: Key, projectId: string) {
  return prisma.providerKey.findMany({
    where: { orgId: key.orgId, provider: "openai", providerProjectId: projectId, pausedByTollgate: true, id: { not: key.id } },
    select: { id: true, label: true },
  });
}

/**
 * The customer's own limit is stored once per (connection, project) in `openai_project_holds`
 * before Tollgate first changes it, and restored exactly when the last Tollgate-paused key of
 * the project resumes. The caller holds the project lock (apply.ts), so "which keys of the
 * project are paused" and the hold row can't change under us.
 */
async function holdFor(key: Key, conn: ProviderConnection, projectId: string, client: OpenAIAdminClient) {
  const where = { connectionId_projectId: { connectionId: conn.id, projectId } };
  const hold = await prisma.openAIProjectHold.findUnique({ where });
  // A hold that never changed anything (its pause failed first) may be out of date: re-read.
  if (hold && (hold.tollgateLimitCents !== null || (await otherPausedInProject(key, projectId)).length)) return hold;
  const previous = (await client.getProjectSpendLimit(projectId))?.threshold_amount ?? null;
  return prisma.openAIProjectHold.upsert({
    where,
    create: { orgId: key.orgId, connectionId: conn.id, projectId, previousLimitCents: previous },
    update: { previousLimitCents: previous },
  });
}

async function pauseOpenAI(key: Key, action: EnforcementAction): Promise<PauseOutcome> {
  const projectId = key.providerProjectId;
  if (!projectId) throw new PermanentEnforcementError(`OpenAI key "${key.label}" has no known project; OpenAI can only be limited per project`);
  const conn = connectionOf(key);
  const client = openAIFor(conn);
  const hold = await holdFor(key, conn, projectId, client);
  const previous = hold.previousLimitCents;
  await saveDetails(action, { projectId, previousLimitCents: previous });
  // Integer micro-USD to whole cents, rounded up (at least 1 cent).
  const spentCents = (await client.projectMonthToDateMicros(projectId) + 9_999n) / 10_000n;
  const target = spentCents > 1n ? Number(spentCents) : 1;
  const current = (await client.getProjectSpendLimit(projectId))?.threshold_amount ?? null;
  // Never loosen a limit: if the one in force is already at or under spend, it already stops the project.
  const wanted = current !== null && current <= target ? current : target;
  if (current !== wanted) {
    await prisma.openAIProjectHold.update({ where: { id: hold.id }, data: { tollgateLimitCents: wanted } });
    await client.setProjectSpendLimit(projectId, wanted);
  }
  const check = await client.getProjectSpendLimit(projectId);
  if (check?.threshold_amount !== wanted) throw new Error(`OpenAI project ${projectId} reports limit ${check?.threshold_amount ?? "none"} instead of ${wanted} cents`);
  const control = `OpenAI project ${projectId}: hard spend limit set to ${centsToUsd(wanted)} (its month-to-date spend; was ${centsToUsd(previous)}). This stops every key of the project.`;
  return { kind: key.pausedByTollgate ? "joined" : "applied", control, details: { projectId, previousLimitCents: previous, limitCents: wanted } };
}

async function resumeOpenAI(key: Key, pause: EnforcementAction): Promise<ResumeOutcome> {
  const d = pause.details as { projectId?: string; previousLimitCents?: number | null };
  const projectId = d.projectId ?? key.providerProjectId;
  if (!projectId) return { kind: "noop", control: "No OpenAI project to restore", details: {} };
  const others = await otherPausedInProject(key, projectId);
  if (others.length) {
    return {
      kind: "kept",
      control: `OpenAI project ${projectId}: spend limit kept, because ${others.map((o) => `"${o.label}"`).join(", ")} of the same project ${others.length === 1 ? "is" : "are"} still paused`,
      details: { projectId },
    };
  }
  const conn = connectionOf(key);
  const client = openAIFor(conn);
  const hold = await prisma.openAIProjectHold.findUnique({ where: { connectionId_projectId: { connectionId: conn.id, projectId } } });
  // Pauses from before holds existed carry the customer's limit on the action itself.
  const previous = hold ? hold.previousLimitCents : (d.previousLimitCents ?? null);
  if (previous === null) {
    if ((await client.getProjectSpendLimit(projectId)) !== null) await client.deleteProjectSpendLimit(projectId);
  } else await client.setProjectSpendLimit(projectId, previous);
  const check = await client.getProjectSpendLimit(projectId);
  if ((check?.threshold_amount ?? null) !== previous) throw new Error(`OpenAI project ${projectId} reports limit ${check?.threshold_amount ?? "none"} instead of ${previous ?? "none"}`);
  if (hold) await prisma.openAIProjectHold.delete({ where: { id: hold.id } });
  return { kind: "applied", control: `OpenAI project ${projectId}: hard spend limit restored to ${centsToUsd(previous)}`, details: { projectId, restoredLimitCents: previous } };
}
