import type { ReportSchedule } from "@/generated/prisma/client";
import { env } from "@/env";
import type { TenantContext } from "@/server/tenant";
import { formatUsd } from "@/lib/money";
import type { Bounds } from "@/lib/periods";
import { queryUsage, sumUsage } from "@/features/usage/server/rollups";
import type { Dimension, UsageFilters } from "@/features/usage/schemas";
import { listBudgets } from "@/features/budgets/server/budgets";
import { listCreditStats } from "@/features/alerts/server/credits";
import type { AlertMessage } from "@/features/alerts/server/templates";
import { aggregatedColumns, type AggRow } from "@/features/exports/columns";
import { encodeToString } from "@/features/exports/format";
import { aggregatedRows } from "@/features/exports/server/aggregate";
import { loadLabels, type Labels } from "@/features/exports/server/labels";
import type { ReportQuery } from "@/features/exports/schemas";
import { isoInTimeZone } from "@/features/exports/format";
import type { ScheduleFilters } from "../schemas";
import { previousPeriod } from "./period";

/**
 * What a scheduled report says, from the usage module (the same numbers as the report pages):
 * spend and its change against the previous period, the top drivers by model, project and
 * member, budgets at risk with their projection, OpenRouter credits and runway; and the CSV
 * attachment (day × model × project × member, the documented aggregated column set).
 */
export type ReportContent = { message: AlertMessage; csv: string; totalMicros: bigint; summary: Record<string, unknown> };

const CSV_GROUPS: ReportQuery["group_by"] = ["model", "project", "member"];
const DRIVER_DIMS: [Dimension, string][] = [
  ["model", "Top models"],
  ["projectTag", "Top projects"],
  ["member", "Top members"],
];

function filtersOf(s: Pick<ReportSchedule, "workspaceId" | "filters">): { usage: UsageFilters; report: Partial<ReportQuery> } {
  const f = (s.filters ?? {}) as ScheduleFilters;
  const usage: UsageFilters = {};
  const report: Partial<ReportQuery> = {};
  if (s.workspaceId) {
    usage.workspaceId = [s.workspaceId];
    report.workspace_id = [s.workspaceId];
  }
  if (f.provider) {
    usage.provider = [f.provider];
    report.provider = [f.provider];
  }
  if (f.projectTagId) {
    usage.projectTagId = [f.projectTagId];
    report.project_id = [f.projectTagId];
  }
  if (f.model) {
    usage.model = [f.model];
    report.model = [f.model];
  }
  return { usage, report };
}

function change(cur: bigint, prev: bigint): string {
  if (prev === 0n) return cur === 0n ? "no change" : "new spend (nothing the period before)";
  const pct = Number(((cur - prev) * 1000n) / prev) / 10;
  return `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}% vs ${formatUsd(prev, { cents: true })}`;
}

async function drivers(ctx: TenantContext, range: { from: string; to: string }, filters: UsageFilters, labels: Labels) {
  const out: { title: string; rows: [string, string][] }[] = [];
  for (const [dim, title] of DRIVER_DIMS) {
    const rows = await queryUsage(ctx, { range, filters, groupBy: [dim], metrics: ["costMicros"], limit: 5 });
    out.push({ title, rows: rows.filter((r) => (r.sums.costMicros ?? 0n) > 0n).map((r) => [labels.label(dim, r.dims[dim]) || (dim === "model" ? r.dims[dim]! : "(none)"), formatUsd(r.sums.costMicros ?? 0n, { cents: true })]) });
  }
  return out;
}

export async function buildReport(ctx: TenantContext, schedule: ReportSchedule, period: Bounds, now: Date, opts: { test?: boolean } = {}): Promise<ReportContent> {
  const { usage, report } = filtersOf(schedule);
  const range = { from: period.start.toISOString(), to: period.end.toISOString() };
  const prev = previousPeriod(schedule.frequency, ctx.timeZone, period);
  const labels = await loadLabels(ctx.orgId);
  const [total, prevTotal, driverTables] = await Promise.all([
    sumUsage(ctx, { range, filters: usage }),
    sumUsage(ctx, { range: { from: prev.start.toISOString(), to: prev.end.toISOString() }, filters: usage }),
    drivers(ctx, range, usage, labels),
  ]);

  const budgets = (await listBudgets(ctx, now)).filter((b) => !schedule.workspaceId || b.workspaceId === schedule.workspaceId);
  const atRisk = budgets.filter((b) => b.status && (b.status.percent >= 80 || (b.status.projectedMicros !== null && BigInt(b.status.projectedMicros) >= BigInt(b.amountMicros))));
  const credits = await listCreditStats(ctx, now);

  const q: ReportQuery = { from: range.from, to: range.to, bucket: "day", group_by: CSV_GROUPS, ...report };
  const rows: AggRow[] = [];
  for await (const { row } of aggregatedRows(ctx, q, labels)) rows.push(row);
  const csv = await encodeToString("csv", aggregatedColumns(["model", "projectTag", "member"], true), rows, ctx.timeZone);
  const csvTotal = rows.reduce((s, r) => s + r.costMicros, 0n);

  const day = (d: Date) => isoInTimeZone(d, ctx.timeZone).slice(0, 10);
  const lastDay = day(new Date(period.end.getTime() - 1));
  const label = day(period.start) === lastDay ? day(period.start) : `${day(period.start)} – ${lastDay}`;
  const message: AlertMessage = {
    subject: `${opts.test ? "[Test] " : ""}${schedule.name}: ${formatUsd(total, { cents: true })} spent (${label})`,
    headline: `${schedule.name} — ${ctx.orgName}`,
    facts: [
      ["Period", `${label} (${ctx.timeZone})`],
      ["Spend", formatUsd(total, { cents: true })],
      ["Change vs previous period", change(total, prevTotal)],
    ],
    notes: opts.test ? ["This is a test run sent with “Send now”."] : [],
    tables: [
      ...driverTables.map((t) => ({ title: t.title, head: ["", "Spend"] as [string, string], rows: t.rows })),
      {
        title: "Budgets at risk",
        head: ["Budget", "Now / projected / amount"],
        rows: atRisk.map((b) => [b.name, `${b.status!.percent}% · ${b.status!.projectedMicros ? formatUsd(BigInt(b.status!.projectedMicros), { cents: true }) : "—"} of ${formatUsd(BigInt(b.amountMicros), { cents: true })}`]),
      },
      {
        title: "OpenRouter credits",
        head: ["Connection", "Balance · runway"],
        rows: credits.map((c) => [c.name, `${formatUsd(c.balanceMicros, { cents: true })} · ${c.runwayHours === null ? "no recent burn" : c.runwayHours >= 48 ? `${Math.floor(c.runwayHours / 24)} days` : `${c.runwayHours} h`}`]),
      },
    ],
    link: { label: "Open scheduled reports", url: `${env.APP_URL}/${ctx.orgSlug}/schedules` },
    event: {},
  };
  const summary = {
    totalMicros: total.toString(),
    previousMicros: prevTotal.toString(),
    csvTotalMicros: csvTotal.toString(),
    csvRows: rows.length,
    budgetsAtRisk: atRisk.map((b) => b.id),
  };
  return { message, csv, totalMicros: total, summary };
}
