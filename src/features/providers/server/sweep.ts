/**
 * The periodic sweep (`providers.sweep`, every 5 minutes): one poll job per connection per time
 * slot, with jobId `poll-<connectionId>-<slot>`, so a sweep that runs twice in a slot (restart,
 * retry, two workers) queues each poll once. Broken connections are retried every
 * BROKEN_EVERY_SLOTS slots (a success revives them); disabled ones are skipped. Orgs with an
 * active OpenRouter connection also get a generation cost fill per slot.
 */
import { prisma } from "@/server/db";
import { enqueue } from "@/server/jobs/queue";

export const POLL_SLOT_MS = 5 * 60_000;
const BROKEN_EVERY_SLOTS = 6;

export const POLL_JOB = { openrouter: "providers.poll-openrouter", openai: "providers.poll-openai" } as const;

export const sweepPollJobId = (connectionId: string, slot: number) => `poll-${connectionId}-${slot}`;

export async function sweepConnections(now = new Date()) {
  const slot = Math.floor(now.getTime() / POLL_SLOT_MS);
  const conns = await prisma.providerConnection.findMany({
    where: { status: { in: ["active", "broken"] } },
    select: { id: true, orgId: true, provider: true, status: true },
    orderBy: { id: "asc" },
  });
  let polls = 0;
  for (const c of conns) {
    if (c.status === "broken" && slot % BROKEN_EVERY_SLOTS !== 0) continue;
    await enqueue(POLL_JOB[c.provider], { connectionId: c.id }, { jobId: sweepPollJobId(c.id, slot) });
    polls++;
  }
  const orgs = [...new Set(conns.filter((c) => c.provider === "openrouter" && c.status === "active").map((c) => c.orgId))];
  for (const orgId of orgs) await enqueue("usage.fill-costs", { orgId }, { jobId: `fill-costs-${orgId}-${slot}` });
  return { polls, fills: orgs.length };
}

/** After a 429 the poll is queued again once the provider's Retry-After has passed. */
export async function requeueAfterRateLimit(provider: "openrouter" | "openai", connectionId: string, retryAfterMs: number, now = new Date()) {
  const delay = Math.min(Math.max(retryAfterMs, 1_000), 60 * 60_000);
  await enqueue(POLL_JOB[provider], { connectionId }, { jobId: `poll-${connectionId}-retry-${Math.floor((now.getTime() + delay) / 1000)}`, delay });
  return delay;
}

const KEY_USAGE_SLOT_MS = 60_000;

/** Every minute: one key-counter reading per active OpenRouter connection (key-readings.ts). */
export async function sweepKeyUsage(now = new Date()) {
  const slot = Math.floor(now.getTime() / KEY_USAGE_SLOT_MS);
  const conns = await prisma.providerConnection.findMany({ where: { status: "active", provider: "openrouter" }, select: { id: true }, orderBy: { id: "asc" } });
  for (const c of conns) await enqueue("providers.read-key-usage", { connectionId: c.id }, { jobId: `keys-${c.id}-${slot}` });
  return { reads: conns.length };
}
