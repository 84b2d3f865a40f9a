/**
 * OpenRouter credit snapshots: one row per poll with the account's purchased and used credits
 * (USD → micro-USD). The balance history, burn rate and runway are computed from these rows.
 */
import { prisma } from "@/server/db";
import { usdToMicros } from "@/lib/money";

export async function recordCreditSnapshot(conn: { id: string; orgId: string }, credits: { total_credits: number; total_usage: number }, takenAt = new Date()) {
  return prisma.creditSnapshot.create({
    data: {
      orgId: conn.orgId,
      connectionId: conn.id,
      totalCreditsMicros: usdToMicros(credits.total_credits),
      totalUsageMicros: usdToMicros(credits.total_usage),
      takenAt,
    },
  });
}

/** The latest snapshot of each OpenRouter connection of an org (balance = credits − usage). */
export async function latestCreditSnapshots(orgId: string) {
  const conns = await prisma.providerConnection.findMany({ where: { orgId, provider: "openrouter" }, select: { id: true, name: true } });
  const rows = await Promise.all(
    conns.map(async (c) => ({ connection: c, snapshot: await prisma.creditSnapshot.findFirst({ where: { orgId, connectionId: c.id }, orderBy: { takenAt: "desc" } }) })),
  );
  return rows.map((r) => ({ ...r, balanceMicros: r.snapshot ? r.snapshot.totalCreditsMicros - r.snapshot.totalUsageMicros : null }));
}
