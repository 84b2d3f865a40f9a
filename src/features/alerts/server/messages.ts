import type { Alert, Budget, Prisma } from "@/generated/prisma/client";
import { prisma } from "@/server/db";
import { env } from "@/env";
import { formatUsd } from "@/lib/money";
import { formatPercent } from "@/lib/percent";
import { spendDrivers } from "@/features/budgets/server/spend";
import type { AlertMessage } from "./templates";

type Payload = Record<string, unknown>;
const str = (v: unknown, d = "") => (typeof v === "string" ? v : v === null || v === undefined ? d : String(v));
const usd = (v: unknown) => (v === null || v === undefined || v === "" ? "—" : formatUsd(BigInt(str(v, "0"))));

export type DriverRow = [label: string, usd: string];
export type Drivers = { models: DriverRow[]; members: DriverRow[]; keys: DriverRow[] };

/**
 * The top models, members and keys behind a budget's spend in the alert's period, with
 * labels. Computed once, at the first delivery attempt, and stored in the alert's payload,
 * so a retry sends the same content and the feed shows it too.
 */
export async function ensureDrivers(alert: Alert, budget: Budget | null): Promise<Drivers | null> {
  const payload = (alert.payload ?? {}) as Payload;
  if (payload.drivers) return payload.drivers as Drivers;
  if (!alert.periodStart || !budget || budget.id !== alert.budgetId) return null;
  const end = payload.periodEnd ? new Date(str(payload.periodEnd)) : new Date(Date.UTC(9999, 11, 31));
  const d = await spendDrivers(budget, alert.periodStart, end, 5);
  const [users, keys] = await Promise.all([
    prisma.user.findMany({
      where: { id: { in: d.members.map((m) => m.id) }, memberships: { some: { orgId: alert.orgId } } },
      select: { id: true, email: true, name: true },
    }),
    prisma.providerKey.findMany({ where: { id: { in: d.keys.map((k) => k.id) }, orgId: alert.orgId }, select: { id: true, label: true, provider: true } }),
  ]);
  const userLabel = new Map(users.map((u) => [u.id, u.name ? `${u.name} <${u.email}>` : u.email]));
  const keyLabel = new Map(keys.map((k) => [k.id, `${k.label} (${k.provider})`]));
  const drivers: Drivers = {
    models: d.models.map((m) => [m.id, formatUsd(m.costMicros)]),
    members: d.members.map((m) => [userLabel.get(m.id) ?? "former member", formatUsd(m.costMicros)]),
    keys: d.keys.map((k) => [keyLabel.get(k.id) ?? "untracked key", formatUsd(k.costMicros)]),
  };
  await prisma.alert.update({ where: { id: alert.id }, data: { payload: { ...payload, drivers } as Prisma.InputJsonValue } });
  return drivers;
}

function driverTables(d: Drivers | null): AlertMessage["tables"] {
  if (!d) return [];
  return [
    { title: "Top models", head: ["Model", "Spend"], rows: d.models },
    { title: "Top members", head: ["Member", "Spend"], rows: d.members },
    { title: "Top keys", head: ["Key", "Spend"], rows: d.keys },
  ];
}

const PROJECTION_NOTE =
  "Projection: spend so far divided by the fraction of the period elapsed (a straight line at this period's average rate).";

/** Builds the message for any alert kind from the row (and, for budgets, its drivers). */
export async function buildMessage(alert: Alert, orgSlug: string, budget: Budget | null): Promise<AlertMessage> {
  const p = (alert.payload ?? {}) as Payload;
  const base = `${env.APP_URL.replace(/\/$/, "")}/${orgSlug}`;
  const event = { id: alert.id, kind: alert.kind, title: alert.title, createdAt: alert.createdAt.toISOString(), ...p };
  switch (alert.kind) {
    case "budget_threshold":
    case "budget_pace": {
      const drivers = await ensureDrivers(alert, budget);
      const pace = alert.kind === "budget_pace";
      const pct = typeof p.percent === "number" ? `${p.percent}%` : "—";
      return {
        subject: pace
          ? `[Tollgate] Budget "${str(p.budgetName)}" is on pace to overspend`
          : `[Tollgate] Budget "${str(p.budgetName)}" reached ${alert.threshold}% (${usd(p.spendMicros)} of ${usd(p.limitMicros)})`,
        headline: alert.title,
        facts: [
          ["Spend", usd(p.spendMicros)],
          ["Limit", usd(p.limitMicros)],
          ["Used", pct],
          ["Period", `${str(p.periodLabel)} (${str(p.timeZone, "UTC")})`],
          ["Time left", p.timeLeft ? str(p.timeLeft) : "no reset (lifetime)"],
          ["Projected at period end", p.projectedMicros ? usd(p.projectedMicros) : "—"],
          ["Mode", p.mode === "hard" ? "hard: keys pause at 100%" : "soft: alerts only"],
        ],
        notes: p.periodEnded ? ["This period has ended: the usage that crossed the line arrived late (a late push, a revised provider figure or a billed cost)."] : [PROJECTION_NOTE],
        tables: driverTables(drivers),
        link: { label: "Open the budget", url: `${base}/budgets/${alert.budgetId}` },
        event: { ...event, drivers, reportUrl: base },
      };
    }
    case "low_credit":
      return {
        subject: `[Tollgate] OpenRouter credits are running low (${usd(p.balanceMicros)} left)`,
        headline: alert.title,
        facts: [
          ["Connection", str(p.connectionName)],
          ["Balance", usd(p.balanceMicros)],
          ["Burn rate (24 h)", `${usd(p.burn24hMicrosPerHour)}/h`],
          ["Burn rate (7 d)", `${usd(p.burn7dMicrosPerHour)}/h`],
          ["Runway", p.runwayHours === null || p.runwayHours === undefined ? "—" : `${p.runwayHours} h`],
          ["Alert when", `runway < ${str(p.thresholdHours)} h${p.balanceThresholdMicros ? ` or balance < ${usd(p.balanceThresholdMicros)}` : ""}`],
        ],
        notes: [
          p.burnSource === "spend"
            ? `Runway = balance ÷ ${usd(p.burnMicrosPerHour)}/h, the OpenRouter spend Tollgate recorded (the credit snapshots show no burn yet).`
            : "Runway = balance ÷ the last 24 hours' burn rate (the 7-day rate when the last day had no spend).",
        ],
        tables: [],
        link: { label: "Open alerts and credits", url: `${base}/alerts` },
        event,
      };
    case "anomaly":
      return {
        subject: `[Tollgate] Spend spike: ${str(p.subjectLabel)} spent ${usd(p.spendMicros)} in one hour`,
        headline: alert.title,
        facts: [
          [p.subjectType === "key" ? "Key" : "Member", str(p.subjectLabel)],
          ["Hour (UTC)", str(p.hourStart)],
          ["Spend that hour", usd(p.spendMicros)],
          ["Usual for this hour (7-day median)", usd(p.medianMicros)],
          ["Alert line", usd(p.thresholdMicros)],
          ...(p.autoPaused ? ([["Action", "the key was paused automatically"]] as [string, string][]) : []),
        ],
        notes: [str(p.method)],
        tables: [],
        link: p.subjectType === "key" ? { label: "What limits this key", url: `${base}/keys/${str(p.subjectId)}` } : { label: "Open the report", url: base },
        event,
      };
    case "key_paused":
    case "key_resumed":
      return {
        subject: `[Tollgate] Key "${str(p.keyLabel)}" ${alert.kind === "key_paused" ? "paused" : "resumed"}`,
        headline: alert.title,
        facts: [
          ["Key", `${str(p.keyLabel)} (${str(p.provider)})`],
          ["Reason", str(p.reason)],
          ["How", str(p.control)],
          ...(p.resumesAt ? ([["Resumes", str(p.resumesAt)]] as [string, string][]) : []),
        ],
        notes: [],
        tables: [],
        link: { label: "What limits this key", url: `${base}/keys/${str(p.keyId)}` },
        event,
      };
    case "enforcement_failed": {
      const pause = p.action === "pause";
      return {
        subject: pause ? `[Tollgate] Key "${str(p.keyLabel)}" is NOT paused: enforcement failed` : `[Tollgate] Key "${str(p.keyLabel)}" could not be resumed`,
        headline: alert.title,
        facts: [
          ["Key", `${str(p.keyLabel)} (${str(p.provider)})`],
          ["Tollgate tried to", `${str(p.action)}: ${str(p.reason)}`],
          ["Why it failed", str(p.error)],
          ["Attempts", str(p.attempts)],
        ],
        notes: [
          pause
            ? "The key is not protected and keeps spending. Check the provider connection (a revoked or under-privileged management/admin key is the usual cause), or disable the key at the provider yourself."
            : "The key may still be disabled at the provider. Check the provider connection, then resume the key again from its page.",
        ],
        tables: [],
        link: { label: "What limits this key", url: `${base}/keys/${str(p.keyId)}` },
        event,
      };
    }
    case "bill_drift": {
      const top = (rows: unknown) => (Array.isArray(rows) ? (rows as { label: string; costMicros: string }[]).map((r) => [r.label, usd(r.costMicros)] as [string, string]) : []);
      return {
        subject: `[Tollgate] Spend differs from the ${str(p.provider)} bill on ${str(p.day)}`,
        headline: alert.title,
        facts: [
          ["Connection", str(p.connectionName)],
          ["Day (UTC)", str(p.day)],
          ["Tollgate counted", usd(p.tollgateMicros)],
          ["Provider billed", usd(p.billedMicros)],
          ["Drift", `${usd(p.driftMicros)}${typeof p.driftPercent === "number" ? ` (${formatPercent(p.driftPercent, 2)})` : ""}`],
          ["Alert above", `${str(p.thresholdPercent)} %`],
          ...top(p.topModels).map(([l, v]) => [`Model ${l}`, v] as [string, string]),
          ...top(p.topKeys).map(([l, v]) => [`Key ${l}`, v] as [string, string]),
        ],
        notes: ["The day has ended. For OpenAI the bill is the truth: Tollgate adds the difference as a billing adjustment."],
        tables: [],
        link: { label: "Open the reconciliation", url: `${base}/reconciliation` },
        event,
      };
    }
    default:
      return { subject: `[Tollgate] ${alert.title}`, headline: alert.title, facts: [], notes: [], tables: [], link: { label: "Open alerts", url: `${base}/alerts` }, event };
  }
}
