import type { EnforcementAction, Prisma, ProviderKey } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { ProviderError } from "@/providers/errors";
import { claimAlert } from "@/features/alerts/server/claim";
import { PermanentEnforcementError } from "./control";
import { MAX_APPLY_ATTEMPTS } from "./actions";

/**
 * Failures are loud. An action ends `failed` in two ways:
 *  - quietly, when it became moot (the key is gone, a newer action superseded it);
 *  - loudly, when Tollgate could not do what it was asked to: a permanent error (no
 *    connection, the provider refuses the credential or the request: retrying the same call
 *    gets the same answer) or MAX_APPLY_ATTEMPTS transient failures. Then the admins get an
 *    `enforcement_failed` alert (email and feed) naming the key and why, and the key page
 *    shows it (`details.failure`) until a later action of the key succeeds.
 */
export type FailureKind = "permanent" | "exhausted";

const PERMANENT_PROVIDER_KINDS = new Set(["auth", "bad_request", "not_found"]);

export function isPermanent(e: unknown): boolean {
  return e instanceof PermanentEnforcementError || (e instanceof ProviderError && PERMANENT_PROVIDER_KINDS.has(e.kind));
}

export function isExhausted(attempts: number): boolean {
  return attempts >= MAX_APPLY_ATTEMPTS;
}

/** Moot: marks the action failed without an alert (only a pending action changes). */
export async function markMoot(a: EnforcementAction, why: string) {
  await prisma.enforcementAction.updateMany({ where: { id: a.id, status: "pending" }, data: { status: "failed", lastError: why.slice(0, 1000) } });
  return { status: "failed" as const, detail: why };
}

/** Tollgate could not act: marks the action failed and alerts the admins, once per action. */
export async function failLoudly(a: EnforcementAction, key: Pick<ProviderKey, "id" | "label" | "provider">, error: string, kind: FailureKind) {
  const { count } = await prisma.enforcementAction.updateMany({
    where: { id: a.id, status: "pending" },
    data: { status: "failed", lastError: error.slice(0, 1000), details: { ...(a.details as object), failure: kind } as Prisma.InputJsonValue },
  });
  if (count === 0) return { status: "skipped" as const };
  const attempts = (await prisma.enforcementAction.findUnique({ where: { id: a.id }, select: { attempts: true } }))?.attempts ?? a.attempts;
  const why = kind === "permanent" ? error : `${attempts} attempts failed; the last one: ${error}`;
  const pause = a.action === "pause";
  await claimAlert({
    orgId: a.orgId,
    kind: "enforcement_failed",
    dedupeKey: `enforcement-failed:${a.id}`,
    // No budget on the row: this goes to the org's owners and admins, who can fix a connection.
    budgetId: null,
    subjectType: "provider_key",
    subjectId: key.id,
    title: pause ? `Key "${key.label}" is NOT paused and keeps spending: ${why}`.slice(0, 500) : `Key "${key.label}" could not be resumed: ${why}`.slice(0, 500),
    payload: {
      keyId: key.id,
      keyLabel: key.label,
      provider: key.provider,
      action: a.action,
      actionId: a.id,
      budgetId: a.budgetId,
      reason: a.reason,
      error: error.slice(0, 1000),
      failure: kind,
      attempts,
    },
  });
  return { status: "failed" as const, detail: why };
}
