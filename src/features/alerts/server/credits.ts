import { prisma } from "@/server/db";
import { requirePermission, type TenantContext } from "@/server/tenant";
import { formatUsd } from "@/lib/money";
import { localDateKey } from "@/lib/periods";
import { sumUsage } from "@/features/usage/server/rollups";
import type { UsageFilters } from "@/features/usage/schemas";
import { claimAlert } from "./claim";

/**
 * OpenRouter credits: balance over time from CreditSnapshot rows (written by the poller),
 * burn rates and runway.
 *
 * Burn rate is measured on `total_usage` (which only grows), not on the balance, so a top-up
 * doesn't look like negative spend: burn(24 h) = (usage now − usage 24 h ago) ÷ hours between
 * the two snapshots (the oldest snapshot inside the window when there is none that old).
 * Runway = balance ÷ burn(24 h) in hours; when the last day had no spend, the 7-day rate is
 * used.
 *
 * Fallback: when the snapshots give no positive rate (fewer than two snapshots 10 min apart, or
 * `total_usage` that has not moved: OpenRouter updates it with a lag), the rate comes from the
 * spend Tollgate itself recorded (rollups, through the usage module): OpenRouter spend of the
 * last 24 h ÷ 24, else of the last 7 days ÷ 168. "OpenRouter spend" is the org's whole OpenRouter
 * spend when this is its only OpenRouter connection, else the spend of the keys tracked through
 * it. With no spend either way, runway is unbounded (null). `burnSource` says which rate was used.
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
  /** The rate runway is computed from (see the fallback above). */
  burnMicrosPerHour: bigint | null;
  burnSource: "credits" | "spend" | null;
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

/** OpenRouter spend per hour recorded by Tollgate over the last 24 h (else 7 days), or null when there was none. */
export async function spendBurnPerHour(connectionId: string, now: Date = new Date()): Promise<bigint | null> {
  const conn = await prisma.providerConnection.findUnique({ where: { id: connectionId }, select: { orgId: true, org: { select: { timeZone: true } } } });
  if (!conn) return null;
  const scope = { orgId: conn.orgId, timeZone: conn.org.timeZone };
  const others = await prisma.providerConnection.count({ where: { orgId: conn.orgId, provider: "openrouter", id: { not: connectionId } } });
  let sets: UsageFilters[] = [{ provider: ["openrouter"] }];
  if (others > 0) {
    const keys = await prisma.providerKey.findMany({ where: { orgId: conn.orgId, connectionId }, select: { id: true }, orderBy: { id: "asc" } });
    sets = [];
    // The usage module takes at most 100 ids per filter; the sets are disjoint, so sums add.
    for (let i = 0; i < keys.length; i += 100) sets.push({ provider: ["openrouter"], providerKeyId: keys.slice(i, i + 100).map((k) => k.id) });
  }
  for (const hours of [24, 7 * 24]) {
    const range = { from: new Date(now.getTime() - hours * HOUR).toISOString(), to: now.toISOString() };
    const spent = (await Promise.all(sets.map((filters) => sumUsage(scope, { range, filters })))).reduce((a, b) => a + b, 0n);
    if (spent > 0n) return spent / BigInt(hours);
  }
  return null;
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
  const fromCredits = burn24 && burn24 > 0n ? burn24 : burn7d && burn7d > 0n ? burn7d : null;
  const fromSpend = fromCredits ? null : await spendBurnPerHour(connectionId, now);
  const rate = fromCredits ?? fromSpend;
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
    burnMicrosPerHour: rate,
    burnSource: fromCredits ? "credits" : fromSpend ? "spend" : null,
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
        burnMicrosPerHour: s.burnMicrosPerHour?.toString() ?? null,
        burnSource: s.burnSource,
        runwayHours: s.runwayHours,
        thresholdHours: c.org.lowCreditRunwayHours,
        balanceThresholdMicros: c.org.lowCreditBalanceMicros?.toString() ?? null,
      },
    });
    if (id) claimed.push(id);
  }
  return claimed;
}
