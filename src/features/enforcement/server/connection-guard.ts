import { prisma } from "@/server/db";
import { conflict } from "@/server/errors";

const names = (rows: { label: string }[]) => {
  const shown = rows.slice(0, 5).map((r) => `"${r.label}"`).join(", ");
  return rows.length > 5 ? `${shown} and ${rows.length - 5} more` : shown;
};

/**
 * A connection is Tollgate's only way to give back what it changed at the provider, so it
 * can't be deleted while it is still needed (the choice documented in ../README.md: refuse,
 * rather than release in the background and delete later). Refused with a 409 naming the
 * keys when a key of the connection is paused by Tollgate or has an enforcement action in
 * flight, when Tollgate keeps its OpenRouter credit limit synced, or when Tollgate holds an
 * OpenAI project's spend limit down.
 */
export async function assertConnectionReleasable(orgId: string, connectionId: string): Promise<void> {
  const [paused, inFlight, synced, holds] = await Promise.all([
    prisma.providerKey.findMany({ where: { orgId, connectionId, pausedByTollgate: true }, select: { label: true }, orderBy: { label: "asc" } }),
    prisma.providerKey.findMany({
      where: { orgId, connectionId, pausedByTollgate: false, id: { in: (await pendingKeyIds(orgId, connectionId)) } },
      select: { label: true },
    }),
    prisma.providerKey.findMany({ where: { orgId, connectionId, limitSyncActive: true }, select: { label: true }, orderBy: { label: "asc" } }),
    prisma.openAIProjectHold.findMany({ where: { orgId, connectionId }, select: { projectId: true } }),
  ]);
  const problems: string[] = [];
  if (paused.length || inFlight.length) {
    problems.push(`Tollgate has paused (or is pausing or resuming) ${names([...paused, ...inFlight])} through it: resume them first (from each key's page), so they are re-enabled at the provider`);
  }
  if (synced.length) {
    problems.push(`Tollgate keeps the credit limit of ${names(synced)} synced: turn off "sync key limits" on the hard budgets covering them (or make those budgets soft) and wait a minute, so each key gets its own limit back`);
  }
  if (holds.length && !paused.length) {
    problems.push(`Tollgate still holds the spend limit of OpenAI project${holds.length === 1 ? "" : "s"} ${holds.map((h) => h.projectId).join(", ")}: resume its keys first`);
  }
  if (problems.length) throw conflict(`This connection can't be deleted yet. ${problems.join(". ")}.`);
}

async function pendingKeyIds(orgId: string, connectionId: string): Promise<string[]> {
  const rows = await prisma.enforcementAction.findMany({
    where: { orgId, status: "pending", providerKeyId: { in: (await prisma.providerKey.findMany({ where: { orgId, connectionId }, select: { id: true } })).map((k) => k.id) } },
    select: { providerKeyId: true },
    distinct: ["providerKeyId"],
  });
  return rows.map((r) => r.providerKeyId);
}
