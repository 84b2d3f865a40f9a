import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AppError } from "@/server/errors";
import { getPageContextWith } from "@/server/next/page-context";
import { getManagedSchedule } from "@/features/schedules/server/schedules";
import { listWorkspaces } from "@/features/workspaces/server/workspaces";
import { listScheduleTagOptions } from "@/features/schedules/server/options";
import type { ScheduleFilters } from "@/features/schedules/schemas";
import { Card, PageHeader } from "@/components/ui/card";
import { ScheduleForm } from "@/features/schedules/components/schedule-form";
import { updateScheduleAction } from "../actions";

export const metadata: Metadata = { title: "Edit scheduled report · Tollgate" };

export default async function EditSchedulePage({ params }: { params: Promise<{ org: string; scheduleId: string }> }) {
  const { org, scheduleId } = await params;
  const ctx = await getPageContextWith(org, "schedules:write");
  // Someone else's schedule is not a member's to edit: the page is not found for them, as for an unknown id.
  const s = await getManagedSchedule(ctx, scheduleId).catch((e: unknown) => {
    if (e instanceof AppError && (e.status === 404 || e.status === 403)) notFound();
    throw e;
  });
  const [workspaces, tags] = await Promise.all([listWorkspaces(ctx), listScheduleTagOptions(ctx)]);
  const initial = {
    name: s.name,
    frequency: s.frequency,
    hour: s.hour,
    workspaceId: s.workspaceId,
    recipients: s.recipients,
    recipientRoles: s.recipientRoles,
    filters: (s.filters ?? {}) as ScheduleFilters,
    enabled: s.enabled,
  };
  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/${ctx.orgSlug}/schedules`} className="text-blue-700 hover:underline">
          ← Scheduled reports
        </Link>
      </p>
      <PageHeader title={`Edit ${s.name}`} description={`Changes apply from the next run. Hours are in ${ctx.timeZone}.`} />
      <Card title="Scheduled report">
        <ScheduleForm
          org={ctx.orgSlug}
          timeZone={ctx.timeZone}
          workspaces={workspaces.map((w) => ({ value: w.id, label: w.name }))}
          projectTags={tags}
          scheduleId={s.id}
          initial={initial}
          action={updateScheduleAction}
        />
      </Card>
    </>
  );
}
