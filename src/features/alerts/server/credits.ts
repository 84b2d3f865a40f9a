import { prisma } from "@/server/db";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { formatUsd } from "@/lib/money";
import { localDateKey } from "@/lib/periods";
import { claimAlert } from "./claim";

/**
 * OpenRouter credits: balance over time from CreditSnapshot rows (written by the poller),
 * burn rates and runway.
 *
 * Burn rate is measured on `total_usage` (which only grows), not on the balance, so a top-up
 * doesn't look like negative spend: burn(24 h) = (usage now − usage 24 h ago) ÷ hours between
 * the two snapshots (the oldest snapshot inside the window when there is none that old).
 * Runway = balance ÷ burn(24 h) in hours; when the last day had no spend, the 7-day rate is
 * used; with no spend at all, runway is unbounded (null).
 */
const HOUR = 3_600_000;

export type CreditStats = {
  connectionId: string;
  name: string;
  balanceMicros: bigint;
  totalCreditsMicros: bigint;
  totalUsageMicros: bigint;
  burn24hMicrosPerHour: bigint | null;
  burn7dMicrosPerHour: bigint | null;
  runwayHours: number | null;
  lastSnapshotAt: Date;
  history: { at: Date; balanceMicros: bigint }[];
};

type Snap = { totalCreditsMicros: bigint; totalUsageMicros: bigint; takenAt: Date };

function burnPerHour(latest: Snap, snaps: Snap[], windowMs: number): bigint | null {
  const from = latest.takenAt.getTime() - windowMs;
  // The newest snapshot at or before the window start; else the oldest inside the window.
  const before = snaps.filter((s) => s.takenAt.getTime() <= from).at(-1);
  const base = before ?? snaps.find((s) => s.takenAt.getTime() >= from && s.takenAt < latest.takenAt);
  if (!base) return null;
  const ms = latest.takenAt.getTime() - base.takenAt.getTime();
  if (ms < 10 * 60_000) return null; // too short a baseline to mean anything
  const used = latest.totalUsageMicros - base.totalUsageMicros;
  return ((used < 0n ? 0n : used) * BigInt(HOUR)) / BigInt(ms);
}

export async function creditStatsFor(connectionId: string, name: string, now: Date = new Date()): Promise<CreditStats | null> {
  const snaps = await prisma.creditSnapshot.findMany({
    where: { connectionId, takenAt: { gte: new Date(now.getTime() - 8 * 24 * HOUR), lte: now } },
    orderBy: { takenAt: "asc" },
    select: { totalCreditsMicros: true, totalUsageMicros: true, takenAt: true },
  });
  const latest = snaps.at(-1);
  if (!latest) return null;
  const balance = latest.totalCreditsMicros - latest.totalUsageMicros;
  const burn24 = burnPerHour(latest, snaps, 24 * HOUR);
  const burn7d = burnPerHour(latest, snaps, 7 * 24 * HOUR);
  const rate = burn24 && burn24 > 0n ? burn24 : burn7d && burn7d > 0n ? burn7d : null;
  const runwayHours = rate ? Math.max(0, Math.floor((Number(balance) / Number(rate)) * 10) / 10) : null;
  // Hourly points for the chart (last snapshot of each hour).
  const byHour = new Map<number, Snap>();
  for (const s of snaps) byHour.set(Math.floor(s.takenAt.getTime() / HOUR), s);
  return {
    connectionId,
    name,
    balanceMicros: balance,
    totalCreditsMicros: latest.totalCreditsMicros,
    totalUsageMicros: latest.totalUsageMicros,
    burn24hMicrosPerHour: burn24,
    burn7dMicrosPerHour: burn7d,
    runwayHours,
    lastSnapshotAt: latest.takenAt,
    history: [...byHour.values()].map((s) => ({ at: s.takenAt, balanceMicros: s.totalCreditsMicros - s.totalUsageMicros })),
  };
}

/** Credits of every OpenRouter connection of the org (for the alerts page). */
export async function listCreditStats(ctx: TenantContext, now = new Date()) {
  requirePermission(ctx, "alerts:read");
  const conns = await prisma.providerConnection.findMany({ where: { orgId: ctx.orgId, provider: "openrouter" }, select: { id: true, name: true }, orderBy: { createdAt: "asc" } });
  const out: CreditStats[] = [];
  for (const c of conns) {
    const s = await creditStatsFor(c.id, c.name, now);
    if (s) out.push(s);
  }
  return out;
}

/**
 * Low-credit alerts: when runway < Org.lowCreditRunwayHours or balance < lowCreditBalanceMicros.
 * At most one per connection per local day (the day is in the dedupe key).
 */
export async function creditsSweep(now: Date = new Date(), opts: { orgIds?: string[] } = {}): Promise<string[]> {
  const conns = await prisma.providerConnection.findMany({
    where: { provider: "openrouter", status: { not: "disabled" }, ...(opts.orgIds ? { orgId: { in: opts.orgIds } } : {}) },
    include: { org: { select: { timeZone: true, lowCreditRunwayHours: true, lowCreditBalanceMicros: true } } },
  });
  const claimed: string[] = [];
  for (const c of conns) {
    const s = await creditStatsFor(c.id, c.name, now);
    if (!s || now.getTime() - s.lastSnapshotAt.getTime() > 24 * HOUR) continue;
    const lowRunway = s.runwayHours !== null && s.runwayHours < c.org.lowCreditRunwayHours;
    const lowBalance = c.org.lowCreditBalanceMicros !== null && s.balanceMicros < c.org.lowCreditBalanceMicros;
    if (!lowRunway && !lowBalance) continue;
    const why = lowRunway ? `about ${s.runwayHours} h of runway left` : `balance under ${formatUsd(c.org.lowCreditBalanceMicros!)}`;
    const id = await claimAlert({
      orgId: c.orgId,
      kind: "low_credit",
      dedupeKey: `low-credit:${c.id}:${localDateKey(c.org.timeZone, now)}`,
      subjectType: "connection",
      subjectId: c.id,
      spendMicros: s.burn24hMicrosPerHour,
      limitMicros: s.balanceMicros,
      title: `OpenRouter credits low on "${c.name}": ${formatUsd(s.balanceMicros)} left, ${why}`,
      payload: {
        connectionId: c.id,
        connectionName: c.name,
        balanceMicros: s.balanceMicros.toString(),
        burn24hMicrosPerHour: s.burn24hMicrosPerHour?.toString() ?? null,
        burn7dMicrosPerHour: s.burn7dMicrosPerHour?.toString() ?? null,
        runwayHours: s.runwayHours,
        thresholdHours: c.org.lowCreditRunwayHours,
        balanceThresholdMicros: c.org.lowCreditBalanceMicros?.toString() ?? null,
      },
    });
    if (id) claimed.push(id);
  }
  return claimed;
}
