/**
 * A connection whose key the provider rejects (401/403) is marked `broken` with the reason, and
 * its owners and admins are told once per breakage: the `connection_broken` alert is claimed
 * with a dedupeKey made of the connection and the moment it broke, so retried or concurrent
 * polls of the same broken connection claim the same key and only the first one sends
 * (delivery is the alerts feature's exactly-once pipeline). A later successful poll, or a
 * rotated secret, sets the connection back to active; a new breakage is a new alert.
 */
import { prisma } from "@/server/db";
import { claimAlert } from "@/features/alerts/server/claim";
import type { ProviderError } from "@/providers/errors";
import type { Provider } from "@/generated/prisma/enums";
import { PROVIDER_INFO } from "../registry";

export function brokenReason(provider: Provider, e: ProviderError): string {
  // Status and short code only: the provider's free text never reaches the UI (providerErrorMessage).
  const code = e.message.match(/\((.+)\)$/)?.[1];
  return `${PROVIDER_INFO[provider].label} rejected the ${PROVIDER_INFO[provider].secretLabel.toLowerCase()} (HTTP ${e.status}${code ? `, ${code}` : ""}). Rotate the key on the connection to resume polling.`;
}

/** Marks the connection broken (if it is active) and claims the one alert for this breakage. */
export async function markConnectionBroken(connectionId: string, reason: string, now = new Date()): Promise<{ transitioned: boolean; alertId: string | null }> {
  const t = await prisma.providerConnection.updateMany({
    where: { id: connectionId, status: "active" },
    data: { status: "broken", statusReason: reason, statusChangedAt: now },
  });
  const conn = await prisma.providerConnection.findUnique({ where: { id: connectionId }, select: { id: true, orgId: true, name: true, provider: true, status: true, statusChangedAt: true, statusReason: true, secretLast4: true } });
  if (!conn || conn.status !== "broken") return { transitioned: false, alertId: null };
  // Claimed on every failing poll with the same key: only the first claim per breakage wins,
  // so a crash between the status change and the claim is repaired by the next retry.
  const brokeAt = conn.statusChangedAt?.toISOString() ?? "unknown";
  const alertId = await claimAlert({
    orgId: conn.orgId,
    kind: "connection_broken",
    dedupeKey: `connection_broken:${conn.id}:${brokeAt}`,
    title: `${PROVIDER_INFO[conn.provider].label} connection "${conn.name}" is broken: ${conn.statusReason ?? reason}`,
    subjectType: "connection",
    subjectId: conn.id,
    payload: { connectionId: conn.id, connectionName: conn.name, provider: conn.provider, reason: conn.statusReason ?? reason, brokeAt, keyLast4: conn.secretLast4 },
  });
  return { transitioned: t.count === 1, alertId };
}

/** A successful poll: a broken connection becomes active again. */
export async function markConnectionHealthy(connectionId: string, now = new Date()): Promise<boolean> {
  const t = await prisma.providerConnection.updateMany({
    where: { id: connectionId, status: "broken" },
    data: { status: "active", statusReason: null, statusChangedAt: now },
  });
  return t.count === 1;
}
