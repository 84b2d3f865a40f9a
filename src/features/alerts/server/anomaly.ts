import { prisma } from "@/server/db";
import { orgsWithUsageInHour, queryUsage } from "@/features/usage/server/rollups";
import { NONE } from "@/features/usage/schemas";
import { formatUsd } from "@/lib/money";
import { claimAlert } from "./claim";
import { scheduleApply } from "@/features/enforcement/server/actions";

/**
 * Spend spikes per member and per key, hour by hour.
 *
 * Method: for the last complete UTC hour H, a subject's spend x(H) is compared with its
 * spend in the same hour on each of the previous 7 days, x(H − 24h·k), k = 1..7 (missing
 * hours count as 0). With m = median and MAD = median |x_k − m| of those 7 values, the robust
 * spread is σ̂ = 1.4826·MAD (≈ σ for normal data) and H is a spike when
 *     x(H) > m + max(K·σ̂, floor)        with K = 4 and floor = the org's minimum spike amount.
 * Median and MAD ignore a single earlier spike in the baseline (a mean/stddev would not), the
 * same-hour baseline respects daily cycles (night vs day traffic), and the absolute floor
 * keeps cents-level noise and brand-new subjects with tiny spend from alerting.
 */
export const ANOMALY_K = 4;
export const ANOMALY_DAYS = 7;
const HOUR = 3_600_000;

export const ANOMALY_METHOD =
  "Spike rule: spend this hour > median of the same hour over the previous 7 days + max(4 × 1.4826 × MAD, the org's minimum spike amount).";

function median(xs: bigint[]): bigint {
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = s.length;
  if (n === 0) return 0n;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2n;
}

export function spikeTest(x: bigint, history: bigint[], floorMicros: bigint) {
  const m = median(history);
  const mad = median(history.map((h) => (h > m ? h - m : m - h)));
  const spread = (mad * 14826n * BigInt(ANOMALY_K)) / 10000n;
  const threshold = m + (spread > floorMicros ? spread : floorMicros);
  return { spike: x > threshold, median: m, mad, threshold };
}

type Row = { kind: "member" | "key"; id: string; bucket: Date; cost: bigint };

async function hourlySpend(orgId: string, hours: Date[]): Promise<Row[]> {
  const read = async (kind: "member" | "key"): Promise<Row[]> => {
    const rows = await queryUsage(
      { orgId, timeZone: "UTC" },
      { range: { from: hours[hours.length - 1]!.toISOString(), to: new Date(hours[0]!.getTime() + HOUR).toISOString() }, bucket: "hour", groupBy: [kind], metrics: ["costMicros"], limit: 10_000 },
      { hourStarts: hours },
    );
    return rows.filter((r) => r.dims[kind] !== NONE).map((r) => ({ kind, id: r.dims[kind]!, bucket: r.bucket!, cost: r.sums.costMicros ?? 0n }));
  };
  const [members, keys] = await Promise.all([read("member"), read("key")]);
  return [...members, ...keys];
}

export type AnomalyFinding = { orgId: string; kind: "member" | "key"; id: string; spendMicros: bigint; medianMicros: bigint; thresholdMicros: bigint; alertId: string | null };

/** Checks hour `hourStart` (default: the last complete hour) for every org with spend in it. */
export async function anomalySweep(now: Date = new Date(), opts: { orgIds?: string[] } = {}): Promise<AnomalyFinding[]> {
  const hourStart = new Date(Math.floor(now.getTime() / HOUR) * HOUR - HOUR);
  const orgIds = opts.orgIds ?? (await orgsWithUsageInHour(hourStart));
  const findings: AnomalyFinding[] = [];
  for (const orgId of orgIds) findings.push(...(await checkOrg(orgId, hourStart)));
  return findings;
}

async function checkOrg(orgId: string, hourStart: Date): Promise<AnomalyFinding[]> {
  const org = await prisma.org.findUnique({ where: { id: orgId }, select: { anomalyMinSpendMicros: true, anomalyAutoPause: true } });
  if (!org) return [];
  const hours = [hourStart, ...Array.from({ length: ANOMALY_DAYS }, (_, k) => new Date(hourStart.getTime() - (k + 1) * 24 * HOUR))];
  const rows = await hourlySpend(orgId, hours);
  const bySubject = new Map<string, Map<number, bigint>>();
  for (const r of rows) {
    const k = `${r.kind}:${r.id}`;
    if (!bySubject.has(k)) bySubject.set(k, new Map());
    bySubject.get(k)!.set(r.bucket.getTime(), r.cost);
  }
  const out: AnomalyFinding[] = [];
  for (const [k, series] of bySubject) {
    const x = series.get(hourStart.getTime()) ?? 0n;
    if (x <= org.anomalyMinSpendMicros) continue;
    const history = hours.slice(1).map((h) => series.get(h.getTime()) ?? 0n);
    const t = spikeTest(x, history, org.anomalyMinSpendMicros);
    if (!t.spike) continue;
    const [kind, id] = k.split(":") as ["member" | "key", string];
    const label = await subjectLabel(orgId, kind, id);
    const autoPause = kind === "key" && org.anomalyAutoPause;
    const alertId = await claimAlert({
      orgId,
      kind: "anomaly",
      dedupeKey: `anomaly:${kind}:${id}:${hourStart.toISOString()}`,
      subjectType: kind,
      subjectId: id,
      spendMicros: x,
      title: `Spend spike: ${label} spent ${formatUsd(x)} in the hour from ${hourStart.toISOString().slice(11, 16)} UTC (usually ${formatUsd(t.median)})`,
      payload: {
        subjectType: kind,
        subjectId: id,
        subjectLabel: label,
        hourStart: hourStart.toISOString(),
        spendMicros: x.toString(),
        medianMicros: t.median.toString(),
        madMicros: t.mad.toString(),
        thresholdMicros: t.threshold.toString(),
        history: history.map(String),
        autoPaused: autoPause,
        method: ANOMALY_METHOD,
      },
    });
    if (autoPause) await pauseForAnomaly(orgId, id, hourStart, label, x);
    out.push({ orgId, kind, id, spendMicros: x, medianMicros: t.median, thresholdMicros: t.threshold, alertId });
  }
  return out;
}

async function subjectLabel(orgId: string, kind: "member" | "key", id: string): Promise<string> {
  if (kind === "key") {
    const k = await prisma.providerKey.findFirst({ where: { id, orgId }, select: { label: true, provider: true } });
    return k ? `key "${k.label}" (${k.provider})` : "an untracked key";
  }
  const u = await prisma.user.findFirst({ where: { id, memberships: { some: { orgId } } }, select: { email: true } });
  return u?.email ?? "a former member";
}

/** Optional automatic pause (Org.anomalyAutoPause): only an admin's resume undoes it. */
async function pauseForAnomaly(orgId: string, keyId: string, hourStart: Date, label: string, spend: bigint) {
  const key = await prisma.providerKey.findFirst({ where: { id: keyId, orgId, status: { not: "deleted" } }, select: { id: true } });
  if (!key) return;
  const rows = await prisma.enforcementAction.createManyAndReturn({
    data: [
      {
        orgId,
        providerKeyId: keyId,
        budgetId: null,
        action: "pause",
        reason: `Spend spike: ${label} spent ${formatUsd(spend)} in one hour (automatic pause on anomalies is on)`,
        dedupeKey: `anomaly-pause:${keyId}:${hourStart.toISOString()}`,
        periodStart: hourStart,
      },
    ],
    skipDuplicates: true,
    select: { id: true },
  });
  if (rows[0]) await scheduleApply(rows[0].id);
}
