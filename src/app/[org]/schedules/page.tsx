import type { Metadata } from "next";
import { getPageContextWith } from "@/server/next/page-context";
import { formatUsd } from "@/lib/money";
import { canManageSchedule, listSchedules } from "@/features/schedules/server/schedules";
import { listRuns } from "@/features/schedules/server/runs";
import { listWorkspaces } from "@/features/workspaces/server/workspaces";
import { listScheduleTagOptions } from "@/features/schedules/server/options";
import { FREQUENCY_LABELS } from "@/features/schedules/schemas";
import { Badge, Card, EmptyState, PageHeader, Table } from "@/components/ui/card";
import { ScheduleForm } from "@/features/schedules/components/schedule-form";
import { ScheduleButtons } from "@/features/schedules/components/schedule-buttons";
import { createScheduleAction, deleteScheduleAction, sendNowAction } from "./actions";

export const metadata: Metadata = { title: "Scheduled reports · Tollgate" };

const TONE = { sent: "green", pending: "amber", sending: "blue", failed: "red", none: "gray" } as const;

export default async function SchedulesPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const ctx = await getPageContextWith(org, "schedules:read");
  const [schedules, runs, workspaces, tags] = await Promise.all([listSchedules(ctx), listRuns(ctx, { limit: 50 }), listWorkspaces(ctx), listScheduleTagOptions(ctx)]);
  const canWrite = ctx.permissions.has("schedules:write");
  const fmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: ctx.timeZone });
  const day = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: ctx.timeZone });
  const wsName = new Map(workspaces.map((w) => [w.id, w.name]));

  return (
    <>
      <PageHeader title="Scheduled reports" description={`Spend reports by email with a CSV attached, at a chosen hour (${ctx.timeZone}). Exactly one per schedule and period.`} />
      <div className="space-y-6">
        <Card title="Schedules">
          <Table
            head={["Name", "When", "Scope", "Recipients", "Last sent", ""]}
            empty={<EmptyState title="No scheduled reports yet">Create one below: finance gets Monday&apos;s numbers without asking.</EmptyState>}
            rows={schedules.map((s) => [
              s.name,
              `${FREQUENCY_LABELS[s.frequency]} at ${String(s.hour).padStart(2, "0")}:00`,
              s.workspaceId ? (wsName.get(s.workspaceId) ?? "Workspace") : "Organization",
              [...s.recipients, ...s.recipientRoles.map((r) => `all ${r}s`)].join(", "),
              s.lastSentAt ? fmt.format(s.lastSentAt) : <span className="text-gray-400">never</span>,
              canManageSchedule(ctx, s.createdById) ? <ScheduleButtons key="b" org={ctx.orgSlug} scheduleId={s.id} name={s.name} sendNow={sendNowAction} remove={deleteScheduleAction} /> : null,
            ])}
          />
        </Card>
        {canWrite ? (
          <Card title="New scheduled report">
            <ScheduleForm org={ctx.orgSlug} timeZone={ctx.timeZone} workspaces={workspaces.map((w) => ({ value: w.id, label: w.name }))} projectTags={tags} action={createScheduleAction} />
          </Card>
        ) : null}
        <Card title="History">
          <Table
            head={["Report", "Period", "Status", "Spend", "Sent", "CSV"]}
            empty={<EmptyState title="No reports sent yet" />}
            rows={runs.map((r) => [
              <span key="n">
                {r.scheduleName} {r.test ? <Badge tone="blue">test</Badge> : null}
              </span>,
              `${day.format(r.periodStart)} – ${day.format(new Date(r.periodEnd.getTime() - 1))}`,
              <Badge key="s" tone={TONE[r.status as keyof typeof TONE] ?? "gray"}>
                {r.status}
              </Badge>,
              r.totalMicros === null ? "—" : formatUsd(BigInt(r.totalMicros), { cents: true }),
              r.sentAt ? fmt.format(r.sentAt) : "—",
              r.hasCsv ? (
                <a key="d" className="text-blue-700 hover:underline" href={`/api/v1/orgs/${ctx.orgSlug}/report-runs/${r.id}/download`}>
                  Download
                </a>
              ) : null,
            ])}
          />
        </Card>
      </div>
    </>
  );
}
